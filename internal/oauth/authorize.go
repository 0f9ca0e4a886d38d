package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/revocation"
	"github.com/cocoondata/access-service/internal/user"
)

// Approval is a user's standing consent to a client application, for some scopes.
type Approval struct {
	ID          int64
	UserID      int64
	ClientAppID int64
	Scope       []string
	CreatedAt   time.Time
}

// ApprovalView is an approval with what the user needs to recognise the app.
type ApprovalView struct {
	Approval
	ClientID, AppName, Description string
}

// Code is an authorization code as stored: only its digest is kept.
type Code struct {
	Hash        string
	UserID      int64
	ClientAppID int64
	RedirectURI string
	Scope       []string
	Challenge   string // PKCE S256 challenge; empty when none was given
	ExpiresAt   time.Time
	CreatedAt   time.Time
	// Set once the code is exchanged: what the exchange issued, so a second use can revoke it.
	UsedAt   *time.Time
	TokenID  string // jti of the access token
	FamilyID int64  // family of the refresh token; 0 if none
	// MFA: the sign-in session the code came from gave a second factor.
	MFA bool
	// OpenID Connect: the authorization request's nonce, and when the user of the sign-in session the
	// code came from entered their password (zero for a code stored before it was recorded).
	Nonce    string
	AuthTime time.Time
}

// Session is a sign-in session of the authorization pages; only its digest is kept.
type Session struct {
	Hash      string
	UserID    int64
	ExpiresAt time.Time
	CreatedAt time.Time
	MFA       bool // the sign-in gave a second factor
	// AuthTime is when the user signed in (entered their password) for this session.
	AuthTime time.Time
}

// SignedIn is the user of a valid sign-in session, whether the sign-in gave a second factor, and when
// it was (OpenID Connect's auth_time).
type SignedIn struct {
	user.User
	MFA      bool
	AuthTime time.Time
}

// SignInResult is the sign-in page's outcome: a session (its secret, for the cookie), or, for a user
// whose MFA is required, the restrictive token of the second step (for the code page's cookie).
type SignInResult struct {
	Session  string
	MFAToken string
	// UserID and Email name whose credentials were right (for the audit trail).
	UserID int64
	Email  string
}

var (
	ErrApprovalNotFound = errs.New(errs.NotFound, "Approval not found", "approval not found")
	ErrCodeInvalid      = errors.New("authorization code is not valid")
	ErrSessionInvalid   = errors.New("no valid sign-in session")
)

// Lifetimes of the authorization flow.
const (
	CodeLifetime    = 60 * time.Second
	SessionLifetime = 8 * time.Hour
)

// Response types of the authorization endpoint.
const (
	ResponseCode  = "code"
	ResponseToken = "token"
)

// AuthRequest is an authorization request as it arrives. Nonce and MaxAge (OpenID Connect) travel
// through the pages' hidden fields with the rest; Prompt and LoginHint are for the first page only.
type AuthRequest struct {
	ResponseType, ClientID, RedirectURI, State, Scope, CodeChallenge, CodeChallengeMethod string
	Nonce, MaxAge                                                                         string
	Prompt, LoginHint                                                                     string
}

// Authorization is an authorization request that passed every check.
type Authorization struct {
	AuthRequest
	App   clientapp.App
	Scope []string // what the app gets: the requested scopes, or all of the app's
	// OpenID Connect: prompt's values (none, login, consent), and max_age in seconds (-1: none).
	Prompt map[string]bool
	MaxAge int64
}

// Prompt values of OpenID Connect that the service supports.
const (
	PromptNone    = "none"
	PromptLogin   = "login"
	PromptConsent = "consent"
)

// Bounds of the OpenID Connect parameters (as openapi.yaml has them).
const (
	maxNonce  = 255
	maxMaxAge = 315360000
)

// PageError refuses a request that cannot be sent back to the client: the client is unknown or
// disabled, or the redirect URI is not one it registered. The browser is never redirected then.
// Key names its text in the pages' bundles (i18n); Message is the built-in text.
type PageError struct{ Key, Message string }

func (e *PageError) Error() string { return e.Message }

// RedirectError refuses a request by sending the browser back to the client with error=Code
// (RFC 6749 section 4.1.2.1).
type RedirectError struct{ Code, Description string }

func (e *RedirectError) Error() string { return e.Code + ": " + e.Description }

var pkceChallenge = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
var pkceVerifier = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// Check validates an authorization request. Errors are *PageError or *RedirectError.
func (g *Grants) Check(ctx context.Context, r AuthRequest) (Authorization, error) {
	if r.ClientID == "" {
		return Authorization{}, &PageError{Key: "error.request.noClient", Message: "The request names no client application (client_id)."}
	}
	app, err := g.apps.ByClientID(ctx, r.ClientID)
	if errors.Is(err, clientapp.ErrNotFound) || (err == nil && !app.Enabled) {
		return Authorization{}, &PageError{Key: "error.request.unknownClient", Message: "The application asking to sign you in is not registered here, or is disabled."}
	}
	if err != nil {
		return Authorization{}, err
	}
	if r.RedirectURI == "" || !app.RegisteredRedirect(r.RedirectURI) {
		return Authorization{}, &PageError{Key: "error.request.badRedirect", Message: "The application's return address (redirect_uri) is not one it registered, so you will not be sent there."}
	}
	a := Authorization{AuthRequest: r, App: app}
	switch r.ResponseType {
	case ResponseCode:
		if !app.Allows(clientapp.GrantAuthorizationCode) {
			return a, &RedirectError{"unauthorized_client", "The client is not authorized for the authorization_code grant"}
		}
	case ResponseToken:
		if !app.Allows(clientapp.GrantImplicit) {
			return a, &RedirectError{"unauthorized_client", "The client is not authorized for the implicit grant"}
		}
	case "":
		return a, &RedirectError{"invalid_request", "response_type is required"}
	default:
		return a, &RedirectError{"unsupported_response_type", "response_type must be code or token"}
	}
	a.Scope = app.Scope
	if r.Scope != "" {
		a.Scope = nil
		for _, s := range strings.Fields(r.Scope) {
			if !slices.Contains(app.Scope, s) {
				return a, &RedirectError{"invalid_scope", "The client may not ask for scope " + s}
			}
			if !slices.Contains(a.Scope, s) {
				a.Scope = append(a.Scope, s)
			}
		}
	}
	if err := a.checkOpenID(); err != nil {
		return a, err
	}
	if r.ResponseType == ResponseCode {
		switch {
		case r.CodeChallenge == "" && r.CodeChallengeMethod != "":
			return a, &RedirectError{"invalid_request", "code_challenge_method without code_challenge"}
		case r.CodeChallenge == "" && app.Public():
			return a, &RedirectError{"invalid_request", "PKCE is required for this client: send code_challenge with code_challenge_method=S256"}
		case r.CodeChallenge != "" && r.CodeChallengeMethod != "S256":
			return a, &RedirectError{"invalid_request", "code_challenge_method must be S256"}
		case r.CodeChallenge != "" && !pkceChallenge.MatchString(r.CodeChallenge):
			return a, &RedirectError{"invalid_request", "code_challenge must be 43 base64url characters"}
		}
	}
	return a, nil
}

// checkOpenID reads the OpenID Connect parameters: prompt (none alone, or any of login and consent),
// max_age (whole seconds) and nonce.
func (a *Authorization) checkOpenID() error {
	a.MaxAge = -1
	if len(a.Nonce) > maxNonce {
		return &RedirectError{"invalid_request", "nonce is longer than 255 characters"}
	}
	if a.AuthRequest.MaxAge != "" {
		n, err := strconv.ParseInt(a.AuthRequest.MaxAge, 10, 64)
		if err != nil || n < 0 || n > maxMaxAge {
			return &RedirectError{"invalid_request", "max_age must be a whole number of seconds from 0 to 315360000"}
		}
		a.MaxAge = n
	}
	a.Prompt = map[string]bool{}
	for _, p := range strings.Fields(a.AuthRequest.Prompt) {
		switch p {
		case PromptNone, PromptLogin, PromptConsent:
			a.Prompt[p] = true
		default:
			return &RedirectError{"invalid_request", "prompt must be none, or login and/or consent; " + p + " is not supported"}
		}
	}
	if a.Prompt[PromptNone] && len(a.Prompt) > 1 {
		return &RedirectError{"invalid_request", "prompt=none cannot be combined with other values"}
	}
	return nil
}

// SignInTooOld: the request's max_age asks for a more recent sign-in than the session's.
func (g *Grants) SignInTooOld(s SignedIn, a Authorization) bool {
	if a.MaxAge < 0 {
		return false
	}
	return g.now().Sub(s.AuthTime) > time.Duration(a.MaxAge)*time.Second
}

// ErrorRedirect is where to send the browser for a refused request.
func ErrorRedirect(a Authorization, e *RedirectError) string {
	v := url.Values{"error": {e.Code}}
	if e.Description != "" {
		v.Set("error_description", e.Description)
	}
	if a.State != "" {
		v.Set("state", a.State)
	}
	return withResult(a.RedirectURI, v, a.ResponseType == ResponseToken)
}

// withResult adds the result to the redirect URI: to its query, or (implicit flow) as its fragment.
func withResult(redirectURI string, v url.Values, fragment bool) string {
	u, err := url.Parse(redirectURI)
	if err != nil { // registered URIs parse; this is only a guard
		return redirectURI
	}
	if fragment {
		u.Fragment, u.RawFragment = "", ""
		return u.String() + "#" + v.Encode()
	}
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SignIn checks a user's credentials on the sign-in page, sent from address, with the password grant's
// lockout. For a user whose MFA is required it returns the restrictive token of the second step
// (FinishSignIn); otherwise it starts a session and returns its secret. ErrMFANotSetUp: the user's MFA
// is required but not set up.
func (g *Grants) SignIn(ctx context.Context, app clientapp.App, email, password, address string) (SignInResult, error) {
	u, err := g.users.Authenticate(ctx, email, password, address)
	if err != nil {
		return SignInResult{}, err
	}
	needsCode, err := g.mfaRequired(ctx, u)
	if err != nil {
		return SignInResult{}, err
	}
	if needsCode {
		resp, err := g.restrictive(ctx, u, app, nil)
		return SignInResult{MFAToken: resp.AccessToken, UserID: u.ID, Email: u.Email}, err
	}
	raw, err := g.startSession(ctx, u.ID, false)
	return SignInResult{Session: raw, UserID: u.ID, Email: u.Email}, err
}

// FinishSignIn is the browser's second step: the restrictive token SignIn gave (for app) and the
// current code. The right code starts a session that records the second factor (its secret in Session);
// a wrong one is SecondStep.Wrong; a token that cannot complete a step is ErrChallengeInvalid.
func (g *Grants) FinishSignIn(ctx context.Context, app clientapp.App, mfaToken, code, address string) (SecondStep, string, error) {
	step, err := g.completeSecondStep(ctx, app, mfaToken, code, address)
	if err != nil || step.Wrong {
		return step, "", err
	}
	raw, err := g.startSession(ctx, step.User.ID, true)
	return step, raw, err
}

// startSession stores a new sign-in session for the user and returns its secret.
func (g *Grants) startSession(ctx context.Context, userID int64, mfa bool) (string, error) {
	raw, err := randomToken()
	if err != nil {
		return "", err
	}
	now := g.now()
	err = g.store.InTx(ctx, func(ctx context.Context) error {
		// The user's expired sessions are swept on the way, so they do not pile up.
		if err := g.store.DeleteSessionsExpiredBefore(ctx, userID, now); err != nil {
			return err
		}
		return g.store.CreateSession(ctx, Session{Hash: digest(raw), UserID: userID, ExpiresAt: now.Add(SessionLifetime), CreatedAt: now, MFA: mfa, AuthTime: now})
	})
	if err != nil {
		return "", err
	}
	return raw, nil
}

// SessionUser returns the user of a session; ErrSessionInvalid if the session is unknown or over, its
// user is gone, or the user's MFA is required now and the session's sign-in gave no second factor (it
// began before MFA was required: the user signs in again, with a code).
func (g *Grants) SessionUser(ctx context.Context, raw string) (SignedIn, error) {
	if raw == "" {
		return SignedIn{}, ErrSessionInvalid
	}
	s, err := g.store.SessionByHash(ctx, digest(raw), g.now())
	if err != nil {
		return SignedIn{}, err
	}
	u, err := g.users.Active(ctx, s.UserID)
	if errors.Is(err, user.ErrNotFound) {
		return SignedIn{}, ErrSessionInvalid
	}
	if err != nil {
		return SignedIn{}, err
	}
	if !s.MFA {
		needsCode, err := g.mfaRequired(ctx, u)
		if needsCode || errors.Is(err, ErrMFANotSetUp) {
			return SignedIn{}, ErrSessionInvalid
		}
		if err != nil {
			return SignedIn{}, err
		}
	}
	authTime := s.AuthTime
	if authTime.IsZero() {
		authTime = s.CreatedAt
	}
	return SignedIn{User: u, MFA: s.MFA, AuthTime: authTime}, nil
}

// NeedsApproval reports whether the user must be asked: not for first-party apps, nor when the user
// approved the app before for every scope it asks for now.
func (g *Grants) NeedsApproval(ctx context.Context, u user.User, a Authorization) (bool, error) {
	if a.App.AutoApprove {
		return false, nil
	}
	if a.Prompt[PromptConsent] {
		return true, nil
	}
	ap, err := g.store.Approval(ctx, u.ID, a.App.ID)
	if errors.Is(err, ErrApprovalNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	for _, s := range a.Scope {
		if !slices.Contains(ap.Scope, s) {
			return true, nil
		}
	}
	return false, nil
}

// Approve grants the authorization: it remembers the approval (unless the app is first-party) and
// returns where to send the browser, with a code or (implicit flow) an access token.
func (g *Grants) Approve(ctx context.Context, signedIn SignedIn, a Authorization) (string, error) {
	u := signedIn.User
	now := g.now()
	if !a.App.AutoApprove {
		// An approval widens the pair's standing one: scopes approved before stay approved.
		err := g.store.InTx(ctx, func(ctx context.Context) error {
			scope := a.Scope
			prev, err := g.store.Approval(ctx, u.ID, a.App.ID)
			switch {
			case err == nil:
				scope = append(slices.Clone(prev.Scope), a.Scope...)
				slices.Sort(scope)
				scope = slices.Compact(scope)
			case !errors.Is(err, ErrApprovalNotFound):
				return err
			}
			return g.store.SaveApproval(ctx, Approval{ID: g.ids.New(), UserID: u.ID, ClientAppID: a.App.ID, Scope: scope, CreatedAt: now})
		})
		if err != nil {
			return "", err
		}
	}
	v := url.Values{}
	if a.State != "" {
		v.Set("state", a.State)
	}
	if a.ResponseType == ResponseToken {
		resp, err := g.accessToken(u, a.App, a.Scope, "", amrOf(signedIn.MFA))
		if err != nil {
			return "", err
		}
		v.Set("access_token", resp.AccessToken)
		v.Set("token_type", "bearer")
		v.Set("expires_in", fmt.Sprint(resp.ExpiresIn))
		v.Set("scope", ScopeString(resp.Scope))
		return withResult(a.RedirectURI, v, true), nil
	}
	raw, err := randomToken()
	if err != nil {
		return "", err
	}
	code := Code{Hash: digest(raw), UserID: u.ID, ClientAppID: a.App.ID, RedirectURI: a.RedirectURI, Scope: a.Scope,
		Challenge: a.CodeChallenge, ExpiresAt: now.Add(CodeLifetime), CreatedAt: now, MFA: signedIn.MFA,
		Nonce: a.Nonce, AuthTime: signedIn.AuthTime}
	err = g.store.InTx(ctx, func(ctx context.Context) error {
		// The pair's codes long expired are swept on the way; an expired code's row is kept a while
		// (codeMemory) so that a late second use is still seen as reuse.
		if err := g.store.DeleteCodesExpiredBefore(ctx, u.ID, a.App.ID, now.Add(-codeMemory)); err != nil {
			return err
		}
		return g.store.CreateCode(ctx, code)
	})
	if err != nil {
		return "", err
	}
	v.Set("code", raw)
	return withResult(a.RedirectURI, v, false), nil
}

// Deny is where to send the browser when the user refuses.
func Deny(a Authorization) string {
	return ErrorRedirect(a, &RedirectError{"access_denied", "The user denied the request"})
}

func verifierMatches(verifier, challenge string) bool {
	if !pkceVerifier.MatchString(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}

func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// Approvals lists the user's approvals, newest first.
func (g *Grants) Approvals(ctx context.Context, userID int64) ([]ApprovalView, error) {
	return g.store.Approvals(ctx, userID)
}

// RevokeApproval withdraws the user's approval at once: in one transaction the approval goes, the
// app's refresh tokens and codes for the user die, and the revocation of its access tokens for the user
// is recorded; once committed they are refused on this instance at once and on the others after their
// next poll. ErrApprovalNotFound if the user has no approval with this id.
func (g *Grants) RevokeApproval(ctx context.Context, userID, approvalID int64) error {
	var rev revocation.Entry
	err := g.store.InTx(ctx, func(ctx context.Context) error {
		a, err := g.store.ApprovalByID(ctx, userID, approvalID)
		if err != nil {
			return err
		}
		app, err := g.apps.ByID(ctx, a.ClientAppID)
		if err != nil {
			return err
		}
		// Deleted first: of two concurrent revocations one finds it gone (ErrApprovalNotFound).
		if err := g.store.DeleteApproval(ctx, a.ID); err != nil {
			return err
		}
		now := g.now()
		rev = g.revoked.ForPair(g.ids.New(), userID, app.ClientID, now)
		if err := g.store.RevokeRefreshTokensOfPair(ctx, userID, a.ClientAppID, rev.RecordedAt); err != nil {
			return err
		}
		if err := g.store.DeleteCodesOfPair(ctx, userID, a.ClientAppID); err != nil {
			return err
		}
		return g.revoked.Record(ctx, rev)
	})
	if err != nil {
		return err
	}
	g.revoked.Add(rev)
	return nil
}

// ExpireUser revokes every refresh token of the user and ends their sign-in sessions, together. Access
// tokens live on until they expire.
func (g *Grants) ExpireUser(ctx context.Context, userID int64) error {
	return g.store.InTx(ctx, func(ctx context.Context) error {
		return g.store.EndSessionsOfUser(ctx, userID, g.now())
	})
}

// codeMemory is how long a code's row is kept after it expires, so a late second use is still seen as
// reuse.
const codeMemory = 10 * time.Minute
