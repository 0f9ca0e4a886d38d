package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/plan"
)

type organisationRow struct {
	ID                  int64 `gorm:"primaryKey;autoIncrement:false"`
	Name                string
	NameKey             string
	Description         *string
	Quota               int64
	AdminEmail          string
	ContactEmail        string
	EnforceMFA          bool `gorm:"column:enforce_mfa"`
	AddressbookEnabled  bool
	WatermarkingEnabled bool
	I18nDefault         *string `gorm:"column:i18n_default"`
	SupportURL          *string `gorm:"column:support_url"`
	CompanyName         *string
	LegalURL            *string `gorm:"column:legal_url"`
	WebappHelpURL       *string `gorm:"column:webapp_help_url"`
	OrgAdminHelpURL     *string `gorm:"column:org_admin_help_url"`
	PrivacyURL          *string `gorm:"column:privacy_url"`
	UserMessage         *string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func (organisationRow) TableName() string { return "organisations" }

type removalRequestRow struct {
	ID               int64 `gorm:"primaryKey;autoIncrement:false"`
	OrganisationID   int64
	RequestedByID    int64
	RequestedByEmail string
	RequestedAt      time.Time
	NotifyContact    bool
}

func (removalRequestRow) TableName() string { return "organisation_removal_requests" }

type membershipRow struct {
	OrganisationID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID         int64 `gorm:"primaryKey;autoIncrement:false"`
	Role           string
	IsOrgAdmin     bool
	PlanID         *int64
	CreatedAt      time.Time
}

func (membershipRow) TableName() string { return "memberships" }

// membershipColumns are membershipRow's columns in its fields' order: the hot read's (hotread.go), which
// the access step makes for every request to an organisation's API.
var (
	membershipColumns = []string{"organisation_id", "user_id", "role", "is_org_admin", "plan_id", "created_at"}
	membershipByKey   = newHotReadBy("memberships", membershipColumns, "organisation_id", "user_id")
)

func (r *membershipRow) fields() []any {
	return []any{&r.OrganisationID, &r.UserID, &r.Role, &r.IsOrgAdmin, &r.PlanID, &r.CreatedAt}
}

// organisationWithRequest is an organisation joined with its pending removal request, if any.
type organisationWithRequest struct {
	Org                organisationRow `gorm:"embedded"`
	RRID               *int64          `gorm:"column:rr_id"`
	RRRequestedByID    *int64          `gorm:"column:rr_requested_by_id"`
	RRRequestedByEmail *string         `gorm:"column:rr_requested_by_email"`
	RRRequestedAt      *time.Time      `gorm:"column:rr_requested_at"`
	RRNotifyContact    *bool           `gorm:"column:rr_notify_contact"`
	WhitelistEnabled   bool            `gorm:"column:whitelist_enabled"`
}

const organisationColumns = "organisations.*, r.id AS rr_id, r.requested_by_id AS rr_requested_by_id, " +
	"r.requested_by_email AS rr_requested_by_email, r.requested_at AS rr_requested_at, r.notify_contact AS rr_notify_contact, " +
	"EXISTS (SELECT 1 FROM whitelist_rules w WHERE w.organisation_id = organisations.id) AS whitelist_enabled"

func organisationFromRow(rr organisationWithRequest) organisation.Organisation {
	r := rr.Org
	o := organisation.Organisation{
		ID: r.ID, Name: r.Name, Description: r.Description, Quota: r.Quota, AdminEmail: r.AdminEmail,
		ContactEmail: r.ContactEmail, EnforceMFA: r.EnforceMFA, AddressbookEnabled: r.AddressbookEnabled,
		WatermarkingEnabled: r.WatermarkingEnabled, I18nDefault: r.I18nDefault, SupportURL: r.SupportURL,
		CompanyName: r.CompanyName, LegalURL: r.LegalURL, WebappHelpURL: r.WebappHelpURL,
		OrgAdminHelpURL: r.OrgAdminHelpURL, PrivacyURL: r.PrivacyURL, UserMessage: r.UserMessage,
		CreatedAt: r.CreatedAt.UTC(), WhitelistEnabled: rr.WhitelistEnabled,
	}
	if rr.RRID != nil {
		o.RemovalRequest = &organisation.RemovalRequest{
			ID: *rr.RRID, OrganisationID: r.ID, RequestedByID: *rr.RRRequestedByID,
			RequestedByEmail: *rr.RRRequestedByEmail, RequestedAt: rr.RRRequestedAt.UTC(), NotifyContact: *rr.RRNotifyContact,
		}
	}
	return o
}

func removalFromRow(r removalRequestRow) organisation.RemovalRequest {
	return organisation.RemovalRequest{
		ID: r.ID, OrganisationID: r.OrganisationID, RequestedByID: r.RequestedByID,
		RequestedByEmail: r.RequestedByEmail, RequestedAt: r.RequestedAt.UTC(), NotifyContact: r.NotifyContact,
	}
}

// Organisations is the organisations' store (organisation.Store): organisations, memberships, the plans
// the plan rule reads (plans.go keeps them), and removal requests.
type Organisations struct{ scope }

func (x Organisations) withRequests(ctx context.Context) *gorm.DB {
	return x.s.conn(ctx).Table("organisations").
		Joins("LEFT JOIN organisation_removal_requests r ON r.organisation_id = organisations.id")
}

// Create stores a new organisation; a name in use (in any case) is organisation.ErrNameTaken.
func (x Organisations) Create(ctx context.Context, o organisation.Organisation) error {
	row := organisationRow{
		ID: o.ID, Name: o.Name, NameKey: nameKey(o.Name), Description: o.Description, Quota: o.Quota,
		AdminEmail: o.AdminEmail, ContactEmail: o.ContactEmail, CreatedAt: o.CreatedAt, UpdatedAt: o.CreatedAt,
	}
	err := x.s.conn(ctx).Create(&row).Error
	if isDuplicate(err) {
		return organisation.ErrNameTaken
	}
	return wrap(err, "organisations.create", o.ID)
}

// ByID reads the organisation with its pending removal request.
func (x Organisations) ByID(ctx context.Context, id int64) (organisation.Organisation, error) {
	row, err := take1[organisationWithRequest](x.withRequests(ctx).Select(organisationColumns).Where("organisations.id = ?", id),
		organisation.ErrNotFound, "organisations.by_id", id)
	return organisationFromRow(row), err
}

// Lock reads the organisation (without its removal request) and takes its row lock for the rest of
// the transaction, so rule checks on it and the changes they allow cannot interleave with another
// request's.
func (x Organisations) Lock(ctx context.Context, id int64) (organisation.Organisation, error) {
	row, err := take1[organisationRow](x.s.forUpdate(x.s.conn(ctx)).Where("id = ?", id), organisation.ErrNotFound, "organisations.lock", id)
	return organisationFromRow(organisationWithRequest{Org: row}), err
}

var organisationList = listSpec{id: "organisations.id", sorts: map[string]string{
	"": "organisations.name_key", "name": "organisations.name_key", "createdAt": "organisations.created_at", "quota": "organisations.quota"}}

// List returns one page of organisations; q.Search (lower case) matches the name.
func (x Organisations) List(ctx context.Context, q listing.Query) (listing.Page[organisation.Organisation], error) {
	base := x.withRequests(ctx)
	if q.Search != "" {
		base = base.Where("organisations.name_key LIKE ? ESCAPE '\\'", likePattern(q.Search))
	}
	p, err := list(base, q, organisationList, organisationColumns, always(organisationFromRow))
	return p, wrap(err, "organisations.list", q.Search)
}

// Update stores the changes; nil members stay, a pointer to "" clears an optional text.
func (x Organisations) Update(ctx context.Context, id int64, c organisation.Changes, now time.Time) error {
	set := map[string]any{"updated_at": now}
	if c.Name != nil {
		set["name"], set["name_key"] = *c.Name, nameKey(*c.Name)
	}
	if c.Quota != nil {
		set["quota"] = *c.Quota
	}
	for col, v := range map[string]*string{"admin_email": c.AdminEmail, "contact_email": c.ContactEmail} {
		if v != nil {
			set[col] = *v
		}
	}
	for col, v := range map[string]*bool{"enforce_mfa": c.EnforceMFA, "addressbook_enabled": c.AddressbookEnabled, "watermarking_enabled": c.WatermarkingEnabled} {
		if v != nil {
			set[col] = *v
		}
	}
	optional := map[string]*string{
		"description": c.Description, "i18n_default": c.I18nDefault, "support_url": c.SupportURL,
		"company_name": c.CompanyName, "legal_url": c.LegalURL, "webapp_help_url": c.WebappHelpURL,
		"org_admin_help_url": c.OrgAdminHelpURL, "privacy_url": c.PrivacyURL, "user_message": c.UserMessage,
	}
	for col, v := range optional {
		switch {
		case v == nil:
		case *v == "":
			set[col] = nil
		default:
			set[col] = *v
		}
	}
	res := x.s.conn(ctx).Model(&organisationRow{}).Where("id = ?", id).Updates(set)
	if isDuplicate(res.Error) {
		return organisation.ErrNameTaken
	}
	return affected(res, organisation.ErrNotFound, "organisations.update", id)
}

// Delete removes the organisation; everything scoped to it (memberships, plans, rules, its removal
// request) goes by ON DELETE CASCADE in the same statement. Accounts and audit records stay.
func (x Organisations) Delete(ctx context.Context, id int64) error {
	return affected(x.s.conn(ctx).Where("id = ?", id).Delete(&organisationRow{}), organisation.ErrNotFound, "organisations.delete", id)
}

// memberRow is a membership joined with its account.
type memberRow struct {
	User       userRow `gorm:"embedded"`
	Role       string
	IsOrgAdmin bool
	PlanID     *int64
}

var memberColumns = userShapeColumns + ", memberships.role, memberships.is_org_admin, memberships.plan_id"

func memberFromRow(r memberRow) organisation.Member {
	return organisation.Member{User: userFromRow(r.User), Role: organisation.Role(r.Role), IsOrgAdmin: r.IsOrgAdmin, PlanID: r.PlanID}
}

func (x Organisations) members(ctx context.Context, orgID int64) *gorm.DB {
	return x.s.conn(ctx).Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.organisation_id = ?", orgID)
}

// Member reads the user's membership of the organisation with their account.
func (x Organisations) Member(ctx context.Context, orgID, userID int64) (organisation.Member, error) {
	row, err := take1[memberRow](x.members(ctx, orgID).Select(memberColumns).Where("memberships.user_id = ?", userID),
		organisation.ErrNotMember, "organisations.member", userID)
	return memberFromRow(row), err
}

// Membership reads the user's membership of the organisation.
func (x Organisations) Membership(ctx context.Context, orgID, userID int64) (organisation.Membership, error) {
	var row membershipRow
	if err := x.s.takeBy(ctx, membershipByKey, []any{orgID, userID}, organisation.ErrNotMember, &row, row.fields()...); err != nil {
		return organisation.Membership{}, err
	}
	return organisation.Membership{OrganisationID: orgID, Role: organisation.Role(row.Role), IsOrgAdmin: row.IsOrgAdmin, PlanID: row.PlanID}, nil
}

// Memberships are every organisation the user belongs to, by name.
func (x Organisations) Memberships(ctx context.Context, userID int64) ([]organisation.Membership, error) {
	var rows []struct {
		OrganisationID int64
		Name           string
		Role           string
		IsOrgAdmin     bool
		PlanID         *int64
		EnforceMFA     bool `gorm:"column:enforce_mfa"`
	}
	err := x.s.conn(ctx).Table("memberships").
		Select("memberships.organisation_id, organisations.name, memberships.role, memberships.is_org_admin, memberships.plan_id, organisations.enforce_mfa").
		Joins("JOIN organisations ON organisations.id = memberships.organisation_id").
		Where("memberships.user_id = ?", userID).Order("organisations.name_key, organisations.id").Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "organisations.memberships", userID)
	}
	out := make([]organisation.Membership, len(rows))
	for i, r := range rows {
		out[i] = organisation.Membership{OrganisationID: r.OrganisationID, OrganisationName: r.Name,
			Role: organisation.Role(r.Role), IsOrgAdmin: r.IsOrgAdmin, PlanID: r.PlanID, EnforcesMFA: r.EnforceMFA}
	}
	return out, nil
}

var memberList = listSpec{id: "users.id", sorts: map[string]string{
	"": "users.email", "email": "users.email", "firstName": "users.first_name", "lastName": "users.last_name"}}

// Members returns one page of the organisation's members; q.Search (lower case) matches email and names.
func (x Organisations) Members(ctx context.Context, orgID int64, q listing.Query) (listing.Page[organisation.Member], error) {
	base := x.members(ctx, orgID)
	if q.Search != "" {
		p := likePattern(q.Search)
		base = base.Where("(users.email LIKE ? ESCAPE '\\' OR LOWER(COALESCE(users.first_name, '')) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(users.last_name, '')) LIKE ? ESCAPE '\\')", p, p, p)
	}
	p, err := list(base, q, memberList, memberColumns, always(memberFromRow))
	return p, wrap(err, "organisations.members", orgID)
}

// AddMember stores a membership; one the user has already is organisation.ErrAlreadyMember.
func (x Organisations) AddMember(ctx context.Context, orgID, userID int64, r organisation.Roles, now time.Time) error {
	row := membershipRow{OrganisationID: orgID, UserID: userID, Role: string(r.Role), IsOrgAdmin: r.IsOrgAdmin, PlanID: r.PlanID, CreatedAt: now}
	err := x.s.conn(ctx).Create(&row).Error
	if isDuplicate(err) {
		return organisation.ErrAlreadyMember
	}
	if err == nil {
		err = x.keepCounts(ctx, orgID, tally{}, tallyOf(row.Role, row.IsOrgAdmin))
	}
	return wrap(err, "organisations.add_member", userID)
}

// tally is what one membership adds to its organisation's kept counts (migration 00010): Ad hoc
// members count nowhere, an administrator among the administrators and in their role both.
type tally struct{ originators, collaborators, admins int }

func tallyOf(role string, isOrgAdmin bool) tally {
	var t tally
	switch organisation.Role(role) {
	case organisation.RoleOriginator:
		t.originators = 1
	case organisation.RoleCollaborator:
		t.collaborators = 1
	default:
		return t
	}
	if isOrgAdmin {
		t.admins = 1
	}
	return t
}

// keepCounts moves the organisation's kept counts from a membership counted as was to one counted as
// now, in one statement (none when they are the same). The caller holds the organisation's lock, as
// every membership change does, so the membership it read as was cannot have changed since.
func (x Organisations) keepCounts(ctx context.Context, orgID int64, was, now tally) error {
	if was == now {
		return nil
	}
	return x.s.conn(ctx).Exec("UPDATE organisations SET originator_count = originator_count + ?, "+
		"collaborator_count = collaborator_count + ?, admin_count = admin_count + ? WHERE id = ?",
		now.originators-was.originators, now.collaborators-was.collaborators, now.admins-was.admins, orgID).Error
}

// SetMember replaces the member's role, administrator flag and plan.
// The caller holds the organisation's lock (keepCounts).
func (x Organisations) SetMember(ctx context.Context, orgID, userID int64, r organisation.Roles) error {
	cur, err := take1[membershipRow](x.s.conn(ctx).Where("organisation_id = ? AND user_id = ?", orgID, userID),
		organisation.ErrNotMember, "organisations.set_member", userID)
	if err != nil {
		return err
	}
	res := x.s.conn(ctx).Model(&membershipRow{}).Where("organisation_id = ? AND user_id = ?", orgID, userID).
		Updates(map[string]any{"role": string(r.Role), "is_org_admin": r.IsOrgAdmin, "plan_id": r.PlanID})
	if err := affected(res, organisation.ErrNotMember, "organisations.set_member", userID); err != nil {
		return err
	}
	return wrap(x.keepCounts(ctx, orgID, tallyOf(cur.Role, cur.IsOrgAdmin), tallyOf(string(r.Role), r.IsOrgAdmin)),
		"organisations.set_member", userID)
}

// RemoveMember deletes the membership; its clearance memberships go by ON DELETE CASCADE, and the
// member counts of those clearances and the organisation's counts go down in the same transaction.
// The caller holds the organisation's lock (keepCounts).
func (x Organisations) RemoveMember(ctx context.Context, orgID, userID int64) error {
	cur, err := take1[membershipRow](x.s.conn(ctx).Where("organisation_id = ? AND user_id = ?", orgID, userID),
		organisation.ErrNotMember, "organisations.remove_member", userID)
	if err != nil {
		return err
	}
	err = x.s.conn(ctx).Exec("UPDATE clearances SET member_count = member_count - 1 WHERE id IN "+
		"(SELECT clearance_id FROM clearance_members WHERE organisation_id = ? AND user_id = ?)", orgID, userID).Error
	if err != nil {
		return wrap(err, "organisations.remove_member", userID)
	}
	res := x.s.conn(ctx).Where("organisation_id = ? AND user_id = ?", orgID, userID).Delete(&membershipRow{})
	if err := affected(res, organisation.ErrNotMember, "organisations.remove_member", userID); err != nil {
		return err
	}
	return wrap(x.keepCounts(ctx, orgID, tallyOf(cur.Role, cur.IsOrgAdmin), tally{}), "organisations.remove_member", userID)
}

// AdministersMemberOf reports whether adminID administers an organisation userID is a member of.
func (x Organisations) AdministersMemberOf(ctx context.Context, adminID, userID int64) (bool, error) {
	var n int64
	err := x.s.conn(ctx).Table("memberships AS a").Joins("JOIN memberships AS m ON m.organisation_id = a.organisation_id").
		Where("a.user_id = ? AND a.is_org_admin AND a.role <> ? AND m.user_id = ?", adminID, string(organisation.RoleAdHoc), userID).
		Limit(1).Count(&n).Error
	return n > 0, wrap(err, "organisations.administers_member_of", adminID)
}

// OtherAdmins counts the organisation's administrators other than userID.
func (x Organisations) OtherAdmins(ctx context.Context, orgID, userID int64) (int, error) {
	var n int64
	err := x.s.conn(ctx).Model(&membershipRow{}).Where("organisation_id = ? AND user_id <> ? AND is_org_admin = ?", orgID, userID, true).Count(&n).Error
	return int(n), wrap(err, "organisations.other_admins", orgID)
}

// Plan reads the organisation's plan with this id (for the plan rule); plan.ErrNotFound if it has none.
func (x Organisations) Plan(ctx context.Context, orgID, planID int64) (plan.Plan, error) {
	return Plans(x).planOf(ctx, orgID, planID)
}

// DefaultPlan reads the organisation's default plan; plan.ErrNotFound if it has none.
func (x Organisations) DefaultPlan(ctx context.Context, orgID int64) (plan.Plan, error) {
	return Plans(x).DefaultPlan(ctx, orgID)
}

// RemovalRequest reads the organisation's pending removal request; organisation.ErrNoRemovalRequest if
// there is none.
func (x Organisations) RemovalRequest(ctx context.Context, orgID int64) (organisation.RemovalRequest, error) {
	row, err := take1[removalRequestRow](x.s.conn(ctx).Where("organisation_id = ?", orgID),
		organisation.ErrNoRemovalRequest, "organisations.removal_request", orgID)
	return removalFromRow(row), err
}

// CreateRemovalRequest stores a removal request; the unique index allows one per organisation
// (organisation.ErrRemovalPending).
func (x Organisations) CreateRemovalRequest(ctx context.Context, r organisation.RemovalRequest) error {
	err := x.s.conn(ctx).Create(&removalRequestRow{ID: r.ID, OrganisationID: r.OrganisationID, RequestedByID: r.RequestedByID,
		RequestedByEmail: r.RequestedByEmail, RequestedAt: r.RequestedAt, NotifyContact: r.NotifyContact}).Error
	if isDuplicate(err) {
		return organisation.ErrRemovalPending
	}
	return wrap(err, "organisations.create_removal_request", r.OrganisationID)
}

// DeleteRemovalRequest deletes the removal request; organisation.ErrNoRemovalRequest if it is gone.
func (x Organisations) DeleteRemovalRequest(ctx context.Context, id int64) error {
	return affected(x.s.conn(ctx).Where("id = ?", id).Delete(&removalRequestRow{}), organisation.ErrNoRemovalRequest,
		"organisations.delete_removal_request", id)
}

func nameKey(name string) string { return lowerKey(name) }
