package e2e_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	client "github.com/cocoondata/access-service/clients/go"
	"github.com/cocoondata/access-service/internal/testutil"
)

const (
	alice    = "alice@xy-company.com"
	clientID = "sdk-test"
)

func basicAuth(id, secret string) client.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		r.SetBasicAuth(id, secret)
		return nil
	}
}

func ptr[T any](v T) *T { return &v }

// TestSignInAndProfile: sign in with the password grant, read and change the profile, refresh the
// token, and be refused where the spec says so, all through the generated client.
func TestSignInAndProfile(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	ctx := context.Background()
	anon := svc.API(t, "")

	tok, err := anon.IssueTokenWithFormdataBodyWithResponse(ctx, client.TokenRequest{
		GrantType: "password", Username: ptr(alice), Password: ptr(testutil.Password),
	}, basicAuth(clientID, testutil.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	if tok.JSON200 == nil {
		t.Fatalf("password grant: %d %s", tok.StatusCode(), tok.Body)
	}
	if tok.JSON200.TokenType != client.Bearer || tok.JSON200.RefreshToken == nil || tok.HTTPResponse.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("token response: %+v", tok.JSON200)
	}

	api := svc.API(t, tok.JSON200.AccessToken)
	me, err := api.GetMeWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.JSON200 == nil || string(me.JSON200.Email) != alice || me.JSON200.SafeShareAdmin {
		t.Fatalf("me: %d %s", me.StatusCode(), me.Body)
	}

	upd, err := api.UpdateMeWithResponse(ctx, client.ProfileUpdate{FirstName: ptr("Alice"), MobileNumber: ptr("+61412345678")})
	if err != nil {
		t.Fatal(err)
	}
	if upd.JSON200 == nil || upd.JSON200.FirstName == nil || *upd.JSON200.FirstName != "Alice" || upd.JSON200.LastName != nil {
		t.Fatalf("update me: %d %s", upd.StatusCode(), upd.Body)
	}

	bad, err := api.UpdateMeWithResponse(ctx, client.ProfileUpdate{MobileNumber: ptr("0412 345 678")})
	if err != nil {
		t.Fatal(err)
	}
	if bad.ApplicationproblemJSON400 == nil || bad.ApplicationproblemJSON400.Errors == nil ||
		(*bad.ApplicationproblemJSON400.Errors)[0].Field != "mobileNumber" {
		t.Fatalf("bad mobile number: %d %s", bad.StatusCode(), bad.Body)
	}

	refreshed, err := anon.IssueTokenWithFormdataBodyWithResponse(ctx, client.TokenRequest{
		GrantType: "refresh_token", RefreshToken: tok.JSON200.RefreshToken,
	}, basicAuth(clientID, testutil.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	if refreshed.JSON200 == nil || refreshed.JSON200.AccessToken == tok.JSON200.AccessToken {
		t.Fatalf("refresh: %d %s", refreshed.StatusCode(), refreshed.Body)
	}
	reused, err := anon.IssueTokenWithFormdataBodyWithResponse(ctx, client.TokenRequest{
		GrantType: "refresh_token", RefreshToken: tok.JSON200.RefreshToken,
	}, basicAuth(clientID, testutil.ClientSecret))
	if err != nil {
		t.Fatal(err)
	}
	if reused.JSON400 == nil || reused.JSON400.Error != client.InvalidGrant {
		t.Fatalf("reused refresh token: %d %s", reused.StatusCode(), reused.Body)
	}

	wrong, err := anon.IssueTokenWithFormdataBodyWithResponse(ctx, client.TokenRequest{
		GrantType: "password", Username: ptr(alice), Password: ptr(testutil.Password),
	}, basicAuth(clientID, "not the secret"))
	if err != nil {
		t.Fatal(err)
	}
	if wrong.JSON401 == nil || wrong.JSON401.Error != client.InvalidClient {
		t.Fatalf("wrong client secret: %d %s", wrong.StatusCode(), wrong.Body)
	}

	noToken, err := anon.GetMeWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if noToken.ApplicationproblemJSON401 == nil || !strings.HasPrefix(noToken.HTTPResponse.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("no token: %d %s", noToken.StatusCode(), noToken.Body)
	}
}

// TestPublicAndDiscoveryEndpoints reads everything that needs no sign-in, and the service directory.
func TestPublicAndDiscoveryEndpoints(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	ctx := context.Background()
	anon := svc.API(t, "")

	health, err := anon.GetHealthWithResponse(ctx)
	if err != nil || health.JSON200 == nil || health.JSON200.Status != client.Ok {
		t.Fatalf("health: %v %+v", err, health)
	}
	ready, err := anon.GetReadinessWithResponse(ctx)
	if err != nil || ready.JSON200 == nil {
		t.Fatalf("readiness: %v %+v", err, ready)
	}
	jwks, err := anon.GetJwksWithResponse(ctx)
	if err != nil || jwks.JSON200 == nil || len(jwks.JSON200.Keys) != 1 || jwks.JSON200.Keys[0].Kty != client.RSA {
		t.Fatalf("jwks: %v %+v", err, jwks)
	}
	cfg, err := anon.GetPublicConfigWithResponse(ctx)
	if err != nil || cfg.JSON200 == nil || cfg.JSON200.PasswordMinLength != 12 {
		t.Fatalf("config: %v %+v", err, cfg)
	}
	spec, err := anon.GetOpenApiJsonWithResponse(ctx)
	if err != nil || spec.JSON200 == nil || (*spec.JSON200)["openapi"] != "3.0.3" {
		t.Fatalf("openapi.json: %v %+v", err, spec)
	}
	yaml, err := anon.GetOpenApiYamlWithResponse(ctx)
	if err != nil || yaml.StatusCode() != 200 || !strings.HasPrefix(string(yaml.Body), "openapi: 3.0.3") {
		t.Fatalf("openapi.yaml: %v %d", err, yaml.StatusCode())
	}
	docs, err := anon.GetApiExplorerWithResponse(ctx)
	if err != nil || docs.StatusCode() != 200 || !strings.Contains(string(docs.Body), "swagger-ui-bundle.js") {
		t.Fatalf("docs: %v %d", err, docs.StatusCode())
	}

	unauth, err := anon.GetServicesWithResponse(ctx)
	if err != nil || unauth.ApplicationproblemJSON401 == nil {
		t.Fatalf("services without a token: %v %d", err, unauth.StatusCode())
	}
	dir, err := svc.API(t, svc.Token(t, clientID, alice)).GetServicesWithResponse(ctx)
	if err != nil || dir.JSON200 == nil {
		t.Fatalf("services: %v %d", err, dir.StatusCode())
	}
	found := false
	for _, s := range dir.JSON200.Services {
		found = found || (s.Name == "getMe" && s.Link == "/api/v1/users/me")
		if s.Name == "getApiExplorer" {
			t.Errorf("the directory lists the explorer, which is no API operation: %+v", s)
		}
	}
	if !found {
		t.Errorf("the directory does not list GET /api/v1/users/me by its path: %+v", dir.JSON200.Services)
	}
}

// TestValidatingTransportCatchesOffSpecResponses makes sure the validation the tests lean on bites: a
// response the spec does not document is reported.
func TestValidatingTransportCatchesOffSpecResponses(t *testing.T) {
	off := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"contentServiceURL": "x"}`)) // required members missing
	})
	rec := &recordingTB{TB: t}
	rt := testutil.ValidatingTransport(rec, roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		w := newRecorder()
		off.ServeHTTP(w, r)
		return w.result(r), nil
	}))
	c, err := client.NewClientWithResponses("http://service.invalid", client.WithHTTPClient(&http.Client{Transport: rt}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPublicConfigWithResponse(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(rec.errors) == 0 {
		t.Fatal("an off-spec response passed validation")
	}
	if !strings.Contains(rec.errors[0], "does not match openapi.yaml") {
		t.Errorf("unexpected report: %s", rec.errors[0])
	}
}
