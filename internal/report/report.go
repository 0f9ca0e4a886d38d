// Package report answers the read-only statistics: an organisation's (how many members it has in each
// role, and its plans with their Originators) and the platform's dashboards (dashboards.go). It changes
// nothing, so it has no rules beyond what to count; each answer costs a fixed number of statements
// whatever the organisations' sizes.
package report

import (
	"context"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
)

// UserCounts are an organisation's members by role. Ad hoc members are counted nowhere; an
// administrator is counted among the administrators and in their role both.
type UserCounts struct {
	Originators        int
	Collaborators      int
	OrganisationAdmins int
}

// PlanSummary is a plan as the statistics show it.
type PlanSummary struct {
	ID      int64
	Name    string
	Quota   int64 // MiB
	Default bool
}

// Originator is an Originator on a plan.
type Originator struct {
	PlanID              int64
	UserID              int64
	Email               string
	FirstName, LastName *string
}

// PlanUsage is a plan with its Originators, by email.
type PlanUsage struct {
	Plan        PlanSummary
	Originators []Originator
}

var ErrOrganisationNotFound = errs.New(errs.NotFound, "Organisation not found", "organisation not found")

// Store reads what the statistics count.
type Store interface {
	// UserCounts counts the organisation's members by role in one statement; ErrOrganisationNotFound if
	// there is no such organisation.
	UserCounts(ctx context.Context, orgID int64) (UserCounts, error)
	// PlanPage is one page of the organisation's plans, by name then id.
	PlanPage(ctx context.Context, orgID int64, q listing.Query) (listing.Page[PlanSummary], error)
	// Originators are the organisation's Originators on the plans planIDs names (on every plan when
	// planIDs is nil), by email then id, in one statement.
	Originators(ctx context.Context, orgID int64, planIDs []int64) ([]Originator, error)
	// OrganisationExists reports whether the organisation exists.
	OrganisationExists(ctx context.Context, orgID int64) (bool, error)
	// The platform's dashboards (dashboards.go).
	DashboardStore
}

// Service answers the statistics.
type Service struct{ store Store }

// NewService returns the statistics over the store.
func NewService(s Store) *Service { return &Service{store: s} }

// Users counts the organisation's members by role.
func (s *Service) Users(ctx context.Context, orgID int64) (UserCounts, error) {
	return s.store.UserCounts(ctx, orgID)
}

// Plans is one page of the organisation's plans (q.Limit and q.Offset; by name then id), each with its
// Originators by email: three statements (the plans' count, their page, the Originators of the page)
// whatever the number of plans or members. Count is how many plans the organisation has.
func (s *Service) Plans(ctx context.Context, orgID int64, q listing.Query) (listing.Page[PlanUsage], error) {
	q = listing.Query{Limit: q.Limit, Offset: q.Offset} // one order: by name, then id
	page, err := s.store.PlanPage(ctx, orgID, q)
	if err != nil {
		return listing.Page[PlanUsage]{}, err
	}
	out := listing.Page[PlanUsage]{Items: make([]PlanUsage, len(page.Items)), Count: page.Count, Offset: page.Offset}
	if _, err := listing.InOrganisation(page, func() (bool, error) { return s.store.OrganisationExists(ctx, orgID) }, ErrOrganisationNotFound); err != nil {
		return out, err
	}
	if len(page.Items) == 0 {
		return out, nil
	}
	at := make(map[int64]int, len(page.Items))
	var planIDs []int64
	for i, p := range page.Items {
		at[p.ID] = i
		out.Items[i] = PlanUsage{Plan: p, Originators: []Originator{}}
		planIDs = append(planIDs, p.ID)
	}
	// A page with no limit may hold any number of plans: its Originators are read for the whole
	// organisation rather than through a list of ids as long as the page, and those of the plans before
	// the offset left out below.
	if q.Limit == 0 {
		planIDs = nil
	}
	originators, err := s.store.Originators(ctx, orgID, planIDs)
	if err != nil {
		return out, err
	}
	for _, o := range originators {
		if i, ok := at[o.PlanID]; ok {
			out.Items[i].Originators = append(out.Items[i].Originators, o)
		}
	}
	return out, nil
}
