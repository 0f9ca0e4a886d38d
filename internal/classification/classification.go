// Package classification holds an organisation's classifications (the API's labels): the marks a file
// carries, each of which limits who the file may be shared with (internal/sharing). An organisation's
// classifications are ranked: their priorities are exactly 1..n, "1" the highest. A new one goes to the
// bottom; deleting one closes the gap; moving one swaps it with its neighbour. A classification is never
// edited otherwise.
//
// Every change runs in a transaction that first takes the organisation's row lock, as the organisation's
// own rules do (internal/organisation), so concurrent creates, deletes and moves of one organisation's
// classifications happen one after the other and the numbering stays 1..n. The store's unique index on
// (organisation, priority) is the backstop: a change that would break it fails rather than commits.
package classification

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
)

// Classification is one classification of an organisation.
type Classification struct {
	ID             int64
	OrganisationID int64
	// Name is the name, or a key of the locale bundle when ApplyI18n is set.
	Name        string
	Description string
	// Priority is its rank in the organisation: 1 is the highest, and the organisation's n
	// classifications have the priorities 1..n.
	Priority  int
	ApplyI18n bool
	CreatedAt time.Time
}

var (
	ErrNotFound = errs.New(errs.NotFound, "Classification not found", "classification not found")
	// ErrNameTaken: the organisation has a classification with this name, in any case.
	ErrNameTaken = errs.New(errs.Conflict, "Classification name already in use", "the organisation already has a classification with this name")
	// ErrFirst and ErrLast: there is no neighbour to swap with.
	ErrFirst = errs.New(errs.Conflict, "Cannot move further", "the classification has the highest priority already; it cannot move up")
	ErrLast  = errs.New(errs.Conflict, "Cannot move further", "the classification has the lowest priority already; it cannot move down")
	// ErrOrganisationGone: there is no such organisation (a SafeShare administrator may ask about any id),
	// or it was removed before the change could be made.
	ErrOrganisationGone = errs.New(errs.NotFound, "Organisation not found", "the organisation does not exist")
)

// Direction is where a move takes a classification.
type Direction int

const (
	// Up is towards priority 1.
	Up Direction = iota + 1
	// Down is towards priority n.
	Down
)

// Store keeps classifications: queries and locks only; the numbering is the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// LockOrganisation takes the organisation's row lock for the rest of the transaction;
	// ErrOrganisationGone if there is no such organisation.
	LockOrganisation(ctx context.Context, orgID int64) error
	// OrganisationExists reports whether the organisation exists.
	OrganisationExists(ctx context.Context, orgID int64) (bool, error)
	// LowestPriority is the largest priority number the organisation's classifications have, 0 if it
	// has none.
	LowestPriority(ctx context.Context, orgID int64) (int, error)
	// Create stores a classification; a name the organisation has (in any case) is ErrNameTaken.
	Create(ctx context.Context, c Classification) error
	// Get reads the organisation's classification; ErrNotFound if it has no such classification.
	Get(ctx context.Context, orgID, id int64) (Classification, error)
	// AtPriority reads the organisation's classification with this priority; ErrNotFound if none.
	AtPriority(ctx context.Context, orgID int64, priority int) (Classification, error)
	Page(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Classification], error)
	// Delete deletes the classification and its links to clearances; ErrNotFound if it is gone.
	Delete(ctx context.Context, orgID, id int64) error
	// Raise moves every classification of the organisation below priority up one place (priority-1).
	Raise(ctx context.Context, orgID int64, below int) error
	// Swap gives a the priority of b and b the priority of a.
	Swap(ctx context.Context, orgID int64, a, b Classification) error
}

// Service is the classifications' rules.
type Service struct {
	store Store
	ids   *ids.Generator
	now   func() time.Time
}

// NewService returns the classifications over the store.
func NewService(s Store, g *ids.Generator) *Service {
	return &Service{store: s, ids: g, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// New is what creating a classification takes.
type New struct {
	Name        string
	Description string
	ApplyI18n   bool
}

// Create adds a classification to the organisation with the lowest priority (n+1). Names are unique in
// the organisation case-insensitively, compared without their surrounding spaces.
func (s *Service) Create(ctx context.Context, orgID int64, n New) (Classification, error) {
	c := Classification{
		ID: s.ids.New(), OrganisationID: orgID, Name: strings.TrimSpace(n.Name), Description: n.Description,
		ApplyI18n: n.ApplyI18n, CreatedAt: s.now(),
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockOrganisation(ctx, orgID); err != nil {
			return err
		}
		lowest, err := s.store.LowestPriority(ctx, orgID)
		if err != nil {
			return err
		}
		c.Priority = lowest + 1
		return s.store.Create(ctx, c)
	})
	if err != nil {
		return Classification{}, err
	}
	return c, nil
}

// Get returns the organisation's classification; ErrNotFound for another organisation's.
func (s *Service) Get(ctx context.Context, orgID, id int64) (Classification, error) {
	return s.store.Get(ctx, orgID, id)
}

// List returns one page of the organisation's classifications; ErrOrganisationGone if there is no such
// organisation (SafeShare administrators may read any organisation's, so the id may name none).
func (s *Service) List(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Classification], error) {
	page, err := s.store.Page(ctx, orgID, q)
	if err != nil {
		return page, err
	}
	return listing.InOrganisation(page, func() (bool, error) { return s.store.OrganisationExists(ctx, orgID) }, ErrOrganisationGone)
}

// Delete deletes the organisation's classification, unlinking it from every clearance, and moves the
// classifications below it up one place so the priorities stay 1..n.
func (s *Service) Delete(ctx context.Context, orgID, id int64) (Classification, error) {
	var c Classification
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockOrganisation(ctx, orgID); err != nil {
			return err
		}
		var err error
		if c, err = s.store.Get(ctx, orgID, id); err != nil {
			return err
		}
		if err := s.store.Delete(ctx, orgID, id); err != nil {
			return err
		}
		return s.store.Raise(ctx, orgID, c.Priority)
	})
	return c, err
}

// Move swaps the organisation's classification with its neighbour above (Up) or below (Down): ErrFirst
// or ErrLast when it has none. It returns the classification in its new place.
func (s *Service) Move(ctx context.Context, orgID, id int64, d Direction) (Classification, error) {
	var c Classification
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockOrganisation(ctx, orgID); err != nil {
			return err
		}
		var err error
		if c, err = s.store.Get(ctx, orgID, id); err != nil {
			return err
		}
		target, edge := c.Priority-1, ErrFirst
		if d == Down {
			target, edge = c.Priority+1, ErrLast
		}
		if target < 1 {
			return edge
		}
		neighbour, err := s.store.AtPriority(ctx, orgID, target)
		if errors.Is(err, ErrNotFound) {
			return edge
		}
		if err != nil {
			return err
		}
		if err := s.store.Swap(ctx, orgID, c, neighbour); err != nil {
			return err
		}
		c.Priority = neighbour.Priority
		return nil
	})
	return c, err
}
