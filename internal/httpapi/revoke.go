package httpapi

// RFC 7009 token revocation.

import (
	"context"

	"github.com/cocoondata/access-service/gen"
)

// RevokeToken implements gen.StrictServerInterface.
func (s *Server) RevokeToken(ctx context.Context, req gen.RevokeTokenRequestObject) (gen.RevokeTokenResponseObject, error) {
	app, refused, err := s.authenticateClient(ctx, deref(req.Body.ClientId))
	if err != nil {
		return nil, err
	}
	if refused != nil && refused.slowDown != nil {
		return gen.RevokeToken429JSONResponse{OAuthTooManyRequestsJSONResponse: *refused.slowDown}, nil
	}
	if refused != nil {
		return gen.RevokeToken401JSONResponse{OAuthInvalidClientJSONResponse: *refused.invalid}, nil
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
