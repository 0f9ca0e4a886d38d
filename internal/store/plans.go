package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/plan"
)

type planRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	OrganisationID int64
	Name           string
	NameKey        string
	Description    *string
	Quota          int64
	IsDefault      bool
	CreatedAt      time.Time
}

func (planRow) TableName() string { return "plans" }

// planWithCount is a plan with how many Originators it has.
type planWithCount struct {
	Plan            planRow `gorm:"embedded"`
	OriginatorCount int
}

// planColumns read a plan and its Originator count in one statement: the count is a correlated
// subquery on memberships_plan, so a page of plans costs one statement whatever its length.
const planColumns = "plans.*, (SELECT COUNT(*) FROM memberships m WHERE m.plan_id = plans.id AND m.role = 'Originator') AS originator_count"

func planFromRow(r planWithCount) plan.Plan {
	p := r.Plan
	out := plan.Plan{ID: p.ID, OrganisationID: p.OrganisationID, Name: p.Name, Quota: p.Quota, Default: p.IsDefault,
		OriginatorCount: r.OriginatorCount, CreatedAt: p.CreatedAt.UTC()}
	if p.Description != nil {
		out.Description = *p.Description
	}
	return out
}

// Plans is the plans' store (plan.Store).
type Plans struct{ scope }

// LockOrganisation takes the organisation's row lock (the one organisation.Service's changes take) and
// returns its quota.
func (x Plans) LockOrganisation(ctx context.Context, orgID int64) (int64, error) {
	row, err := take1[organisationRow](x.s.forUpdate(x.s.conn(ctx)).Select("id", "quota").Where("id = ?", orgID),
		plan.ErrOrganisationNotFound, "plans.lock_organisation", orgID)
	return row.Quota, err
}

// OrganisationExists reports whether the organisation exists.
func (x Plans) OrganisationExists(ctx context.Context, orgID int64) (bool, error) {
	return x.organisationExists(ctx, orgID, "plans.organisation_exists")
}

func (x Plans) plans(ctx context.Context, orgID int64) *gorm.DB {
	return x.s.conn(ctx).Table("plans").Where("plans.organisation_id = ?", orgID)
}

// Plan reads the organisation's plan with its Originator count.
func (x Plans) Plan(ctx context.Context, orgID, planID int64) (plan.Plan, error) {
	row, err := take1[planWithCount](x.plans(ctx, orgID).Select(planColumns).Where("plans.id = ?", planID),
		plan.ErrNotFound, "plans.plan", planID)
	return planFromRow(row), err
}

// DefaultPlan reads the organisation's default plan, without its Originator count (the plan rule of
// organisation.Service asks for it on every Originator added).
func (x Plans) DefaultPlan(ctx context.Context, orgID int64) (plan.Plan, error) {
	row, err := take1[planRow](x.plans(ctx, orgID).Where("plans.is_default = ?", true), plan.ErrNotFound, "plans.default", orgID)
	return planFromRow(planWithCount{Plan: row}), err
}

// planOf reads the organisation's plan without its Originator count, for the plan rule.
func (x Plans) planOf(ctx context.Context, orgID, planID int64) (plan.Plan, error) {
	row, err := take1[planRow](x.plans(ctx, orgID).Where("plans.id = ?", planID), plan.ErrNotFound, "plans.plan_of", planID)
	return planFromRow(planWithCount{Plan: row}), err
}

var planList = listSpec{id: "plans.id", sorts: map[string]string{
	"": "plans.name_key", "name": "plans.name_key", "quota": "plans.quota", "createdAt": "plans.created_at"}}

// List returns one page of the organisation's plans, each with its Originator count: two statements
// (the count and the page), whatever the page's length.
func (x Plans) List(ctx context.Context, orgID int64, q listing.Query) (listing.Page[plan.Plan], error) {
	p, err := list(x.plans(ctx, orgID), q, planList, planColumns, always(planFromRow))
	return p, wrap(err, "plans.list", orgID)
}

// Count is how many plans the organisation has.
func (x Plans) Count(ctx context.Context, orgID int64) (int, error) {
	var n int64
	err := x.plans(ctx, orgID).Count(&n).Error
	return int(n), wrap(err, "plans.count", orgID)
}

// NameTaken reports whether a plan of the organisation other than except has the name, in any case.
func (x Plans) NameTaken(ctx context.Context, orgID int64, name string, except int64) (bool, error) {
	var n int64
	err := x.plans(ctx, orgID).Where("plans.name_key = ? AND plans.id <> ?", lowerKey(name), except).Count(&n).Error
	return n > 0, wrap(err, "plans.name_taken", orgID)
}

// Create stores a plan; the unique index on (organisation_id, name_key) refuses a name in use
// (plan.ErrNameTaken).
func (x Plans) Create(ctx context.Context, p plan.Plan) error {
	err := x.s.conn(ctx).Create(&planRow{ID: p.ID, OrganisationID: p.OrganisationID, Name: p.Name, NameKey: lowerKey(p.Name),
		Description: &p.Description, Quota: p.Quota, IsDefault: p.Default, CreatedAt: p.CreatedAt}).Error
	if isDuplicate(err) {
		return plan.ErrNameTaken
	}
	if isForeignKey(err) {
		return plan.ErrOrganisationNotFound
	}
	return wrap(err, "plans.create", p.ID)
}

// Update stores the changes; nil members stay.
func (x Plans) Update(ctx context.Context, orgID, planID int64, c plan.Changes) error {
	set := map[string]any{}
	if c.Name != nil {
		set["name"], set["name_key"] = *c.Name, lowerKey(*c.Name)
	}
	if c.Description != nil {
		set["description"] = *c.Description
	}
	if c.Quota != nil {
		set["quota"] = *c.Quota
	}
	if c.Default != nil {
		set["is_default"] = *c.Default
	}
	if len(set) == 0 {
		// Nothing to write; the plan must still be there.
		_, err := x.planOf(ctx, orgID, planID)
		return err
	}
	res := x.s.conn(ctx).Model(&planRow{}).Where("id = ? AND organisation_id = ?", planID, orgID).Updates(set)
	if isDuplicate(res.Error) {
		return plan.ErrNameTaken
	}
	return affected(res, plan.ErrNotFound, "plans.update", planID)
}

// ClearDefault makes none of the organisation's plans the default.
func (x Plans) ClearDefault(ctx context.Context, orgID int64) error {
	err := x.s.conn(ctx).Model(&planRow{}).Where("organisation_id = ? AND is_default = ?", orgID, true).
		Update("is_default", false).Error
	return wrap(err, "plans.clear_default", orgID)
}

// MoveOriginators puts the organisation's Originators on plan from on plan to, in one statement.
func (x Plans) MoveOriginators(ctx context.Context, orgID, from, to int64) error {
	err := x.s.conn(ctx).Model(&membershipRow{}).Where("organisation_id = ? AND plan_id = ? AND role = ?", orgID, from, "Originator").
		Update("plan_id", to).Error
	return wrap(err, "plans.move_originators", from)
}

// Delete deletes the organisation's plan. A membership still naming it (none, once MoveOriginators has
// run) loses it by the foreign key's ON DELETE SET NULL.
func (x Plans) Delete(ctx context.Context, orgID, planID int64) error {
	return affected(x.s.conn(ctx).Where("id = ? AND organisation_id = ?", planID, orgID).Delete(&planRow{}),
		plan.ErrNotFound, "plans.delete", planID)
}
