package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// wantInsufficientScope: the answer is 403 with the insufficient_scope challenge naming scope.
func wantInsufficientScope(t *testing.T, status int, header http.Header, body []byte, scope, what string) {
	t.Helper()
	want := `Bearer realm="access-service", error="insufficient_scope", scope="` + scope + `"`
	if status != http.StatusForbidden || header.Get("WWW-Authenticate") != want {
		t.Errorf("%s: %d %q %s, want 403 with %s", what, status, header.Get("WWW-Authenticate"), body, want)
	}
}

// A third-party app a SafeShare administrator approved for read only: it reads, and it can neither
// change anything nor use the administrator's rights, although the user holds them.
func TestScopesLimitWhatAnApprovedAppDoes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.svc.NewBrowser(t)
	verifier, challenge := pkcePair("scope-")
	params := codeParams(challenge)
	params["scope"] = "read"
	page := signIn(t, b, authorizePath(params), adminEmail)
	body := string(page.Body)
	if !strings.Contains(body, "<strong>read</strong>: See your profile") || strings.Contains(body, "<strong>write</strong>") ||
		strings.Contains(body, "administrator rights") {
		t.Errorf("the approval page does not say what read allows, or names more: %s", body)
	}
	res := resultOf(t, approve(t, b, page, "approve"), redirectURI, false)
	r := exchange(t, e.svc, thirdBasic, codeForm(res.Get("code"), verifier))
	if r.Status != http.StatusOK || r.JSON(t)["scope"] != "read" {
		t.Fatalf("exchange: %d %s", r.Status, r.Body)
	}
	tok := r.JSON(t)["access_token"].(string)

	if s := meStatus(t, e.svc, tok); s != http.StatusOK {
		t.Fatalf("read with a read token: %d", s)
	}
	before := e.svc.Client.Get(t, "/api/v1/users/me", tok).JSON(t)
	w := e.do(t, http.MethodPut, "/api/v1/users/me", tok, map[string]any{"firstName": "Mallory"})
	wantInsufficientScope(t, w.Status, w.Header, w.Body, "write", "changing the profile with a read token")
	if after := e.svc.Client.Get(t, "/api/v1/users/me", tok).JSON(t); after["firstName"] != before["firstName"] {
		t.Errorf("the profile changed: %v", after)
	}
	a := e.do(t, http.MethodPost, "/api/v1/clientapps", tok, map[string]any{
		"appName": "Backdoor", "clientId": "backdoor", "accessTokenValiditySeconds": 3600,
		"refreshTokenValiditySeconds": 3600, "authorizedGrantTypes": []string{"authorization_code"},
		"registeredRedirectUris": []string{redirectURI}})
	wantInsufficientScope(t, a.Status, a.Header, a.Body, "admin", "registering a client app with a read token")
	g := e.do(t, http.MethodPut, "/api/v1/users", tok, map[string]any{"email": bob, "safeShareAdmin": true})
	wantInsufficientScope(t, g.Status, g.Header, g.Body, "admin", "making bob an administrator with a read token")
	if l := e.do(t, http.MethodGet, "/api/v1/clientapps", e.admin, nil); strings.Contains(string(l.Body), "backdoor") {
		t.Error("the app was registered")
	}
	if l := e.do(t, http.MethodGet, "/api/v1/users", e.admin, nil); strings.Contains(string(l.Body), bob) {
		t.Error("bob was made an administrator")
	}
	// The app may not ask for a scope it was not registered with (admin).
	params["scope"] = "read admin"
	if r := b.Get(t, authorizePath(params)); r.Status != http.StatusFound ||
		resultOf(t, r.Header.Get("Location"), redirectURI, false).Get("error") != "invalid_scope" {
		t.Errorf("asking for admin: %d %q", r.Status, r.Header.Get("Location"))
	}
}

// admin is only ever the app's when a SafeShare administrator registered it with it; the approval page
// warns of it; and it does not make anyone an administrator.
func TestAdminScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createApp(t, map[string]any{"appName": "Console", "clientId": "console", "clientSecret": appSecret,
		"accessTokenValiditySeconds": 3600, "refreshTokenValiditySeconds": 3600,
		"authorizedGrantTypes":   []string{"authorization_code", "password"},
		"registeredRedirectUris": []string{redirectURI}, "scope": []string{"read", "admin"}})
	b := e.svc.NewBrowser(t)
	page := signIn(t, b, authorizePath(map[string]string{"response_type": "code", "client_id": "console",
		"redirect_uri": redirectURI, "scope": "admin"}), adminEmail)
	if body := string(page.Body); !strings.Contains(body, `class="powerful"><strong>admin</strong>: Use your SafeShare administrator rights`) {
		t.Errorf("the approval page does not warn of admin: %s", body)
	}

	// The password grant: the app's registered scopes, or fewer on request, never more.
	pw := func(email, scope string) *struct {
		status int
		body   map[string]any
	} {
		form := map[string]string{"grant_type": "password", "username": email, "password": testutil.Password}
		if scope != "" {
			form["scope"] = scope
		}
		r := exchange(t, e.svc, "console:"+appSecret, form)
		return &struct {
			status int
			body   map[string]any
		}{r.Status, r.JSON(t)}
	}
	if r := pw(adminEmail, ""); r.status != http.StatusOK || r.body["scope"] != "read admin" {
		t.Fatalf("default scope: %d %v", r.status, r.body)
	}
	if r := pw(adminEmail, "read"); r.status != http.StatusOK || r.body["scope"] != "read" {
		t.Fatalf("narrowed: %d %v", r.status, r.body)
	}
	if r := pw(adminEmail, "read write"); r.status != http.StatusBadRequest || r.body["error"] != "invalid_scope" {
		t.Fatalf("wider than registered: %d %v", r.status, r.body)
	}
	adminTok := pw(adminEmail, "").body["access_token"].(string)
	if r := e.do(t, http.MethodGet, "/api/v1/clientapps", adminTok, nil); r.Status != http.StatusOK {
		t.Fatalf("an administrator's admin token: %d %s", r.Status, r.Body)
	}
	// Without write, the administrator's admin token changes nothing outside admin's operations.
	w := e.do(t, http.MethodPut, "/api/v1/users/me", adminTok, map[string]any{"firstName": "Root"})
	wantInsufficientScope(t, w.Status, w.Header, w.Body, "write", "write with a read admin token")

	// Bob's token carries admin too; the role check still refuses him, as it does any user.
	bobTok := pw(bob, "").body["access_token"].(string)
	r := e.do(t, http.MethodGet, "/api/v1/clientapps", bobTok, nil)
	if r.Status != http.StatusForbidden || strings.Contains(r.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Fatalf("bob with admin: %d %q %s", r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
	}
}

// A scope taken from an app stops working at its tokens' next refresh.
func TestRefreshDropsAScopeTheAppLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := fullCodeFlow(t, e, e.svc.NewBrowser(t), alice)
	if first["scope"] != "read write" {
		t.Fatalf("scope %v", first["scope"])
	}
	// Asking for less on refresh narrows; asking for more than the token carries is refused.
	r := exchange(t, e.svc, thirdBasic, map[string]string{"grant_type": "refresh_token", "refresh_token": first["refresh_token"].(string), "scope": "admin"})
	if r.Status != http.StatusBadRequest || r.JSON(t)["error"] != "invalid_scope" {
		t.Fatalf("refresh asking for admin: %d %s", r.Status, r.Body)
	}
	apps := e.do(t, http.MethodGet, "/api/v1/clientapps", e.admin, nil).JSON(t)["items"]
	var id string
	for _, a := range apps.([]any) {
		if a.(map[string]any)["clientId"] == thirdParty {
			id = a.(map[string]any)["id"].(string)
		}
	}
	if u := e.do(t, http.MethodPut, "/api/v1/clientapps/"+id, e.admin, map[string]any{"scope": []string{"read"}}); u.Status != http.StatusOK {
		t.Fatalf("narrowing the app: %d %s", u.Status, u.Body)
	}
	r = exchange(t, e.svc, thirdBasic, map[string]string{"grant_type": "refresh_token", "refresh_token": first["refresh_token"].(string)})
	if r.Status != http.StatusOK || r.JSON(t)["scope"] != "read" {
		t.Fatalf("refresh after the app lost write: %d %s", r.Status, r.Body)
	}
	next := r.JSON(t)
	w := e.do(t, http.MethodPut, "/api/v1/users/me", next["access_token"].(string), map[string]any{"firstName": "Alice"})
	wantInsufficientScope(t, w.Status, w.Header, w.Body, "write", "write after the app lost it")
}
