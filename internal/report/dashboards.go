package report

import (
	"context"
	"strings"

	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
)

// The platform's dashboards, for SafeShare administrators: how many client applications there are, how
// much storage the organisations are allocated, and each organisation's storage and membership. Like
// the statistics they read kept figures (the organisations' counts, migration 00010), so each answer
// costs the same few statements whatever the number of members.

// OrganisationFigures are one organisation's line of the dashboard.
type OrganisationFigures struct {
	ID            int64
	Name          string
	Quota         int64 // storage allocated, MiB
	StorageUsed   int64 // storage used, bytes
	Originators   int64
	Collaborators int64
}

// OrganisationFilter keeps the organisations of the dashboard: those whose name contains NameContains
// (lower case), or when ByID, the one with the id ID.
type OrganisationFilter struct {
	NameContains string
	ByID         bool
	ID           int64
}

// DashboardStore reads what the dashboards show.
type DashboardStore interface {
	// ClientAppCount counts every registered client application, enabled or not.
	ClientAppCount(ctx context.Context) (int64, error)
	// QuotaSum is the sum of every organisation's quota (MiB); 0 with no organisation.
	QuotaSum(ctx context.Context) (int64, error)
	// OrganisationPage is one page of the organisations f keeps, ordered as q says (q.SortBy one of
	// name, id, quota, originatorCount, collaboratorCount; ties by id), in a fixed number of statements.
	OrganisationPage(ctx context.Context, f OrganisationFilter, q listing.Query) (listing.Page[OrganisationFigures], error)
}

// SearchColumn is where the organisations dashboard looks for its search text.
type SearchColumn string

const (
	SearchByName SearchColumn = "name" // the name contains the text, case-insensitively (the default)
	SearchByID   SearchColumn = "id"   // the id is the text
)

// storageUsed is what an organisation's files take, in bytes. The service keeps no files yet (the
// Content Service's objects are not built), so it is 0 for every organisation: the one place to change
// when files exist.
func storageUsed(OrganisationFigures) int64 { return 0 }

// ClientApps counts the registered client applications, enabled or not.
func (s *Service) ClientApps(ctx context.Context) (int64, error) {
	return s.store.ClientAppCount(ctx)
}

// Quotas is the storage allocated to all the organisations together, in MiB.
func (s *Service) Quotas(ctx context.Context) (int64, error) {
	return s.store.QuotaSum(ctx)
}

// Organisations is one page of the organisations with their storage and membership. q.Search, when
// not empty, keeps the organisations whose column contains it (name, case-insensitively) or is it (id).
// A text that cannot be an id matches no organisation: the search finds nothing, as a name search for
// a name no organisation has does, rather than refusing the request (the text is free text, typed in a
// search box).
func (s *Service) Organisations(ctx context.Context, column SearchColumn, q listing.Query) (listing.Page[OrganisationFigures], error) {
	var f OrganisationFilter
	if q.Search != "" {
		if column == SearchByID {
			id, err := ids.Parse(strings.TrimSpace(q.Search))
			if err != nil {
				return listing.Page[OrganisationFigures]{Items: []OrganisationFigures{}, Offset: q.Offset}, nil
			}
			f = OrganisationFilter{ByID: true, ID: id}
		} else {
			f = OrganisationFilter{NameContains: strings.ToLower(q.Search)}
		}
	}
	q.Search = "" // carried by f
	page, err := s.store.OrganisationPage(ctx, f, q)
	if err != nil {
		return page, err
	}
	for i := range page.Items {
		page.Items[i].StorageUsed = storageUsed(page.Items[i])
	}
	return page, nil
}
