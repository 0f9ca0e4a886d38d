package httpapi

// RFC 8414 authorization server metadata.

import (
	"context"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/oauth"
)

// GetAuthorizationServerMetadata implements gen.StrictServerInterface.
func (s *Server) GetAuthorizationServerMetadata(context.Context, gen.GetAuthorizationServerMetadataRequestObject) (gen.GetAuthorizationServerMetadataResponseObject, error) {
	return gen.GetAuthorizationServerMetadata200JSONResponse(s.serverMetadata()), nil
}

// serverMetadata is what this server's endpoints are and support, for the RFC 8414 metadata and the
// OpenID Connect provider metadata alike.
func (s *Server) serverMetadata() gen.AuthorizationServerMetadata {
	list := func(v ...string) *[]string { return &v }
	ref := func(v string) *string { return &v }
	return gen.AuthorizationServerMetadata{
		Issuer:                                    s.Issuer,
		AuthorizationEndpoint:                     s.Issuer + "/api/oauth/authorize",
		TokenEndpoint:                             s.Issuer + "/api/oauth/token",
		JwksUri:                                   s.Issuer + "/api/oauth/jwks",
		RevocationEndpoint:                        ref(s.Issuer + "/api/oauth/revoke"),
		IntrospectionEndpoint:                     ref(s.Issuer + "/api/oauth/introspect"),
		ResponseTypesSupported:                    []string{oauth.ResponseCode, oauth.ResponseToken},
		ResponseModesSupported:                    list("query", "fragment"),
		GrantTypesSupported:                       list(clientapp.GrantAuthorizationCode, clientapp.GrantImplicit, clientapp.GrantPassword, clientapp.GrantRefreshToken),
		CodeChallengeMethodsSupported:             list("S256"),
		TokenEndpointAuthMethodsSupported:         list("client_secret_basic", "none"),
		RevocationEndpointAuthMethodsSupported:    list("client_secret_basic", "none"),
		IntrospectionEndpointAuthMethodsSupported: list("client_secret_basic"),
	}
}
