// Package organisation holds organisations (tenants), their members and roles, and their removal under
// the two-person rule: one SafeShare administrator files a removal request, a different one removes.
// Every rule is the Service's, checked inside a transaction that holds the organisation's row lock, so
// concurrent requests see each other's effects in some order; notifications go out after the commit.
package organisation

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/plan"
	"github.com/cocoondata/access-service/internal/user"
)

// Role is a member's role in one organisation.
type Role string

// Membership roles. Ad hoc is made by sharing with an unknown address, never assigned by hand.
const (
	RoleOriginator   Role = "Originator"
	RoleCollaborator Role = "Collaborator"
	RoleAdHoc        Role = "Ad hoc"
)

// Organisation is one tenant and its settings.
type Organisation struct {
	ID                  int64
	Name                string
	Description         *string
	Quota               int64 // MiB
	AdminEmail          string
	ContactEmail        string
	EnforceMFA          bool
	AddressbookEnabled  bool
	WatermarkingEnabled bool
	I18nDefault         *string
	SupportURL          *string
	CompanyName         *string
	LegalURL            *string
	WebappHelpURL       *string
	OrgAdminHelpURL     *string
	PrivacyURL          *string
	UserMessage         *string
	CreatedAt           time.Time
	RemovalRequest      *RemovalRequest // the pending one, if any
	WhitelistEnabled    bool            // the organisation has at least one whitelist rule
}

// RemovalRequest is a pending request to remove an organisation.
type RemovalRequest struct {
	ID               int64
	OrganisationID   int64
	RequestedByID    int64
	RequestedByEmail string
	RequestedAt      time.Time
	NotifyContact    bool
}

// Member is an account as a member of one organisation.
type Member struct {
	User       user.User
	Role       Role
	IsOrgAdmin bool
	PlanID     *int64
}

// Membership is one of a user's organisations and their role there.
type Membership struct {
	OrganisationID   int64
	OrganisationName string
	Role             Role
	IsOrgAdmin       bool
	PlanID           *int64
	// EnforcesMFA: the organisation enforces MFA (enforceMfa). Memberships, which reads the
	// organisations, says; Membership, a read of the membership's row alone, leaves it false.
	EnforcesMFA bool
}

// EnforcersAmong are the organisations, by id, among a user's memberships (Memberships) whose
// enforceMfa makes the user's MFA required: every one but an Ad hoc membership.
func EnforcersAmong(ms []Membership) []int64 {
	out := []int64{}
	for _, m := range ms {
		if m.EnforcesMFA && m.Role != RoleAdHoc {
			out = append(out, m.OrganisationID)
		}
	}
	slices.Sort(out)
	return out
}

var (
	ErrNotFound      = errs.New(errs.NotFound, "Organisation not found", "organisation not found")
	ErrNameTaken     = errs.New(errs.Conflict, "Organisation name already in use", "an organisation with this name already exists")
	ErrNotMember     = errs.New(errs.NotFound, "Member not found", "the user is not a member of this organisation")
	ErrAlreadyMember = errs.New(errs.Conflict, "Already a member", "the user is already a member of this organisation")
	ErrLastAdmin     = errs.New(errs.Conflict, "Last organisation administrator", "the organisation's last administrator cannot be demoted or removed")
	ErrNoDefaultPlan = errs.New(errs.Precondition, "No default plan", "an Originator needs a plan and the organisation has no default plan")
	ErrUnknownPlan   = errs.New(errs.Invalid, "Unknown plan", "planId names no plan of this organisation")
	ErrPlanForbidden = errs.New(errs.Invalid, "Plan not allowed", "only Originators have a plan")
	// ErrRoleNotAssignable: Ad hoc members are made by sharing, never by hand.
	ErrRoleNotAssignable = errs.New(errs.Invalid, "Role not assignable", "only the Originator and Collaborator roles can be assigned")
	// ErrSettingForbidden: a setting the caller's role does not let them change (errs.Items name each).
	ErrSettingForbidden = errs.New(errs.Forbidden, "Setting not allowed", "the caller may not change this member")
	// ErrRemovalPending: a removal request is already pending.
	ErrRemovalPending = errs.New(errs.Conflict, "Removal already requested", "a removal request for this organisation is already pending")
	// ErrNoRemovalRequest: there is nothing to withdraw.
	ErrNoRemovalRequest = errs.New(errs.NotFound, "No removal request", "no removal request is pending for this organisation")
	// ErrRemovalNotRequested: the organisation cannot be removed before a removal request is filed.
	ErrRemovalNotRequested = errs.New(errs.Precondition, "Removal not requested", "the organisation can be removed only while a removal request is pending")
	// ErrOwnRemovalRequest: the two-person rule; the requester may not also remove.
	ErrOwnRemovalRequest = errs.New(errs.Forbidden, "Two-person rule", "the removal request was filed by the caller; a different SafeShare administrator must remove the organisation")
)

// Changes are the settings a PUT names; nil members stay as they are. For the optional text members a
// pointer to "" clears the value.
type Changes struct {
	Name                                                    *string
	Quota                                                   *int64
	AdminEmail, ContactEmail                                *string
	Description                                             *string
	EnforceMFA, AddressbookEnabled, WatermarkingEnabled     *bool
	I18nDefault, SupportURL, CompanyName, LegalURL          *string
	WebappHelpURL, OrgAdminHelpURL, PrivacyURL, UserMessage *string
}

// named lists the documented member names of the settings the change names.
func (c Changes) named() []string {
	var out []string
	for name, set := range map[string]bool{
		"name": c.Name != nil, "quota": c.Quota != nil, "adminEmail": c.AdminEmail != nil,
		"contactEmail": c.ContactEmail != nil, "description": c.Description != nil, "enforceMfa": c.EnforceMFA != nil,
		"addressbookEnabled": c.AddressbookEnabled != nil, "watermarkingEnabled": c.WatermarkingEnabled != nil,
		"i18nDefaultAsString": c.I18nDefault != nil, "supportUrl": c.SupportURL != nil, "companyName": c.CompanyName != nil,
		"legalUrl": c.LegalURL != nil, "webappHelpUrl": c.WebappHelpURL != nil, "orgAdminHelpUrl": c.OrgAdminHelpURL != nil,
		"privacyUrl": c.PrivacyURL != nil, "userMessage": c.UserMessage != nil,
	} {
		if set {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// platformSettings are the settings only SafeShare administrators change; every other setting only the
// organisation's own administrators change.
var platformSettings = map[string]bool{"name": true, "quota": true}

// Actor is who asks for a change, as far as the rules care.
type Actor struct {
	UserID         int64
	Email          string
	SafeShareAdmin bool // holds the platform role
	OrgAdmin       bool // administers the organisation acted on
}

// Roles are what a membership grants: the role, the administrator flag, and an Originator's plan.
type Roles struct {
	Role       Role
	IsOrgAdmin bool
	PlanID     *int64
}

// MemberChange is what a member PUT names; nil members stay as they are.
type MemberChange struct {
	Role       *Role
	IsOrgAdmin *bool
	PlanID     *int64
}

// Store keeps organisations, memberships and removal requests, and reads plans: queries and locks only;
// the rules are the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Create(ctx context.Context, o Organisation) error
	// ByID reads the organisation with its pending removal request.
	ByID(ctx context.Context, id int64) (Organisation, error)
	// Lock reads the organisation and takes its row lock for the rest of the transaction.
	Lock(ctx context.Context, id int64) (Organisation, error)
	List(ctx context.Context, q listing.Query) (listing.Page[Organisation], error)
	Update(ctx context.Context, id int64, c Changes, now time.Time) error
	// Delete removes the organisation and everything scoped to it.
	Delete(ctx context.Context, id int64) error

	Member(ctx context.Context, orgID, userID int64) (Member, error)
	Membership(ctx context.Context, orgID, userID int64) (Membership, error)
	Memberships(ctx context.Context, userID int64) ([]Membership, error)
	// AdministersMemberOf: adminID administers an organisation userID is a member of.
	AdministersMemberOf(ctx context.Context, adminID, userID int64) (bool, error)
	Members(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Member], error)
	AddMember(ctx context.Context, orgID, userID int64, r Roles, now time.Time) error
	SetMember(ctx context.Context, orgID, userID int64, r Roles) error
	RemoveMember(ctx context.Context, orgID, userID int64) error
	// OtherAdmins counts the organisation's administrators other than userID.
	OtherAdmins(ctx context.Context, orgID, userID int64) (int, error)

	// Plan and DefaultPlan read the organisation's plans for the plan rule (package plan keeps them);
	// plan.ErrNotFound when the organisation has no such plan.
	Plan(ctx context.Context, orgID, planID int64) (plan.Plan, error)
	DefaultPlan(ctx context.Context, orgID int64) (plan.Plan, error)

	// RemovalRequest is the pending request; ErrNoRemovalRequest if there is none.
	RemovalRequest(ctx context.Context, orgID int64) (RemovalRequest, error)
	CreateRemovalRequest(ctx context.Context, r RemovalRequest) error
	DeleteRemovalRequest(ctx context.Context, id int64) error
}

// Accounts finds or makes the account of an email address (user's store).
type Accounts interface {
	// Ensure stores u unless an account with u.Email exists, and returns the account.
	Ensure(ctx context.Context, u user.User) (user.User, error)
}

// Service is the organisations' rules.
type Service struct {
	store    Store
	accounts Accounts
	ids      *ids.Generator
	mailer   notify.Sender
	log      *slog.Logger
	now      func() time.Time
	mfa      MFAEnrolment
	invites  Invitations

	// removalDays is how many days a removal request stays pending (the theme's orgRemovalActionDays);
	// nil: requests never lapse. lapsed is told of each request that lapsed, once (the audit trail).
	removalDays func(ctx context.Context) (int, error)
	lapsed      func(ctx context.Context, r RemovalRequest)
}

// SetRemovalLapse makes pending removal requests lapse after days (asked each time) and tells lapsed of
// each one that does, once, after its deletion commits.
func (s *Service) SetRemovalLapse(days func(ctx context.Context) (int, error), lapsed func(ctx context.Context, r RemovalRequest)) {
	s.removalDays, s.lapsed = days, lapsed
}

// SetClock makes the service read the time from now: tests move time with it (a request's lapse).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// MFAEnrolment is told when an organisation starts enforcing MFA and when a member joins one that
// does, after the change commits (mfa.Service emails set-up links to those with no authenticator).
type MFAEnrolment interface {
	Enforced(ctx context.Context, orgID int64)
	Joined(ctx context.Context, orgID, userID int64)
}

// SetMFAEnrolment gives the service its MFA enrolment; until then nobody is told.
func (s *Service) SetMFAEnrolment(m MFAEnrolment) { s.mfa = m }

// Invitations are told of an account an administrator made without a password (a member added by
// email, an organisation's first administrator), or made a member while it still has none, after the
// change commits (passwordlink.Service emails it an invitation to choose one). A failure is logged.
type Invitations interface {
	Invite(ctx context.Context, userID, orgID int64) error
}

// SetInvitations gives the service its invitations; until then nobody is invited.
func (s *Service) SetInvitations(i Invitations) { s.invites = i }

// invite invites the account to choose a password, if it has none, to the organisation.
func (s *Service) invite(ctx context.Context, u user.User, orgID int64) {
	if s.invites == nil || u.PasswordHash != "" {
		return
	}
	if err := s.invites.Invite(ctx, u.ID, orgID); err != nil {
		s.log.Error("invitation not sent", "organisation", orgID, "user", u.ID, "error", err.Error())
	}
}

// NewService returns the organisations' rules over the store; mailer tells contacts about removals.
func NewService(s Store, accounts Accounts, g *ids.Generator, mailer notify.Sender, log *slog.Logger) *Service {
	return &Service{store: s, accounts: accounts, ids: g, mailer: mailer, log: log,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// NewOrganisation is what creating an organisation takes.
type NewOrganisation struct {
	Name, AdminEmail, ContactEmail string
	Quota                          int64
	Description                    *string
}

// Create makes an organisation and its first administrator (a Collaborator), creating the
// administrator's account if the address has none; an administrator with no password is invited to
// choose one (Invitations).
func (s *Service) Create(ctx context.Context, n NewOrganisation) (Organisation, error) {
	adminEmail, err := user.NormalizeEmail(n.AdminEmail)
	if err != nil {
		return Organisation{}, err
	}
	contact, err := user.NormalizeEmail(n.ContactEmail)
	if err != nil {
		return Organisation{}, err
	}
	now := s.now()
	o := Organisation{
		ID: s.ids.New(), Name: strings.TrimSpace(n.Name), Quota: n.Quota, AdminEmail: adminEmail,
		ContactEmail: contact, Description: emptyToNil(n.Description), CreatedAt: now,
	}
	var admin user.User
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.Create(ctx, o); err != nil {
			return err
		}
		var err error
		if admin, err = s.accounts.Ensure(ctx, user.User{ID: s.ids.New(), Email: adminEmail, CreatedAt: now}); err != nil {
			return err
		}
		return s.store.AddMember(ctx, o.ID, admin.ID, Roles{Role: RoleCollaborator, IsOrgAdmin: true}, now)
	})
	if err != nil {
		return Organisation{}, err
	}
	s.invite(ctx, admin, o.ID)
	return s.store.ByID(ctx, o.ID)
}

// ByID returns the organisation, with its pending removal request unless that has lapsed.
func (s *Service) ByID(ctx context.Context, id int64) (Organisation, error) {
	o, err := s.store.ByID(ctx, id)
	if err != nil {
		return Organisation{}, err
	}
	return o, s.dropLapsed(ctx, &o)
}

// List returns one page of organisations, each with its pending removal request unless that has lapsed.
func (s *Service) List(ctx context.Context, q listing.Query) (listing.Page[Organisation], error) {
	q.Search = strings.ToLower(q.Search)
	page, err := s.store.List(ctx, q)
	if err != nil {
		return page, err
	}
	for i := range page.Items {
		if err := s.dropLapsed(ctx, &page.Items[i]); err != nil {
			return listing.Page[Organisation]{}, err
		}
	}
	return page, nil
}

// Update applies the changes, under the per-setting rule: name and quota are the platform's to change
// (SafeShare administrators), every other setting the organisation's own administrators'. A change
// naming any setting the actor may not change is refused whole, naming each such setting, before the
// organisation is even looked up (a caller learns nothing of one they may not change).
func (s *Service) Update(ctx context.Context, by Actor, id int64, c Changes) (Organisation, error) {
	var refused errs.Items
	for _, name := range c.named() {
		if (platformSettings[name] && !by.SafeShareAdmin) || (!platformSettings[name] && !by.OrgAdmin) {
			refused = append(refused, &errs.ItemError{Field: name, Path: name, Err: ErrSettingForbidden})
		}
	}
	if len(refused) > 0 {
		return Organisation{}, refused
	}
	for _, e := range []**string{&c.AdminEmail, &c.ContactEmail} {
		if *e != nil {
			v, err := user.NormalizeEmail(**e)
			if err != nil {
				return Organisation{}, err
			}
			*e = &v
		}
	}
	if c.Name != nil {
		v := strings.TrimSpace(*c.Name)
		c.Name = &v
	}
	var enforcedNow bool
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.Lock(ctx, id)
		if err != nil {
			return err
		}
		enforcedNow = c.EnforceMFA != nil && *c.EnforceMFA && !before.EnforceMFA
		return s.store.Update(ctx, id, c, s.now())
	})
	if err != nil {
		return Organisation{}, err
	}
	if enforcedNow && s.mfa != nil {
		s.mfa.Enforced(ctx, id)
	}
	return s.ByID(ctx, id)
}

// Membership returns the user's membership of the organisation, or ErrNotMember.
func (s *Service) Membership(ctx context.Context, orgID, userID int64) (Membership, error) {
	return s.store.Membership(ctx, orgID, userID)
}

// Memberships returns every organisation the user belongs to, by name.
func (s *Service) Memberships(ctx context.Context, userID int64) ([]Membership, error) {
	return s.store.Memberships(ctx, userID)
}

// MFAEnforcers are the ids of the organisations that enforce MFA (enforceMfa) and of which the user is
// a member other than Ad hoc: each makes the user's MFA required. One statement (Memberships).
func (s *Service) MFAEnforcers(ctx context.Context, userID int64) ([]int64, error) {
	ms, err := s.store.Memberships(ctx, userID)
	if err != nil {
		return nil, err
	}
	return EnforcersAmong(ms), nil
}

// AdministersMemberOf reports whether adminID is an administrator of an organisation userID is a member
// of (any role), in one statement.
func (s *Service) AdministersMemberOf(ctx context.Context, adminID, userID int64) (bool, error) {
	return s.store.AdministersMemberOf(ctx, adminID, userID)
}

// Members returns one page of the organisation's members; ErrNotFound if there is no such organisation
// (a SafeShare administrator may ask about any).
func (s *Service) Members(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Member], error) {
	if _, err := s.store.ByID(ctx, orgID); err != nil {
		return listing.Page[Member]{}, err
	}
	q.Search = strings.ToLower(q.Search)
	return s.store.Members(ctx, orgID, q)
}

// choosePlan is the plan rule: only Originators have a plan; an Originator gets the plan named (which
// must be the organisation's), else keeps the one they have, else gets the organisation's default,
// which must exist.
func (s *Service) choosePlan(ctx context.Context, orgID int64, role Role, named, current *int64) (*int64, error) {
	if role != RoleOriginator {
		if named != nil {
			return nil, ErrPlanForbidden
		}
		return nil, nil
	}
	if named == nil && current != nil {
		return current, nil
	}
	var (
		p   plan.Plan
		err error
	)
	if named != nil {
		p, err = s.store.Plan(ctx, orgID, *named)
		if errors.Is(err, plan.ErrNotFound) {
			return nil, ErrUnknownPlan
		}
	} else {
		p, err = s.store.DefaultPlan(ctx, orgID)
		if errors.Is(err, plan.ErrNotFound) {
			return nil, ErrNoDefaultPlan
		}
	}
	if err != nil {
		return nil, err
	}
	return &p.ID, nil
}

// AddMember adds the account with this email as an Originator or Collaborator, creating the account if
// the address has none; an account with no password is invited to choose one (Invitations).
func (s *Service) AddMember(ctx context.Context, orgID int64, email string, role Role, isOrgAdmin bool, planID *int64) (Member, error) {
	return s.AddMemberNamed(ctx, orgID, email, Names{}, role, isOrgAdmin, planID)
}

// Names are a new account's first and last name, as an imported row gives them ("" for none).
type Names struct{ First, Last string }

// AddMemberNamed is AddMember for a row of an import: an account it creates has the row's names from
// the start, so the invitation it is sent greets the person by name.
func (s *Service) AddMemberNamed(ctx context.Context, orgID int64, email string, names Names, role Role, isOrgAdmin bool, planID *int64) (Member, error) {
	if role != RoleOriginator && role != RoleCollaborator {
		return Member{}, ErrRoleNotAssignable
	}
	return s.addMember(ctx, orgID, email, names, role, isOrgAdmin, planID)
}

// AddAdHocMember makes the account with this email an Ad hoc member, as sharing an item with an address
// the organisation does not know does.
func (s *Service) AddAdHocMember(ctx context.Context, orgID int64, email string) (Member, error) {
	return s.addMember(ctx, orgID, email, Names{}, RoleAdHoc, false, nil)
}

func (s *Service) addMember(ctx context.Context, orgID int64, email string, names Names, role Role, isOrgAdmin bool, planID *int64) (Member, error) {
	email, err := user.NormalizeEmail(email)
	if err != nil {
		return Member{}, err
	}
	if role != RoleOriginator && planID != nil {
		return Member{}, ErrPlanForbidden
	}
	var (
		m        Member
		enforces bool
	)
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		o, err := s.store.Lock(ctx, orgID)
		if err != nil {
			return err
		}
		enforces = o.EnforceMFA
		now := s.now()
		u, err := s.accounts.Ensure(ctx, user.User{ID: s.ids.New(), Email: email, CreatedAt: now,
			FirstName: emptyToNil(&names.First), LastName: emptyToNil(&names.Last)})
		if err != nil {
			return err
		}
		if _, err := s.store.Membership(ctx, orgID, u.ID); err == nil {
			return ErrAlreadyMember
		} else if !errors.Is(err, ErrNotMember) {
			return err
		}
		plan, err := s.choosePlan(ctx, orgID, role, planID, nil)
		if err != nil {
			return err
		}
		if err := s.store.AddMember(ctx, orgID, u.ID, Roles{Role: role, IsOrgAdmin: isOrgAdmin, PlanID: plan}, now); err != nil {
			return err
		}
		m, err = s.store.Member(ctx, orgID, u.ID)
		return err
	})
	if err == nil && enforces && role != RoleAdHoc && s.mfa != nil {
		s.mfa.Joined(ctx, orgID, m.User.ID)
	}
	if err == nil && role != RoleAdHoc {
		// Added by an administrator (one by one or imported): an account with no password is invited to
		// choose one. Ad hoc members are made by sharing, not by an administrator.
		s.invite(ctx, m.User, orgID)
	}
	return m, err
}

// UpdateMember changes a member's role, administrator flag or plan, under the plan rule (choosePlan)
// and the last-administrator rule: an organisation always keeps at least one administrator. As in
// AddMember, the role assigned is Originator or Collaborator: Ad hoc is made by sharing only.
func (s *Service) UpdateMember(ctx context.Context, orgID, userID int64, c MemberChange) (Member, error) {
	if c.Role != nil && *c.Role != RoleOriginator && *c.Role != RoleCollaborator {
		return Member{}, ErrRoleNotAssignable
	}
	var m Member
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Lock(ctx, orgID); err != nil {
			return err
		}
		cur, err := s.store.Member(ctx, orgID, userID)
		if err != nil {
			return err
		}
		next := Roles{Role: cur.Role, IsOrgAdmin: cur.IsOrgAdmin}
		if c.Role != nil {
			next.Role = *c.Role
		}
		if c.IsOrgAdmin != nil {
			next.IsOrgAdmin = *c.IsOrgAdmin
		}
		if next.PlanID, err = s.choosePlan(ctx, orgID, next.Role, c.PlanID, cur.PlanID); err != nil {
			return err
		}
		if cur.IsOrgAdmin && !next.IsOrgAdmin {
			if err := s.keepAnAdmin(ctx, orgID, userID); err != nil {
				return err
			}
		}
		if err := s.store.SetMember(ctx, orgID, userID, next); err != nil {
			return err
		}
		m, err = s.store.Member(ctx, orgID, userID)
		return err
	})
	return m, err
}

// RemoveMember removes the member from the organisation, unless they are its last administrator.
func (s *Service) RemoveMember(ctx context.Context, orgID, userID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Lock(ctx, orgID); err != nil {
			return err
		}
		cur, err := s.store.Member(ctx, orgID, userID)
		if err != nil {
			return err
		}
		if cur.IsOrgAdmin {
			if err := s.keepAnAdmin(ctx, orgID, userID); err != nil {
				return err
			}
		}
		return s.store.RemoveMember(ctx, orgID, userID)
	})
}

// keepAnAdmin is the last-administrator rule: userID may stop administering the organisation only if
// someone else does. The caller holds the organisation's lock, so two administrators cannot each demote
// the other at once.
func (s *Service) keepAnAdmin(ctx context.Context, orgID, userID int64) error {
	n, err := s.store.OtherAdmins(ctx, orgID, userID)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// RequestRemoval files a removal request on behalf of the administrator: the first half of the
// two-person rule. One request may be pending at a time.
func (s *Service) RequestRemoval(ctx context.Context, orgID int64, by user.User, notifyContact bool) (RemovalRequest, error) {
	r := RemovalRequest{ID: s.ids.New(), OrganisationID: orgID, RequestedByID: by.ID, RequestedByEmail: by.Email,
		RequestedAt: s.now(), NotifyContact: notifyContact}
	var (
		org    Organisation
		lapsed *RemovalRequest
	)
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if org, err = s.store.Lock(ctx, orgID); err != nil {
			return err
		}
		if pending, err := s.store.RemovalRequest(ctx, orgID); err == nil {
			// A request pending longer than the theme's orgRemovalActionDays has lapsed: a new one
			// takes its place.
			over, err := s.hasLapsed(ctx, pending)
			if err != nil {
				return err
			}
			if !over {
				return ErrRemovalPending
			}
			if err := s.store.DeleteRemovalRequest(ctx, pending.ID); err != nil {
				return err
			}
			lapsed = &pending
		} else if !errors.Is(err, ErrNoRemovalRequest) {
			return err
		}
		return s.store.CreateRemovalRequest(ctx, r)
	})
	if err != nil {
		return RemovalRequest{}, err
	}
	if lapsed != nil && s.lapsed != nil {
		s.lapsed(ctx, *lapsed)
	}
	ctx = About(ctx, org) // the contact's email shows the organisation's own names and links
	if notifyContact {
		s.send(ctx, org.ContactEmail, "orgRemovalRequested", "by", by.Email, "organisation", strconv.Quote(org.Name))
	}
	return r, nil
}

// Withdrawal says how a removal request ended without a removal.
type Withdrawal string

const (
	// Cancelled: its requester withdrew it.
	Cancelled Withdrawal = "cancelled"
	// Declined: another administrator withdrew it.
	Declined Withdrawal = "declined"
)

// WithdrawRemoval cancels (the requester) or declines (anyone else) the pending request.
func (s *Service) WithdrawRemoval(ctx context.Context, orgID int64, by user.User) (RemovalRequest, Withdrawal, error) {
	var (
		r   RemovalRequest
		org Organisation
	)
	if err := s.endLapsed(ctx, orgID); err != nil {
		return RemovalRequest{}, "", err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if org, err = s.store.Lock(ctx, orgID); err != nil {
			return err
		}
		if r, err = s.pending(ctx, orgID); err != nil {
			return err
		}
		return s.store.DeleteRemovalRequest(ctx, r.ID)
	})
	if err != nil {
		return RemovalRequest{}, "", err
	}
	outcome := Declined
	if r.RequestedByID == by.ID {
		outcome = Cancelled
	}
	ctx = About(ctx, org) // the contact's email shows the organisation's own names and links
	if r.NotifyContact {
		key := "orgRemovalDeclined"
		if outcome == Cancelled {
			key = "orgRemovalCancelled"
		}
		s.send(ctx, org.ContactEmail, key, "by", by.Email, "organisation", strconv.Quote(org.Name))
	}
	return r, outcome, nil
}

// Remove removes the organisation under the two-person rule: a removal request must be pending, and
// whoever removes must not be whoever requested. The organisation's row lock orders this against a
// concurrent removal, withdrawal or new request: whichever commits first decides what the other sees.
// Everything scoped to the organisation goes with it; accounts and audit records stay.
func (s *Service) Remove(ctx context.Context, orgID int64, by user.User) error {
	var (
		org Organisation
		r   RemovalRequest
	)
	if err := s.endLapsed(ctx, orgID); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if org, err = s.store.Lock(ctx, orgID); err != nil {
			return err
		}
		r, err = s.pending(ctx, orgID)
		if errors.Is(err, ErrNoRemovalRequest) {
			return ErrRemovalNotRequested
		}
		if err != nil {
			return err
		}
		if r.RequestedByID == by.ID {
			return ErrOwnRemovalRequest
		}
		return s.store.Delete(ctx, orgID)
	})
	if err != nil {
		return err
	}
	ctx = About(ctx, org) // the contact's email shows the organisation's own names and links
	if r.NotifyContact {
		s.send(ctx, org.ContactEmail, "orgRemoved", "by", by.Email, "organisation", strconv.Quote(org.Name),
			"requestedBy", r.RequestedByEmail)
	}
	return nil
}

// hasLapsed: the request has been pending longer than the theme's orgRemovalActionDays.
func (s *Service) hasLapsed(ctx context.Context, r RemovalRequest) (bool, error) {
	if s.removalDays == nil {
		return false, nil
	}
	days, err := s.removalDays(ctx)
	if err != nil {
		return false, err
	}
	return s.now().Sub(r.RequestedAt) > time.Duration(days)*24*time.Hour, nil
}

// pending is the organisation's pending removal request, inside the caller's transaction:
// ErrNoRemovalRequest if there is none or it has lapsed (endLapsed, called before the transaction,
// removes a lapsed one; one that lapses in between is left to the next call).
func (s *Service) pending(ctx context.Context, orgID int64) (RemovalRequest, error) {
	r, err := s.store.RemovalRequest(ctx, orgID)
	if err != nil {
		return RemovalRequest{}, err
	}
	over, err := s.hasLapsed(ctx, r)
	if err != nil {
		return RemovalRequest{}, err
	}
	if over {
		return RemovalRequest{}, ErrNoRemovalRequest
	}
	return r, nil
}

// endLapsed deletes the organisation's removal request if it has lapsed, in a transaction of its own
// under the organisation's lock, so only one caller deletes it and the lapse is recorded once.
func (s *Service) endLapsed(ctx context.Context, orgID int64) error {
	if s.removalDays == nil {
		return nil
	}
	var lapsed *RemovalRequest
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.store.Lock(ctx, orgID); err != nil {
			return err
		}
		r, err := s.store.RemovalRequest(ctx, orgID)
		if errors.Is(err, ErrNoRemovalRequest) {
			return nil
		}
		if err != nil {
			return err
		}
		over, err := s.hasLapsed(ctx, r)
		if err != nil || !over {
			return err
		}
		lapsed = &r
		return s.store.DeleteRemovalRequest(ctx, r.ID)
	})
	if err == nil && lapsed != nil && s.lapsed != nil {
		s.lapsed(ctx, *lapsed)
	}
	return err
}

// dropLapsed: an organisation read with a removal request that has lapsed shows none, and the request
// is ended (endLapsed).
func (s *Service) dropLapsed(ctx context.Context, o *Organisation) error {
	if o.RemovalRequest == nil {
		return nil
	}
	over, err := s.hasLapsed(ctx, *o.RemovalRequest)
	if err != nil || !over {
		return err
	}
	if err := s.endLapsed(ctx, o.ID); err != nil {
		return err
	}
	o.RemovalRequest = nil
	return nil
}

type aboutKey struct{}

// About marks the emails sent with the returned context as about the organisation o, as it is now (an
// organisation being removed is gone by the time its email is sent): the theme's sender shows its own
// company name and links (theme.Mailer). notify.About does the same by id.
func About(ctx context.Context, o Organisation) context.Context {
	return context.WithValue(notify.About(ctx, o.ID), aboutKey{}, o)
}

// AboutOf is the organisation the emails sent with ctx are about, as About was given it.
func AboutOf(ctx context.Context) (Organisation, bool) {
	o, ok := ctx.Value(aboutKey{}).(Organisation)
	return o, ok
}

// send delivers a notification after the change is committed; a failure is logged, never returned, so
// it cannot fail or undo the request that caused it. It is the email of the template name
// (internal/mailtmpl/templates), in the platform's language, with the values of pairs (name, value, ...).
func (s *Service) send(ctx context.Context, to, name string, pairs ...string) {
	values := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		values[pairs[i]] = pairs[i+1]
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notify.Timeout)
	defer cancel()
	if err := s.mailer.Send(ctx, notify.Message{To: to, Template: &notify.Template{Name: name, Values: values}}); err != nil {
		s.log.Error("notification not sent", "to", to, "email", name, "error", err.Error())
	}
}

func emptyToNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}
