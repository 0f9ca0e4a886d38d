package httpapi_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

const (
	redirectURI = "https://app.example/cb"
	thirdParty  = "reports"
	thirdBasic  = thirdParty + ":" + appSecret
	appSecret   = "reports-secret-123456-long-enough-for-32"
	adminEmail  = "admin@xy-company.com"
	bob         = "bob@xy-company.com"
)

// env is a running service with an administrator, alice, bob, the first-party password client
// "webapp" and the third-party app "reports" registered through the API.
type env struct {
	svc   *testutil.Service
	admin string // the administrator's access token
}

func newEnv(t *testing.T) *env {
	t.Helper()
	svc := testutil.Start(t)
	t.Cleanup(func() { checkSignInCounts(t, svc) }) // whatever sign-ins the test made, the daily counts count them
	svc.CreateUser(t, adminEmail, true)
	svc.CreateUser(t, alice, false)
	svc.CreateUser(t, bob, false)
	svc.RegisterClient(t, clientID)
	e := &env{svc: svc, admin: svc.Token(t, clientID, adminEmail)}
	e.createApp(t, map[string]any{
		"appName": "XY Reports", "clientId": thirdParty, "clientSecret": appSecret, "clientDescription": "Monthly reports",
		"accessTokenValiditySeconds": 3600, "refreshTokenValiditySeconds": 86400,
		"authorizedGrantTypes":   []string{"authorization_code", "refresh_token", "implicit"},
		"registeredRedirectUris": []string{redirectURI, "com.example.app:/oauth"},
	})
	return e
}

func (e *env) createApp(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	r := e.do(t, http.MethodPost, "/api/v1/clientapps", e.admin, body)
	if r.Status != http.StatusOK {
		t.Fatalf("registering %v: %d %s", body["clientId"], r.Status, r.Body)
	}
	return r.JSON(t)
}

func (e *env) do(t *testing.T, method, path, token string, body any) *testutil.Response {
	t.Helper()
	req := testutil.Request{Method: method, Path: path, Token: token}
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentType, req.Body = "application/json", raw
	}
	return e.svc.Client.Do(t, req)
}

// sql runs a statement directly on the test's database, for what no API can do (ageing a code).
func (e *env) sql(t *testing.T, stmt string, args ...any) { t.Helper(); e.svc.Exec(t, stmt, args...) }

func pkcePair(seed string) (verifier, challenge string) {
	verifier = strings.Repeat(seed, 43/len(seed)+1)[:43]
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizePath(params map[string]string) string {
	v := url.Values{}
	for k, val := range params {
		v.Set(k, val)
	}
	return "/api/oauth/authorize?" + v.Encode()
}

func codeParams(challenge string) map[string]string {
	return map[string]string{"response_type": "code", "client_id": thirdParty, "redirect_uri": redirectURI,
		"state": "xyz 1/2", "code_challenge": challenge, "code_challenge_method": "S256"}
}

func submit(t *testing.T, b *testutil.Browser, page *testutil.Response, path string, set map[string]string) *testutil.Response {
	t.Helper()
	f := testutil.FormFields(page.Body)
	for k, v := range set {
		f.Set(k, v)
	}
	return b.Submit(t, path, f)
}

// signIn loads the authorize page (which must be the sign-in page), signs in, and follows the service
// back to /api/oauth/authorize; it returns that last answer.
func signIn(t *testing.T, b *testutil.Browser, path, email string) *testutil.Response {
	t.Helper()
	page := b.Get(t, path)
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `action="/api/oauth/login"`) {
		t.Fatalf("want the sign-in page, got %d %s", page.Status, page.Body)
	}
	r := submit(t, b, page, "/api/oauth/login", map[string]string{"username": email, "password": testutil.Password})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/api/oauth/authorize?") {
		t.Fatalf("sign-in: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	return b.Get(t, r.Header.Get("Location"))
}

// approve submits the approval page and returns where the browser is sent.
func approve(t *testing.T, b *testutil.Browser, page *testutil.Response, decision string) string {
	t.Helper()
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `value="approve"`) {
		t.Fatalf("want the approval page, got %d %s", page.Status, page.Body)
	}
	r := submit(t, b, page, "/api/oauth/authorize", map[string]string{"decision": decision})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("decision: %d %s", r.Status, r.Body)
	}
	return r.Header.Get("Location")
}

// resultOf reads the parameters the service sent back to the client's redirect URI.
func resultOf(t *testing.T, location, wantBase string, fragment bool) url.Values {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	raw := u.RawQuery
	if fragment {
		raw = u.Fragment
	}
	u.RawQuery, u.Fragment = "", ""
	if u.String() != wantBase {
		t.Fatalf("redirected to %q, want %q", location, wantBase)
	}
	v, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func exchange(t *testing.T, svc *testutil.Service, basicAuth string, form map[string]string) *testutil.Response {
	t.Helper()
	return svc.Client.PostForm(t, "/api/oauth/token", basicAuth, form)
}

func codeForm(code, verifier string) map[string]string {
	return map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI, "code_verifier": verifier}
}

// fullCodeFlow runs sign-in (if needed), approval (if asked) and the code exchange; it returns the token
// response.
func fullCodeFlow(t *testing.T, e *env, b *testutil.Browser, email string) map[string]any {
	t.Helper()
	verifier, challenge := pkcePair("v3rifier-")
	path := authorizePath(codeParams(challenge))
	page := b.Get(t, path)
	if strings.Contains(string(page.Body), `action="/api/oauth/login"`) {
		page = signIn(t, b, path, email)
	}
	loc := page.Header.Get("Location")
	if page.Status == http.StatusOK {
		loc = approve(t, b, page, "approve")
	}
	res := resultOf(t, loc, redirectURI, false)
	if res.Get("state") != "xyz 1/2" || res.Get("code") == "" {
		t.Fatalf("bad redirect %q", loc)
	}
	r := exchange(t, e.svc, thirdBasic, codeForm(res.Get("code"), verifier))
	if r.Status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)
}

func meStatus(t *testing.T, svc *testutil.Service, token string) int {
	t.Helper()
	return svc.Client.Get(t, "/api/v1/users/me", token).Status
}
