package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestOddInputsNeverFail: inputs a database or a parser could choke on are refused or ignored, never a
// 500 (the test client fails the test on any 5xx).
func TestOddInputsNeverFail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.svc
	for _, id := range []string{"a\x00b", "\xff\xfe", strings.Repeat("x", 5000), "reports%00", "'; DROP TABLE client_apps; --"} {
		for _, grant := range []string{"password", "authorization_code", "refresh_token"} {
			svc.Client.PostForm(t, "/api/oauth/token", url.QueryEscape(id)+":secret", map[string]string{"grant_type": grant, "code": "x", "redirect_uri": "x", "refresh_token": "x", "username": "a", "password": "b"})
			svc.Client.PostForm(t, "/api/oauth/token", "", map[string]string{"grant_type": grant, "client_id": id, "code": "x", "redirect_uri": "x"})
		}
		svc.Client.PostForm(t, "/api/oauth/revoke", "", map[string]string{"token": id, "client_id": id})
		svc.Client.PostForm(t, "/api/oauth/introspect", basic, map[string]string{"token": id})
		if r := svc.NewBrowser(t).Get(t, authorizePath(map[string]string{"response_type": "code", "client_id": id, "redirect_uri": redirectURI})); r.Status != 400 {
			t.Errorf("client_id %q: %d", id, r.Status)
		}
		b := svc.NewBrowser(t)
		page := b.Get(t, authorizePath(codeParams(strings.Repeat("a", 43))))
		submit(t, b, page, "/api/oauth/login", map[string]string{"username": id, "password": id})
		submit(t, b, page, "/api/oauth/login", map[string]string{"username": alice, "password": testutil.Password, "state": id, "scope": id})
		b.Get(t, authorizePath(map[string]string{"response_type": "code", "client_id": thirdParty, "redirect_uri": redirectURI, "state": id, "scope": id, "code_challenge": id, "code_challenge_method": id}))
	}
	for _, body := range []map[string]any{
		appBody("nul-name", map[string]any{"appName": "a\x00b"}),
		appBody("nul-desc", map[string]any{"clientDescription": "a\x00b"}),
		appBody("nul-uri", map[string]any{"registeredRedirectUris": []string{"https://a.example/\x00"}}),
		appBody("ctl-uri", map[string]any{"registeredRedirectUris": []string{"https://a.example/\n"}}),
	} {
		if r := e.do(t, http.MethodPost, "/api/v1/clientapps", e.admin, body); r.Status != 400 {
			t.Errorf("%v: %d %s", body["clientId"], r.Status, r.Body)
		}
	}
	for _, q := range []string{"offset=99999999999999999999", "limit=1e3", "offset=1.5", "sortBy=", "orderBy=asc"} {
		if r := e.do(t, http.MethodGet, "/api/v1/clientapps?"+q, e.admin, nil); r.Status != 400 {
			t.Errorf("%s: %d", q, r.Status)
		}
	}
	// Found by the spec fuzzer (internal/fuzz): a malformed query string on a form post, and a NUL in a
	// profile name, were 500s.
	for _, q := range []string{"%zz", "a=%", "a=1;b=2"} {
		r := svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/oauth/token?" + q, Basic: basic,
			ContentType: "application/x-www-form-urlencoded", Body: []byte("grant_type=password&username=a&password=b")})
		if r.Status != 400 {
			t.Errorf("token endpoint, query %q: %d %s", q, r.Status, r.Body)
		}
	}
	for _, name := range []string{"a\u0000b", "a\u001bb"} {
		r := svc.Client.Do(t, testutil.Request{Method: "PUT", Path: "/api/v1/users/me", Token: e.admin,
			ContentType: "application/json", Body: []byte(`{"firstName":"` + name + `"}`)})
		if r.Status != 400 {
			t.Errorf("profile name %q: %d %s", name, r.Status, r.Body)
		}
	}
	for _, c := range []string{`access_session="%00"; access_csrf=;;; =x`, "access_session=" + strings.Repeat("z", 4000)} {
		svc.Client.Do(t, testutil.Request{Method: "GET", Path: authorizePath(codeParams(strings.Repeat("a", 43))), Header: http.Header{"Cookie": {c}}})
	}
}
