// Package clientapp holds the registered client applications and authenticates them.
package clientapp

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/password"
	"github.com/cocoondata/access-service/internal/revocation"
)

// Grant types a client application may be authorized for.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantImplicit          = "implicit"
	GrantPassword          = "password"
	GrantRefreshToken      = "refresh_token"
)

// App is a registered client application.
type App struct {
	ID                   int64
	ClientID             string
	SecretHash           string
	AppName              string
	Description          string
	AccessTokenValidity  time.Duration
	RefreshTokenValidity time.Duration
	GrantTypes           []string
	RedirectURIs         []string
	// PostLogoutRedirectURIs are where the app may send the browser after signing out
	// (post_logout_redirect_uri), held to the redirect URIs' rules.
	PostLogoutRedirectURIs []string
	Scope                  []string
	AutoApprove            bool
	Enabled                bool
	CreatedAt              time.Time
}

// Allows reports whether the app is authorized for the grant type.
func (a App) Allows(grant string) bool { return slices.Contains(a.GrantTypes, grant) }

var (
	ErrNotFound      = errs.New(errs.NotFound, "Client application not found", "client application not found")
	ErrClientIDTaken = errs.New(errs.Conflict, "Client id already in use", "a client application with this clientId already exists")
	// ErrRedirectURIRequired: the authorization_code and implicit grants need a registered redirect URI.
	ErrRedirectURIRequired = errs.New(errs.Invalid, "Redirect URI required", "the authorization_code and implicit grants need at least one registered redirect URI")
	// ErrInvalidRedirectURI: a redirect URI that is not absolute, has a fragment, or has no host.
	ErrInvalidRedirectURI = errs.New(errs.Invalid, "Invalid redirect URI", "a registered redirect URI must be an absolute URI without a fragment (http and https ones need a host)")
	// ErrInvalidPostLogoutRedirectURI: a post-logout redirect URI breaking the redirect URIs' rules.
	ErrInvalidPostLogoutRedirectURI = errs.New(errs.Invalid, "Invalid post-logout redirect URI", "a post-logout redirect URI must be an absolute URI without a fragment (http and https ones need a host)")
	// ErrControlCharacter: a name or description holding a control character (NUL cannot even be stored).
	ErrControlCharacter = errs.New(errs.Invalid, "Control character in text", "appName and clientDescription must not hold control characters")
	// ErrSecretRequired: the password grant needs a confidential client.
	ErrSecretRequired = errs.New(errs.Invalid, "Client secret required", "the password grant needs a client secret")
	// ErrInvalidClient covers an unknown client, a wrong secret and a disabled app alike (the token
	// endpoint's invalid_client, never a problem).
	ErrInvalidClient = errors.New("client authentication failed")
)

// Store keeps client applications: queries only; the rules are the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Create(ctx context.Context, a App) error
	ByClientID(ctx context.Context, clientID string) (App, error)
	ByID(ctx context.Context, id int64) (App, error)
	// Lock reads the app and locks it for the rest of the transaction.
	Lock(ctx context.Context, id int64) (App, error)
	List(ctx context.Context, q listing.Query) (listing.Page[App], error)
	// Update stores every member of a except ClientID, Enabled and CreatedAt.
	Update(ctx context.Context, a App) error
	SetEnabled(ctx context.Context, id int64, enabled bool) error
	// ReplaceSecretHash stores newHash as the app's secret hash if it is still oldHash; otherwise
	// (the secret was changed meanwhile) it changes nothing and is no error.
	ReplaceSecretHash(ctx context.Context, id int64, oldHash, newHash string) error
	// Delete removes the app with everything hanging off it (approvals, refresh tokens, codes).
	Delete(ctx context.Context, id int64) error
}

// Grants are what users were given through an app (oauth's store): disabling the app ends them.
type Grants interface {
	RevokeRefreshTokensOfApp(ctx context.Context, appID int64, at time.Time) error
	DeleteCodesOfApp(ctx context.Context, appID int64) error
}

// Service is the client applications' rules.
type Service struct {
	store   Store
	grants  Grants
	ids     *ids.Generator
	hasher  *password.Hasher
	revoked *revocation.Index
	now     func() time.Time

	// verified remembers, per client whose secret is still stored with the password hasher (see
	// secret.go) and too short to be rehashed, a digest of the last secret that matched the stored hash,
	// so such a client's every token request does not pay for a full Argon2id check.
	mu       sync.Mutex
	verified map[string]verifiedSecret
}

type verifiedSecret struct {
	hash   string
	digest [32]byte
}

// maxVerifiedClients bounds the memory the verified-secret memo may take.
const maxVerifiedClients = 10000

// NewService returns the client applications' rules over the store; grants are the OAuth grants
// disabling an app ends.
func NewService(s Store, grants Grants, g *ids.Generator, h *password.Hasher, revoked *revocation.Index) *Service {
	return &Service{store: s, grants: grants, ids: g, hasher: h, revoked: revoked, now: func() time.Time { return time.Now().UTC() },
		verified: make(map[string]verifiedSecret)}
}

// NewApp is what registering an app takes.
type NewApp struct {
	ClientID             string
	Secret               string
	AppName              string
	Description          string
	AccessTokenValidity  time.Duration
	RefreshTokenValidity time.Duration
	GrantTypes           []string
	RedirectURIs         []string
	// PostLogoutRedirectURIs: where the app may send the browser after signing out.
	PostLogoutRedirectURIs []string
	Scope                  []string
	AutoApprove            bool
}

// Register stores a new app with its secret hashed. It checks the secret's length and the redirect URIs
// but not the rules of check; Create does.
func (s *Service) Register(ctx context.Context, n NewApp) (App, error) {
	if len(n.Scope) == 0 {
		n.Scope = DefaultScope
	}
	a := App{
		ID: s.ids.New(), ClientID: n.ClientID, AppName: n.AppName, Description: n.Description,
		AccessTokenValidity: n.AccessTokenValidity, RefreshTokenValidity: n.RefreshTokenValidity,
		GrantTypes: n.GrantTypes, RedirectURIs: n.RedirectURIs, PostLogoutRedirectURIs: n.PostLogoutRedirectURIs, Scope: n.Scope,
		AutoApprove: n.AutoApprove, Enabled: true, CreatedAt: s.now(),
	}
	if n.Secret != "" {
		if err := checkSecretLength(n.Secret); err != nil {
			return App{}, err
		}
		a.SecretHash = hashSecret(n.Secret)
	}
	if err := a.checkURIs(); err != nil {
		return App{}, err
	}
	if err := s.store.Create(ctx, a); err != nil {
		return App{}, err
	}
	return a, nil
}

// ByClientID returns the app with this clientId.
func (s *Service) ByClientID(ctx context.Context, clientID string) (App, error) {
	if !plausibleClientID(clientID) {
		return App{}, ErrNotFound
	}
	return s.store.ByClientID(ctx, clientID)
}

// Authenticate checks a client's credentials; every failure is ErrInvalidClient. An unknown client, a
// disabled one and a public one (it has no secret) cost one fast check against a dummy hash, as a known
// client's wrong secret does, so failures are cheap and all alike: none spends the password hasher's
// capacity, which is kept for sign-ins. Only a secret still stored with the password hasher (registered
// before the fast hash) costs an Argon2id check; once it matches, it is stored anew with the fast hash
// if it is long enough.
func (s *Service) Authenticate(ctx context.Context, clientID, secret string) (App, error) {
	a, err := s.ByClientID(ctx, clientID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return App{}, err
	}
	if err != nil || a.Public() || !a.Enabled {
		secretMatches(secret, dummySecretHash)
		return App{}, ErrInvalidClient
	}
	if isLegacy(a.SecretHash) {
		return s.authenticateLegacy(ctx, a, secret)
	}
	if !secretMatches(secret, a.SecretHash) {
		return App{}, ErrInvalidClient
	}
	return a, nil
}

// authenticateLegacy checks a secret stored with the password hasher. A match with a secret long enough
// for the fast hash replaces the stored hash, so the next check is a fast one; a shorter secret stays
// as it is (the fast hash would not be safe for it) and is remembered, so the client's next requests
// with the same secret skip the Argon2id check.
func (s *Service) authenticateLegacy(ctx context.Context, a App, secret string) (App, error) {
	digest := sha256.Sum256([]byte(secret))
	s.mu.Lock()
	memo, ok := s.verified[a.ClientID]
	s.mu.Unlock()
	if ok && memo.hash == a.SecretHash && subtle.ConstantTimeCompare(memo.digest[:], digest[:]) == 1 {
		return a, nil
	}
	match, err := s.hasher.Verify(ctx, secret, a.SecretHash)
	if err != nil {
		return App{}, err
	}
	if !match {
		return App{}, ErrInvalidClient
	}
	if checkSecretLength(secret) == nil {
		// Only if the stored hash is still the one checked: a secret changed meanwhile stays changed. A
		// failure changes nothing but that the next request checks the old hash again, so the client,
		// which did authenticate, is not refused for it.
		_ = s.store.ReplaceSecretHash(ctx, a.ID, a.SecretHash, hashSecret(secret))
		return a, nil
	}
	s.mu.Lock()
	if len(s.verified) >= maxVerifiedClients {
		clear(s.verified)
	}
	s.verified[a.ClientID] = verifiedSecret{hash: a.SecretHash, digest: digest}
	s.mu.Unlock()
	return a, nil
}

// DefaultScope is what an app registered without a scope may ask for.
var DefaultScope = []string{"read", "write"}

// Public reports whether the app has no secret: it authenticates by PKCE alone.
func (a App) Public() bool { return a.SecretHash == "" }

// RegisteredRedirect reports whether uri is, character for character, one of the app's redirect URIs.
func (a App) RegisteredRedirect(uri string) bool { return slices.Contains(a.RedirectURIs, uri) }

// RegisteredPostLogoutRedirect reports whether uri is, character for character, one of the app's
// post-logout redirect URIs.
func (a App) RegisteredPostLogoutRedirect(uri string) bool {
	return uri != "" && slices.Contains(a.PostLogoutRedirectURIs, uri)
}

// Create registers an app through the API: Register, and every rule of check.
func (s *Service) Create(ctx context.Context, n NewApp) (App, error) {
	probe := App{GrantTypes: n.GrantTypes, RedirectURIs: n.RedirectURIs}
	if n.Secret == "" {
		probe.SecretHash = ""
	} else {
		probe.SecretHash = "set"
	}
	if err := probe.check(); err != nil {
		return App{}, err
	}
	return s.Register(ctx, n)
}

func (a App) checkURIs() error {
	if hasControl(a.AppName) || hasControl(strings.ReplaceAll(strings.ReplaceAll(a.Description, "\n", ""), "\r", "")) {
		return ErrControlCharacter
	}
	for _, u := range a.RedirectURIs {
		if !validRedirectURI(u) {
			return ErrInvalidRedirectURI
		}
	}
	for _, u := range a.PostLogoutRedirectURIs {
		if !validRedirectURI(u) {
			return ErrInvalidPostLogoutRedirectURI
		}
	}
	return nil
}

// check holds the rules an app changed through the API must satisfy. (The first-party app the
// configuration bootstraps may have the authorization_code grant without a redirect URI; it cannot use
// that grant until one is registered.)
func (a App) check() error {
	if err := a.checkURIs(); err != nil {
		return err
	}
	if (a.Allows(GrantAuthorizationCode) || a.Allows(GrantImplicit)) && len(a.RedirectURIs) == 0 {
		return ErrRedirectURIRequired
	}
	if a.Allows(GrantPassword) && a.Public() {
		return ErrSecretRequired
	}
	return nil
}

func validRedirectURI(s string) bool {
	if strings.ContainsAny(s, " \t\r\n#") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return u.Host != "" && u.User == nil
	case "javascript", "data", "vbscript", "file":
		return false
	}
	return true
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) }) >= 0
}

// plausibleClientID: a client id that could be stored. Others (NUL bytes, broken UTF-8) are unknown
// without asking the database, which would refuse them with an error.
func plausibleClientID(id string) bool {
	return id != "" && len(id) <= 255 && utf8.ValidString(id) && !strings.ContainsRune(id, 0)
}

// ByID returns the app with this record id.
func (s *Service) ByID(ctx context.Context, id int64) (App, error) {
	return s.store.ByID(ctx, id)
}

// List returns a page of apps.
func (s *Service) List(ctx context.Context, q listing.Query) (listing.Page[App], error) {
	return s.store.List(ctx, q)
}

// Change is what updating an app takes; nil members stay as they are.
type Change struct {
	AppName                *string
	Secret                 *string // with ClearSecret false: a new secret
	ClearSecret            bool    // remove the secret: the app becomes a public client
	Description            *string
	AccessTokenValidity    *time.Duration
	RefreshTokenValidity   *time.Duration
	GrantTypes             *[]string
	RedirectURIs           *[]string
	PostLogoutRedirectURIs *[]string
	Scope                  *[]string
	AutoApprove            *bool
}

// Update applies a change and returns the app after it. Nothing is stored if the result breaks a rule.
// The app is locked while the change is checked and stored, so two updates cannot interleave.
func (s *Service) Update(ctx context.Context, id int64, c Change) (App, error) {
	var secretHash *string
	if c.Secret != nil && !c.ClearSecret {
		if err := checkSecretLength(*c.Secret); err != nil {
			return App{}, err
		}
		h := hashSecret(*c.Secret)
		secretHash = &h
	}
	var a App
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if a, err = s.store.Lock(ctx, id); err != nil {
			return err
		}
		a.apply(c, secretHash)
		if err := a.check(); err != nil {
			return err
		}
		return s.store.Update(ctx, a)
	})
	if err != nil {
		return App{}, err
	}
	return a, nil
}

// apply sets what the change names; secretHash is the new secret's hash, if it names one.
func (a *App) apply(c Change, secretHash *string) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.AppName, c.AppName)
	set(&a.Description, c.Description)
	if c.AccessTokenValidity != nil {
		a.AccessTokenValidity = *c.AccessTokenValidity
	}
	if c.RefreshTokenValidity != nil {
		a.RefreshTokenValidity = *c.RefreshTokenValidity
	}
	if c.GrantTypes != nil {
		a.GrantTypes = *c.GrantTypes
	}
	if c.RedirectURIs != nil {
		a.RedirectURIs = *c.RedirectURIs
	}
	if c.PostLogoutRedirectURIs != nil {
		a.PostLogoutRedirectURIs = *c.PostLogoutRedirectURIs
	}
	if c.Scope != nil {
		a.Scope = *c.Scope
	}
	if c.AutoApprove != nil {
		a.AutoApprove = *c.AutoApprove
	}
	switch {
	case c.ClearSecret:
		a.SecretHash = ""
	case secretHash != nil:
		a.SecretHash = *secretHash
	}
}

// Delete removes the app. Its approvals, refresh tokens and codes go with it, and its access tokens are
// refused from now on (on this instance once the removal commits, on the others after their next poll).
func (s *Service) Delete(ctx context.Context, id int64) error {
	var rev revocation.Entry
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		a, err := s.store.Lock(ctx, id)
		if err != nil {
			return err
		}
		if err := s.store.Delete(ctx, id); err != nil {
			return err
		}
		rev = s.revoked.ForClient(s.ids.New(), a.ClientID, s.now())
		return s.revoked.Record(ctx, rev)
	})
	if err != nil {
		return err
	}
	s.revoked.Add(rev)
	return nil
}

// Toggle enables a disabled app or disables an enabled one. Disabling cuts the app off as Delete does
// (its refresh tokens revoked, its codes deleted, its access tokens refused), in the same transaction,
// and its tokens stay refused after it is enabled again.
func (s *Service) Toggle(ctx context.Context, id int64) (App, error) {
	var (
		a   App
		rev revocation.Entry
	)
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if a, err = s.store.Lock(ctx, id); err != nil {
			return err
		}
		a.Enabled = !a.Enabled
		if err := s.store.SetEnabled(ctx, id, a.Enabled); err != nil {
			return err
		}
		if a.Enabled {
			return nil
		}
		rev = s.revoked.ForClient(s.ids.New(), a.ClientID, s.now())
		if err := s.grants.RevokeRefreshTokensOfApp(ctx, id, rev.RecordedAt); err != nil {
			return err
		}
		if err := s.grants.DeleteCodesOfApp(ctx, id); err != nil {
			return err
		}
		return s.revoked.Record(ctx, rev)
	})
	if err != nil {
		return App{}, err
	}
	if !a.Enabled {
		s.revoked.Add(rev)
	}
	return a, nil
}

// Identify returns an enabled public client by its id, for requests that carry no secret; every
// failure is ErrInvalidClient.
func (s *Service) Identify(ctx context.Context, clientID string) (App, error) {
	a, err := s.ByClientID(ctx, clientID)
	if errors.Is(err, ErrNotFound) {
		return App{}, ErrInvalidClient
	}
	if err != nil {
		return App{}, err
	}
	if !a.Public() || !a.Enabled {
		return App{}, ErrInvalidClient
	}
	return a, nil
}
