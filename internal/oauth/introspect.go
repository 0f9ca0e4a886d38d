package oauth

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/revocation"
	"github.com/cocoondata/access-service/internal/user"
)

// looksLikeJWT tells access tokens (three dot-separated parts) from refresh tokens (one opaque part).
func looksLikeJWT(token string) bool { return strings.Count(token, ".") == 2 }

// Revoke is RFC 7009 revocation by the client app: an access token issued to it is refused from now
// on; a refresh token it holds is revoked with its whole family. Tokens that are unknown, invalid or
// another client's are left alone, without an error.
func (g *Grants) Revoke(ctx context.Context, app clientapp.App, token string) error {
	if looksLikeJWT(token) {
		p, err := g.tokens.Verify(ctx, token)
		if err != nil || p.ClientID != app.ClientID {
			return nil
		}
		e := revocation.ForToken(g.ids.New(), p.TokenID, p.ExpiresAt.Add(clockSkew), g.now())
		if err := g.revoked.Record(ctx, e); err != nil {
			return err
		}
		g.revoked.Add(e)
		return nil
	}
	// A refresh token the client holds goes with its whole family.
	return g.store.InTx(ctx, func(ctx context.Context) error {
		t, err := g.store.RefreshToken(ctx, digest(token))
		if errors.Is(err, ErrRefreshInvalid) || (err == nil && t.ClientAppID != app.ID) {
			return nil
		}
		if err != nil {
			return err
		}
		return g.store.RevokeRefreshFamily(ctx, t.FamilyID, g.now())
	})
}

// Introspection is RFC 7662's answer; only Active is set for an inactive token.
type Introspection struct {
	Active    bool
	TokenType string // access_token or refresh_token
	Scope     []string
	ClientID  string
	Username  string
	Subject   string
	TokenID   string
	IssuedAt  int64
	ExpiresAt int64
}

// ScopeIntrospect marks a resource server: an app registered with this scope may introspect every
// access token (RFC 7662 section 4: the server decides which clients may ask about which tokens).
const ScopeIntrospect = "introspect"

// Introspect is RFC 7662 introspection for the client app. An access token is reported to the client it
// was issued to and to resource servers (apps registered with ScopeIntrospect); a refresh token only to
// the client that holds it. To anyone else a token is inactive, so a client cannot learn what another
// client's tokens stand for.
func (g *Grants) Introspect(ctx context.Context, app clientapp.App, token string) (Introspection, error) {
	if looksLikeJWT(token) {
		p, err := g.tokens.Verify(ctx, token)
		if err != nil || (p.ClientID != app.ClientID && !slices.Contains(app.Scope, ScopeIntrospect)) {
			return Introspection{}, nil
		}
		return Introspection{Active: true, TokenType: "access_token", Scope: p.Scope, ClientID: p.ClientID,
			Username: p.Email, Subject: ids.Format(p.UserID), TokenID: p.TokenID,
			IssuedAt: p.IssuedAt.Unix(), ExpiresAt: p.ExpiresAt.Unix()}, nil
	}
	rt, err := g.store.RefreshToken(ctx, digest(token))
	if errors.Is(err, ErrRefreshInvalid) {
		return Introspection{}, nil
	}
	if err != nil {
		return Introspection{}, err
	}
	if rt.ClientAppID != app.ID || rt.Spent || !g.now().Before(rt.ExpiresAt) {
		return Introspection{}, nil
	}
	u, err := g.users.Active(ctx, rt.UserID)
	if errors.Is(err, user.ErrNotFound) {
		return Introspection{}, nil
	}
	if err != nil {
		return Introspection{}, err
	}
	return Introspection{Active: true, TokenType: "refresh_token", Scope: rt.Scope, ClientID: app.ClientID,
		Username: u.Email, Subject: ids.Format(u.ID), IssuedAt: rt.CreatedAt.Unix(), ExpiresAt: rt.ExpiresAt.Unix()}, nil
}
