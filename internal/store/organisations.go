package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/user"
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

type planRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	OrganisationID int64
	Name           string
	Description    *string
	Quota          int64
	IsDefault      bool
	CreatedAt      time.Time
}

func (planRow) TableName() string { return "plans" }

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

func (s *Store) organisationsQuery(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Table("organisations").
		Joins("LEFT JOIN organisation_removal_requests r ON r.organisation_id = organisations.id")
}

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

// lockOrganisation takes the organisation's row lock for the rest of the transaction (PostgreSQL), so
// rule checks and the changes they allow cannot interleave with another request's. On SQLite every
// write transaction is immediate and so already exclusive.
func (s *Store) lockOrganisation(tx *gorm.DB, id int64) (organisationRow, error) {
	var row organisationRow
	q := tx.Where("id = ?", id)
	if !s.embedded {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Take(&row).Error
	if isNotFound(err) {
		return row, organisation.ErrNotFound
	}
	return row, err
}

// CreateOrganisation implements organisation.Store.
func (s *Store) CreateOrganisation(ctx context.Context, o organisation.Organisation, admin user.User) (organisation.Organisation, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		row := organisationRow{
			ID: o.ID, Name: o.Name, NameKey: nameKey(o.Name), Description: o.Description, Quota: o.Quota,
			AdminEmail: o.AdminEmail, ContactEmail: o.ContactEmail, CreatedAt: o.CreatedAt, UpdatedAt: o.CreatedAt,
		}
		if err := tx.Create(&row).Error; err != nil {
			if isDuplicate(err) {
				return organisation.ErrNameTaken
			}
			return err
		}
		account, err := ensureUser(tx, admin)
		if err != nil {
			return err
		}
		return tx.Create(&membershipRow{OrganisationID: o.ID, UserID: account.ID, Role: string(organisation.RoleCollaborator),
			IsOrgAdmin: true, CreatedAt: o.CreatedAt}).Error
	})
	if err != nil {
		return organisation.Organisation{}, err
	}
	return s.Organisation(ctx, o.ID)
}

// Organisation implements organisation.Store.
func (s *Store) Organisation(ctx context.Context, id int64) (organisation.Organisation, error) {
	var row organisationWithRequest
	err := s.organisationsQuery(ctx).Select(organisationColumns).Where("organisations.id = ?", id).Take(&row).Error
	if isNotFound(err) {
		return organisation.Organisation{}, organisation.ErrNotFound
	}
	if err != nil {
		return organisation.Organisation{}, err
	}
	return organisationFromRow(row), nil
}

// Organisations implements organisation.Store.
func (s *Store) Organisations(ctx context.Context, q listing.Query) ([]organisation.Organisation, int, error) {
	base := s.organisationsQuery(ctx)
	if q.Search != "" {
		base = base.Where("organisations.name_key LIKE ? ESCAPE '\\'", likePattern(q.Search))
	}
	var total int64
	if err := base.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	column := map[string]string{"name": "organisations.name_key", "createdAt": "organisations.created_at", "quota": "organisations.quota"}[q.SortBy]
	if column == "" {
		column = "organisations.name_key"
	}
	var rows []organisationWithRequest
	if err := page(base.Session(&gorm.Session{}).Select(organisationColumns), q, column, "organisations.id").Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]organisation.Organisation, len(rows))
	for i, r := range rows {
		out[i] = organisationFromRow(r)
	}
	return out, int(total), nil
}

// UpdateOrganisation implements organisation.Store.
func (s *Store) UpdateOrganisation(ctx context.Context, id int64, c organisation.Changes, now time.Time) (organisation.Organisation, error) {
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockOrganisation(tx, id); err != nil {
			return err
		}
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
		err := tx.Model(&organisationRow{}).Where("id = ?", id).Updates(set).Error
		if isDuplicate(err) {
			return organisation.ErrNameTaken
		}
		return err
	})
	if err != nil {
		return organisation.Organisation{}, err
	}
	return s.Organisation(ctx, id)
}

// memberRow is a membership joined with its account.
type memberRow struct {
	User       userRow `gorm:"embedded"`
	Role       string
	IsOrgAdmin bool
	PlanID     *int64
}

const memberColumns = "users.*, memberships.role, memberships.is_org_admin, memberships.plan_id"

func memberFromRow(r memberRow) organisation.Member {
	return organisation.Member{User: userFromRow(r.User), Role: organisation.Role(r.Role), IsOrgAdmin: r.IsOrgAdmin, PlanID: r.PlanID}
}

func (s *Store) member(tx *gorm.DB, orgID, userID int64) (organisation.Member, error) {
	var row memberRow
	err := tx.Table("memberships").Select(memberColumns).Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.organisation_id = ? AND memberships.user_id = ?", orgID, userID).Take(&row).Error
	if isNotFound(err) {
		return organisation.Member{}, organisation.ErrNotMember
	}
	if err != nil {
		return organisation.Member{}, err
	}
	return memberFromRow(row), nil
}

// Membership implements organisation.Store.
func (s *Store) Membership(ctx context.Context, orgID, userID int64) (organisation.Membership, error) {
	var row membershipRow
	err := s.db.WithContext(ctx).Where("organisation_id = ? AND user_id = ?", orgID, userID).Take(&row).Error
	if isNotFound(err) {
		return organisation.Membership{}, organisation.ErrNotMember
	}
	if err != nil {
		return organisation.Membership{}, err
	}
	return organisation.Membership{OrganisationID: orgID, Role: organisation.Role(row.Role), IsOrgAdmin: row.IsOrgAdmin, PlanID: row.PlanID}, nil
}

// Memberships implements organisation.Store.
func (s *Store) Memberships(ctx context.Context, userID int64) ([]organisation.Membership, error) {
	var rows []struct {
		OrganisationID int64
		Name           string
		Role           string
		IsOrgAdmin     bool
		PlanID         *int64
	}
	err := s.db.WithContext(ctx).Table("memberships").
		Select("memberships.organisation_id, organisations.name, memberships.role, memberships.is_org_admin, memberships.plan_id").
		Joins("JOIN organisations ON organisations.id = memberships.organisation_id").
		Where("memberships.user_id = ?", userID).Order("organisations.name_key, organisations.id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]organisation.Membership, len(rows))
	for i, r := range rows {
		out[i] = organisation.Membership{OrganisationID: r.OrganisationID, OrganisationName: r.Name,
			Role: organisation.Role(r.Role), IsOrgAdmin: r.IsOrgAdmin, PlanID: r.PlanID}
	}
	return out, nil
}

// Members implements organisation.Store.
func (s *Store) Members(ctx context.Context, orgID int64, q listing.Query) ([]organisation.Member, int, error) {
	base := s.db.WithContext(ctx).Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.organisation_id = ?", orgID)
	if q.Search != "" {
		p := likePattern(q.Search)
		base = base.Where("(users.email LIKE ? ESCAPE '\\' OR LOWER(COALESCE(users.first_name, '')) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(users.last_name, '')) LIKE ? ESCAPE '\\')", p, p, p)
	}
	var total int64
	if err := base.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	column := map[string]string{"email": "users.email", "firstName": "users.first_name", "lastName": "users.last_name"}[q.SortBy]
	if column == "" {
		column = "users.email"
	}
	var rows []memberRow
	if err := page(base.Session(&gorm.Session{}).Select(memberColumns), q, column, "users.id").Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]organisation.Member, len(rows))
	for i, r := range rows {
		out[i] = memberFromRow(r)
	}
	return out, int(total), nil
}

// resolvePlan returns the plan an Originator gets: the one named, which must be the organisation's, or
// its default.
func resolvePlan(tx *gorm.DB, orgID int64, planID *int64) (*int64, error) {
	var row planRow
	var err error
	if planID != nil {
		err = tx.Where("id = ? AND organisation_id = ?", *planID, orgID).Take(&row).Error
		if isNotFound(err) {
			return nil, organisation.ErrUnknownPlan
		}
	} else {
		err = tx.Where("organisation_id = ? AND is_default = ?", orgID, true).Take(&row).Error
		if isNotFound(err) {
			return nil, organisation.ErrNoDefaultPlan
		}
	}
	if err != nil {
		return nil, err
	}
	return &row.ID, nil
}

// AddMember implements organisation.Store.
func (s *Store) AddMember(ctx context.Context, orgID int64, account user.User, role organisation.Role, isOrgAdmin bool, planID *int64, now time.Time) (organisation.Member, error) {
	var m organisation.Member
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockOrganisation(tx, orgID); err != nil {
			return err
		}
		u, err := ensureUser(tx, account)
		if err != nil {
			return err
		}
		if _, err := s.member(tx, orgID, u.ID); err == nil {
			return organisation.ErrAlreadyMember
		} else if !errors.Is(err, organisation.ErrNotMember) {
			return err
		}
		var plan *int64
		if role == organisation.RoleOriginator {
			if plan, err = resolvePlan(tx, orgID, planID); err != nil {
				return err
			}
		}
		row := membershipRow{OrganisationID: orgID, UserID: u.ID, Role: string(role), IsOrgAdmin: isOrgAdmin, PlanID: plan, CreatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			if isDuplicate(err) {
				return organisation.ErrAlreadyMember
			}
			return err
		}
		m, err = s.member(tx, orgID, u.ID)
		return err
	})
	return m, err
}

// otherAdmins counts the organisation's administrators other than userID.
func otherAdmins(tx *gorm.DB, orgID, userID int64) (int64, error) {
	var n int64
	err := tx.Model(&membershipRow{}).Where("organisation_id = ? AND user_id <> ? AND is_org_admin = ?", orgID, userID, true).Count(&n).Error
	return n, err
}

// UpdateMember implements organisation.Store.
func (s *Store) UpdateMember(ctx context.Context, orgID, userID int64, c organisation.MemberChange) (organisation.Member, error) {
	var m organisation.Member
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockOrganisation(tx, orgID); err != nil {
			return err
		}
		cur, err := s.member(tx, orgID, userID)
		if err != nil {
			return err
		}
		role, admin := cur.Role, cur.IsOrgAdmin
		if c.Role != nil {
			role = *c.Role
		}
		if c.IsOrgAdmin != nil {
			admin = *c.IsOrgAdmin
		}
		var plan *int64
		switch {
		case role == organisation.RoleOriginator && c.PlanID != nil:
			plan, err = resolvePlan(tx, orgID, c.PlanID)
		case role == organisation.RoleOriginator && cur.PlanID != nil:
			plan = cur.PlanID
		case role == organisation.RoleOriginator:
			plan, err = resolvePlan(tx, orgID, nil)
		case c.PlanID != nil:
			err = organisation.ErrPlanForbidden
		}
		if err != nil {
			return err
		}
		if cur.IsOrgAdmin && !admin {
			n, err := otherAdmins(tx, orgID, userID)
			if err != nil {
				return err
			}
			if n == 0 {
				return organisation.ErrLastAdmin
			}
		}
		res := tx.Model(&membershipRow{}).Where("organisation_id = ? AND user_id = ?", orgID, userID).
			Updates(map[string]any{"role": string(role), "is_org_admin": admin, "plan_id": plan})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return organisation.ErrNotMember
		}
		m, err = s.member(tx, orgID, userID)
		return err
	})
	return m, err
}

// RemoveMember implements organisation.Store.
func (s *Store) RemoveMember(ctx context.Context, orgID, userID int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockOrganisation(tx, orgID); err != nil {
			return err
		}
		cur, err := s.member(tx, orgID, userID)
		if err != nil {
			return err
		}
		if cur.IsOrgAdmin {
			n, err := otherAdmins(tx, orgID, userID)
			if err != nil {
				return err
			}
			if n == 0 {
				return organisation.ErrLastAdmin
			}
		}
		res := tx.Where("organisation_id = ? AND user_id = ?", orgID, userID).Delete(&membershipRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return organisation.ErrNotMember
		}
		return nil
	})
}

// CreatePlan implements organisation.Store.
func (s *Store) CreatePlan(ctx context.Context, p organisation.Plan) error {
	return s.db.WithContext(ctx).Create(&planRow{ID: p.ID, OrganisationID: p.OrganisationID, Name: p.Name, Quota: p.Quota,
		IsDefault: p.Default, CreatedAt: p.CreatedAt}).Error
}

// OpenRemovalRequest implements organisation.Store.
func (s *Store) OpenRemovalRequest(ctx context.Context, r organisation.RemovalRequest) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if _, err := s.lockOrganisation(tx, r.OrganisationID); err != nil {
			return err
		}
		err := tx.Create(&removalRequestRow{ID: r.ID, OrganisationID: r.OrganisationID, RequestedByID: r.RequestedByID,
			RequestedByEmail: r.RequestedByEmail, RequestedAt: r.RequestedAt, NotifyContact: r.NotifyContact}).Error
		if isDuplicate(err) {
			return organisation.ErrRemovalPending
		}
		return err
	})
}

func pendingRemoval(tx *gorm.DB, orgID int64, missing error) (removalRequestRow, error) {
	var row removalRequestRow
	err := tx.Where("organisation_id = ?", orgID).Take(&row).Error
	if isNotFound(err) {
		return row, missing
	}
	return row, err
}

// WithdrawRemovalRequest implements organisation.Store.
func (s *Store) WithdrawRemovalRequest(ctx context.Context, orgID int64) (organisation.RemovalRequest, organisation.Organisation, error) {
	var (
		out organisation.RemovalRequest
		org organisation.Organisation
	)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		orgRow, err := s.lockOrganisation(tx, orgID)
		if err != nil {
			return err
		}
		org = organisationFromRow(organisationWithRequest{Org: orgRow})
		row, err := pendingRemoval(tx, orgID, organisation.ErrNoRemovalRequest)
		if err != nil {
			return err
		}
		res := tx.Where("id = ?", row.ID).Delete(&removalRequestRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return organisation.ErrNoRemovalRequest
		}
		out = removalFromRow(row)
		return nil
	})
	return out, org, err
}

// DeleteOrganisation implements organisation.Store. The organisation's row lock orders it against a
// concurrent removal, withdrawal or new request: whichever commits first decides what the other sees.
// Everything scoped to the organisation goes by ON DELETE CASCADE in the same statement.
func (s *Store) DeleteOrganisation(ctx context.Context, orgID, callerID int64) (organisation.Organisation, organisation.RemovalRequest, error) {
	var (
		org organisation.Organisation
		req organisation.RemovalRequest
	)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		row, err := s.lockOrganisation(tx, orgID)
		if err != nil {
			return err
		}
		rr, err := pendingRemoval(tx, orgID, organisation.ErrRemovalNotRequested)
		if err != nil {
			return err
		}
		if rr.RequestedByID == callerID {
			return organisation.ErrOwnRemovalRequest
		}
		res := tx.Where("id = ?", orgID).Delete(&organisationRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return organisation.ErrNotFound
		}
		org, req = organisationFromRow(organisationWithRequest{Org: row}), removalFromRow(rr)
		return nil
	})
	return org, req, err
}

func nameKey(name string) string { return lowerKey(name) }
