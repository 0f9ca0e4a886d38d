package store

import (
	"context"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/report"
)

// Statistics is the statistics' store (report.Store): reads only.
type Statistics struct{ scope }

// userCountsQuery reads the counts the organisation's row keeps (migration 00010): one row by primary
// key, whatever the organisation's size. Ad hoc members count nowhere, administrators among the
// administrators and in their role both.
const userCountsQuery = `SELECT originator_count AS originators, collaborator_count AS collaborators,
	admin_count AS organisation_admins FROM organisations WHERE id = ?`

// UserCounts reads the organisation's members by role in one statement.
func (x Statistics) UserCounts(ctx context.Context, orgID int64) (report.UserCounts, error) {
	var rows []struct {
		Originators        int
		Collaborators      int
		OrganisationAdmins int
	}
	if err := x.s.conn(ctx).Raw(userCountsQuery, orgID).Scan(&rows).Error; err != nil {
		return report.UserCounts{}, wrap(err, "statistics.user_counts", orgID)
	}
	if len(rows) == 0 {
		return report.UserCounts{}, report.ErrOrganisationNotFound
	}
	r := rows[0]
	return report.UserCounts{Originators: r.Originators, Collaborators: r.Collaborators, OrganisationAdmins: r.OrganisationAdmins}, nil
}

// planStatisticsList: the statistics list plans in one order, by name then id.
var planStatisticsList = listSpec{id: "plans.id", sorts: map[string]string{"": "plans.name_key"}}

// PlanPage is one page of the organisation's plans, by name then id.
func (x Statistics) PlanPage(ctx context.Context, orgID int64, q listing.Query) (listing.Page[report.PlanSummary], error) {
	base := x.s.conn(ctx).Table("plans").Where("plans.organisation_id = ?", orgID)
	p, err := list(base, q, planStatisticsList, "plans.id, plans.name, plans.quota, plans.is_default",
		always(func(r planRow) report.PlanSummary {
			return report.PlanSummary{ID: r.ID, Name: r.Name, Quota: r.Quota, Default: r.IsDefault}
		}))
	return p, wrap(err, "statistics.plan_page", orgID)
}

// Originators are the organisation's Originators on the plans planIDs names (every plan when nil), by
// email then id, in one statement.
func (x Statistics) Originators(ctx context.Context, orgID int64, planIDs []int64) ([]report.Originator, error) {
	q := x.s.conn(ctx).Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
		Select("memberships.plan_id, users.id AS user_id, users.email, users.first_name, users.last_name").
		Where("memberships.organisation_id = ? AND memberships.role = ? AND memberships.plan_id IS NOT NULL", orgID, "Originator")
	if planIDs != nil {
		q = q.Where("memberships.plan_id IN ?", planIDs)
	}
	var rows []struct {
		PlanID    int64
		UserID    int64
		Email     string
		FirstName *string
		LastName  *string
	}
	if err := q.Order("users.email, users.id").Scan(&rows).Error; err != nil {
		return nil, wrap(err, "statistics.originators", orgID)
	}
	out := make([]report.Originator, len(rows))
	for i, r := range rows {
		out[i] = report.Originator{PlanID: r.PlanID, UserID: r.UserID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName}
	}
	return out, nil
}

// OrganisationExists reports whether the organisation exists.
func (x Statistics) OrganisationExists(ctx context.Context, orgID int64) (bool, error) {
	return Plans(x).OrganisationExists(ctx, orgID)
}

// KeptCountsDrift names every organisation and clearance whose kept counts (migration 00010) differ
// from a count of the rows they count: none, unless a change forgot them. The tests check it after
// each run of the organisation API.
func (s *Store) KeptCountsDrift(ctx context.Context) ([]string, error) {
	var drift []string
	err := s.conn(ctx).Raw(`SELECT 'organisation ' || CAST(o.id AS TEXT) FROM organisations o WHERE
		o.originator_count <> (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = o.id AND m.role = 'Originator') OR
		o.collaborator_count <> (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = o.id AND m.role = 'Collaborator') OR
		o.admin_count <> (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = o.id AND m.is_org_admin AND m.role <> 'Ad hoc')
		UNION ALL
		SELECT 'clearance ' || CAST(c.id AS TEXT) FROM clearances c WHERE
		c.label_count <> (SELECT COUNT(*) FROM clearance_classifications l WHERE l.clearance_id = c.id) OR
		c.member_count <> (SELECT COUNT(*) FROM clearance_members m WHERE m.clearance_id = c.id)`).Scan(&drift).Error
	return drift, err
}
