// Package mfa holds users' second factor: a TOTP authenticator app (RFC 6238) paired with the account,
// the codes it shows, and the emailed set-up links that lead to pairing one.
//
// A user has at most one active authenticator and at most one pending pairing: a key shown to them
// (as a QR code and as text) but not yet confirmed. Pairing is confirmed by one current code from the
// app; only then does the pending key become the active one, replacing any earlier key. The key is
// shown during pairing only, never afterwards.
//
// TOTP: SHA-1, 6 digits, a 30 s step, one step of clock skew either way, 160-bit random keys, all by
// github.com/pquerna/otp. A code works at most once per user: the store keeps the last step a code was
// accepted for, and a code is accepted only for a later step, recorded by a conditional update that one
// of two concurrent uses of the same code loses.
//
// Every change runs in a transaction the Service opens with its Store's InTx; a caller that already has
// one open (the mfa grant, spending its restrictive token) joins it.
//
// Keys, codes and set-up tokens never appear in an error's text.
package mfa

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/skip2/go-qrcode"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/notify"
)

// The TOTP parameters (RFC 6238's defaults, which every authenticator app supports).
const (
	// Period is the length of one time step.
	Period = 30 * time.Second
	// Skew is how many steps before and after the current one a code is accepted for.
	Skew = 1
	// Digits is the length of a code.
	Digits = 6
	// keyBytes is the size of a key: 160 bits, RFC 4226's recommendation for HMAC-SHA-1.
	keyBytes = 20
)

// DefaultSetupLinkValidity is how long a set-up link may be used when Options.LinkValidity is nil: the
// default of the platform property temporary.password.expiry.hours, which the service reads instead.
const DefaultSetupLinkValidity = 72 * time.Hour

// setupTokenBytes is the size of a set-up link's random token: 256 bits.
const setupTokenBytes = 32

// DefaultIssuer is the issuer name authenticator apps show beside the account when Options names none.
const DefaultIssuer = "SafeShare"

var (
	// ErrWrongCode: the code is not a current code of the key (or is not 6 digits).
	ErrWrongCode = errs.New(errs.Invalid, "Invalid authentication code", "the authentication code is not valid")
	// ErrReplayed: the code is right but was already used (or a later one was): a code works once. Clients
	// may be told the same as for ErrWrongCode (the same kind and title); it is distinct for the audit.
	ErrReplayed = errs.New(errs.Invalid, "Invalid authentication code", "the authentication code was already used")
	// ErrNotConfigured: the user has no paired authenticator.
	ErrNotConfigured = errs.New(errs.Precondition, "MFA not configured", "no authenticator is paired with the account")
	// ErrNoPairing: there is no pairing waiting to be confirmed.
	ErrNoPairing = errs.New(errs.Precondition, "No pairing started", "no authenticator pairing has been started")
	// ErrLinkUnknown: no set-up link has this token.
	ErrLinkUnknown = errs.New(errs.NotFound, "Set-up link not found", "the set-up link is not valid")
	// ErrLinkExpired: the set-up link is older than its validity (Options.LinkValidity when it was
	// made), or a newer one replaced it.
	ErrLinkExpired = errs.New(errs.Precondition, "Set-up link expired", "the set-up link has expired")
	// ErrLinkUsed: the set-up link has paired an authenticator already.
	ErrLinkUsed = errs.New(errs.Precondition, "Set-up link used", "the set-up link has already been used")
)

// Authenticator is a user's active (paired) authenticator as the store keeps it. Key is the secret
// (base32): the Service reads it to check codes and never returns it.
type Authenticator struct {
	UserID int64
	Key    string
	// LastStep is the time step (Unix time / Period) of the last code accepted; 0 for none.
	LastStep int64
	PairedAt time.Time
}

// PendingPairing is a key shown to the user and not yet confirmed by a code.
type PendingPairing struct {
	UserID    int64
	Key       string
	CreatedAt time.Time
}

// SetupLink is an emailed set-up link as the store keeps it: its token only as Digest.
type SetupLink struct {
	// Digest is the hex SHA-256 of the link's token.
	Digest string
	UserID int64
	// Email is the user's address (read with the link), the account name shown in the app.
	Email     string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
	// TurnsOn: completing the link also turns MFA on for the account (a set-up the person chose on
	// the account page; see NewOwnSetupLink).
	TurnsOn bool
}

// Store keeps authenticators, pending pairings and set-up links: queries and locks only; the rules are
// the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Authenticator reads the user's active authenticator; ErrNotConfigured if there is none.
	Authenticator(ctx context.Context, userID int64) (Authenticator, error)
	// UseStep records step as the user's last accepted step, if the user's active key is still key and its
	// last step is less than step, in one conditional statement; false if it did not (the step, or a
	// later one, was used already; or the key was replaced meanwhile).
	UseStep(ctx context.Context, userID int64, key string, step int64) (bool, error)
	// Activate stores a as the user's active authenticator, replacing any.
	Activate(ctx context.Context, a Authenticator) error
	// Pending reads the user's pending pairing under lock for the rest of the transaction; ErrNoPairing
	// if there is none.
	Pending(ctx context.Context, userID int64) (PendingPairing, error)
	// SetPending stores p as the user's pending pairing, replacing any; user.ErrNotFound if there is no
	// such user.
	SetPending(ctx context.Context, p PendingPairing) error
	// DeletePending deletes the user's pending pairing; ErrNoPairing if there is none.
	DeletePending(ctx context.Context, userID int64) error
	// Forget deletes the user's active authenticator and pending pairing, if any.
	Forget(ctx context.Context, userID int64) error
	// LockUser takes the user's row lock for the rest of the transaction, so that two changes of the
	// user's set-up links are ordered; user.ErrNotFound if there is no such user.
	LockUser(ctx context.Context, userID int64) error
	// AddLink stores a set-up link; user.ErrNotFound if there is no such user.
	AddLink(ctx context.Context, l SetupLink) error
	// ExpireLinks makes the user's unused links that expire after at expire at at.
	ExpireLinks(ctx context.Context, userID int64, at time.Time) error
	// Link reads the link with this digest, with its user's email, under lock for the rest of the
	// transaction; ErrLinkUnknown if there is none.
	Link(ctx context.Context, digest string) (SetupLink, error)
	// MarkLinkUsed sets the link's used_at if it is unused; ErrLinkUsed if it was used already.
	MarkLinkUsed(ctx context.Context, digest string, at time.Time) error
	// SetEnabled turns MFA on or off on the user's account (users.mfa_enabled).
	SetEnabled(ctx context.Context, userID int64, on bool) error
	// Unpaired are the organisation's members other than Ad hoc ones with no authenticator paired (only
	// userID among them, when it is not 0), in one statement.
	Unpaired(ctx context.Context, orgID, userID int64) ([]Account, error)
}

// Options configure the Service.
type Options struct {
	// Issuer is the name authenticator apps show beside the account; DefaultIssuer if empty.
	Issuer string
	// Now is the clock; the real one (UTC, to the microsecond the databases keep) if nil.
	Now func() time.Time
	// Organisations say which organisations enforce MFA for a user and who administers whom
	// (organisation.Service); nil: none enforce it, and nobody administers anyone.
	Organisations Organisations
	// Mailer sends the emails about MFA changes and the set-up links; nil: none are sent. Log records a
	// failed send. LinkBase is where a set-up link's token is appended ({issuer}/api/oauth/mfa/setup?token=).
	Mailer   notify.Sender
	Log      *slog.Logger
	LinkBase string
	// LinkValidity is how long a set-up link made now may be used (the platform property
	// temporary.password.expiry.hours, read when each link is made); nil: DefaultSetupLinkValidity.
	LinkValidity func(ctx context.Context) (time.Duration, error)
}

// Organisations are what MFA needs of the organisations: which enforce MFA (enforceMfa) for a member,
// and whether one user administers an organisation of another.
type Organisations interface {
	// MFAEnforcers are the ids of the organisations enforcing MFA of which the user is a member other
	// than Ad hoc.
	MFAEnforcers(ctx context.Context, userID int64) ([]int64, error)
	// AdministersMemberOf: adminID administers an organisation userID is a member of.
	AdministersMemberOf(ctx context.Context, adminID, userID int64) (bool, error)
}

// Service is the second factor's rules.
type Service struct {
	store    Store
	issuer   string
	now      func() time.Time
	orgs     Organisations
	mailer   notify.Sender
	log      *slog.Logger
	linkBase string
	validity func(ctx context.Context) (time.Duration, error)
}

// NewService returns the MFA service over the store.
func NewService(s Store, o Options) *Service {
	svc := &Service{store: s, issuer: o.Issuer, now: o.Now, orgs: o.Organisations, mailer: o.Mailer, log: o.Log, linkBase: o.LinkBase,
		validity: o.LinkValidity}
	if svc.log == nil {
		svc.log = slog.New(slog.DiscardHandler)
	}
	if svc.issuer == "" {
		svc.issuer = DefaultIssuer
	}
	if svc.now == nil {
		svc.now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	}
	if svc.validity == nil {
		svc.validity = func(context.Context) (time.Duration, error) { return DefaultSetupLinkValidity, nil }
	}
	return svc
}

// Status is whether a user has a paired authenticator.
type Status struct {
	Configured bool
	// PairedAt is when the active authenticator was paired; nil when not Configured.
	PairedAt *time.Time
}

// State is a user's MFA as the rest of the service sees it: Required (enabled on the account, or
// enforced by an organisation they are a member of, not Ad hoc), Configured (an authenticator paired)
// and the organisations enforcing it.
type State struct {
	Required, Configured bool
	EnforcedBy           []int64
}

// StateOf is the MFA state of the user whose account has MFA enabled (user.User.MFAEnabled) or not:
// two statements (the enforcing organisations, the authenticator).
func (s *Service) StateOf(ctx context.Context, userID int64, enabledOnAccount bool) (State, error) {
	enf, err := s.enforcedBy(ctx, userID)
	if err != nil {
		return State{}, err
	}
	st := State{Required: enabledOnAccount || len(enf) > 0, EnforcedBy: enf}
	status, err := s.Status(ctx, userID)
	st.Configured = status.Configured
	return st, err
}

// Required says whether the user must give a code to sign in, and whether they can (an authenticator is
// paired); when MFA is not required it does not look for an authenticator.
func (s *Service) Required(ctx context.Context, userID int64, enabledOnAccount bool) (required, configured bool, err error) {
	if !enabledOnAccount {
		enf, err := s.enforcedBy(ctx, userID)
		if err != nil || len(enf) == 0 {
			return false, false, err
		}
	}
	status, err := s.Status(ctx, userID)
	return true, status.Configured, err
}

// enforcedBy are the organisations enforcing MFA for the user, by id (none without Organisations).
func (s *Service) enforcedBy(ctx context.Context, userID int64) ([]int64, error) {
	if s.orgs == nil {
		return []int64{}, nil
	}
	return s.orgs.MFAEnforcers(ctx, userID)
}

// Check is Verify for a sign-in: false (and nothing changed) for a code that is wrong, malformed or used
// already, or for a user with no authenticator; an error only when the check could not be made.
func (s *Service) Check(ctx context.Context, userID int64, code string) (bool, error) {
	err := s.Verify(ctx, userID, code)
	if errors.Is(err, ErrWrongCode) || errors.Is(err, ErrReplayed) || errors.Is(err, ErrNotConfigured) {
		return false, nil
	}
	return err == nil, err
}

// Pairing is a key being paired, to show to its user once: Key as text for entering by hand, URI
// (otpauth://) for the QR code.
type Pairing struct {
	// Key is the secret in base32 (RFC 4648, no padding), as authenticator apps take it.
	Key string
	// URI is the otpauth://totp/ URI carrying the key, the issuer, the account and the parameters.
	URI string
}

// QRSize is the width and height, in pixels, of Pairing.QR's image.
const QRSize = 256

// QR is a PNG of the pairing's URI as a QR code (QRSize pixels square, medium error correction), for
// authenticator apps to scan.
func (p Pairing) QR() ([]byte, error) {
	png, err := qrcode.Encode(p.URI, qrcode.Medium, QRSize)
	if err != nil {
		return nil, fmt.Errorf("mfa: making the QR code: %w", err) // qrcode's errors name sizes, not content
	}
	return png, nil
}

// Status says whether the user has a paired authenticator, and since when.
func (s *Service) Status(ctx context.Context, userID int64) (Status, error) {
	a, err := s.store.Authenticator(ctx, userID)
	if errors.Is(err, ErrNotConfigured) {
		return Status{}, nil
	}
	if err != nil {
		return Status{}, err
	}
	at := a.PairedAt
	return Status{Configured: true, PairedAt: &at}, nil
}

// StartPairing makes a new random key for the user as their pending pairing, replacing any pending one,
// and returns it for showing; it is not active until ConfirmPairing. email is the account name the app
// shows. user.ErrNotFound if there is no such user.
func (s *Service) StartPairing(ctx context.Context, userID int64, email string) (Pairing, error) {
	var p Pairing
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		p, err = s.newPending(ctx, userID, email)
		return err
	})
	return p, err
}

// newPending makes and stores a new pending key for the user.
func (s *Service) newPending(ctx context.Context, userID int64, email string) (Pairing, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer, AccountName: email, Period: uint(Period / time.Second),
		SecretSize: keyBytes, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Pairing{}, fmt.Errorf("mfa: generating a key: %w", err)
	}
	if err := s.store.SetPending(ctx, PendingPairing{UserID: userID, Key: k.Secret(), CreatedAt: s.now()}); err != nil {
		return Pairing{}, err
	}
	return Pairing{Key: k.Secret(), URI: k.URL()}, nil
}

// pairingOf is the pairing that shows a stored key again.
func (s *Service) pairingOf(key, email string) (Pairing, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key)
	if err != nil {
		return Pairing{}, fmt.Errorf("mfa: a stored key is not base32") // not the key itself
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer, AccountName: email, Period: uint(Period / time.Second),
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Pairing{}, fmt.Errorf("mfa: showing a key: %w", err)
	}
	return Pairing{Key: k.Secret(), URI: k.URL()}, nil
}

// ConfirmPairing pairs the user's pending key: code must be a current code of it. The pending key then
// becomes the user's active one (replacing any earlier authenticator), the code's step counts as used,
// and the pending pairing is gone. ErrNoPairing when there is none; ErrWrongCode, changing nothing, for
// a code that is not current. Two confirmations of one pairing at once: one wins, the other is
// ErrNoPairing.
func (s *Service) ConfirmPairing(ctx context.Context, userID int64, code string) error {
	if !wellFormed(code) {
		return ErrWrongCode
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		return s.confirm(ctx, userID, code, time.Time{})
	})
}

// confirm is ConfirmPairing's work inside a transaction; a pending pairing made before notBefore does
// not count.
func (s *Service) confirm(ctx context.Context, userID int64, code string, notBefore time.Time) error {
	p, err := s.store.Pending(ctx, userID)
	if err != nil {
		return err
	}
	if p.CreatedAt.Before(notBefore) {
		return ErrNoPairing
	}
	now := s.now()
	step, ok := matchStep(code, p.Key, now, -1)
	if !ok {
		return ErrWrongCode
	}
	if err := s.store.DeletePending(ctx, userID); err != nil {
		return err
	}
	return s.store.Activate(ctx, Authenticator{UserID: userID, Key: p.Key, LastStep: step, PairedAt: now})
}

// Verify checks a code from the user's authenticator: right, current (one step of skew either way) and
// of a later step than any code accepted before, which it records in the same statement that checks it.
// ErrNotConfigured without an authenticator; ErrWrongCode for a wrong code; ErrReplayed for a right
// code already used (or older than one used), including the loser of two concurrent uses of one code.
// It costs one read and one conditional update: no password hash.
func (s *Service) Verify(ctx context.Context, userID int64, code string) error {
	if !wellFormed(code) {
		return ErrWrongCode
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		a, err := s.store.Authenticator(ctx, userID)
		if err != nil {
			return err
		}
		now := s.now()
		step, ok := matchStep(code, a.Key, now, a.LastStep)
		if !ok {
			if _, old := matchStep(code, a.Key, now, -1); old {
				return ErrReplayed
			}
			return ErrWrongCode
		}
		used, err := s.store.UseStep(ctx, userID, a.Key, step)
		if err != nil {
			return err
		}
		if !used {
			return ErrReplayed
		}
		return nil
	})
}

// Forget removes the user's active authenticator and any pending pairing: MFA off, or the start of a
// forced re-pairing (followed by NewSetupLink). Forgetting nothing is no error. Set-up links are left
// as they are.
func (s *Service) Forget(ctx context.Context, userID int64) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		return s.store.Forget(ctx, userID)
	})
}

// NewSetupLink makes a single-use set-up link for the user, valid for Options.LinkValidity as it is now,
// and returns its token (256 random bits, base64url without padding) to put in the emailed URL and when
// it expires; only the token's SHA-256 is stored. The user's earlier unused links stop working
// (ErrLinkExpired); two links made at once are ordered by the user's row lock, so only the later one
// works. user.ErrNotFound if there is no such user.
func (s *Service) NewSetupLink(ctx context.Context, userID int64) (string, time.Time, error) {
	token, expires, _, err := s.newSetupLink(ctx, userID, false)
	return token, expires, err
}

// NewOwnSetupLink is NewSetupLink for a set-up the person asks for on the account page: when turnsOn,
// completing it also turns MFA on for the account (nobody required it: they chose it, as pairing through
// the API does). An authenticator already paired stays active until the link is completed, so a reset
// that is abandoned half-way leaves the person able to sign in with their old one.
func (s *Service) NewOwnSetupLink(ctx context.Context, userID int64, turnsOn bool) (string, error) {
	token, _, _, err := s.newSetupLink(ctx, userID, turnsOn)
	return token, err
}

// newSetupLink is NewSetupLink, also returning how long the link lasts (for the email's text).
func (s *Service) newSetupLink(ctx context.Context, userID int64, turnsOn bool) (string, time.Time, time.Duration, error) {
	validity, err := s.validity(ctx)
	if err != nil {
		return "", time.Time{}, 0, err
	}
	var b [setupTokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", time.Time{}, 0, fmt.Errorf("mfa: drawing a set-up token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.now()
	expires := now.Add(validity)
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockUser(ctx, userID); err != nil {
			return err
		}
		if err := s.store.ExpireLinks(ctx, userID, now); err != nil {
			return err
		}
		return s.store.AddLink(ctx, SetupLink{Digest: digest(token), UserID: userID, ExpiresAt: expires, CreatedAt: now, TurnsOn: turnsOn})
	})
	if err != nil {
		return "", time.Time{}, 0, err
	}
	return token, expires, validity, nil
}

// OpenSetupLink checks the set-up link (ErrLinkUnknown, ErrLinkUsed, ErrLinkExpired) and returns its
// user and the pairing to show: a new pending key the first time the link is opened, the same one when
// it is opened again (the page reloaded). A pending key from before the link (an abandoned self-service
// pairing) is replaced. The account name in the URI is the user's email, read with the link.
func (s *Service) OpenSetupLink(ctx context.Context, token string) (int64, Pairing, error) {
	var (
		userID int64
		p      Pairing
	)
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		l, err := s.usableLink(ctx, token)
		if err != nil {
			return err
		}
		userID = l.UserID
		pending, err := s.store.Pending(ctx, l.UserID)
		switch {
		case err == nil && !pending.CreatedAt.Before(l.CreatedAt):
			p, err = s.pairingOf(pending.Key, l.Email)
			return err
		case err == nil || errors.Is(err, ErrNoPairing):
			p, err = s.newPending(ctx, l.UserID, l.Email)
			return err
		default:
			return err
		}
	})
	if err != nil {
		return 0, Pairing{}, err
	}
	return userID, p, nil
}

// CompleteSetupLink checks the set-up link as OpenSetupLink does, confirms the pairing it showed with
// code as ConfirmPairing does, and marks the link used, in one transaction; it returns the link's user.
// A wrong code (ErrWrongCode) changes nothing and leaves the link usable; ErrNoPairing if the link was
// never opened.
func (s *Service) CompleteSetupLink(ctx context.Context, token, code string) (int64, error) {
	if !wellFormed(code) {
		return 0, ErrWrongCode
	}
	var userID int64
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		l, err := s.usableLink(ctx, token)
		if err != nil {
			return err
		}
		if err := s.confirm(ctx, l.UserID, code, l.CreatedAt); err != nil {
			return err
		}
		if l.TurnsOn {
			if err := s.store.SetEnabled(ctx, l.UserID, true); err != nil {
				return err
			}
		}
		userID = l.UserID
		return s.store.MarkLinkUsed(ctx, l.Digest, s.now())
	})
	if err != nil {
		return 0, err
	}
	return userID, nil
}

// usableLink reads the token's link under lock and checks that it may be used now.
func (s *Service) usableLink(ctx context.Context, token string) (SetupLink, error) {
	if token == "" || len(token) > 128 {
		return SetupLink{}, ErrLinkUnknown
	}
	l, err := s.store.Link(ctx, digest(token))
	if err != nil {
		return SetupLink{}, err
	}
	if l.UsedAt != nil {
		return SetupLink{}, ErrLinkUsed
	}
	if !s.now().Before(l.ExpiresAt) {
		return SetupLink{}, ErrLinkExpired
	}
	return l, nil
}

func digest(token string) string {
	d := sha256.Sum256([]byte(token))
	return hex.EncodeToString(d[:])
}

// wellFormed: a code is exactly Digits ASCII digits.
func wellFormed(code string) bool {
	if len(code) != Digits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

var validateOpts = totp.ValidateOpts{Period: uint(Period / time.Second), Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// checkCode reports whether code is a code of key for the step of now or one step either side: the
// check alone, in memory, without replay protection (Verify adds it). For the benchmarks.
func checkCode(code, key string, now time.Time) bool {
	_, ok := matchStep(code, key, now, -1)
	return ok
}

// matchStep finds the earliest of the steps now-Skew..now+Skew that is later than after and for which
// code is key's code, and returns it. The library checks one step at a time (Skew 0) so that the step a
// code matched is known, for the replay check.
func matchStep(code, key string, now time.Time, after int64) (int64, bool) {
	if !wellFormed(code) {
		return 0, false
	}
	for d := -Skew; d <= Skew; d++ {
		at := now.Add(time.Duration(d) * Period)
		step := stepOf(at)
		if step <= after {
			continue
		}
		if ok, err := totp.ValidateCustom(code, key, at, validateOpts); err == nil && ok {
			return step, true
		}
	}
	return 0, false
}

// stepOf is RFC 6238's T: the number of whole periods since the Unix epoch, as the library counts it.
func stepOf(t time.Time) int64 {
	return t.Unix() / int64(Period/time.Second)
}
