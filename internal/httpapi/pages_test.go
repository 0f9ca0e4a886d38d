package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/httpapi"
	"github.com/cocoondata/access-service/internal/testutil"
)

func registerCodeApp(t *testing.T, svc *testutil.Service) {
	t.Helper()
	_, err := svc.Apps.Register(context.Background(), clientapp.NewApp{ClientID: thirdParty, Secret: appSecret, AppName: "XY Reports",
		AccessTokenValidity: time.Hour, RefreshTokenValidity: time.Hour, GrantTypes: []string{clientapp.GrantAuthorizationCode},
		RedirectURIs: []string{redirectURI}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCookiesAreSecureOnHTTPS(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t, testutil.WithEnv("ACCESS_ISSUER", "https://access.example"))
	registerCodeApp(t, svc)
	svc.CreateUser(t, alice, false)
	b := svc.NewBrowser(t)
	_, challenge := pkcePair("h")
	page := b.Get(t, authorizePath(codeParams(challenge)))
	sc := page.Header.Get("Set-Cookie")
	for _, want := range []string{"access_csrf=", "Path=/;", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !strings.Contains(sc, want) {
			t.Errorf("CSRF cookie %q lacks %s", sc, want)
		}
	}
	// The jar will not send a Secure cookie over http, so post the form with the cookie by hand.
	f := testutil.FormFields(page.Body)
	f.Set("username", alice)
	f.Set("password", testutil.Password)
	r := svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/oauth/login", ContentType: "application/x-www-form-urlencoded",
		Body: []byte(f.Encode()), Header: http.Header{"Cookie": {"access_csrf=" + f.Get("csrf_token")}}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	sc = r.Header.Get("Set-Cookie")
	for _, want := range []string{"access_session=", "HttpOnly", "Secure", "SameSite=Lax", "Max-Age=28800"} {
		if !strings.Contains(sc, want) {
			t.Errorf("session cookie %q lacks %s", sc, want)
		}
	}
}

func TestSignInPageRateLimit(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t, testutil.WithOptions(app.Options{PerAddressLimit: httpapi.RateLimit{PerSecond: 0.1, Burst: 3}}))
	registerCodeApp(t, svc)
	svc.CreateUser(t, alice, false)
	b := svc.NewBrowser(t)
	_, challenge := pkcePair("r")
	page := b.Get(t, authorizePath(codeParams(challenge)))
	for i := range 3 {
		if r := submit(t, b, page, "/api/oauth/login", map[string]string{"username": alice, "password": "guess number " + string(rune('a'+i))}); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r := submit(t, b, page, "/api/oauth/login", map[string]string{"username": alice, "password": testutil.Password})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("want a 429 page with Retry-After, got %d %q", r.Status, r.Header.Get("Retry-After"))
	}
	if r := svc.Client.PostForm(t, "/api/oauth/introspect", "x:y", map[string]string{"token": "x"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("introspect has its own budget: %d", r.Status)
	}
}

// TestRevocationKillsUnusedCodes: a code issued before the approval was revoked cannot be exchanged.
func TestRevocationKillsUnusedCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.svc.NewBrowser(t)
	verifier, challenge := pkcePair("k")
	path := authorizePath(codeParams(challenge))
	code := resultOf(t, approve(t, b, signIn(t, b, path, alice), "approve"), redirectURI, false).Get("code")
	tok := e.svc.Token(t, clientID, alice)
	id := e.svc.Client.Get(t, "/api/v1/users/me/applications/approvals", tok).JSON(t)["applications"].([]any)[0].(map[string]any)["id"].(string)
	if r := e.do(t, http.MethodDelete, "/api/v1/users/me/applications/approvals/"+id, tok, nil); r.Status != 200 {
		t.Fatal(r.Status)
	}
	if r := exchange(t, e.svc, thirdBasic, codeForm(code, verifier)); r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
		t.Fatalf("code from before the revocation: %d %s", r.Status, r.Body)
	}
}

// TestBodyLimitsAndMediaTypes: 413 and 415 on every new endpoint that takes a body.
func TestBodyLimitsAndMediaTypes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appPath := "/api/v1/clientapps/" + e.do(t, "GET", "/api/v1/clientapps?sortBy=clientId", e.admin, nil).JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	huge := []byte("token=" + strings.Repeat("a", httpapi.MaxBodyBytes+1))
	for _, tc := range []struct {
		method, path, basic, token string
	}{
		{"POST", "/api/oauth/revoke", basic, ""},
		{"POST", "/api/oauth/introspect", basic, ""},
		{"POST", "/api/oauth/authorize", "", ""},
		{"POST", "/api/oauth/login", "", ""},
		{"PUT", appPath, "", e.admin},
		{"POST", "/api/v1/clientapps", "", e.admin},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := e.svc.Client.Do(t, testutil.Request{Method: tc.method, Path: tc.path, Basic: tc.basic, Token: tc.token, ContentType: "text/plain", Body: []byte("x")})
			if r.Status != http.StatusUnsupportedMediaType {
				t.Errorf("wrong media type: %d %s", r.Status, r.Body)
			}
			ct := "application/x-www-form-urlencoded"
			if tc.token != "" {
				ct = "application/json"
			}
			r = e.svc.Client.Do(t, testutil.Request{Method: tc.method, Path: tc.path, Basic: tc.basic, Token: tc.token, ContentType: ct, Body: huge})
			if r.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("huge body: %d", r.Status)
			}
		})
	}
}
