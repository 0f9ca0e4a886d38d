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

// authenticateClient: the app, or the invalid_client answer (nil app error) to give.
func (s *Server) authenticateClient(ctx context.Context, formClientID string) (clientapp.App, *gen.OAuthInvalidClientJSONResponse, error) {
	app, err := s.Grants.AuthenticateClient(ctx, clientCredentials(ctx, formClientID))
	var oe *oauth.Error
	if errors.As(err, &oe) {
		r := invalidClient(oe.Description)
		return app, &gen.OAuthInvalidClientJSONResponse{Body: r.Body, Headers: gen.OAuthInvalidClientResponseHeaders{WWWAuthenticate: r.Headers.WWWAuthenticate}}, nil
	}
	return app, nil, err
}
