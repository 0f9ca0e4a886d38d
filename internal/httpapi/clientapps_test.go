package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

func appBody(clientID string, over map[string]any) map[string]any {
	b := map[string]any{"appName": "App " + clientID, "clientId": clientID, "clientSecret": appSecret,
		"accessTokenValiditySeconds": 3600, "refreshTokenValiditySeconds": 86400,
		"authorizedGrantTypes": []string{"authorization_code", "refresh_token"}, "registeredRedirectUris": []string{redirectURI}}
	for k, v := range over {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

func TestCreateClientApp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.svc.Token(t, clientID, alice)
	cases := []struct {
		name   string
		token  string
		body   map[string]any
		status int
	}{
		{"registers", e.admin, appBody("new-app", nil), 200},
		{"public client", e.admin, appBody("public-app", map[string]any{"clientSecret": nil}), 200},
		{"password client without redirect URIs", e.admin, appBody("pw", map[string]any{"authorizedGrantTypes": []string{"password"}, "registeredRedirectUris": nil}), 200},
		{"duplicate clientId", e.admin, appBody(thirdParty, nil), 409},
		{"no token", "", appBody("x1", nil), 401},
		{"not an administrator", user, appBody("x2", nil), 403},
		{"code grant without redirect URI", e.admin, appBody("x3", map[string]any{"registeredRedirectUris": nil}), 400},
		{"implicit without redirect URI", e.admin, appBody("x4", map[string]any{"authorizedGrantTypes": []string{"implicit"}, "registeredRedirectUris": []string{}}), 400},
		{"relative redirect URI", e.admin, appBody("x5", map[string]any{"registeredRedirectUris": []string{"/cb"}}), 400},
		{"redirect URI with fragment", e.admin, appBody("x6", map[string]any{"registeredRedirectUris": []string{"https://a.example/cb#x"}}), 400},
		{"javascript: redirect URI", e.admin, appBody("x7", map[string]any{"registeredRedirectUris": []string{"javascript:alert(1)"}}), 400},
		{"http redirect URI without host", e.admin, appBody("x8", map[string]any{"registeredRedirectUris": []string{"https:///cb"}}), 400},
		{"public client with the password grant", e.admin, appBody("x9", map[string]any{"clientSecret": nil, "authorizedGrantTypes": []string{"password"}}), 400},
		{"validity too short", e.admin, appBody("x10", map[string]any{"accessTokenValiditySeconds": 59}), 400},
		{"validity too long", e.admin, appBody("x11", map[string]any{"refreshTokenValiditySeconds": 31536001}), 400},
		{"unknown grant", e.admin, appBody("x12", map[string]any{"authorizedGrantTypes": []string{"client_credentials"}}), 400},
		{"no grant", e.admin, appBody("x13", map[string]any{"authorizedGrantTypes": []string{}}), 400},
		{"unknown member", e.admin, appBody("x14", map[string]any{"enabled": false}), 400},
		{"member of other case", e.admin, appBody("x15", map[string]any{"APPNAME": "x"}), 400},
		{"clientId with a colon", e.admin, appBody("a:b", nil), 400},
		{"blank appName", e.admin, appBody("x16", map[string]any{"appName": "   "}), 400},
		{"short secret", e.admin, appBody("x17", map[string]any{"clientSecret": "short"}), 400},
		{"secret of 31 characters", e.admin, appBody("x19", map[string]any{"clientSecret": strings.Repeat("s", 31)}), 400},
		{"missing appName", e.admin, appBody("x18", map[string]any{"appName": nil}), 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, http.MethodPost, "/api/v1/clientapps", tc.token, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tc.status)
			}
			if r.Status != 200 {
				return
			}
			app := r.JSON(t)
			if strings.Contains(string(r.Body), appSecret) || app["clientSecret"] != nil {
				t.Fatalf("the secret is returned: %s", r.Body)
			}
			if r.Header.Get("Location") != e.svc.URL+"/api/v1/clientapps/"+app["id"].(string) || app["enabled"] != true {
				t.Fatalf("%q %s", r.Header.Get("Location"), r.Body)
			}
		})
	}
	t.Run("a failed registration stores nothing", func(t *testing.T) {
		r := e.do(t, http.MethodGet, "/api/v1/clientapps", e.admin, nil)
		if n := r.JSON(t)["count"]; n != float64(5) { // webapp, reports, new-app, public-app, pw
			t.Fatalf("count %v: %s", n, r.Body)
		}
	})
	t.Run("the secret works at the token endpoint and is stored hashed", func(t *testing.T) {
		r := e.svc.Client.PostForm(t, "/api/oauth/token", "pw:"+appSecret, map[string]string{"grant_type": "password", "username": alice, "password": testutil.Password})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		a, err := e.svc.Apps.ByClientID(t.Context(), "pw")
		if err != nil || a.SecretHash == appSecret || !strings.HasPrefix(a.SecretHash, "$hmac-sha256$") {
			t.Fatalf("stored secret: %q %v", a.SecretHash, err)
		}
	})
	t.Run("body too large and wrong media type", func(t *testing.T) {
		big := e.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/v1/clientapps", Token: e.admin, ContentType: "application/json",
			Body: []byte(`{"appName":"` + strings.Repeat("a", 1<<20) + `"}`)})
		if big.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("%d", big.Status)
		}
		form := e.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/v1/clientapps", Token: e.admin, ContentType: "application/x-www-form-urlencoded", Body: []byte("appName=x")})
		if form.Status != http.StatusUnsupportedMediaType {
			t.Fatalf("%d", form.Status)
		}
	})
}

func TestListClientApps(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 5 {
		e.createApp(t, appBody(fmt.Sprintf("app-%d", i), map[string]any{"appName": "Same name"}))
	}
	user := e.svc.Token(t, clientID, alice)
	ids := func(r *testutil.Response) []string {
		var out []string
		for _, it := range r.JSON(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["clientId"].(string))
		}
		return out
	}
	r := e.do(t, http.MethodGet, "/api/v1/clientapps?sortBy=clientId&orderBy=DESC&limit=2&offset=1", e.admin, nil)
	if r.Status != 200 || r.JSON(t)["count"] != float64(7) || r.JSON(t)["offset"] != float64(1) {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if got := strings.Join(ids(r), ","); got != "reports,app-4" {
		t.Fatalf("page: %s", got)
	}
	// Equal names: paging by name never repeats or skips (ties broken by id).
	seen := map[string]bool{}
	for off := 0; off < 7; off += 2 {
		for _, id := range ids(e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/clientapps?limit=2&offset=%d", off), e.admin, nil)) {
			if seen[id] {
				t.Fatalf("%s twice", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != 7 {
		t.Fatalf("paging saw %d apps", len(seen))
	}
	for _, tc := range []struct {
		name, path, token string
		status            int
	}{
		{"unknown sortBy", "/api/v1/clientapps?sortBy=secret", e.admin, 400},
		{"limit over 100", "/api/v1/clientapps?limit=101", e.admin, 400},
		{"negative offset", "/api/v1/clientapps?offset=-1", e.admin, 400},
		{"no token", "/api/v1/clientapps", "", 401},
		{"not an administrator", "/api/v1/clientapps", user, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.do(t, http.MethodGet, tc.path, tc.token, nil); r.Status != tc.status {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
}

// TestClientAppByID covers GET, PUT, DELETE and /enable on one app: every status, and the effect of
// each change on the app's tokens.
func TestClientAppByID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.svc.Token(t, clientID, alice)
	app := e.createApp(t, appBody("target", map[string]any{"authorizedGrantTypes": []string{"password", "refresh_token", "authorization_code"}}))
	id := app["id"].(string)
	path := "/api/v1/clientapps/" + id
	const missing = "/api/v1/clientapps/123456789"

	for _, tc := range []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"get", "GET", path, e.admin, nil, 200},
		{"get: not an id", "GET", "/api/v1/clientapps/abc", e.admin, nil, 400},
		{"get: a percent-encoded digit", "GET", path[:len(path)-1] + fmt.Sprintf("%%%X", path[len(path)-1]), e.admin, nil, 200},
		{"get: a percent-encoded slash", "GET", path + "%2F1", e.admin, nil, 400},
		{"get: a percent sign", "GET", path + "%25", e.admin, nil, 400},
		{"get: too long an id", "GET", "/api/v1/clientapps/12345678901234567890", e.admin, nil, 400},
		{"get: no token", "GET", path, "", nil, 401},
		{"get: not an administrator", "GET", path, user, nil, 403},
		{"get: not an administrator, unknown app", "GET", missing, user, nil, 403},
		{"get: unknown", "GET", missing, e.admin, nil, 404},
		{"put: clientId cannot change", "PUT", path, e.admin, map[string]any{"clientId": "other"}, 400},
		{"put: rules hold after the change", "PUT", path, e.admin, map[string]any{"registeredRedirectUris": []string{}}, 400},
		{"put: validity", "PUT", path, e.admin, map[string]any{"accessTokenValiditySeconds": 10}, 400},
		{"put: secret of 31 characters", "PUT", path, e.admin, map[string]any{"clientSecret": strings.Repeat("s", 31)}, 400},
		{"put: not an id", "PUT", "/api/v1/clientapps/x", e.admin, map[string]any{}, 400},
		{"put: no token", "PUT", path, "", map[string]any{}, 401},
		{"put: not an administrator", "PUT", path, user, map[string]any{"appName": "x"}, 403},
		{"put: unknown", "PUT", missing, e.admin, map[string]any{"appName": "x"}, 404},
		{"delete: not an id", "DELETE", "/api/v1/clientapps/0x1", e.admin, nil, 400},
		{"delete: no token", "DELETE", path, "", nil, 401},
		{"delete: not an administrator", "DELETE", path, user, nil, 403},
		{"delete: unknown", "DELETE", missing, e.admin, nil, 404},
		{"enable: not an id", "PUT", "/api/v1/clientapps/-1/enable", e.admin, nil, 400},
		{"enable: no token", "PUT", path + "/enable", "", nil, 401},
		{"enable: not an administrator", "PUT", path + "/enable", user, nil, 403},
		{"enable: unknown", "PUT", missing + "/enable", e.admin, nil, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, tc.method, tc.path, tc.token, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tc.status)
			}
		})
	}
	if r := e.do(t, "GET", path, e.admin, nil); r.JSON(t)["appName"] != "App target" || r.JSON(t)["enabled"] != true {
		t.Fatalf("a failed request changed the app: %s", r.Body)
	}
	pw := func(secret string) *testutil.Response {
		return e.svc.Client.PostForm(t, "/api/oauth/token", "target:"+secret, map[string]string{"grant_type": "password", "username": alice, "password": testutil.Password})
	}

	t.Run("put changes what the body names, and a new secret replaces the old", func(t *testing.T) {
		if r := pw(appSecret); r.Status != 200 {
			t.Fatalf("%d", r.Status)
		}
		r := e.do(t, "PUT", path, e.admin, map[string]any{"appName": "Renamed", "clientSecret": "a-brand-new-secret-of-32-characters-or-more", "accessTokenValiditySeconds": 120})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		got := r.JSON(t)
		if got["appName"] != "Renamed" || got["accessTokenValiditySeconds"] != float64(120) || got["refreshTokenValiditySeconds"] != float64(86400) || got["clientId"] != "target" {
			t.Fatalf("%s", r.Body)
		}
		if r := pw(appSecret); r.Status != 401 {
			t.Fatalf("old secret still works: %d", r.Status)
		}
		if r := pw("a-brand-new-secret-of-32-characters-or-more"); r.Status != 200 || r.JSON(t)["expires_in"] != float64(120) {
			t.Fatalf("new secret: %d %s", r.Status, r.Body)
		}
	})

	t.Run("disable cuts the app off at once; enable lets new tokens in, not old ones", func(t *testing.T) {
		tok := pw("a-brand-new-secret-of-32-characters-or-more").JSON(t)
		access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)
		other := e.svc.Token(t, clientID, alice)
		r := e.do(t, "PUT", path+"/enable", e.admin, nil)
		if r.Status != 200 || r.JSON(t)["enabled"] != false {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if s := meStatus(t, e.svc, access); s != 401 {
			t.Fatalf("disabled app's token: %d", s)
		}
		if r := pw("a-brand-new-secret-of-32-characters-or-more"); r.Status != 401 || r.JSON(t)["error"] != "invalid_client" {
			t.Fatalf("disabled app at the token endpoint: %d %s", r.Status, r.Body)
		}
		if s := meStatus(t, e.svc, other); s != 200 {
			t.Fatalf("another app's token was cut off: %d", s)
		}
		if r := e.svc.NewBrowser(t).Get(t, authorizePath(map[string]string{"response_type": "code", "client_id": "target", "redirect_uri": redirectURI})); r.Status != 400 {
			t.Fatalf("disabled app at authorize: %d", r.Status)
		}
		if r := e.do(t, "PUT", path+"/enable", e.admin, nil); r.Status != 200 || r.JSON(t)["enabled"] != true {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if s := meStatus(t, e.svc, access); s != 401 {
			t.Fatalf("a token from before the disabling came back: %d", s)
		}
		if r := e.svc.Client.PostForm(t, "/api/oauth/token", "target:a-brand-new-secret-of-32-characters-or-more", map[string]string{"grant_type": "refresh_token", "refresh_token": refresh}); r.Status != 400 {
			t.Fatalf("a refresh token from before the disabling came back: %d %s", r.Status, r.Body)
		}
		fresh := pw("a-brand-new-secret-of-32-characters-or-more")
		if fresh.Status != 200 || meStatus(t, e.svc, fresh.JSON(t)["access_token"].(string)) != 200 {
			t.Fatalf("re-enabled app: %d %s", fresh.Status, fresh.Body)
		}
	})

	t.Run("delete cuts the app off at once and for good", func(t *testing.T) {
		b := e.svc.NewBrowser(t)
		verifier, challenge := pkcePair("del")
		p := codeParams(challenge)
		p["client_id"] = "target"
		code := resultOf(t, approve(t, b, signIn(t, b, authorizePath(p), alice), "approve"), redirectURI, false).Get("code")
		tok := pw("a-brand-new-secret-of-32-characters-or-more").JSON(t)
		if r := e.do(t, "DELETE", path, e.admin, nil); r.Status != 200 || len(r.Body) != 0 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if s := meStatus(t, e.svc, tok["access_token"].(string)); s != 401 {
			t.Fatalf("deleted app's token: %d", s)
		}
		if r := pw("a-brand-new-secret-of-32-characters-or-more"); r.Status != 401 {
			t.Fatalf("deleted app at the token endpoint: %d", r.Status)
		}
		if r := exchange(t, e.svc, "target:a-brand-new-secret-of-32-characters-or-more", codeForm(code, verifier)); r.Status != 401 {
			t.Fatalf("deleted app's code: %d", r.Status)
		}
		if l := e.svc.Client.Get(t, "/api/v1/users/me/applications/approvals", e.svc.Token(t, clientID, alice)); strings.Contains(string(l.Body), "target") {
			t.Fatalf("deleted app's approval listed: %s", l.Body)
		}
		for _, m := range []string{"GET", "DELETE"} {
			if r := e.do(t, m, path, e.admin, nil); r.Status != 404 {
				t.Fatalf("%s after delete: %d", m, r.Status)
			}
		}
		// Registered again under the same clientId, it starts from nothing: old tokens stay dead.
		e.createApp(t, appBody("target", map[string]any{"authorizedGrantTypes": []string{"password"}, "registeredRedirectUris": nil}))
		if s := meStatus(t, e.svc, tok["access_token"].(string)); s != 401 {
			t.Fatalf("old token of a re-registered clientId: %d", s)
		}
		if r := pw(appSecret); r.Status != 200 || meStatus(t, e.svc, r.JSON(t)["access_token"].(string)) != 200 {
			t.Fatalf("re-registered app: %d %s", r.Status, r.Body)
		}
	})
}
