package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/password"
	"github.com/cocoondata/access-service/internal/revocation"
	"github.com/cocoondata/access-service/internal/user"
)

// Error is an RFC 6749 section 5.2 error of the token endpoint.
type Error struct {
	Code        string // invalid_request, invalid_client, invalid_grant, unauthorized_client, unsupported_grant_type
	Description string
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

// OAuth error codes (RFC 6749 section 5.2).
const (
	CodeInvalidRequest       = "invalid_request"
	CodeInvalidClient        = "invalid_client"
	CodeInvalidGrant         = "invalid_grant"
	CodeUnauthorizedClient   = "unauthorized_client"
	CodeUnsupportedGrantType = "unsupported_grant_type"
	CodeInvalidScope         = "invalid_scope"
)

// RefreshToken is a stored refresh token. Only its SHA-256 digest is kept. Tokens descended from one
// sign-in share a family, so reuse of a spent one can revoke them all.
type RefreshToken struct {
	ID          int64
	TokenHash   string
	FamilyID    int64
	UserID      int64
	ClientAppID int64
	Scope       []string
	ExpiresAt   time.Time
	CreatedAt   time.Time
	Spent       bool // used once already (rotated)
	MFA         bool // the sign-in it descends from gave a second factor
}

var (
	// ErrRefreshInvalid: unknown, revoked or expired.
	ErrRefreshInvalid = errors.New("refresh token is not valid")
	// ErrRefreshReused: the token was spent before; its family has been revoked.
	ErrRefreshReused = errors.New("refresh token was already used")
)

// TokenRequest is a token endpoint request: the form and the client's credentials.
type TokenRequest struct {
	Client             ClientCredentials
	GrantType          string
	Username, Password string
	// Address is the client's network address, for the lockout (user.Service.Authenticate).
	Address      string
	RefreshToken string
	Code         string
	RedirectURI  string
	CodeVerifier string
	// MFAToken and MFACode are the mfa grant's restrictive token and authenticator code.
	MFAToken, MFACode string
	// Scope is the form's scope: what the token should be narrowed to (empty: everything allowed).
	Scope string
}

// ClientCredentials are how a client identifies itself: HTTP Basic, or (a public client) only its id
// in the form.
type ClientCredentials struct {
	BasicID, BasicSecret string
	HasBasic             bool
	FormClientID         string
}

// TokenResponse is a successful token endpoint answer.
type TokenResponse struct {
	AccessToken  string
	ExpiresIn    int
	Scope        []string
	TokenID      string
	RefreshToken string // empty when the app has no refresh_token grant
	UserID       int64  // whom the tokens are for (for the audit trail)
	Email        string
	// MFARequired: AccessToken is a restrictive token, for the mfa grant only.
	MFARequired bool
	// IDToken is the OpenID Connect ID token: on the code grant, for a code with the openid scope.
	IDToken string
}

// Store is what the authorization server keeps in the database: queries only; the rules (rotation
// and reuse, what revoking an approval takes with it) are the Grants'.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error

	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshToken returns the unrevoked token with this digest, spent or not; ErrRefreshInvalid if
	// there is none. LockRefreshToken also locks it for the rest of the transaction.
	RefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	LockRefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	SpendRefreshToken(ctx context.Context, id int64, at time.Time) error
	RevokeRefreshFamily(ctx context.Context, familyID int64, at time.Time) error
	RevokeRefreshTokensOfPair(ctx context.Context, userID, appID int64, at time.Time) error
	// EndSessionsOfUser revokes every refresh token of the user and deletes their sign-in sessions.
	EndSessionsOfUser(ctx context.Context, userID int64, at time.Time) error

	// Approval returns the user's approval of the app, ApprovalByID the user's approval with this id;
	// ErrApprovalNotFound if there is none.
	Approval(ctx context.Context, userID, appID int64) (Approval, error)
	ApprovalByID(ctx context.Context, userID, id int64) (Approval, error)
	// SaveApproval stores a new approval or replaces the scope of the pair's existing one.
	SaveApproval(ctx context.Context, a Approval) error
	Approvals(ctx context.Context, userID int64) ([]ApprovalView, error)
	DeleteApproval(ctx context.Context, id int64) error

	CreateCode(ctx context.Context, c Code) error
	// CodeByHash returns the code with this digest, used or not; ErrCodeInvalid if there is none.
	CodeByHash(ctx context.Context, hash string) (Code, error)
	// ClaimCode marks an unused code used, recording what its exchange issues; ErrCodeInvalid if it is
	// gone or was used already (of two concurrent exchanges exactly one claims the code).
	ClaimCode(ctx context.Context, hash, tokenID string, familyID int64, now time.Time) error
	DeleteCodesExpiredBefore(ctx context.Context, userID, appID int64, before time.Time) error
	DeleteCodesOfPair(ctx context.Context, userID, appID int64) error

	CreateChallenge(ctx context.Context, c Challenge) error
	// Challenge returns the challenge of a restrictive token; ErrChallengeInvalid if there is none.
	Challenge(ctx context.Context, tokenID string) (Challenge, error)
	// AddChallengeFailure counts a wrong code and returns the count.
	AddChallengeFailure(ctx context.Context, tokenID string) (int, error)
	// SpendChallenge marks the challenge done; ErrChallengeInvalid if it was spent or ended by
	// MaxCodeFailures wrong codes meanwhile (of two concurrent steps exactly one spends it).
	SpendChallenge(ctx context.Context, tokenID string, now time.Time) error
	DeleteChallengesExpiredBefore(ctx context.Context, userID int64, before time.Time) error

	CreateSession(ctx context.Context, s Session) error
	SessionByHash(ctx context.Context, hash string, now time.Time) (Session, error)
	DeleteSessionsExpiredBefore(ctx context.Context, userID int64, before time.Time) error
	// DeleteSession ends the sign-in session with this digest (none is no error).
	DeleteSession(ctx context.Context, hash string) error
}

// Grants is the authorization server: the token endpoint, the authorization flow behind the sign-in
// and approval pages, approvals, revocation and introspection.
type Grants struct {
	tokens      *Tokens
	users       *user.Service
	apps        *clientapp.Service
	store       Store
	revoked     *revocation.Index
	ids         *ids.Generator
	clientLimit Limiter
	mfa         SecondFactor // nil: no user needs a second factor
	now         func() time.Time
}

// SetSecondFactor gives the authorization server MFA; until then no sign-in asks for a code.
func (g *Grants) SetSecondFactor(m SecondFactor) { g.mfa = m }

// Limiter admits or refuses one more request under a key, as a token bucket per key would; Echo's
// middleware.RateLimiterMemoryStore is one.
type Limiter interface {
	Allow(key string) (bool, error)
}

// ErrSlowDown: the calling client is over its rate limit, or, when its authentication failed, all the
// failed client authentications together are (the token, revocation and introspection endpoints
// answer 429, slow_down, with Retry-After).
var ErrSlowDown = errors.New("too many requests from this client; retry later")

// failedClientsKey is the one rate-limit key of every request whose client does not authenticate.
// Authenticated clients' keys all start with "client:", so none can be this one.
const failedClientsKey = "failed client authentications"

// NewGrants returns the authorization server's logic. clientLimit limits the requests that authenticate
// a client (AuthenticateClient); nil: no limit.
func NewGrants(t *Tokens, u *user.Service, a *clientapp.Service, s Store, g *ids.Generator, revoked *revocation.Index, clientLimit Limiter) *Grants {
	return &Grants{tokens: t, users: u, apps: a, store: s, revoked: revoked, ids: g, clientLimit: clientLimit,
		now: func() time.Time { return time.Now().UTC() }}
}

// AuthenticateClient identifies the calling client: by HTTP Basic, or, for a public client (one
// registered without a secret), by the client_id form member alone. Every failure is invalid_client.
//
// Then it applies the per-client rate limit (ErrSlowDown beyond it). It comes after the authentication,
// whose failures are cheap (clientapp.Service.Authenticate), because only then is the client known: an
// authenticated client has its own bucket, and every request whose client does not authenticate shares
// one, so callers making up client ids cannot get a fresh bucket per id, and cannot empty a real
// client's by sending its id with a wrong secret.
func (g *Grants) AuthenticateClient(ctx context.Context, c ClientCredentials) (clientapp.App, error) {
	app, err := g.authenticateClient(ctx, c)
	var oe *Error
	if err != nil && !errors.As(err, &oe) {
		return clientapp.App{}, err // not the client's failure (the database, say): not counted
	}
	if g.clientLimit != nil {
		key := failedClientsKey
		if err == nil {
			key = "client:" + app.ClientID
		}
		ok, lerr := g.clientLimit.Allow(key)
		if lerr != nil {
			return clientapp.App{}, lerr
		}
		if !ok {
			return clientapp.App{}, ErrSlowDown
		}
	}
	return app, err
}

func (g *Grants) authenticateClient(ctx context.Context, c ClientCredentials) (clientapp.App, error) {
	var (
		app clientapp.App
		err error
	)
	switch {
	case c.HasBasic:
		if c.FormClientID != "" && c.FormClientID != c.BasicID {
			return clientapp.App{}, &Error{CodeInvalidClient, "client_id does not match the HTTP Basic credentials"}
		}
		app, err = g.apps.Authenticate(ctx, c.BasicID, c.BasicSecret)
	case c.FormClientID != "":
		app, err = g.apps.Identify(ctx, c.FormClientID)
	default:
		return clientapp.App{}, &Error{CodeInvalidClient, "Client authentication failed: send the client's credentials with HTTP Basic"}
	}
	if errors.Is(err, clientapp.ErrInvalidClient) {
		return clientapp.App{}, &Error{CodeInvalidClient, "Client authentication failed"}
	}
	return app, err
}

// Token answers a token request; a refusal is an *Error.
func (g *Grants) Token(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	if req.GrantType == clientapp.GrantPassword && g.users.CheckingSaturated() {
		// Beyond the password checks' capacity the grant would be refused after reading the client
		// and the account; refused first, overload costs little more than the checks themselves.
		return TokenResponse{}, password.ErrBusy
	}
	app, err := g.AuthenticateClient(ctx, req.Client)
	if err != nil {
		return TokenResponse{}, err
	}
	switch req.GrantType {
	case clientapp.GrantPassword, clientapp.GrantRefreshToken, clientapp.GrantAuthorizationCode:
		if !app.Allows(req.GrantType) || (app.Public() && req.GrantType == clientapp.GrantPassword) {
			return TokenResponse{}, &Error{CodeUnauthorizedClient, "This client is not authorized for the " + req.GrantType + " grant"}
		}
	case GrantMFA:
		// Any app that may start a sign-in may finish its second step; its grant types need not say so.
		if !app.Allows(clientapp.GrantAuthorizationCode) && (app.Public() || !app.Allows(clientapp.GrantPassword)) {
			return TokenResponse{}, &Error{CodeUnauthorizedClient, "This client is not authorized for the mfa grant"}
		}
	case "":
		return TokenResponse{}, &Error{CodeInvalidRequest, "grant_type is required"}
	default:
		return TokenResponse{}, &Error{CodeUnsupportedGrantType, "Unsupported grant type"}
	}
	switch req.GrantType {
	case clientapp.GrantPassword:
		return g.passwordGrant(ctx, app, req)
	case clientapp.GrantAuthorizationCode:
		return g.codeGrant(ctx, app, req)
	case GrantMFA:
		return g.mfaGrant(ctx, app, req)
	}
	return g.refreshGrant(ctx, app, req)
}

func (g *Grants) codeGrant(ctx context.Context, app clientapp.App, req TokenRequest) (TokenResponse, error) {
	if req.Code == "" || req.RedirectURI == "" {
		return TokenResponse{}, &Error{CodeInvalidRequest, "code and redirect_uri are required"}
	}
	bad := &Error{CodeInvalidGrant, "Invalid authorization code"}
	code, err := g.store.CodeByHash(ctx, digest(req.Code))
	if errors.Is(err, ErrCodeInvalid) {
		return TokenResponse{}, bad
	}
	if err != nil {
		return TokenResponse{}, err
	}
	if code.ClientAppID != app.ID {
		return TokenResponse{}, bad
	}
	if code.UsedAt != nil {
		// RFC 6749 section 4.1.2: a code used twice revokes what its first use obtained.
		if err := g.revokeCodeTokens(ctx, code); err != nil {
			return TokenResponse{}, err
		}
		return TokenResponse{}, &Error{CodeInvalidGrant, "Invalid authorization code: it was already used, so the tokens issued for it are revoked"}
	}
	if code.RedirectURI != req.RedirectURI || !g.now().Before(code.ExpiresAt) {
		return TokenResponse{}, bad
	}
	switch {
	case code.Challenge != "" && req.CodeVerifier == "":
		return TokenResponse{}, &Error{CodeInvalidGrant, "code_verifier is required: the code was requested with a PKCE challenge"}
	case code.Challenge != "" && !verifierMatches(req.CodeVerifier, code.Challenge):
		return TokenResponse{}, &Error{CodeInvalidGrant, "code_verifier does not match the code's PKCE challenge"}
	case code.Challenge == "" && req.CodeVerifier != "":
		return TokenResponse{}, &Error{CodeInvalidGrant, "code_verifier given, but the code was requested without a PKCE challenge"}
	}
	u, err := g.users.Active(ctx, code.UserID)
	if errors.Is(err, user.ErrNotFound) {
		return TokenResponse{}, bad
	}
	if err != nil {
		return TokenResponse{}, err
	}
	// The browser sign-in asked for the code already (code.MFA); a code from a session begun before
	// the user's MFA was required is the first step only.
	needsCode := false
	if !code.MFA {
		if needsCode, err = g.mfaRequired(ctx, u); errors.Is(err, ErrMFANotSetUp) {
			return TokenResponse{}, &Error{CodeInvalidGrant, ErrMFANotSetUp.Error()}
		} else if err != nil {
			return TokenResponse{}, err
		}
	}
	// Every check passed; only now is the code spent, so a failed exchange changes nothing.
	tokenID, family := uuid.NewString(), g.ids.New()
	if err := g.store.ClaimCode(ctx, code.Hash, tokenID, family, g.now()); err != nil {
		if errors.Is(err, ErrCodeInvalid) {
			return TokenResponse{}, bad
		}
		return TokenResponse{}, err
	}
	if needsCode {
		return g.restrictive(ctx, u, app, registered(code.Scope, app))
	}
	scope := registered(code.Scope, app)
	resp, err := g.issueWith(ctx, u, app, scope, tokenID, family, amrOf(code.MFA))
	if err != nil || !slices.Contains(scope, ScopeOpenID) {
		return resp, err
	}
	resp.IDToken, err = g.tokens.SignIDToken(IDTokenRequest{User: u, ClientID: app.ClientID, Scope: scope,
		Nonce: code.Nonce, AuthTime: code.AuthTime, AMR: amrOf(code.MFA), AccessToken: resp.AccessToken})
	return resp, err
}

// amrOf is the amr claim of a sign-in that gave a second factor, or not.
func amrOf(mfa bool) []string {
	if mfa {
		return amrMFA
	}
	return amrPassword
}

// revokeCodeTokens revokes the access token and the refresh tokens the code's exchange obtained.
func (g *Grants) revokeCodeTokens(ctx context.Context, code Code) error {
	now := g.now()
	var rev revocation.Entry
	err := g.store.InTx(ctx, func(ctx context.Context) error {
		if code.FamilyID != 0 {
			if err := g.store.RevokeRefreshFamily(ctx, code.FamilyID, now); err != nil {
				return err
			}
		}
		if code.TokenID == "" {
			return nil
		}
		rev = revocation.ForToken(g.ids.New(), code.TokenID, code.UsedAt.Add(revocation.MaxTokenLifetime), now)
		return g.revoked.Record(ctx, rev)
	})
	if err == nil && rev.ID != 0 {
		g.revoked.Add(rev)
	}
	return err
}

// issueWith makes an access token saying how the user signed in (amr), and a refresh token of a new
// family when the app has the grant. Empty tokenID and zero family: fresh ones.
func (g *Grants) issueWith(ctx context.Context, u user.User, app clientapp.App, scope []string, tokenID string, family int64, amr []string) (TokenResponse, error) {
	resp, err := g.accessToken(u, app, scope, tokenID, amr)
	if err != nil {
		return TokenResponse{}, err
	}
	if family == 0 {
		family = g.ids.New()
	}
	if app.Allows(clientapp.GrantRefreshToken) {
		raw, rt, err := g.newRefreshToken(u.ID, app, family, scope)
		if err != nil {
			return TokenResponse{}, err
		}
		rt.MFA = len(amr) == len(amrMFA)
		if err := g.store.CreateRefreshToken(ctx, rt); err != nil {
			return TokenResponse{}, err
		}
		resp.RefreshToken = raw
	}
	return resp, nil
}

func (g *Grants) passwordGrant(ctx context.Context, app clientapp.App, req TokenRequest) (TokenResponse, error) {
	if req.Username == "" || req.Password == "" {
		return TokenResponse{}, &Error{CodeInvalidRequest, "username and password are required"}
	}
	scope, oe := narrowed(req.Scope, app.Scope)
	if oe != nil {
		return TokenResponse{}, oe
	}
	u, err := g.users.Authenticate(ctx, req.Username, req.Password, req.Address)
	switch {
	case errors.Is(err, user.ErrBadCredentials):
		return TokenResponse{}, &Error{CodeInvalidGrant, "Bad credentials"}
	case errors.Is(err, user.ErrDisabled):
		return TokenResponse{}, &Error{CodeInvalidGrant, "The account is disabled"}
	case err != nil:
		return TokenResponse{}, err
	}
	needsCode, err := g.mfaRequired(ctx, u)
	switch {
	case errors.Is(err, ErrMFANotSetUp):
		return TokenResponse{}, &Error{CodeInvalidGrant, ErrMFANotSetUp.Error()}
	case err != nil:
		return TokenResponse{}, err
	case needsCode:
		return g.restrictive(ctx, u, app, scope)
	}
	return g.issueWith(ctx, u, app, scope, "", 0, amrPassword)
}

func (g *Grants) refreshGrant(ctx context.Context, app clientapp.App, req TokenRequest) (TokenResponse, error) {
	if req.RefreshToken == "" {
		return TokenResponse{}, &Error{CodeInvalidRequest, "refresh_token is required"}
	}
	hash := digest(req.RefreshToken)
	old, err := g.store.RefreshToken(ctx, hash)
	if err != nil {
		return TokenResponse{}, refreshError(err)
	}
	if old.ClientAppID != app.ID || !g.now().Before(old.ExpiresAt) {
		return TokenResponse{}, refreshError(ErrRefreshInvalid)
	}
	scope, oe := narrowed(req.Scope, registered(old.Scope, app))
	if oe != nil {
		return TokenResponse{}, oe
	}
	u, err := g.users.Active(ctx, old.UserID)
	if err != nil {
		return TokenResponse{}, refreshError(err)
	}
	if !old.MFA {
		// A sign-in without a code does not outlive the user's MFA becoming required (an organisation
		// enforcing it, an administrator turning it on): the next refresh asks for a new sign-in.
		needsCode, err := g.mfaRequired(ctx, u)
		if needsCode || errors.Is(err, ErrMFANotSetUp) {
			return TokenResponse{}, &Error{CodeInvalidGrant, "Multi-factor authentication is now required for this account: sign in again, with your authenticator app's code"}
		}
		if err != nil {
			return TokenResponse{}, err
		}
	}
	resp, err := g.accessToken(u, app, scope, "", amrOf(old.MFA))
	if err != nil {
		return TokenResponse{}, err
	}
	raw, next, err := g.newRefreshToken(u.ID, app, old.FamilyID, scope)
	if err != nil {
		return TokenResponse{}, err
	}
	next.MFA = old.MFA
	if err := g.rotate(ctx, hash, app.ClientID, next); err != nil {
		return TokenResponse{}, refreshError(err)
	}
	resp.RefreshToken = raw
	return resp, nil
}

// rotate is refresh-token rotation: the token with this digest is spent and next takes its place, in one
// transaction. A token spent before is a stolen one being replayed (or the client's, after a thief's
// use): its whole family is revoked, and so is every access token the client (clientID) holds for the
// user, the ones the family minted among them (the thief's included); those revocations commit even
// though the refresh is refused (ErrRefreshReused). The token's row is locked, so of two uses of one
// token exactly one rotates it and the other is seen as reuse.
func (g *Grants) rotate(ctx context.Context, hash, clientID string, next RefreshToken) error {
	var rev revocation.Entry
	err := g.store.InTx(ctx, func(ctx context.Context) error {
		now := g.now()
		t, err := g.store.LockRefreshToken(ctx, hash)
		if err != nil {
			return err
		}
		if t.Spent {
			if err := g.store.RevokeRefreshFamily(ctx, t.FamilyID, now); err != nil {
				return err
			}
			rev = g.revoked.ForPair(g.ids.New(), t.UserID, clientID, now)
			return g.revoked.Record(ctx, rev)
		}
		if err := g.store.SpendRefreshToken(ctx, t.ID, now); err != nil {
			return err
		}
		return g.store.CreateRefreshToken(ctx, next)
	})
	if err != nil {
		return err
	}
	if rev.ID != 0 {
		g.revoked.Add(rev)
		return ErrRefreshReused
	}
	return nil
}

// refreshError turns a failed refresh into the token endpoint's answer.
func refreshError(err error) error {
	switch {
	case errors.Is(err, ErrRefreshInvalid), errors.Is(err, user.ErrNotFound):
		return &Error{CodeInvalidGrant, "Invalid refresh token"}
	case errors.Is(err, ErrRefreshReused):
		return &Error{CodeInvalidGrant, "Invalid refresh token: it was already used, so every refresh token from the same sign-in and every access token this client holds for the account are revoked"}
	default:
		return err
	}
}

func (g *Grants) accessToken(u user.User, app clientapp.App, scope []string, tokenID string, amr []string) (TokenResponse, error) {
	p := Principal{UserID: u.ID, Email: u.Email, ClientID: app.ClientID, Scope: scope, Authorities: u.Authorities(), TokenID: tokenID, AMR: amr}
	signed, err := g.tokens.Sign(&p, app.AccessTokenValidity)
	if err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{
		AccessToken: signed, ExpiresIn: int(app.AccessTokenValidity / time.Second),
		Scope: scope, TokenID: p.TokenID, UserID: u.ID, Email: u.Email,
	}, nil
}

func (g *Grants) newRefreshToken(userID int64, app clientapp.App, family int64, scope []string) (string, RefreshToken, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", RefreshToken{}, err
	}
	raw := base64.RawURLEncoding.EncodeToString(b[:])
	now := g.now()
	return raw, RefreshToken{
		ID: g.ids.New(), TokenHash: digest(raw), FamilyID: family, UserID: userID, ClientAppID: app.ID,
		Scope: scope, ExpiresAt: now.Add(app.RefreshTokenValidity), CreatedAt: now,
	}, nil
}

// digest is how refresh tokens are stored: a leaked table does not yield usable tokens.
func digest(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// registered is scope without what the app is no longer registered with: a scope taken from an app
// stops working at its next refresh.
func registered(scope []string, app clientapp.App) []string {
	out := make([]string, 0, len(scope))
	for _, s := range scope {
		if slices.Contains(app.Scope, s) {
			out = append(out, s)
		}
	}
	return out
}

// narrowed is the scope a token request asks for (RFC 6749 sections 3.3 and 6): each of the form's
// scopes, which must all be allowed, or all of allowed when the form names none.
func narrowed(requested string, allowed []string) ([]string, *Error) {
	if strings.TrimSpace(requested) == "" {
		return allowed, nil
	}
	var out []string
	for _, s := range strings.Fields(requested) {
		if !slices.Contains(allowed, s) {
			return nil, &Error{CodeInvalidScope, "The token may not carry scope " + s}
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// ScopeString writes scopes as the space-separated string of RFC 6749.
func ScopeString(scope []string) string { return strings.Join(scope, " ") }
