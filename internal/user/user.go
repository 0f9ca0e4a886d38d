// Package user holds user accounts: creating them, their passwords, and signing in with a password.
package user

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/password"
	"github.com/cocoondata/access-service/internal/property"
	"github.com/cocoondata/access-service/internal/revocation"
)

// User is one account; one per email address across the platform.
type User struct {
	ID             int64
	Email          string
	PasswordHash   string
	FirstName      *string
	LastName       *string
	OtherName      *string
	MobileNumber   *string
	MFAEnabled     bool
	SafeShareAdmin bool
	FailedLogins   int
	LockedUntil    *time.Time
	CreatedAt      time.Time
}

// Authorities are the platform roles carried in the user's access tokens.
func (u User) Authorities() []string {
	if u.SafeShareAdmin {
		return []string{AuthoritySafeShareAdmin, AuthorityUser}
	}
	return []string{AuthorityUser}
}

// Platform roles as they appear in tokens.
const (
	AuthoritySafeShareAdmin = "ROLE_SAFESHARE_ADMIN"
	AuthorityUser           = "ROLE_USER"
)

// LockDuration is how long an account stays locked after too many failed sign-ins.
const LockDuration = 15 * time.Minute

var (
	ErrNotFound     = errors.New("user not found")
	ErrEmailTaken   = errors.New("an account with this email already exists")
	ErrInvalidEmail = errors.New("not a valid email address")
	// ErrControlCharacter: a name holding a control character (NUL cannot even be stored).
	ErrControlCharacter = errors.New("names must not hold control characters")
	ErrBadCredentials   = errors.New("bad credentials")
	ErrLocked           = errors.New("account locked after too many failed sign-ins")
	ErrOwnRole          = errors.New("no one may change their own SafeShare administrator role")
)

// PolicyError says how a password breaks the password policy.
type PolicyError struct{ Policy property.PasswordPolicy }

func (e *PolicyError) Error() string {
	return fmt.Sprintf("the password must be %d to %d characters long", e.Policy.MinLength, e.Policy.MaxLength)
}

// Store keeps accounts.
type Store interface {
	CreateUser(ctx context.Context, u User) error
	UserByID(ctx context.Context, id int64) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	SetPasswordHash(ctx context.Context, id int64, hash string) error
	// RecordLoginFailure counts a failed sign-in; when the count reaches maxRetries it resets the count
	// and locks the account until lockUntil.
	RecordLoginFailure(ctx context.Context, id int64, maxRetries int, lockUntil time.Time) error
	RecordLoginSuccess(ctx context.Context, id int64) error
	AnySafeShareAdmin(ctx context.Context) (bool, error)
	UpdateProfile(ctx context.Context, id int64, p Profile) error
	// EnsureUser stores u unless an account with u.Email exists, and returns the account.
	EnsureUser(ctx context.Context, u User) (User, error)
	// When rev is not zero it is recorded in the same transaction (the revocation of the tokens that
	// carry a role the account has just lost).
	SetSafeShareAdmin(ctx context.Context, id int64, admin bool, rev revocation.Entry) error
	// SafeShareAdmins returns one page of the SafeShare administrators and how many match.
	SafeShareAdmins(ctx context.Context, q listing.Query) ([]User, int, error)
}

// Profile is the part of an account its owner edits.
type Profile struct {
	FirstName, LastName, OtherName, MobileNumber *string
}

// Service is the accounts' rules.
type Service struct {
	store  Store
	ids    *ids.Generator
	hasher *password.Hasher
	props  *property.Service
	// revoked: the access tokens of an account that loses the SafeShare administrator role are revoked
	// (the role is an authority the tokens carry).
	revoked *revocation.Index
	now     func() time.Time
}

// NewService returns the accounts' rules over the store.
func NewService(s Store, g *ids.Generator, h *password.Hasher, p *property.Service, revoked *revocation.Index) *Service {
	return &Service{store: s, ids: g, hasher: h, props: p, revoked: revoked, now: func() time.Time { return time.Now().UTC() }}
}

// NormalizeEmail trims and lower-cases an address and checks that it is one plain address.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" || len(e) > 254 {
		return "", ErrInvalidEmail
	}
	return e, nil
}

// NewUser is what creating an account takes.
type NewUser struct {
	Email          string
	Password       string // empty: an account that cannot sign in with a password yet
	FirstName      *string
	LastName       *string
	SafeShareAdmin bool
}

// Create makes an account.
func (s *Service) Create(ctx context.Context, nu NewUser) (User, error) {
	email, err := NormalizeEmail(nu.Email)
	if err != nil {
		return User{}, err
	}
	u := User{
		ID: s.ids.New(), Email: email, FirstName: nu.FirstName, LastName: nu.LastName,
		SafeShareAdmin: nu.SafeShareAdmin, CreatedAt: s.now(),
	}
	if nu.Password != "" {
		if u.PasswordHash, err = s.hashNewPassword(ctx, nu.Password); err != nil {
			return User{}, err
		}
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return User{}, err
	}
	return u, nil
}

// SetPassword replaces the password of the account with this email.
func (s *Service) SetPassword(ctx context.Context, email, newPassword string) error {
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	hash, err := s.hashNewPassword(ctx, newPassword)
	if err != nil {
		return err
	}
	return s.store.SetPasswordHash(ctx, u.ID, hash)
}

func (s *Service) hashNewPassword(ctx context.Context, pw string) (string, error) {
	policy, err := s.props.PasswordPolicy(ctx)
	if err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(pw); n < policy.MinLength || n > policy.MaxLength {
		return "", &PolicyError{Policy: policy}
	}
	return s.hasher.Hash(ctx, pw)
}

// CheckingSaturated reports whether a password check asked for now would be refused as too many are
// under way (password.ErrBusy).
func (s *Service) CheckingSaturated() bool { return s.hasher.Saturated() }

// ByID returns the account with this id.
func (s *Service) ByID(ctx context.Context, id int64) (User, error) { return s.store.UserByID(ctx, id) }

// UpdateProfile replaces the account's profile (a nil member clears it) and returns the account.
func (s *Service) UpdateProfile(ctx context.Context, id int64, p Profile) (User, error) {
	for _, name := range []*string{p.FirstName, p.LastName, p.OtherName, p.MobileNumber} {
		if name != nil && strings.IndexFunc(*name, unicode.IsControl) >= 0 {
			return User{}, ErrControlCharacter
		}
	}
	if err := s.store.UpdateProfile(ctx, id, p); err != nil {
		return User{}, err
	}
	return s.store.UserByID(ctx, id)
}

// AnySafeShareAdmin reports whether at least one SafeShare administrator exists.
func (s *Service) AnySafeShareAdmin(ctx context.Context) (bool, error) {
	return s.store.AnySafeShareAdmin(ctx)
}

// maxCheckedPasswordLength bounds the work a sign-in attempt can cause: 1,024 characters of up to
// four bytes each, the longest password the default policy allows.
const maxCheckedPasswordLength = 4096

// Authenticate checks an email and password. Unknown accounts and wrong passwords give the same error in
// the same time; an account over its retry limit is locked for LockDuration and refused without its
// password being checked.
func (s *Service) Authenticate(ctx context.Context, email, pw string) (User, error) {
	email, emailErr := NormalizeEmail(email)
	var u User
	err := emailErr
	if err == nil {
		u, err = s.store.UserByEmail(ctx, email)
	}
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrInvalidEmail) {
		return User{}, err
	}
	if len(pw) > maxCheckedPasswordLength {
		// No policy allows a password this long; hash a bounded stand-in so the time taken matches.
		pw, err = "", ErrBadCredentials
	}
	if err != nil {
		// Busy or not, an unknown account is answered as a known one would be.
		if _, herr := s.hasher.Verify(ctx, pw, ""); herr != nil {
			return User{}, herr
		}
		return User{}, ErrBadCredentials
	}
	now := s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		return User{}, ErrLocked
	}
	ok, err := s.hasher.Verify(ctx, pw, u.PasswordHash)
	if err != nil {
		return User{}, err
	}
	if !ok {
		maxRetries, err := s.props.MaxPasswordRetries(ctx)
		if err != nil {
			return User{}, err
		}
		if err := s.store.RecordLoginFailure(ctx, u.ID, maxRetries, now.Add(LockDuration)); err != nil {
			return User{}, err
		}
		return User{}, ErrBadCredentials
	}
	if u.FailedLogins != 0 || u.LockedUntil != nil {
		if err := s.store.RecordLoginSuccess(ctx, u.ID); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// SafeShareAdmins returns one page of the SafeShare administrators; q.Search matches the email.
func (s *Service) SafeShareAdmins(ctx context.Context, q listing.Query) ([]User, int, error) {
	q.Search = strings.ToLower(q.Search)
	return s.store.SafeShareAdmins(ctx, q)
}

// SetSafeShareAdmin grants or revokes the platform role of the account with this email, creating the
// account (without a password) if there is none. No one changes their own role. Revoking the role also
// revokes the account's access tokens, which carry it as an authority: its apps refresh them and the
// new ones do not carry it. Granting it revokes nothing; the new administrator's next tokens carry it.
func (s *Service) SetSafeShareAdmin(ctx context.Context, caller User, email string, admin bool) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	if email == caller.Email {
		return User{}, ErrOwnRole
	}
	u, err := s.store.EnsureUser(ctx, User{ID: s.ids.New(), Email: email, CreatedAt: s.now()})
	if err != nil {
		return User{}, err
	}
	if u.ID == caller.ID {
		return User{}, ErrOwnRole
	}
	if u.SafeShareAdmin != admin {
		var rev revocation.Entry
		if !admin {
			rev = s.revoked.ForUser(s.ids.New(), u.ID, s.now())
		}
		if err := s.store.SetSafeShareAdmin(ctx, u.ID, admin, rev); err != nil {
			return User{}, err
		}
		if !admin {
			s.revoked.Add(rev)
		}
		u.SafeShareAdmin = admin
	}
	return u, nil
}
