// Package organisation holds organisations (tenants), their members and roles, and their removal under
// the two-person rule: one SafeShare administrator files a removal request, a different one removes.
package organisation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/notify"
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
}

var (
	ErrNotFound      = errors.New("organisation not found")
	ErrNameTaken     = errors.New("an organisation with this name already exists")
	ErrNotMember     = errors.New("the user is not a member of this organisation")
	ErrAlreadyMember = errors.New("the user is already a member of this organisation")
	ErrLastAdmin     = errors.New("the organisation's last administrator cannot be demoted or removed")
	ErrNoDefaultPlan = errors.New("an Originator needs a plan and the organisation has no default plan")
	ErrUnknownPlan   = errors.New("planId names no plan of this organisation")
	ErrPlanForbidden = errors.New("only Originators have a plan")
	// ErrRemovalPending: a removal request is already pending.
	ErrRemovalPending = errors.New("a removal request for this organisation is already pending")
	// ErrNoRemovalRequest: there is nothing to withdraw.
	ErrNoRemovalRequest = errors.New("no removal request is pending for this organisation")
	// ErrRemovalNotRequested: the organisation cannot be removed before a removal request is filed.
	ErrRemovalNotRequested = errors.New("the organisation can be removed only while a removal request is pending")
	// ErrOwnRemovalRequest: the two-person rule; the requester may not also remove.
	ErrOwnRemovalRequest = errors.New("the removal request was filed by the caller; a different SafeShare administrator must remove the organisation")
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

// MemberChange is what a member PUT names; nil members stay as they are.
type MemberChange struct {
	Role       *Role
	IsOrgAdmin *bool
	PlanID     *int64
}

// Store keeps organisations. Operations that check a rule against the current state (the last
// administrator, one pending removal request, the two-person rule) run in one transaction holding the
// organisation's row lock, so concurrent requests see each other's effects in some order.
type Store interface {
	// CreateOrganisation stores o and makes the account with adminEmail (admin, when new) its
	// administrator, as a Collaborator.
	CreateOrganisation(ctx context.Context, o Organisation, admin user.User) (Organisation, error)
	Organisation(ctx context.Context, id int64) (Organisation, error)
	Organisations(ctx context.Context, q listing.Query) ([]Organisation, int, error)
	UpdateOrganisation(ctx context.Context, id int64, c Changes, now time.Time) (Organisation, error)

	Membership(ctx context.Context, orgID, userID int64) (Membership, error)
	Memberships(ctx context.Context, userID int64) ([]Membership, error)
	Members(ctx context.Context, orgID int64, q listing.Query) ([]Member, int, error)
	// AddMember makes the account with account.Email (account, when new) a member.
	AddMember(ctx context.Context, orgID int64, account user.User, role Role, isOrgAdmin bool, planID *int64, now time.Time) (Member, error)
	UpdateMember(ctx context.Context, orgID, userID int64, c MemberChange) (Member, error)
	RemoveMember(ctx context.Context, orgID, userID int64) error

	OpenRemovalRequest(ctx context.Context, r RemovalRequest) error
	// WithdrawRemovalRequest deletes the pending request and returns it with its organisation.
	WithdrawRemovalRequest(ctx context.Context, orgID int64) (RemovalRequest, Organisation, error)
	// DeleteOrganisation removes the organisation and everything scoped to it, if a request filed by
	// someone other than callerID is pending; it returns what was removed.
	DeleteOrganisation(ctx context.Context, orgID, callerID int64) (Organisation, RemovalRequest, error)

	// CreatePlan stores a storage plan; the plans API is not built yet.
	CreatePlan(ctx context.Context, p Plan) error
}

// Plan is an Originator's storage plan.
type Plan struct {
	ID             int64
	OrganisationID int64
	Name           string
	Quota          int64
	Default        bool
	CreatedAt      time.Time
}

// Service is the organisations' rules.
type Service struct {
	store  Store
	ids    *ids.Generator
	mailer notify.Sender
	log    *slog.Logger
	now    func() time.Time
}

// NewService returns the organisations' rules over the store; mailer tells contacts about removals.
func NewService(s Store, g *ids.Generator, mailer notify.Sender, log *slog.Logger) *Service {
	return &Service{store: s, ids: g, mailer: mailer, log: log, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// NewOrganisation is what creating an organisation takes.
type NewOrganisation struct {
	Name, AdminEmail, ContactEmail string
	Quota                          int64
	Description                    *string
}

// Create makes an organisation and its first administrator.
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
	return s.store.CreateOrganisation(ctx, o, user.User{ID: s.ids.New(), Email: adminEmail, CreatedAt: now})
}

// ByID returns the organisation.
func (s *Service) ByID(ctx context.Context, id int64) (Organisation, error) {
	return s.store.Organisation(ctx, id)
}

// List returns one page of organisations and how many match.
func (s *Service) List(ctx context.Context, q listing.Query) ([]Organisation, int, error) {
	q.Search = strings.ToLower(q.Search)
	return s.store.Organisations(ctx, q)
}

// Update applies the changes. Who may change which member is the caller's business (httpapi).
func (s *Service) Update(ctx context.Context, id int64, c Changes) (Organisation, error) {
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
	return s.store.UpdateOrganisation(ctx, id, c, s.now())
}

// Membership returns the user's membership of the organisation, or ErrNotMember.
func (s *Service) Membership(ctx context.Context, orgID, userID int64) (Membership, error) {
	return s.store.Membership(ctx, orgID, userID)
}

// Memberships returns every organisation the user belongs to, by name.
func (s *Service) Memberships(ctx context.Context, userID int64) ([]Membership, error) {
	return s.store.Memberships(ctx, userID)
}

// Members returns one page of the organisation's members.
func (s *Service) Members(ctx context.Context, orgID int64, q listing.Query) ([]Member, int, error) {
	q.Search = strings.ToLower(q.Search)
	return s.store.Members(ctx, orgID, q)
}

// AddMember adds the account with this email, creating it if needed.
func (s *Service) AddMember(ctx context.Context, orgID int64, email string, role Role, isOrgAdmin bool, planID *int64) (Member, error) {
	email, err := user.NormalizeEmail(email)
	if err != nil {
		return Member{}, err
	}
	if role != RoleOriginator && role != RoleCollaborator {
		return Member{}, fmt.Errorf("role %q cannot be assigned", role)
	}
	if role != RoleOriginator && planID != nil {
		return Member{}, ErrPlanForbidden
	}
	now := s.now()
	return s.store.AddMember(ctx, orgID, user.User{ID: s.ids.New(), Email: email, CreatedAt: now}, role, isOrgAdmin, planID, now)
}

// UpdateMember changes a member's role, administrator flag or plan.
func (s *Service) UpdateMember(ctx context.Context, orgID, userID int64, c MemberChange) (Member, error) {
	return s.store.UpdateMember(ctx, orgID, userID, c)
}

// RemoveMember removes the member from the organisation.
func (s *Service) RemoveMember(ctx context.Context, orgID, userID int64) error {
	return s.store.RemoveMember(ctx, orgID, userID)
}

// CreatePlan stores a plan (for tests and tools until the plans API exists).
func (s *Service) CreatePlan(ctx context.Context, orgID int64, name string, quota int64, isDefault bool) (Plan, error) {
	p := Plan{ID: s.ids.New(), OrganisationID: orgID, Name: name, Quota: quota, Default: isDefault, CreatedAt: s.now()}
	return p, s.store.CreatePlan(ctx, p)
}

// RequestRemoval files a removal request on behalf of the administrator.
func (s *Service) RequestRemoval(ctx context.Context, orgID int64, by user.User, notifyContact bool) (RemovalRequest, error) {
	r := RemovalRequest{ID: s.ids.New(), OrganisationID: orgID, RequestedByID: by.ID, RequestedByEmail: by.Email,
		RequestedAt: s.now(), NotifyContact: notifyContact}
	if err := s.store.OpenRemovalRequest(ctx, r); err != nil {
		return RemovalRequest{}, err
	}
	if notifyContact {
		org, err := s.store.Organisation(ctx, orgID)
		if err != nil {
			s.log.Warn("notification not sent: cannot read the organisation", "organisation_id", orgID, "error", err.Error())
			return r, nil
		}
		s.send(ctx, org.ContactEmail, "Organisation removal requested", fmt.Sprintf(
			"A SafeShare administrator (%s) has requested the removal of the organisation %q.\n"+
				"A second SafeShare administrator must approve it before anything is removed.\n", by.Email, org.Name))
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
	r, org, err := s.store.WithdrawRemovalRequest(ctx, orgID)
	if err != nil {
		return RemovalRequest{}, "", err
	}
	outcome := Declined
	if r.RequestedByID == by.ID {
		outcome = Cancelled
	}
	if r.NotifyContact {
		s.send(ctx, org.ContactEmail, "Organisation removal "+string(outcome), fmt.Sprintf(
			"The request to remove the organisation %q has been %s by %s. Nothing was removed.\n", org.Name, outcome, by.Email))
	}
	return r, outcome, nil
}

// Remove removes the organisation under the two-person rule.
func (s *Service) Remove(ctx context.Context, orgID int64, by user.User) error {
	org, r, err := s.store.DeleteOrganisation(ctx, orgID, by.ID)
	if err != nil {
		return err
	}
	if r.NotifyContact {
		s.send(ctx, org.ContactEmail, "Organisation removed", fmt.Sprintf(
			"The organisation %q has been removed by %s, as requested by %s.\n", org.Name, by.Email, r.RequestedByEmail))
	}
	return nil
}

// send delivers a notification after the change is committed; a failure is logged, never returned, so
// it cannot fail or undo the request that caused it.
func (s *Service) send(ctx context.Context, to, subject, body string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), notify.Timeout)
	defer cancel()
	if err := s.mailer.Send(ctx, notify.Message{To: to, Subject: subject, Body: body}); err != nil {
		s.log.Error("notification not sent", "to", to, "subject", subject, "error", err.Error())
	}
}

func emptyToNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}
