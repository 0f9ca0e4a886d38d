package httpapi

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
	id, secret, ok := basicAuthFrom(ctx)
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

// RevokeToken implements gen.StrictServerInterface.
func (s *Server) RevokeToken(ctx context.Context, req gen.RevokeTokenRequestObject) (gen.RevokeTokenResponseObject, error) {
	app, refused, err := s.authenticateClient(ctx, deref(req.Body.ClientId))
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return gen.RevokeToken401JSONResponse{OAuthInvalidClientJSONResponse: *refused}, nil
	}
	if req.Body.Token == "" {
		desc := "token is required"
		return gen.RevokeToken400JSONResponse{OAuthBadRequestJSONResponse: gen.OAuthBadRequestJSONResponse{Error: gen.InvalidRequest, ErrorDescription: &desc}}, nil
	}
	if err := s.Grants.Revoke(ctx, app, req.Body.Token); err != nil {
		return nil, err
	}
	return gen.RevokeToken200Response{}, nil
}

// IntrospectToken implements gen.StrictServerInterface.
func (s *Server) IntrospectToken(ctx context.Context, req gen.IntrospectTokenRequestObject) (gen.IntrospectTokenResponseObject, error) {
	app, refused, err := s.authenticateClient(ctx, "")
	if err != nil {
		return nil, err
	}
	if refused != nil {
		return gen.IntrospectToken401JSONResponse{OAuthInvalidClientJSONResponse: *refused}, nil
	}
	if req.Body.Token == "" {
		desc := "token is required"
		return gen.IntrospectToken400JSONResponse{OAuthBadRequestJSONResponse: gen.OAuthBadRequestJSONResponse{Error: gen.InvalidRequest, ErrorDescription: &desc}}, nil
	}
	in, err := s.Grants.Introspect(ctx, app, req.Body.Token)
	if err != nil {
		return nil, err
	}
	out := gen.TokenIntrospection{Active: in.Active}
	if in.Active {
		scope, tt := oauth.ScopeString(in.Scope), gen.TokenIntrospectionTokenType(in.TokenType)
		out.Scope, out.TokenType, out.ClientId, out.Username, out.Sub = &scope, &tt, &in.ClientID, &in.Username, &in.Subject
		out.Exp, out.Iat, out.Iss = &in.ExpiresAt, &in.IssuedAt, &s.Issuer
		if in.TokenID != "" {
			out.Jti = &in.TokenID
		}
	}
	return gen.IntrospectToken200JSONResponse{Body: out, Headers: gen.IntrospectToken200ResponseHeaders{CacheControl: &noStore}}, nil
}

// GetAuthorizationServerMetadata implements gen.StrictServerInterface.
func (s *Server) GetAuthorizationServerMetadata(context.Context, gen.GetAuthorizationServerMetadataRequestObject) (gen.GetAuthorizationServerMetadataResponseObject, error) {
	list := func(v ...string) *[]string { return &v }
	str := func(v string) *string { return &v }
	return gen.GetAuthorizationServerMetadata200JSONResponse{
		Issuer:                                    s.Issuer,
		AuthorizationEndpoint:                     s.Issuer + "/api/oauth/authorize",
		TokenEndpoint:                             s.Issuer + "/api/oauth/token",
		JwksUri:                                   s.Issuer + "/api/oauth/jwks",
		RevocationEndpoint:                        str(s.Issuer + "/api/oauth/revoke"),
		IntrospectionEndpoint:                     str(s.Issuer + "/api/oauth/introspect"),
		ResponseTypesSupported:                    []string{oauth.ResponseCode, oauth.ResponseToken},
		ResponseModesSupported:                    list("query", "fragment"),
		GrantTypesSupported:                       list(clientapp.GrantAuthorizationCode, clientapp.GrantImplicit, clientapp.GrantPassword, clientapp.GrantRefreshToken),
		CodeChallengeMethodsSupported:             list("S256"),
		TokenEndpointAuthMethodsSupported:         list("client_secret_basic", "none"),
		RevocationEndpointAuthMethodsSupported:    list("client_secret_basic", "none"),
		IntrospectionEndpointAuthMethodsSupported: list("client_secret_basic"),
	}, nil
}
