package httpapi

// The token endpoint (RFC 6749): the grants, their audit notes and their errors.

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/user"
)

// IssueToken implements gen.StrictServerInterface.
func (s *Server) IssueToken(ctx context.Context, req gen.IssueTokenRequestObject) (gen.IssueTokenResponseObject, error) {
	tr := oauth.TokenRequest{}
	var formClientID string
	if b := req.Body; b != nil {
		tr.GrantType = b.GrantType
		tr.Username = deref(b.Username)
		tr.Password = deref(b.Password)
		tr.RefreshToken = deref(b.RefreshToken)
		tr.Code = deref(b.Code)
		tr.RedirectURI = deref(b.RedirectUri)
		tr.CodeVerifier = deref(b.CodeVerifier)
		tr.Scope = deref(b.Scope)
		tr.MFAToken = deref(b.MfaToken)
		tr.MFACode = deref(b.MfaCode)
		formClientID = deref(b.ClientId)
	}
	tr.Client = clientCredentials(ctx, formClientID)
	tr.Address = stateFrom(ctx).remoteAddr()
	if tr.Client.HasBasic {
		noteClient(ctx, tr.Client.BasicID)
	} else {
		noteClient(ctx, tr.Client.FormClientID)
	}
	operation := audit.OperationToken
	switch tr.GrantType {
	case "password":
		operation = audit.OperationSignIn
		attempted := tr.Username
		if e, err := user.NormalizeEmail(attempted); err == nil {
			attempted = e
		} else if len(attempted) > 254 {
			attempted = attempted[:254]
		}
		noteSignIn(ctx, operation, attempted, 0)
	case "authorization_code":
		operation = audit.OperationExchangeCode
		noteSignIn(ctx, operation, "", 0)
	case "refresh_token":
		operation = audit.OperationRefreshToken
		noteSignIn(ctx, operation, "", 0)
	case oauth.GrantMFA:
		operation = audit.OperationSignInSecondFactor
		noteSignIn(ctx, operation, "", 0)
	}
	resp, err := s.Grants.Token(ctx, tr)
	if resp.MFARequired {
		operation = audit.OperationSignInFirstStep // the password was right; the code is still to come
	}
	if resp.UserID != 0 { // a success, or a wrong code (whose record names the user)
		noteSignIn(ctx, operation, resp.Email, resp.UserID)
	}
	noteSignInOutcome(ctx, grantOutcome(tr.GrantType, resp, err))
	s.countGrant(tr.GrantType, resp, err)
	if errors.Is(err, oauth.ErrSlowDown) {
		r := slowDown(s.PerClientLimit)
		return gen.IssueToken429JSONResponse{Body: r.Body, Headers: gen.IssueToken429ResponseHeaders{RetryAfter: r.Headers.RetryAfter}}, nil
	}
	var oe *oauth.Error
	if errors.As(err, &oe) {
		desc := oe.Description
		if oe.Code == oauth.CodeInvalidClient {
			return invalidClient(desc), nil
		}
		return gen.IssueToken400JSONResponse{Error: gen.OAuthErrorError(oe.Code), ErrorDescription: &desc}, nil
	}
	if err != nil {
		return nil, err
	}
	jti, err := uuid.Parse(resp.TokenID)
	if err != nil {
		return nil, err
	}
	out := gen.TokenResponse{
		AccessToken: resp.AccessToken, TokenType: gen.Bearer, ExpiresIn: resp.ExpiresIn,
		Scope: oauth.ScopeString(resp.Scope), Jti: jti,
	}
	if resp.RefreshToken != "" {
		out.RefreshToken = &resp.RefreshToken
	}
	if resp.IDToken != "" {
		out.IdToken = &resp.IDToken
	}
	if resp.MFARequired {
		out.MfaRequired = &resp.MFARequired
	}
	return gen.IssueToken200JSONResponse{Body: out, Headers: gen.IssueToken200ResponseHeaders{CacheControl: &noStore}}, nil
}

// grantOutcome is what a token request came to as a sign-in (audit.SignIn): the password and
// mfa grants succeed when they issue tokens with no second step pending; the password grant fails when
// the credentials are refused (wrong password, locked or disabled account, MFA not set up) and the mfa
// grant when the code is wrong. Everything else counts as neither: a refresh, a first step, a client
// that did not authenticate, a malformed request, a code exchange (below), a refused MFA token.
func grantOutcome(grant string, resp oauth.TokenResponse, err error) audit.SignIn {
	switch grant {
	// Not authorization_code: its user signed in on the sign-in pages, whose own record counts that
	// sign-in (and a session reused later issues codes with no sign-in at all); counting the exchange
	// too would count one browser sign-in twice.
	case "password", oauth.GrantMFA:
	default:
		return ""
	}
	if err == nil {
		if resp.MFARequired {
			return ""
		}
		return audit.SignInSucceeded
	}
	var oe *oauth.Error
	if !errors.As(err, &oe) || oe.Code != oauth.CodeInvalidGrant {
		return ""
	}
	switch {
	case grant == "password", grant == oauth.GrantMFA && resp.UserID != 0:
		return audit.SignInFailed
	}
	return ""
}

var noStore = "no-store"

func invalidClient(desc string) gen.IssueToken401JSONResponse {
	challenge := `Basic realm="access-service"`
	return gen.IssueToken401JSONResponse{
		Body:    gen.OAuthError{Error: gen.InvalidClient, ErrorDescription: &desc},
		Headers: gen.IssueToken401ResponseHeaders{WWWAuthenticate: &challenge},
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
