package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/property"
	"github.com/cocoondata/access-service/internal/user"
)

// GetHealth implements gen.StrictServerInterface.
func (s *Server) GetHealth(context.Context, gen.GetHealthRequestObject) (gen.GetHealthResponseObject, error) {
	return gen.GetHealth200JSONResponse{Status: gen.Ok}, nil
}

// GetReadiness implements gen.StrictServerInterface.
func (s *Server) GetReadiness(ctx context.Context, _ gen.GetReadinessRequestObject) (gen.GetReadinessResponseObject, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		loggerFrom(ctx, s.log).Warn("not ready: database does not answer", "error", err.Error())
		retry := 5
		detail := "The database does not answer."
		return gen.GetReadiness503ApplicationProblemPlusJSONResponse{ServiceUnavailableApplicationProblemPlusJSONResponse: gen.ServiceUnavailableApplicationProblemPlusJSONResponse{
			Body:    gen.Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable, Detail: &detail},
			Headers: gen.ServiceUnavailableResponseHeaders{RetryAfter: &retry},
		}}, nil
	}
	return gen.GetReadiness200JSONResponse{Status: gen.Ok}, nil
}

// GetJwks implements gen.StrictServerInterface.
func (s *Server) GetJwks(context.Context, gen.GetJwksRequestObject) (gen.GetJwksResponseObject, error) {
	raw, err := json.Marshal(s.Keys.Public())
	if err != nil {
		return nil, err
	}
	var set gen.JsonWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, err
	}
	return gen.GetJwks200JSONResponse(set), nil
}

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
		formClientID = deref(b.ClientId)
	}
	tr.Client = clientCredentials(ctx, formClientID)
	if tr.Client.HasBasic {
		noteClient(ctx, tr.Client.BasicID)
	} else {
		noteClient(ctx, tr.Client.FormClientID)
	}
	action := "token"
	switch tr.GrantType {
	case "password":
		action = "signIn"
		attempted := tr.Username
		if e, err := user.NormalizeEmail(attempted); err == nil {
			attempted = e
		} else if len(attempted) > 254 {
			attempted = attempted[:254]
		}
		noteSignIn(ctx, action, attempted, 0)
	case "authorization_code":
		action = "signIn"
		noteSignIn(ctx, action, "", 0)
	case "refresh_token":
		action = "refreshToken"
		noteSignIn(ctx, action, "", 0)
	}
	resp, err := s.Grants.Token(ctx, tr)
	if err == nil {
		noteSignIn(ctx, action, resp.Email, resp.UserID)
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
	return gen.IssueToken200JSONResponse{Body: out, Headers: gen.IssueToken200ResponseHeaders{CacheControl: &noStore}}, nil
}

var noStore = "no-store"

func invalidClient(desc string) gen.IssueToken401JSONResponse {
	challenge := `Basic realm="access-service"`
	return gen.IssueToken401JSONResponse{
		Body:    gen.OAuthError{Error: gen.InvalidClient, ErrorDescription: &desc},
		Headers: gen.IssueToken401ResponseHeaders{WWWAuthenticate: &challenge},
	}
}

// GetServices implements gen.StrictServerInterface.
func (s *Server) GetServices(ctx context.Context, _ gen.GetServicesRequestObject) (gen.GetServicesResponseObject, error) {
	values, err := s.Properties.Values(ctx)
	if err != nil {
		return nil, err
	}
	dir := gen.GetServices200JSONResponse{
		ContentServiceURL: values[property.ContentServiceURL],
		WebappServiceURL:  values[property.WebappServiceURL],
		Services:          s.services,
	}
	// The directory changes only with the two URLs: encode it once per pair, not once per request.
	if c := s.directory.Load(); c != nil && c.content == dir.ContentServiceURL && c.webapp == dir.WebappServiceURL {
		return c.body, nil
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(dir); err != nil {
		return nil, err
	}
	c := &encodedDirectory{content: dir.ContentServiceURL, webapp: dir.WebappServiceURL, body: encodedJSON(buf.Bytes())}
	s.directory.Store(c)
	return c.body, nil
}

type encodedDirectory struct {
	content, webapp string
	body            encodedJSON
}

// encodedJSON is a 200 answer of JSON encoded beforehand (the same bytes gen's response type writes).
type encodedJSON []byte

func (b encodedJSON) VisitGetServicesResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b)
	return err
}

// GetPublicConfig implements gen.StrictServerInterface.
func (s *Server) GetPublicConfig(ctx context.Context, _ gen.GetPublicConfigRequestObject) (gen.GetPublicConfigResponseObject, error) {
	values, err := s.Properties.Values(ctx)
	if err != nil {
		return nil, err
	}
	policy, err := s.Properties.PasswordPolicy(ctx)
	if err != nil {
		return nil, err
	}
	return gen.GetPublicConfig200JSONResponse{
		ContentServiceURL: values[property.ContentServiceURL],
		WebappServiceURL:  values[property.WebappServiceURL],
		PasswordMinLength: policy.MinLength,
		PasswordMaxLength: policy.MaxLength,
	}, nil
}

// GetMe implements gen.StrictServerInterface.
func (s *Server) GetMe(ctx context.Context, _ gen.GetMeRequestObject) (gen.GetMeResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	me, err := s.meOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.GetMe200JSONResponse(me), nil
}

// UpdateMe implements gen.StrictServerInterface.
func (s *Server) UpdateMe(ctx context.Context, req gen.UpdateMeRequestObject) (gen.UpdateMeResponseObject, error) {
	u, err := s.currentUser(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	u, err = s.Users.UpdateProfile(ctx, u.ID, user.Profile{
		FirstName: b.FirstName, LastName: b.LastName, OtherName: b.OtherName, MobileNumber: b.MobileNumber,
	})
	if err != nil {
		return nil, err
	}
	me, err := s.meOf(ctx, u)
	if err != nil {
		return nil, err
	}
	return gen.UpdateMe200JSONResponse(me), nil
}

// currentUser is the caller's account. A token whose account was removed after it was issued is refused.
func (s *Server) currentUser(ctx context.Context) (user.User, error) {
	p, err := caller(ctx)
	if err != nil {
		return user.User{}, err
	}
	return s.accountOf(ctx, p.UserID)
}

// accountOf is the account of a token's user; an account removed after the token was issued refuses it.
func (s *Server) accountOf(ctx context.Context, id int64) (user.User, error) {
	u, err := s.Users.ByID(ctx, id)
	if errors.Is(err, user.ErrNotFound) {
		return user.User{}, unauthorized(`Bearer realm="access-service", error="invalid_token"`, "The access token's account no longer exists.")
	}
	return u, err
}

// meOf is the caller's account with their memberships, read in one query.
func (s *Server) meOf(ctx context.Context, u user.User) (gen.Me, error) {
	ms, err := s.Orgs.Memberships(ctx, u.ID)
	if err != nil {
		return gen.Me{}, err
	}
	orgs := make([]gen.Membership, len(ms))
	for i, m := range ms {
		orgs[i] = gen.Membership{Id: ids.Format(m.OrganisationID), Name: m.OrganisationName, Role: gen.MembershipRole(m.Role), IsOrgAdmin: m.IsOrgAdmin}
	}
	return gen.Me{
		Id: ids.Format(u.ID), Email: openapi_types.Email(u.Email), FirstName: u.FirstName, LastName: u.LastName,
		OtherName: u.OtherName, MobileNumber: u.MobileNumber, MfaEnabled: u.MFAEnabled,
		AccountType: gen.MeAccountTypeLocal, SafeShareAdmin: u.SafeShareAdmin, Organisations: orgs,
	}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
