// Package passwordlink holds the emailed links to choose a password: an invitation, sent to an account
// an administrator made without a password (a member added by email, an organisation's first
// administrator, an imported row), and a password reset, asked for on the "Forgot password?" page.
//
// A link is single use and expires: an invitation after the platform property
// temporary.password.expiry.hours as it was when it was sent, a reset after ResetValidity. Only the
// SHA-256 of a link's token is stored. A new link of an account and purpose makes the earlier unused
// ones expire (the account's row lock orders two made at once). Choosing a password checks it against
// the platform's policy, stores it and spends the link in one transaction, in which every other unused
// link of the account expires too; a reset also ends every session, refresh token and access token of
// the account, and either clears its lockout. An invitation is only for an account with no password:
// one that has chosen a password meanwhile finds its invitation links spent.
//
// The emails go through a notify.LinkMailer after the change commits, in the background, a few at a
// time; a failure is logged (without the link). A reset is asked for with an address that may have no
// account: RequestReset does everything, the look-up included, after it returns, so the answer and its
// timing say nothing about which addresses have accounts.
//
// Tokens never appear in an error's text or in the log.
package passwordlink

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/user"
)

// Purpose is what a link is for.
type Purpose string

// The purposes of a link.
const (
	Invitation Purpose = "invitation"
	Reset      Purpose = "reset"
)

// ResetValidity is how long a password reset link works.
const ResetValidity = 30 * time.Minute

// DefaultInvitationValidity is how long an invitation works when Options.InvitationValidity is nil:
// the default of the platform property temporary.password.expiry.hours.
const DefaultInvitationValidity = 72 * time.Hour

// tokenBytes is the size of a link's random token: 256 bits.
const tokenBytes = 32

// maxTokenLength bounds the token looked up: a real one is 43 characters.
const maxTokenLength = 200

// sendConcurrency is how many emails go out at once: an import of thousands of rows queues its
// invitations rather than opening thousands of connections to the mail server.
const sendConcurrency = 4

var (
	// ErrLinkUnknown: no link has this token.
	ErrLinkUnknown = errs.New(errs.NotFound, "Link not found", "the link is not valid")
	// ErrLinkExpired: the link is older than its validity, or a newer one replaced it.
	ErrLinkExpired = errs.New(errs.Precondition, "Link expired", "the link has expired")
	// ErrLinkUsed: a password was chosen with the link already (or, for an invitation, otherwise), or
	// the account was disabled.
	ErrLinkUsed = errs.New(errs.Precondition, "Link used", "the link has already been used")
	// ErrMismatch: the two passwords typed differ.
	ErrMismatch = errs.New(errs.Invalid, "Passwords differ", "the two passwords are not the same")
	// ErrHasPassword: an invitation is only for an account that has not chosen a password.
	ErrHasPassword = errs.New(errs.Conflict, "Invitation accepted", "the account has chosen a password already, so it has no invitation to send")
)

// IsUnusable reports whether err says a link cannot be used (unknown, expired, used).
func IsUnusable(err error) bool {
	return errors.Is(err, ErrLinkUnknown) || errors.Is(err, ErrLinkExpired) || errors.Is(err, ErrLinkUsed)
}

// Link is a link as the store keeps it: its token only as Digest.
type Link struct {
	// Digest is the hex SHA-256 of the link's token.
	Digest    string
	UserID    int64
	Purpose   Purpose
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

// Store keeps the links: queries and locks only; the rules are the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// LockUser takes the user's row lock for the rest of the transaction, so that two changes of the
	// user's links are ordered; user.ErrNotFound if there is no such user.
	LockUser(ctx context.Context, userID int64) error
	// AddLink stores a link; user.ErrNotFound if there is no such user.
	AddLink(ctx context.Context, l Link) error
	// ExpireLinks makes the user's unused links of the purpose (every purpose if "") that expire after
	// at expire at at.
	ExpireLinks(ctx context.Context, userID int64, purpose Purpose, at time.Time) error
	// Link reads the link with this digest, under lock for the rest of the transaction; ErrLinkUnknown
	// if there is none.
	Link(ctx context.Context, digest string) (Link, error)
	// MarkLinkUsed sets the link's used_at if it is unused; ErrLinkUsed if it was used already.
	MarkLinkUsed(ctx context.Context, digest string, at time.Time) error
}

// Accounts are the accounts' rules (user.Service): reading one, and setting a chosen password.
type Accounts interface {
	ByID(ctx context.Context, id int64) (user.User, error)
	ByEmail(ctx context.Context, email string) (user.User, error)
	PreparePassword(ctx context.Context, pw string) (string, error)
	SetChosenPassword(ctx context.Context, userID int64, hash string, endSessions bool) (func(), error)
}

// Options configure the Service.
type Options struct {
	// Mailer writes and sends the emails; nil: none are sent.
	Mailer notify.LinkMailer
	// Log records a failed send (never the link).
	Log *slog.Logger
	// LinkBase is where a link's token is appended ({issuer}/api/oauth/password/choose?token=).
	LinkBase string
	// InvitationValidity is how long an invitation sent now works (the platform property
	// temporary.password.expiry.hours, read when each is sent); nil: DefaultInvitationValidity.
	InvitationValidity func(ctx context.Context) (time.Duration, error)
	// Now is the clock; the real one (UTC, to the microsecond the databases keep) if nil.
	Now func() time.Time
}

// Service is the links' rules.
type Service struct {
	store    Store
	accounts Accounts
	mailer   notify.LinkMailer
	log      *slog.Logger
	linkBase string
	validity func(ctx context.Context) (time.Duration, error)
	now      func() time.Time
	sending  chan struct{}
}

// NewService returns the links' service over the store.
func NewService(s Store, accounts Accounts, o Options) *Service {
	svc := &Service{store: s, accounts: accounts, mailer: o.Mailer, log: o.Log, linkBase: o.LinkBase,
		validity: o.InvitationValidity, now: o.Now, sending: make(chan struct{}, sendConcurrency)}
	if svc.log == nil {
		svc.log = slog.New(slog.DiscardHandler)
	}
	if svc.validity == nil {
		svc.validity = func(context.Context) (time.Duration, error) { return DefaultInvitationValidity, nil }
	}
	if svc.now == nil {
		svc.now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	}
	return svc
}

// SetMailer makes the service send its emails through m (tests record them with it).
func (s *Service) SetMailer(m notify.LinkMailer) { s.mailer = m }

// SetClock makes the service read the time from now: tests move time with it (a link's expiry).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Invite emails the account an invitation to choose a password, valid for the platform property
// temporary.password.expiry.hours as it is now; the account's earlier invitations stop working. orgID
// is the organisation the invitation is to (its theme), 0 for none. ErrHasPassword if the account has
// chosen a password; user.ErrNotFound if there is no such account. The link is made before Invite
// returns; the email goes after, in the background.
func (s *Service) Invite(ctx context.Context, userID, orgID int64) error {
	validity, err := s.validity(ctx)
	if err != nil {
		return err
	}
	var u user.User
	token, err := s.newLink(ctx, userID, Invitation, validity, func(ctx context.Context) error {
		var err error
		if u, err = s.accounts.ByID(ctx, userID); err != nil {
			return err
		}
		if u.PasswordHash != "" {
			return ErrHasPassword
		}
		return nil
	})
	if err != nil {
		return err
	}
	m := notify.LinkMail{To: u.Email, Link: s.linkBase + token, Validity: validity}
	if orgID != 0 {
		m.OrgID = &orgID
	}
	s.background(ctx, func(ctx context.Context) {
		// Read again when sending: an import fills in the names just after adding the member.
		if now, err := s.accounts.ByID(ctx, userID); err == nil && now.FirstName != nil {
			m.Name = *now.FirstName
		}
		if orgID != 0 {
			ctx = notify.About(ctx, orgID)
		}
		if err := s.mailer.SendInvitation(ctx, m); err != nil {
			s.log.Error("invitation not sent", "user", userID, "error", err.Error())
		}
	})
	return nil
}

// RequestReset emails a password reset link (valid ResetValidity) to the account with this address, if
// there is one and it is not disabled, in locale (an i18n locale code; "" for the platform's default);
// the account's earlier reset links stop working. Everything, the look-up included, happens after it
// returns: the caller's answer and its timing are the same whether the address has an account or not.
func (s *Service) RequestReset(ctx context.Context, email, locale string) {
	s.background(ctx, func(ctx context.Context) {
		u, err := s.accounts.ByEmail(ctx, email)
		if errors.Is(err, user.ErrNotFound) || errors.Is(err, user.ErrInvalidEmail) || (err == nil && u.Disabled) {
			return // nobody to send to: nothing tells the asker so
		}
		if err != nil {
			s.log.Error("password reset link not made", "error", err.Error())
			return
		}
		token, err := s.newLink(ctx, u.ID, Reset, ResetValidity, nil)
		if err != nil {
			s.log.Error("password reset link not made", "user", u.ID, "error", err.Error())
			return
		}
		m := notify.LinkMail{To: u.Email, Link: s.linkBase + token, Validity: ResetValidity, Locale: locale}
		if u.FirstName != nil {
			m.Name = *u.FirstName
		}
		if err := s.mailer.SendPasswordReset(ctx, m); err != nil {
			s.log.Error("password reset not sent", "user", u.ID, "error", err.Error())
		}
	})
}

// background runs f after the caller's answer, with a context of its own (the request's values, not
// its end), at most sendConcurrency at a time; each gets notify.Timeout once its turn comes.
func (s *Service) background(ctx context.Context, f func(ctx context.Context)) {
	if s.mailer == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	go func() {
		s.sending <- struct{}{}
		defer func() { <-s.sending }()
		ctx, cancel := context.WithTimeout(ctx, notify.Timeout)
		defer cancel()
		f(ctx)
	}()
}

// newLink makes a link of the purpose for the user, valid for validity, in one transaction that holds
// the user's row lock, in which check (if any) runs first; the user's earlier unused links of the
// purpose expire. It returns the token (256 random bits, base64url without padding).
func (s *Service) newLink(ctx context.Context, userID int64, p Purpose, validity time.Duration, check func(ctx context.Context) error) (string, error) {
	var b [tokenBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("passwordlink: drawing a token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(b[:])
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockUser(ctx, userID); err != nil {
			return err
		}
		if check != nil {
			if err := check(ctx); err != nil {
				return err
			}
		}
		now := s.now()
		if err := s.store.ExpireLinks(ctx, userID, p, now); err != nil {
			return err
		}
		return s.store.AddLink(ctx, Link{Digest: digest(token), UserID: userID, Purpose: p, ExpiresAt: now.Add(validity), CreatedAt: now})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Opened is what the page a link opens shows: whose account it is and what for.
type Opened struct {
	Email   string
	Purpose Purpose
}

// Open checks the link (ErrLinkUnknown, ErrLinkExpired, ErrLinkUsed) and says whose it is; it changes
// nothing.
func (s *Service) Open(ctx context.Context, token string) (Opened, error) {
	l, u, err := s.usable(ctx, token)
	if err != nil {
		return Opened{}, err
	}
	return Opened{Email: u.Email, Purpose: l.Purpose}, nil
}

// Chosen is the account a password was chosen for.
type Chosen struct {
	UserID  int64
	Email   string
	Purpose Purpose
}

// Choose sets the password of the link's account to password (typed twice: again) and spends the link.
// ErrLinkUnknown, ErrLinkExpired or ErrLinkUsed for a link that cannot be used; ErrMismatch for two
// different passwords and *user.PolicyError for one the policy refuses, which change nothing and leave
// the link usable. In one transaction: the link is checked again under lock, the password stored, the
// account's lockout cleared, the link spent and every other unused link of the account expired; for a
// reset, every session, refresh token and access token of the account ends.
func (s *Service) Choose(ctx context.Context, token, password, again string) (Chosen, error) {
	if _, _, err := s.usable(ctx, token); err != nil {
		return Chosen{}, err
	}
	if subtle.ConstantTimeCompare([]byte(password), []byte(again)) != 1 {
		return Chosen{}, ErrMismatch
	}
	hash, err := s.accounts.PreparePassword(ctx, password)
	if err != nil {
		return Chosen{}, err
	}
	var (
		out       Chosen
		committed func()
	)
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		l, u, err := s.usable(ctx, token)
		if err != nil {
			return err
		}
		now := s.now()
		if err := s.store.MarkLinkUsed(ctx, l.Digest, now); err != nil {
			return err
		}
		if err := s.store.ExpireLinks(ctx, u.ID, "", now); err != nil {
			return err
		}
		if committed, err = s.accounts.SetChosenPassword(ctx, u.ID, hash, l.Purpose == Reset); err != nil {
			return err
		}
		out = Chosen{UserID: u.ID, Email: u.Email, Purpose: l.Purpose}
		return nil
	})
	if err != nil {
		return Chosen{}, err
	}
	committed()
	return out, nil
}

// usable reads the token's link (under lock, within a transaction) and its account, and checks that
// the link may be used now: not used, not expired, its account not disabled and, for an invitation,
// still without a password.
func (s *Service) usable(ctx context.Context, token string) (Link, user.User, error) {
	if token == "" || len(token) > maxTokenLength || strings.ContainsFunc(token, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return Link{}, user.User{}, ErrLinkUnknown
	}
	l, err := s.store.Link(ctx, digest(token))
	if err != nil {
		return Link{}, user.User{}, err
	}
	if l.UsedAt != nil {
		return Link{}, user.User{}, ErrLinkUsed
	}
	if !s.now().Before(l.ExpiresAt) {
		return Link{}, user.User{}, ErrLinkExpired
	}
	u, err := s.accounts.ByID(ctx, l.UserID)
	if errors.Is(err, user.ErrNotFound) {
		return Link{}, user.User{}, ErrLinkUnknown
	}
	if err != nil {
		return Link{}, user.User{}, err
	}
	if u.Disabled || (l.Purpose == Invitation && u.PasswordHash != "") {
		return Link{}, user.User{}, ErrLinkUsed
	}
	return l, u, nil
}

func digest(token string) string {
	d := sha256.Sum256([]byte(token))
	return hex.EncodeToString(d[:])
}
