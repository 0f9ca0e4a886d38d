package httpapi

// Client authentication of the OAuth endpoints that take client credentials (token, revoke,
// introspect): HTTP Basic, form-decoded, or a public client's client_id alone.

import (
	"context"
	"errors"
	"net/url"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/oauth"
)

// clientCredentials are the client's HTTP Basic credentials (form-decoded, RFC 6749 section 2.3.1) and
// the client_id form member.
func clientCredentials(ctx context.Context, formClientID string) oauth.ClientCredentials {
	c := oauth.ClientCredentials{FormClientID: formClientID}
	id, secret, ok := stateFrom(ctx).basicCredentials()
	if !ok {
		return c
	}
	if v, err := url.QueryUnescape(id); err == nil {
		id = v
	}
	if v, err := url.QueryUnescape(secret); err == nil {
		secret = v
	}
	c.BasicID, c.BasicSecret, c.HasBasic = id, secret, true
	return c
}

// clientRefusal is how a request whose client may not go on is answered: invalid_client (401), or,
// beyond the per-client rate limit, slow_down (429). Exactly one is set.
type clientRefusal struct {
	invalid  *gen.OAuthInvalidClientJSONResponse
	slowDown *gen.OAuthTooManyRequestsJSONResponse
}

// authenticateClient: the app, or the refusal (nil error) to give.
func (s *Server) authenticateClient(ctx context.Context, formClientID string) (clientapp.App, *clientRefusal, error) {
	app, err := s.Grants.AuthenticateClient(ctx, clientCredentials(ctx, formClientID))
	if errors.Is(err, oauth.ErrSlowDown) {
		r := slowDown(s.PerClientLimit)
		return app, &clientRefusal{slowDown: &r}, nil
	}
	var oe *oauth.Error
	if errors.As(err, &oe) {
		r := invalidClient(oe.Description)
		return app, &clientRefusal{invalid: &gen.OAuthInvalidClientJSONResponse{Body: r.Body, Headers: gen.OAuthInvalidClientResponseHeaders{WWWAuthenticate: r.Headers.WWWAuthenticate}}}, nil
	}
	return app, nil, err
}
