package httpapi

// RFC 7662 token introspection.

import (
	"context"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/oauth"
)

// IntrospectToken implements gen.StrictServerInterface.
func (s *Server) IntrospectToken(ctx context.Context, req gen.IntrospectTokenRequestObject) (gen.IntrospectTokenResponseObject, error) {
	app, refused, err := s.authenticateClient(ctx, "")
	if err != nil {
		return nil, err
	}
	if refused != nil && refused.slowDown != nil {
		return gen.IntrospectToken429JSONResponse{OAuthTooManyRequestsJSONResponse: *refused.slowDown}, nil
	}
	if refused != nil {
		return gen.IntrospectToken401JSONResponse{OAuthInvalidClientJSONResponse: *refused.invalid}, nil
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
