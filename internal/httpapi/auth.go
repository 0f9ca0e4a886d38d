package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	echomiddleware "github.com/oapi-codegen/echo-middleware"

	"github.com/cocoondata/access-service/internal/oauth"
)

// authenticate is the validator's authentication function. It checks bearer tokens and leaves the
// principal in the request's state (hasVerified); it never replaces the request (the body is not validated
// yet).
// Client credentials (HTTP Basic on the token endpoint) are checked by the token grant itself.
func (s *Server) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearerAuth" {
		return nil
	}
	ec := echomiddleware.GetEchoContext(ctx)
	if ec == nil {
		return errors.New("no echo context")
	}
	scheme, token, found := strings.Cut(in.RequestValidationInput.Request.Header.Get(echo.HeaderAuthorization), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return unauthorized(`Bearer realm="access-service"`, "An access token is required: send Authorization: Bearer <token>.")
	}
	p, err := s.Tokens.Verify(ec.Request().Context(), strings.TrimSpace(token))
	if err != nil {
		return unauthorized(`Bearer realm="access-service", error="invalid_token"`,
			"The access token is malformed, expired, revoked or not signed by this service.")
	}
	st := stateFrom(ec.Request().Context())
	if st == nil {
		return errors.New("no request state")
	}
	st.principal, st.hasVerified = p, true
	return nil
}

func unauthorized(challenge, detail string) *echo.HTTPError {
	p := newProblem(http.StatusUnauthorized, detail)
	p.header = http.Header{echo.HeaderWWWAuthenticate: {challenge}}
	return &echo.HTTPError{Code: http.StatusUnauthorized, Message: detail, Internal: p}
}

// caller returns the authenticated principal; the validator guarantees one on bearer-secured endpoints.
func caller(ctx context.Context) (oauth.Principal, error) {
	p, ok := stateFrom(ctx).validatedPrincipal()
	if !ok {
		return oauth.Principal{}, unauthorized(`Bearer realm="access-service"`, "An access token is required.")
	}
	return p, nil
}
