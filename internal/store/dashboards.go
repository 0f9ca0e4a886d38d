package store

import (
	"context"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/report"
)

// The dashboards' queries (report.DashboardStore), on the statistics' store: reads only.

// ClientAppCount counts every registered client application, enabled or not, in one statement.
func (x Statistics) ClientAppCount(ctx context.Context) (int64, error) {
	var n int64
	err := x.s.conn(ctx).Table("client_apps").Count(&n).Error
	return n, wrap(err, "dashboards.client_app_count", "")
}

// QuotaSum is the sum of every organisation's quota (MiB) in one statement; 0 with no organisation.
// PostgreSQL sums BIGINTs as NUMERIC: cast back, so both databases answer an integer.
func (x Statistics) QuotaSum(ctx context.Context) (int64, error) {
	var sums []int64
	err := x.s.conn(ctx).Raw("SELECT CAST(COALESCE(SUM(quota), 0) AS BIGINT) FROM organisations").Scan(&sums).Error
	if err != nil || len(sums) == 0 {
		return 0, wrap(err, "dashboards.quota_sum", "")
	}
	return sums[0], nil
}

// organisationDashboardList: the dashboard's sort names and their columns; the counts are the ones the
// organisation's row keeps (migration 00010), so no membership is counted for a page.
var organisationDashboardList = listSpec{id: "organisations.id", sorts: map[string]string{
	"": "organisations.name_key", "name": "organisations.name_key", "id": "organisations.id",
	"quota": "organisations.quota", "originatorCount": "organisations.originator_count",
	"collaboratorCount": "organisations.collaborator_count"}}

type organisationFiguresRow struct {
	ID                int64
	Name              string
	Quota             int64
	OriginatorCount   int64
	CollaboratorCount int64
}

// OrganisationPage is one page of the organisations f keeps with their kept counts: two statements
// (the count and the page) on the organisations' rows alone, whatever their members.
func (x Statistics) OrganisationPage(ctx context.Context, f report.OrganisationFilter, q listing.Query) (listing.Page[report.OrganisationFigures], error) {
	base := x.s.conn(ctx).Table("organisations")
	switch {
	case f.ByID:
		base = base.Where("organisations.id = ?", f.ID)
	case f.NameContains != "":
		base = base.Where("organisations.name_key LIKE ? ESCAPE '\\'", likePattern(f.NameContains))
	}
	p, err := list(base, q, organisationDashboardList,
		"organisations.id, organisations.name, organisations.quota, organisations.originator_count, organisations.collaborator_count",
		always(func(r organisationFiguresRow) report.OrganisationFigures {
			return report.OrganisationFigures{ID: r.ID, Name: r.Name, Quota: r.Quota,
				Originators: r.OriginatorCount, Collaborators: r.CollaboratorCount}
		}))
	return p, wrap(err, "dashboards.organisation_page", q.SortBy)
}
