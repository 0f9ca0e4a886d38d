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

	"github.com/cocoondata/access-service/internal/errs"
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
	// Disabled: an operator disabled the account; it cannot sign in.
	Disabled bool
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
	ErrNotFound     = errs.New(errs.NotFound, "User not found", "user not found")
	ErrEmailTaken   = errs.New(errs.Conflict, "Email already in use", "an account with this email already exists")
	ErrInvalidEmail = errs.New(errs.Invalid, "Invalid email address", "not a valid email address")
	// ErrControlCharacter: a name holding a control character (NUL cannot even be stored).
	ErrControlCharacter = errs.New(errs.Invalid, "Control character in text", "names must not hold control characters")
	// ErrBadCredentials and ErrLocked are answered by the token endpoint and the sign-in page, never as
	// problems.
	ErrBadCredentials = errors.New("bad credentials")
	ErrDisabled       = errors.New("the account is disabled")
	ErrOwnRole        = errs.New(errs.Forbidden, "Own role", "no one may change their own SafeShare administrator role")
)

// PolicyError says how a password breaks the password policy.
type PolicyError struct{ Policy property.PasswordPolicy }

func (e *PolicyError) Error() string {
	return fmt.Sprintf("the password must be %d to %d characters long", e.Policy.MinLength, e.Policy.MaxLength)
}

// Kind implements errs.Kinded.
func (e *PolicyError) Kind() errs.Kind { return errs.Invalid }

// Title implements errs.Kinded.
func (e *PolicyError) Title() string { return "Password policy not met" }

// Store keeps accounts: queries only; the rules are the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Create(ctx context.Context, u User) error
	ByID(ctx context.Context, id int64) (User, error)
	ByEmail(ctx context.Context, email string) (User, error)
	// Ensure stores u unless an account with u.Email exists, and returns the account.
	Ensure(ctx context.Context, u User) (User, error)
	SetPasswordHash(ctx context.Context, id int64, hash string) error
	// AddLoginFailure counts a failed sign-in and returns the account's count.
	AddLoginFailure(ctx context.Context, id int64) (int, error)
	// AddressFailures, AddAddressFailure, LockAddress and ClearAddressFailures keep the count and lock
	// of failed sign-ins to one account from one address.
	AddressFailures(ctx context.Context, id int64, address string) (int, *time.Time, error)
	AddAddressFailure(ctx context.Context, id int64, address string) (int, error)
	LockAddress(ctx context.Context, id int64, address string, until time.Time) error
	ClearAddressFailures(ctx context.Context, id int64, address string) error
	// ClearAllAddressFailures forgets the failed sign-ins to the account and the locks of every address.
	ClearAllAddressFailures(ctx context.Context, id int64) error
	// Lock locks the account until the time given and resets its count.
	Lock(ctx context.Context, id int64, until time.Time) error
	ClearLoginFailures(ctx context.Context, id int64) error
	AnySafeShareAdmin(ctx context.Context) (bool, error)
	UpdateProfile(ctx context.Context, id int64, p Profile) error
	SetSafeShareAdmin(ctx context.Context, id int64, admin bool) error
	SetDisabled(ctx context.Context, id int64, disabled bool) error
	// SafeShareAdmins returns one page of the SafeShare administrators.
	SafeShareAdmins(ctx context.Context, q listing.Query) (listing.Page[User], error)
}

// Sessions are what an account is signed in with (oauth's store): its refresh tokens and the sign-in
// sessions of the authorization pages. A new password or a disabled account ends them all.
type Sessions interface {
	// EndSessionsOfUser revokes every refresh token of the user and deletes their sign-in sessions.
	EndSessionsOfUser(ctx context.Context, userID int64, at time.Time) error
}

// Profile is the part of an account its owner edits.
type Profile struct {
	FirstName, LastName, OtherName, MobileNumber *string
}

// Service is the accounts' rules.
type Service struct {
	store    Store
	sessions Sessions
	ids      *ids.Generator
	hasher   *password.Hasher
	props    *property.Service
	// revoked: the access tokens of an account that loses the SafeShare administrator role are revoked
	// (the role is an authority the tokens carry).
	revoked *revocation.Index
	now     func() time.Time
}

// NewService returns the accounts' rules over the store; sessions are what a new password or a
// disabled account ends.
func NewService(s Store, sessions Sessions, g *ids.Generator, h *password.Hasher, p *property.Service, revoked *revocation.Index) *Service {
	return &Service{store: s, sessions: sessions, ids: g, hasher: h, props: p, revoked: revoked, now: func() time.Time { return time.Now().UTC() }}
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
	if err := s.store.Create(ctx, u); err != nil {
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
	u, err := s.store.ByEmail(ctx, email)
	if err != nil {
		return err
	}
	hash, err := s.hashNewPassword(ctx, newPassword)
	if err != nil {
		return err
	}
	// Whoever had the old password may have signed in with it: the new one ends every session.
	return s.endingSessions(ctx, u.ID, func(ctx context.Context) error {
		return s.store.SetPasswordHash(ctx, u.ID, hash)
	})
}

// PreparePassword checks a password its owner chose against the platform's password policy
// (*PolicyError) and hashes it: the slow part of setting a password, done before any transaction.
func (s *Service) PreparePassword(ctx context.Context, pw string) (string, error) {
	return s.hashNewPassword(ctx, pw)
}

// SetChosenPassword stores hash (from PreparePassword) as the account's password, in the transaction
// ctx carries (it opens one if there is none), and clears every lockout of the account: its count and
// lock, and those of every address (countFailure). With endSessions, as after a password reset, every
// session and refresh token of the account ends and a revocation of its access tokens is recorded (as
// SetPassword does); the function returned makes that revocation take effect on this instance, and is
// to be called once the transaction has committed (the other instances read it at their next poll).
func (s *Service) SetChosenPassword(ctx context.Context, userID int64, hash string, endSessions bool) (func(), error) {
	var rev revocation.Entry
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetPasswordHash(ctx, userID, hash); err != nil {
			return err
		}
		if err := s.store.ClearAllAddressFailures(ctx, userID); err != nil {
			return err
		}
		if !endSessions {
			return nil
		}
		var err error
		rev, err = s.endSessionsInTx(ctx, userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return func() {
		if rev.ID != 0 {
			s.revoked.Add(rev)
		}
	}, nil
}

// ByEmail returns the account with this address (normalized first); ErrNotFound if there is none,
// ErrInvalidEmail if it is not an address.
func (s *Service) ByEmail(ctx context.Context, email string) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	return s.store.ByEmail(ctx, email)
}

// SetDisabled disables the account with this email (it can no longer sign in, and every session and
// token it has ends) or enables it again (its old tokens stay dead).
func (s *Service) SetDisabled(ctx context.Context, email string, disabled bool) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	u, err := s.store.ByEmail(ctx, email)
	if err != nil {
		return User{}, err
	}
	change := func(ctx context.Context) error { return s.store.SetDisabled(ctx, u.ID, disabled) }
	if disabled {
		err = s.endingSessions(ctx, u.ID, change)
	} else {
		err = s.store.InTx(ctx, change)
	}
	if err != nil {
		return User{}, err
	}
	u.Disabled = disabled
	return u, nil
}

// endingSessions runs change and ends every session of the account in one transaction: its refresh
// tokens are revoked, its sign-in sessions deleted, and a revocation of every access token it holds is
// recorded, which this instance applies once committed and the others at their next poll
// (revocation.PollInterval).
func (s *Service) endingSessions(ctx context.Context, userID int64, change func(ctx context.Context) error) error {
	var rev revocation.Entry
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := change(ctx); err != nil {
			return err
		}
		var err error
		rev, err = s.endSessionsInTx(ctx, userID)
		return err
	})
	if err != nil {
		return err
	}
	s.revoked.Add(rev)
	return nil
}

// endSessionsInTx ends every session and refresh token of the account and records the revocation of
// its access tokens, in the transaction ctx carries; the entry it returns is for the in-memory index,
// once that transaction has committed.
func (s *Service) endSessionsInTx(ctx context.Context, userID int64) (revocation.Entry, error) {
	now := s.now()
	if err := s.sessions.EndSessionsOfUser(ctx, userID, now); err != nil {
		return revocation.Entry{}, err
	}
	rev := s.revoked.ForUser(s.ids.New(), userID, now)
	return rev, s.revoked.Record(ctx, rev)
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
func (s *Service) ByID(ctx context.Context, id int64) (User, error) { return s.store.ByID(ctx, id) }

// Active returns the account with this id if it may act: it exists and is not disabled; otherwise
// ErrNotFound. Whatever acts for an account (a refresh, a code exchange, a sign-in session, a bearer
// token's caller) reads it through this, so a disabled account's leftovers do nothing.
func (s *Service) Active(ctx context.Context, id int64) (User, error) {
	u, err := s.store.ByID(ctx, id)
	if err == nil && u.Disabled {
		return User{}, ErrNotFound
	}
	return u, err
}

// Ensure returns the account with this email, creating it (without a password) if there is none.
func (s *Service) Ensure(ctx context.Context, email string) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	return s.store.Ensure(ctx, User{ID: s.ids.New(), Email: email, CreatedAt: s.now()})
}

// UpdateProfile replaces the account's profile (a nil member clears it) and returns the account.
func (s *Service) UpdateProfile(ctx context.Context, id int64, p Profile) (User, error) {
	for _, name := range []*string{p.FirstName, p.LastName, p.OtherName, p.MobileNumber} {
		if name != nil && strings.IndexFunc(*name, unicode.IsControl) >= 0 {
			return User{}, ErrControlCharacter
		}
	}
	var u User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateProfile(ctx, id, p); err != nil {
			return err
		}
		var err error
		u, err = s.store.ByID(ctx, id)
		return err
	})
	return u, err
}

// AnySafeShareAdmin reports whether at least one SafeShare administrator exists.
func (s *Service) AnySafeShareAdmin(ctx context.Context) (bool, error) {
	return s.store.AnySafeShareAdmin(ctx)
}

// maxCheckedPasswordLength bounds the work a sign-in attempt can cause: 1,024 characters of up to
// four bytes each, the longest password the default policy allows.
const maxCheckedPasswordLength = 4096

// Authenticate checks an email and password sent from address (the client's). Unknown accounts, wrong
// passwords and locked ones give the same error (ErrBadCredentials) after the same work, a password
// check, so the answer tells nobody which accounts exist or are locked. The lockout rule is countFailure.
func (s *Service) Authenticate(ctx context.Context, email, pw, address string) (User, error) {
	email, emailErr := NormalizeEmail(email)
	var u User
	err := emailErr
	if err == nil {
		u, err = s.store.ByEmail(ctx, email)
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
	failures, addressLock, err := s.store.AddressFailures(ctx, u.ID, address)
	if err != nil {
		return User{}, err
	}
	locked := (u.LockedUntil != nil && now.Before(*u.LockedUntil)) || (addressLock != nil && now.Before(*addressLock))
	// The password is checked even when locked: a locked answer takes the time a wrong password does.
	ok, err := s.hasher.Verify(ctx, pw, u.PasswordHash)
	if err != nil {
		return User{}, err
	}
	if locked {
		// Not counted: the attempts of an address locked out would otherwise lock the whole account.
		return User{}, ErrBadCredentials
	}
	if !ok {
		if err := s.countFailure(ctx, u.ID, address, now); err != nil {
			return User{}, err
		}
		return User{}, ErrBadCredentials
	}
	if u.Disabled {
		// Said only to whoever knows the password, after the same work as any other answer.
		return User{}, ErrDisabled
	}
	if failures != 0 || addressLock != nil {
		if err := s.store.ClearAddressFailures(ctx, u.ID, address); err != nil {
			return User{}, err
		}
	}
	if u.FailedLogins != 0 || u.LockedUntil != nil {
		if err := s.store.ClearLoginFailures(ctx, u.ID); err != nil {
			return User{}, err
		}
	}
	return u, nil
}

// SecondFactorLocked reports whether the account is locked for sign-ins from address (countFailure's
// locks), for the second step of an MFA sign-in, which the password's lockout covers too.
func (s *Service) SecondFactorLocked(ctx context.Context, u User, address string) (bool, error) {
	now := s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		return true, nil
	}
	_, addressLock, err := s.store.AddressFailures(ctx, u.ID, address)
	return addressLock != nil && now.Before(*addressLock), err
}

// SecondFactorFailed counts a wrong authenticator code from address as a failed sign-in (countFailure).
func (s *Service) SecondFactorFailed(ctx context.Context, userID int64, address string) error {
	return s.countFailure(ctx, userID, address, s.now())
}

// AccountLockFactor: the whole account locks only after this many times the retry limit of failures
// from all addresses together; before that, only the addresses that failed lock themselves out.
const AccountLockFactor = 4

// countFailure is the lockout rule. A failed sign-in is counted twice: for the (account, address) pair
// and for the account. The pair's count reaching the platform's retry limit locks that address out of
// that account for LockDuration; the account's count reaching AccountLockFactor times the limit locks
// the account for everyone. So a stranger cannot lock anyone out from their own address (they lock only
// themselves), while a spread attack still ends in a lock. Counts are kept and raised in the database,
// so failures on several instances at once all count, and each lock is taken in the same transaction
// as the failure that reached it; each lock starts its count afresh.
func (s *Service) countFailure(ctx context.Context, id int64, address string, now time.Time) error {
	limit, err := s.props.MaxPasswordRetries(ctx)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		m, err := s.store.AddAddressFailure(ctx, id, address)
		if err != nil {
			return err
		}
		if m >= limit {
			if err := s.store.LockAddress(ctx, id, address, now.Add(LockDuration)); err != nil {
				return err
			}
		}
		n, err := s.store.AddLoginFailure(ctx, id)
		if err != nil || n < AccountLockFactor*limit {
			return err
		}
		return s.store.Lock(ctx, id, now.Add(LockDuration))
	})
}

// SafeShareAdmins returns one page of the SafeShare administrators; q.Search matches the email.
func (s *Service) SafeShareAdmins(ctx context.Context, q listing.Query) (listing.Page[User], error) {
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
	var (
		u   User
		rev revocation.Entry
	)
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.store.Ensure(ctx, User{ID: s.ids.New(), Email: email, CreatedAt: s.now()}); err != nil {
			return err
		}
		if u.ID == caller.ID {
			return ErrOwnRole
		}
		if u.SafeShareAdmin == admin {
			return nil
		}
		if err := s.store.SetSafeShareAdmin(ctx, u.ID, admin); err != nil {
			return err
		}
		u.SafeShareAdmin = admin
		if admin {
			return nil
		}
		rev = s.revoked.ForUser(s.ids.New(), u.ID, s.now())
		return s.revoked.Record(ctx, rev)
	})
	if err != nil {
		return User{}, err
	}
	// Committed: the revocation takes effect on this instance now (the others read it at their next poll).
	if rev.ID != 0 {
		s.revoked.Add(rev)
	}
	return u, nil
}
