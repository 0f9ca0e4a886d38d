// Package clearance holds an organisation's clearances (the API's groups): sets of the organisation's
// users linked to its classifications. A file carrying a classification may be shared with a user only
// if the user is in a clearance linked to it (internal/sharing decides).
//
// A clearance holds only members of its organisation and is linked only to its organisation's
// classifications; the store's foreign keys say so too, and take a member's links with their
// membership, so a member removed from the organisation leaves its clearances in the same statement.
// Every change runs in a transaction that first takes the organisation's row lock, as the organisation's
// own rules do, so it is ordered against member removals, classification deletions and the
// organisation's removal: it sees each of them wholly or not at all.
package clearance

import (
	"context"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/user"
)

// Clearance is one clearance of an organisation, with how many classifications and members it has.
type Clearance struct {
	ID             int64
	OrganisationID int64
	Name           string
	Description    string
	LabelCount     int
	MemberCount    int
	CreatedAt      time.Time
}

// Member is a user in a clearance, with their membership of the clearance's organisation.
type Member struct {
	User             user.User
	Role             organisation.Role
	IsOrgAdmin       bool
	OrganisationName string
}

var (
	ErrNotFound = errs.New(errs.NotFound, "Clearance not found", "clearance not found")
	// ErrNameTaken: the organisation has a clearance with this name, in any case.
	ErrNameTaken = errs.New(errs.Conflict, "Clearance name already in use", "the organisation already has a clearance with this name")
	// ErrNotAMember: a user named is not a member of the clearance's organisation (errs.Items name each).
	ErrNotAMember = errs.New(errs.Invalid, "Invalid clearance change", "the user is not a member of this organisation")
	// ErrUnknownClassification: a classification named is not one of the organisation's.
	ErrUnknownClassification = errs.New(errs.Invalid, "Invalid clearance change", "the classification is not one of this organisation's")
	// ErrAddedAndRemoved: one change both adds and removes the same user, or the same classification.
	ErrAddedAndRemoved = errs.New(errs.Invalid, "Invalid clearance change", "the same id is both added and removed")
	// ErrOrganisationGone: the organisation was removed before the change could be made.
	ErrOrganisationGone = errs.New(errs.NotFound, "Organisation not found", "the organisation does not exist")
)

// Store keeps clearances and their links: queries and locks only; the rules are the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// LockOrganisation takes the organisation's row lock for the rest of the transaction;
	// ErrOrganisationGone if there is no such organisation.
	LockOrganisation(ctx context.Context, orgID int64) error
	// Create stores a clearance; a name the organisation has (in any case) is ErrNameTaken.
	Create(ctx context.Context, c Clearance) error
	// Get reads the organisation's clearance with its counts; ErrNotFound if it has no such clearance.
	Get(ctx context.Context, orgID, id int64) (Clearance, error)
	// Page is one page of the organisation's clearances with their counts; q.Search (lower case)
	// matches the name.
	Page(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Clearance], error)
	// Rename changes what is not nil of the name and description; a name another clearance of the
	// organisation has is ErrNameTaken.
	Rename(ctx context.Context, orgID, id int64, name, description *string) error
	// Delete deletes the clearance and its links; ErrNotFound if it is gone.
	Delete(ctx context.Context, orgID, id int64) error
	// Members are those of userIDs who are members of the organisation; Classifications those of
	// classificationIDs that are the organisation's. One statement each, whatever the number of ids.
	Members(ctx context.Context, orgID int64, userIDs []int64) ([]int64, error)
	Classifications(ctx context.Context, orgID int64, classificationIDs []int64) ([]int64, error)
	// Link, Unlink, AddMembers and RemoveMembers change the clearance's links, one statement each;
	// linking what is linked and unlinking what is not are no-ops.
	Link(ctx context.Context, orgID, id int64, classificationIDs []int64) error
	Unlink(ctx context.Context, id int64, classificationIDs []int64) error
	AddMembers(ctx context.Context, orgID, id int64, userIDs []int64) error
	RemoveMembers(ctx context.Context, id int64, userIDs []int64) error
	// MemberPage is one page of the clearance's members.
	MemberPage(ctx context.Context, id int64, q listing.Query) (listing.Page[Member], error)
}

// Service is the clearances' rules.
type Service struct {
	store Store
	ids   *ids.Generator
	now   func() time.Time
}

// NewService returns the clearances over the store.
func NewService(s Store, g *ids.Generator) *Service {
	return &Service{store: s, ids: g, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Create adds an empty clearance to the organisation. Names are unique in the organisation
// case-insensitively, compared without their surrounding spaces.
func (s *Service) Create(ctx context.Context, orgID int64, name, description string) (Clearance, error) {
	c := Clearance{ID: s.ids.New(), OrganisationID: orgID, Name: strings.TrimSpace(name), Description: description, CreatedAt: s.now()}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockOrganisation(ctx, orgID); err != nil {
			return err
		}
		return s.store.Create(ctx, c)
	})
	if err != nil {
		return Clearance{}, err
	}
	return c, nil
}

// Get returns the organisation's clearance; ErrNotFound for another organisation's.
func (s *Service) Get(ctx context.Context, orgID, id int64) (Clearance, error) {
	return s.store.Get(ctx, orgID, id)
}

// List returns one page of the organisation's clearances.
func (s *Service) List(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Clearance], error) {
	q.Search = strings.ToLower(q.Search)
	return s.store.Page(ctx, orgID, q)
}

// Members returns one page of the organisation's clearance's members; ErrNotFound for another
// organisation's clearance.
func (s *Service) Members(ctx context.Context, orgID, id int64, q listing.Query) (listing.Page[Member], error) {
	if _, err := s.store.Get(ctx, orgID, id); err != nil {
		return listing.Page[Member]{}, err
	}
	return s.store.MemberPage(ctx, id, q)
}

// Delete deletes the organisation's clearance and its links; its users keep what other clearances give
// them.
func (s *Service) Delete(ctx context.Context, orgID, id int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockOrganisation(ctx, orgID); err != nil {
			return err
		}
		return s.store.Delete(ctx, orgID, id)
	})
}

// Change is what one update of a clearance names: nil or empty members change nothing. The lists are
// the ids of classifications (Labels) and users, in the order the request gave them.
type Change struct {
	Name, Description       *string
	AddLabels, RemoveLabels []int64
	AddUsers, RemoveUsers   []int64
}

// The names of Change's lists, as the refused items' Field says which list an id was in.
const (
	FieldAddLabels    = "addLabels"
	FieldRemoveLabels = "removeLabels"
	FieldAddUsers     = "addUsers"
	FieldRemoveUsers  = "removeUsers"
)

// Update applies the change to the organisation's clearance in one transaction, all or nothing. Every
// id must be of the organisation: a user who is not its member, or a classification that is not its,
// refuses the whole change, naming each such id (errs.Items of ErrNotAMember and
// ErrUnknownClassification, Field the list and Index the place in it). So does an id both added and
// removed (ErrAddedAndRemoved). Adding what is there already and removing what is not are no-ops. The
// work is a fixed number of statements whatever the number of ids: one look-up per kind of id, one
// statement per list.
func (s *Service) Update(ctx context.Context, orgID, id int64, c Change) (Clearance, error) {
	if refused := addedAndRemoved(c); len(refused) > 0 {
		return Clearance{}, refused
	}
	if c.Name != nil {
		v := strings.TrimSpace(*c.Name)
		c.Name = &v
	}
	var out Clearance
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockOrganisation(ctx, orgID); err != nil {
			return err
		}
		if _, err := s.store.Get(ctx, orgID, id); err != nil {
			return err
		}
		if err := s.checkIDs(ctx, orgID, c); err != nil {
			return err
		}
		if c.Name != nil || c.Description != nil {
			if err := s.store.Rename(ctx, orgID, id, c.Name, c.Description); err != nil {
				return err
			}
		}
		steps := []struct {
			ids []int64
			do  func([]int64) error
		}{
			{c.RemoveLabels, func(v []int64) error { return s.store.Unlink(ctx, id, v) }},
			{c.AddLabels, func(v []int64) error { return s.store.Link(ctx, orgID, id, v) }},
			{c.RemoveUsers, func(v []int64) error { return s.store.RemoveMembers(ctx, id, v) }},
			{c.AddUsers, func(v []int64) error { return s.store.AddMembers(ctx, orgID, id, v) }},
		}
		for _, st := range steps {
			if v := distinct(st.ids); len(v) > 0 {
				if err := st.do(v); err != nil {
					return err
				}
			}
		}
		var err error
		out, err = s.store.Get(ctx, orgID, id)
		return err
	})
	if err != nil {
		return Clearance{}, err
	}
	return out, nil
}

// checkIDs names each id of the change that is not of the organisation: one look-up for every user
// named, one for every classification.
func (s *Service) checkIDs(ctx context.Context, orgID int64, c Change) error {
	var refused errs.Items
	if users := distinct(append(append([]int64{}, c.AddUsers...), c.RemoveUsers...)); len(users) > 0 {
		members, err := s.store.Members(ctx, orgID, users)
		if err != nil {
			return err
		}
		refused = append(refused, unknown(FieldAddUsers, c.AddUsers, members, ErrNotAMember)...)
		refused = append(refused, unknown(FieldRemoveUsers, c.RemoveUsers, members, ErrNotAMember)...)
	}
	if labels := distinct(append(append([]int64{}, c.AddLabels...), c.RemoveLabels...)); len(labels) > 0 {
		known, err := s.store.Classifications(ctx, orgID, labels)
		if err != nil {
			return err
		}
		refused = append(refused, unknown(FieldAddLabels, c.AddLabels, known, ErrUnknownClassification)...)
		refused = append(refused, unknown(FieldRemoveLabels, c.RemoveLabels, known, ErrUnknownClassification)...)
	}
	if len(refused) > 0 {
		return refused
	}
	return nil
}

// unknown names each of list (the field) that is not one of known.
func unknown(field string, list, known []int64, why error) errs.Items {
	have := make(map[int64]bool, len(known))
	for _, id := range known {
		have[id] = true
	}
	var out errs.Items
	for i, id := range list {
		if !have[id] {
			out = append(out, &errs.ItemError{Index: i, Field: field, Err: why})
		}
	}
	return out
}

// addedAndRemoved names, in both lists, each id a change both adds and removes.
func addedAndRemoved(c Change) errs.Items {
	var out errs.Items
	for _, pair := range [][2]struct {
		field string
		ids   []int64
	}{
		{{FieldAddLabels, c.AddLabels}, {FieldRemoveLabels, c.RemoveLabels}},
		{{FieldAddUsers, c.AddUsers}, {FieldRemoveUsers, c.RemoveUsers}},
	} {
		add, remove := pair[0], pair[1]
		inAdd := make(map[int64]bool, len(add.ids))
		for _, id := range add.ids {
			inAdd[id] = true
		}
		both := map[int64]bool{}
		for _, id := range remove.ids {
			if inAdd[id] {
				both[id] = true
			}
		}
		for _, side := range []struct {
			field string
			ids   []int64
		}{add, remove} {
			for i, id := range side.ids {
				if both[id] {
					out = append(out, &errs.ItemError{Index: i, Field: side.field, Err: ErrAddedAndRemoved})
				}
			}
		}
	}
	return out
}

// distinct is ids without repeats, in their first order.
func distinct(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
