// Package plan holds an organisation's storage plans, which give its Originators a quota (in MiB), and
// their rules: the organisation's first plan is its default and from then on it always has exactly one;
// names are unique in the organisation case-insensitively; a plan's quota never exceeds the
// organisation's; deleting a plan moves its Originators to the default plan. Every change runs in one
// transaction that holds the organisation's row lock, the lock adding or changing a member takes too,
// so a member is never given a plan that is being deleted and two requests never make two defaults.
package plan

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
)

// Plan is one storage plan of an organisation.
type Plan struct {
	ID             int64
	OrganisationID int64
	Name           string
	Description    string
	Quota          int64 // MiB
	// Default: the plan an Originator gets when none is named.
	Default bool
	// OriginatorCount is how many Originators are on the plan, as read with it.
	OriginatorCount int
	CreatedAt       time.Time
}

// Limits of a plan's text, as the spec has them (checked here too, so the rules hold whoever calls).
const (
	MaxNameLength        = 255
	MaxDescriptionLength = 1000
)

var (
	ErrNotFound             = errs.New(errs.NotFound, "Plan not found", "plan not found")
	ErrOrganisationNotFound = errs.New(errs.NotFound, "Organisation not found", "organisation not found")
	// ErrNameTaken: the organisation has a plan of this name already, in any case.
	ErrNameTaken = errs.New(errs.Conflict, "Plan name already in use", "the organisation already has a plan with this name")
	// ErrInvalidName, ErrInvalidDescription and ErrInvalidQuota are refused as errs.Items naming the member.
	ErrInvalidName        = errs.New(errs.Invalid, "Invalid plan name", "a plan's name is 1 to 255 characters and not only spaces")
	ErrInvalidDescription = errs.New(errs.Invalid, "Invalid plan description", "a plan's description is at most 1000 characters")
	ErrInvalidQuota       = errs.New(errs.Invalid, "Invalid quota", "a quota is a whole number of MiB, 0 or more")
	// ErrQuotaAboveOrganisation is refused as errs.Items naming quota.
	ErrQuotaAboveOrganisation = errs.New(errs.Invalid, "Quota above the organisation's", "a plan's quota may not exceed the organisation's quota")
	// ErrDefaultRequired: default: false on the default plan; there is always exactly one default once a
	// plan exists.
	ErrDefaultRequired = errs.New(errs.Conflict, "Default plan required",
		"the organisation always has a default plan: make another plan the default instead")
	// ErrDefaultInUse: the default plan is deleted while another plan exists or an Originator is on it.
	ErrDefaultInUse = errs.New(errs.Conflict, "Default plan in use",
		"the default plan can be deleted only when it is the organisation's last plan and no Originator is on it: make another plan the default first")
	// ErrNoDefault: the organisation has plans but none is the default, so a deleted plan's Originators
	// have nowhere to go. The rules never leave an organisation so; data from before them might.
	ErrNoDefault = errs.New(errs.Precondition, "No default plan",
		"the organisation has no default plan for the deleted plan's Originators: make a plan the default first")
)

// Changes are what a PUT names; nil members stay as they are.
type Changes struct {
	Name        *string
	Description *string
	Quota       *int64
	Default     *bool
}

// Store keeps plans: queries and locks only; the rules are the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// LockOrganisation takes the organisation's row lock for the rest of the transaction and returns
	// its quota; ErrOrganisationNotFound if there is no such organisation.
	LockOrganisation(ctx context.Context, orgID int64) (quota int64, err error)
	// OrganisationExists reports whether the organisation exists.
	OrganisationExists(ctx context.Context, orgID int64) (bool, error)
	// Plan reads the organisation's plan with its Originator count; ErrNotFound if it has no such plan.
	Plan(ctx context.Context, orgID, planID int64) (Plan, error)
	// DefaultPlan reads the organisation's default plan; ErrNotFound if it has none.
	DefaultPlan(ctx context.Context, orgID int64) (Plan, error)
	// List returns one page of the organisation's plans, each with its Originator count.
	List(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Plan], error)
	// Count is how many plans the organisation has.
	Count(ctx context.Context, orgID int64) (int, error)
	// NameTaken reports whether a plan of the organisation other than except has this name, in any case.
	NameTaken(ctx context.Context, orgID int64, name string, except int64) (bool, error)
	// Create stores a plan; a name in use is ErrNameTaken.
	Create(ctx context.Context, p Plan) error
	// Update stores the changes to the organisation's plan (Default only ever set to true here; see
	// ClearDefault); a name in use is ErrNameTaken.
	Update(ctx context.Context, orgID, planID int64, c Changes) error
	// ClearDefault makes none of the organisation's plans the default.
	ClearDefault(ctx context.Context, orgID int64) error
	// MoveOriginators puts the Originators of plan from on plan to.
	MoveOriginators(ctx context.Context, orgID, from, to int64) error
	// Delete deletes the organisation's plan; ErrNotFound if it has no such plan.
	Delete(ctx context.Context, orgID, planID int64) error
}

// Service is the plans' rules.
type Service struct {
	store Store
	ids   *ids.Generator
	now   func() time.Time
}

// NewService returns the plans' rules over the store.
func NewService(s Store, g *ids.Generator) *Service {
	return &Service{store: s, ids: g, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// NewPlan is what creating a plan takes.
type NewPlan struct {
	Name, Description string
	Quota             int64
	// Default asks for the new plan to become the default; the first plan is the default regardless.
	Default bool
}

// Create adds a plan to the organisation. The organisation's first plan becomes its default whatever
// n.Default says; a later one becomes it when n.Default asks, and the previous default stops being it in
// the same transaction.
func (s *Service) Create(ctx context.Context, orgID int64, n NewPlan) (Plan, error) {
	name, refused := checkText(&n.Name, &n.Description)
	refused = append(refused, checkQuota(&n.Quota)...)
	if len(refused) > 0 {
		return Plan{}, refused
	}
	p := Plan{ID: s.ids.New(), OrganisationID: orgID, Name: name, Description: n.Description, Quota: n.Quota, CreatedAt: s.now()}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		orgQuota, err := s.store.LockOrganisation(ctx, orgID)
		if err != nil {
			return err
		}
		if p.Quota > orgQuota {
			return field("quota", ErrQuotaAboveOrganisation)
		}
		if err := s.nameFree(ctx, orgID, p.Name, 0); err != nil {
			return err
		}
		existing, err := s.store.Count(ctx, orgID)
		if err != nil {
			return err
		}
		p.Default = existing == 0 || n.Default
		if p.Default && existing > 0 {
			if err := s.store.ClearDefault(ctx, orgID); err != nil {
				return err
			}
		}
		return s.store.Create(ctx, p)
	})
	if err != nil {
		return Plan{}, err
	}
	return p, nil
}

// Plan returns the organisation's plan; ErrNotFound if it has no such plan (a plan of another
// organisation included).
func (s *Service) Plan(ctx context.Context, orgID, planID int64) (Plan, error) {
	return s.store.Plan(ctx, orgID, planID)
}

// List returns one page of the organisation's plans; ErrOrganisationNotFound if there is no such
// organisation (a SafeShare administrator may ask about any).
func (s *Service) List(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Plan], error) {
	page, err := s.store.List(ctx, orgID, q)
	if err != nil {
		return page, err
	}
	return listing.InOrganisation(page, func() (bool, error) { return s.store.OrganisationExists(ctx, orgID) }, ErrOrganisationNotFound)
}

// Update changes the organisation's plan. Members left out stay. default: true makes the plan the
// default (the previous default stops being it in the same transaction); default: false on the default
// plan is ErrDefaultRequired, since there is always exactly one default once a plan exists. A new name
// or quota follows the rules of Create; a quota the change does not name is not checked again.
func (s *Service) Update(ctx context.Context, orgID, planID int64, c Changes) (Plan, error) {
	var refused errs.Items
	if c.Name != nil {
		name, r := checkText(c.Name, c.Description)
		c.Name, refused = &name, r
	} else if c.Description != nil {
		_, refused = checkText(nil, c.Description)
	}
	if c.Quota != nil {
		refused = append(refused, checkQuota(c.Quota)...)
	}
	if len(refused) > 0 {
		return Plan{}, refused
	}
	var p Plan
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		orgQuota, err := s.store.LockOrganisation(ctx, orgID)
		if err != nil {
			return err
		}
		cur, err := s.store.Plan(ctx, orgID, planID)
		if err != nil {
			return err
		}
		if c.Quota != nil && *c.Quota > orgQuota {
			return field("quota", ErrQuotaAboveOrganisation)
		}
		if c.Name != nil {
			if err := s.nameFree(ctx, orgID, *c.Name, planID); err != nil {
				return err
			}
		}
		if c.Default != nil {
			switch {
			case !*c.Default && cur.Default:
				return ErrDefaultRequired
			case !*c.Default || cur.Default:
				c.Default = nil // nothing to change
			default:
				if err := s.store.ClearDefault(ctx, orgID); err != nil {
					return err
				}
			}
		}
		if err := s.store.Update(ctx, orgID, planID, c); err != nil {
			return err
		}
		p, err = s.store.Plan(ctx, orgID, planID)
		return err
	})
	return p, err
}

// Delete deletes the organisation's plan; its Originators move to the default plan in the same
// transaction. The default plan can be deleted only when it is the organisation's last plan and no
// Originator is on it (ErrDefaultInUse): another plan must be made the default first, so an organisation
// with plans always has a default and no Originator is ever left without a plan.
func (s *Service) Delete(ctx context.Context, orgID, planID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.LockOrganisation(ctx, orgID); err != nil {
			return err
		}
		p, err := s.store.Plan(ctx, orgID, planID)
		if err != nil {
			return err
		}
		if p.Default {
			n, err := s.store.Count(ctx, orgID)
			if err != nil {
				return err
			}
			if n > 1 || p.OriginatorCount > 0 {
				return ErrDefaultInUse
			}
		} else {
			def, err := s.store.DefaultPlan(ctx, orgID)
			if errors.Is(err, ErrNotFound) {
				return ErrNoDefault
			}
			if err != nil {
				return err
			}
			if err := s.store.MoveOriginators(ctx, orgID, p.ID, def.ID); err != nil {
				return err
			}
		}
		return s.store.Delete(ctx, orgID, planID)
	})
}

// nameFree refuses a name another plan of the organisation has, in any case. The organisation's lock
// makes the check and the write one step; the store's unique index is the backstop.
func (s *Service) nameFree(ctx context.Context, orgID int64, name string, except int64) error {
	taken, err := s.store.NameTaken(ctx, orgID, name, except)
	if err != nil {
		return err
	}
	if taken {
		return ErrNameTaken
	}
	return nil
}

// checkText checks a name (trimmed: it is returned without surrounding spaces) and a description;
// either may be nil when the request does not name it.
func checkText(name, description *string) (string, errs.Items) {
	var refused errs.Items
	var trimmed string
	if name != nil {
		trimmed = strings.TrimSpace(*name)
		if n := utf8.RuneCountInString(trimmed); n == 0 || n > MaxNameLength || !utf8.ValidString(trimmed) {
			refused = append(refused, field("name", ErrInvalidName)...)
		}
	}
	if description != nil && (utf8.RuneCountInString(*description) > MaxDescriptionLength || !utf8.ValidString(*description)) {
		refused = append(refused, field("description", ErrInvalidDescription)...)
	}
	return trimmed, refused
}

func checkQuota(quota *int64) errs.Items {
	if *quota < 0 {
		return field("quota", ErrInvalidQuota)
	}
	return nil
}

// field refuses one member of the request, named so the answer's errors say which.
func field(name string, err error) errs.Items {
	return errs.Items{{Field: name, Path: name, Err: err}}
}
