package httpapi

// OpenID Connect: discovery (OpenID Connect Discovery 1.0) and UserInfo (OpenID Connect Core 1.0
// section 5.3). The ID token is issued by the token endpoint (oauth.Tokens.SignIDToken).

import (
	"context"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/oauth"
)

// claimsSupported are the claims the ID token and UserInfo may carry.
var claimsSupported = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "amr",
	"email", "email_verified", "name", "given_name", "family_name"}

// GetOpenIdConfiguration implements gen.StrictServerInterface: the provider metadata, the RFC 8414
// metadata's endpoints with OpenID Connect's own.
func (s *Server) GetOpenIdConfiguration(context.Context, gen.GetOpenIdConfigurationRequestObject) (gen.GetOpenIdConfigurationResponseObject, error) {
	m := s.serverMetadata()
	prompts := []string{oauth.PromptNone, oauth.PromptLogin, oauth.PromptConsent}
	return gen.GetOpenIdConfiguration200JSONResponse{
		Issuer:                            m.Issuer,
		AuthorizationEndpoint:             m.AuthorizationEndpoint,
		TokenEndpoint:                     m.TokenEndpoint,
		UserinfoEndpoint:                  s.Issuer + "/api/oauth/userinfo",
		JwksUri:                           m.JwksUri,
		EndSessionEndpoint:                s.Issuer + "/api/oauth/logout",
		RevocationEndpoint:                m.RevocationEndpoint,
		IntrospectionEndpoint:             m.IntrospectionEndpoint,
		ScopesSupported:                   []string{oauth.ScopeOpenID, oauth.ScopeProfile, oauth.ScopeEmail, ScopeRead, ScopeWrite, ScopeAdmin},
		ResponseTypesSupported:            m.ResponseTypesSupported,
		ResponseModesSupported:            m.ResponseModesSupported,
		GrantTypesSupported:               m.GrantTypesSupported,
		SubjectTypesSupported:             []string{"public"},
		IdTokenSigningAlgValuesSupported:  []string{"RS256"},
		TokenEndpointAuthMethodsSupported: m.TokenEndpointAuthMethodsSupported,
		ClaimsSupported:                   claimsSupported,
		CodeChallengeMethodsSupported:     m.CodeChallengeMethodsSupported,
		PromptValuesSupported:             &prompts,
	}, nil
}

// GetUserInfo implements gen.StrictServerInterface.
func (s *Server) GetUserInfo(ctx context.Context, _ gen.GetUserInfoRequestObject) (gen.GetUserInfoResponseObject, error) {
	info, err := s.userInfo(ctx)
	if err != nil {
		return nil, err
	}
	return gen.GetUserInfo200JSONResponse(info), nil
}

// PostUserInfo implements gen.StrictServerInterface.
func (s *Server) PostUserInfo(ctx context.Context, _ gen.PostUserInfoRequestObject) (gen.PostUserInfoResponseObject, error) {
	info, err := s.userInfo(ctx)
	if err != nil {
		return nil, err
	}
	return gen.PostUserInfo200JSONResponse(info), nil
}

// userInfo are the claims about the token's user that its scopes allow. The access step has checked
// the openid scope (403 insufficient_scope without it); the account is read now, so a removed or
// disabled account's token is refused (401) and the claims are current.
func (s *Server) userInfo(ctx context.Context) (gen.UserInfo, error) {
	p, err := caller(ctx)
	if err != nil {
		return gen.UserInfo{}, err
	}
	u, err := s.accountOf(ctx, p.UserID)
	if err != nil {
		return gen.UserInfo{}, err
	}
	c := oauth.ClaimsOf(u, p.Scope)
	info := gen.UserInfo{Sub: c.Sub, EmailVerified: c.EmailVerified, Name: c.Name, GivenName: c.GivenName, FamilyName: c.FamilyName}
	if c.Email != nil {
		e := openapi_types.Email(*c.Email)
		info.Email = &e
	}
	return info, nil
}
