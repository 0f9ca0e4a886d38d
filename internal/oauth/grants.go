package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/ids"
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
}

var (
	// ErrRefreshInvalid: unknown, revoked or expired.
	ErrRefreshInvalid = errors.New("refresh token is not valid")
	// ErrRefreshReused: the token was spent before; its family has been revoked.
	ErrRefreshReused = errors.New("refresh token was already used")
)

// RefreshStore keeps refresh tokens.
type RefreshStore interface {
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshTokenByHash returns the unrevoked token with this digest, spent or not; ErrRefreshInvalid if
	// there is none.
	RefreshTokenByHash(ctx context.Context, hash string) (RefreshToken, error)
	// RotateRefreshToken spends the token with this digest and stores next, in one transaction. If the
	// token was spent already it revokes the token's whole family and returns ErrRefreshReused; if it is
	// unknown or revoked, ErrRefreshInvalid.
	RotateRefreshToken(ctx context.Context, hash string, now time.Time, next RefreshToken) error
}

// TokenRequest is a token endpoint request: the form and the client's Basic credentials.
type TokenRequest struct {
	ClientID, ClientSecret string
	GrantType              string
	Username, Password     string
	RefreshToken           string
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
}

// Grants serves the token endpoint.
type Grants struct {
	tokens  *Tokens
	users   *user.Service
	apps    *clientapp.Service
	refresh RefreshStore
	ids     *ids.Generator
	now     func() time.Time
}

// NewGrants returns the token endpoint's logic.
func NewGrants(t *Tokens, u *user.Service, a *clientapp.Service, r RefreshStore, g *ids.Generator) *Grants {
	return &Grants{tokens: t, users: u, apps: a, refresh: r, ids: g, now: func() time.Time { return time.Now().UTC() }}
}

// Token answers a token request; a refusal is an *Error.
func (g *Grants) Token(ctx context.Context, req TokenRequest) (TokenResponse, error) {
	app, err := g.apps.Authenticate(ctx, req.ClientID, req.ClientSecret)
	if errors.Is(err, clientapp.ErrInvalidClient) {
		return TokenResponse{}, &Error{CodeInvalidClient, "Client authentication failed"}
	}
	if err != nil {
		return TokenResponse{}, err
	}
	switch req.GrantType {
	case clientapp.GrantPassword, clientapp.GrantRefreshToken:
		if !app.Allows(req.GrantType) {
			return TokenResponse{}, &Error{CodeUnauthorizedClient, "This client is not authorized for the " + req.GrantType + " grant"}
		}
	case "":
		return TokenResponse{}, &Error{CodeInvalidRequest, "grant_type is required"}
	default:
		return TokenResponse{}, &Error{CodeUnsupportedGrantType, "Unsupported grant type"}
	}
	if req.GrantType == clientapp.GrantPassword {
		return g.passwordGrant(ctx, app, req)
	}
	return g.refreshGrant(ctx, app, req)
}

func (g *Grants) passwordGrant(ctx context.Context, app clientapp.App, req TokenRequest) (TokenResponse, error) {
	if req.Username == "" || req.Password == "" {
		return TokenResponse{}, &Error{CodeInvalidRequest, "username and password are required"}
	}
	u, err := g.users.Authenticate(ctx, req.Username, req.Password)
	switch {
	case errors.Is(err, user.ErrBadCredentials):
		return TokenResponse{}, &Error{CodeInvalidGrant, "Bad credentials"}
	case errors.Is(err, user.ErrLocked):
		return TokenResponse{}, &Error{CodeInvalidGrant, "The account is locked after too many failed sign-ins; try again later"}
	case err != nil:
		return TokenResponse{}, err
	}
	resp, err := g.accessToken(u, app)
	if err != nil {
		return TokenResponse{}, err
	}
	if app.Allows(clientapp.GrantRefreshToken) {
		raw, rt, err := g.newRefreshToken(u.ID, app, g.ids.New())
		if err != nil {
			return TokenResponse{}, err
		}
		if err := g.refresh.CreateRefreshToken(ctx, rt); err != nil {
			return TokenResponse{}, err
		}
		resp.RefreshToken = raw
	}
	return resp, nil
}

func (g *Grants) refreshGrant(ctx context.Context, app clientapp.App, req TokenRequest) (TokenResponse, error) {
	if req.RefreshToken == "" {
		return TokenResponse{}, &Error{CodeInvalidRequest, "refresh_token is required"}
	}
	hash := digest(req.RefreshToken)
	old, err := g.refresh.RefreshTokenByHash(ctx, hash)
	if err != nil {
		return TokenResponse{}, refreshError(err)
	}
	if old.ClientAppID != app.ID || !g.now().Before(old.ExpiresAt) {
		return TokenResponse{}, refreshError(ErrRefreshInvalid)
	}
	u, err := g.users.ByID(ctx, old.UserID)
	if err != nil {
		return TokenResponse{}, refreshError(err)
	}
	resp, err := g.accessToken(u, app)
	if err != nil {
		return TokenResponse{}, err
	}
	raw, next, err := g.newRefreshToken(u.ID, app, old.FamilyID)
	if err != nil {
		return TokenResponse{}, err
	}
	if err := g.refresh.RotateRefreshToken(ctx, hash, g.now(), next); err != nil {
		return TokenResponse{}, refreshError(err)
	}
	resp.RefreshToken = raw
	return resp, nil
}

// refreshError turns a failed refresh into the token endpoint's answer.
func refreshError(err error) error {
	switch {
	case errors.Is(err, ErrRefreshInvalid), errors.Is(err, user.ErrNotFound):
		return &Error{CodeInvalidGrant, "Invalid refresh token"}
	case errors.Is(err, ErrRefreshReused):
		return &Error{CodeInvalidGrant, "Invalid refresh token: it was already used, so every token from the same sign-in is revoked"}
	default:
		return err
	}
}

func (g *Grants) accessToken(u user.User, app clientapp.App) (TokenResponse, error) {
	p := Principal{UserID: u.ID, Email: u.Email, ClientID: app.ClientID, Scope: app.Scope, Authorities: u.Authorities()}
	signed, err := g.tokens.Sign(&p, app.AccessTokenValidity)
	if err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{
		AccessToken: signed, ExpiresIn: int(app.AccessTokenValidity / time.Second),
		Scope: app.Scope, TokenID: p.TokenID, UserID: u.ID, Email: u.Email,
	}, nil
}

func (g *Grants) newRefreshToken(userID int64, app clientapp.App, family int64) (string, RefreshToken, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", RefreshToken{}, err
	}
	raw := base64.RawURLEncoding.EncodeToString(b[:])
	now := g.now()
	return raw, RefreshToken{
		ID: g.ids.New(), TokenHash: digest(raw), FamilyID: family, UserID: userID, ClientAppID: app.ID,
		Scope: app.Scope, ExpiresAt: now.Add(app.RefreshTokenValidity), CreatedAt: now,
	}, nil
}

// digest is how refresh tokens are stored: a leaked table does not yield usable tokens.
func digest(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// ScopeString writes scopes as the space-separated string of RFC 6749.
func ScopeString(scope []string) string { return strings.Join(scope, " ") }
