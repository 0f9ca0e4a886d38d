package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestCodeFlowRevokeAndApproveAgain drives the whole life of a third-party approval through HTTP, as
// a browser and the app would.
func TestCodeFlowRevokeAndApproveAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.svc
	b := svc.NewBrowser(t)
	verifier, challenge := pkcePair("abc-")
	path := authorizePath(codeParams(challenge))

	// Sign in: the page sets an HttpOnly, SameSite=Lax CSRF cookie and names the app.
	page := b.Get(t, path)
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), "XY Reports") {
		t.Fatalf("sign-in page: %d %s", page.Status, page.Body)
	}
	if sc := page.Header.Get("Set-Cookie"); !strings.Contains(sc, "access_csrf=") || !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Fatalf("CSRF cookie: %q", sc)
	}
	if strings.Contains(string(page.Body), "<script") {
		t.Fatal("the page needs JavaScript")
	}
	approval := signIn(t, b, path, alice)
	if b.Cookie(t, "/api/oauth/authorize", "access_session") == "" {
		t.Fatal("no session cookie after sign-in")
	}
	body := string(approval.Body)
	for _, want := range []string{"XY Reports", "Monthly reports", alice, "read", "write", `value="deny"`} {
		if !strings.Contains(body, want) {
			t.Errorf("approval page lacks %q", want)
		}
	}
	if approval.Header.Get("X-Frame-Options") != "DENY" {
		t.Error("the approval page may be framed (clickjacking)")
	}
	loc := approve(t, b, approval, "approve")
	res := resultOf(t, loc, redirectURI, false)
	if res.Get("state") != "xyz 1/2" || res.Get("code") == "" {
		t.Fatalf("redirect %q", loc)
	}

	// The app exchanges the code with its PKCE verifier and calls the API.
	r := exchange(t, svc, thirdBasic, codeForm(res.Get("code"), verifier))
	if r.Status != http.StatusOK {
		t.Fatalf("exchange: %d %s", r.Status, r.Body)
	}
	tok := r.JSON(t)
	access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)
	if meStatus(t, svc, access) != http.StatusOK {
		t.Fatal("the app's token does not work")
	}

	// The approval is remembered: the next authorize goes straight back with a code.
	again := b.Get(t, path)
	if again.Status != http.StatusFound || resultOf(t, again.Header.Get("Location"), redirectURI, false).Get("code") == "" {
		t.Fatalf("remembered approval asked again: %d %s", again.Status, again.Body)
	}

	// Alice's other sessions: the first-party app, and a second sign-in of the same third-party app.
	other := svc.Token(t, clientID, alice)
	bobTok := fullCodeFlow(t, e, svc.NewBrowser(t), bob)["access_token"].(string)

	list := svc.Client.Get(t, "/api/v1/users/me/applications/approvals", access)
	apps := list.JSON(t)["applications"].([]any)
	if list.Status != http.StatusOK || len(apps) != 1 {
		t.Fatalf("approvals: %d %s", list.Status, list.Body)
	}
	a := apps[0].(map[string]any)
	if a["clientId"] != thirdParty || a["appName"] != "XY Reports" || a["clientDescription"] != "Monthly reports" {
		t.Fatalf("approval: %v", a)
	}

	// Revoke: at once the approval is gone, the app's tokens for alice die, nothing else does.
	if r := e.do(t, http.MethodDelete, "/api/v1/users/me/applications/approvals/"+a["id"].(string), other, nil); r.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if s := meStatus(t, svc, access); s != http.StatusUnauthorized {
		t.Fatalf("revoked app's access token: %d", s)
	}
	if r := svc.Client.Get(t, "/api/v1/users/me", access); !strings.Contains(r.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("challenge %q", r.Header.Get("WWW-Authenticate"))
	}
	if r := exchange(t, svc, thirdBasic, map[string]string{"grant_type": "refresh_token", "refresh_token": refresh}); r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
		t.Fatalf("revoked app's refresh token: %d %s", r.Status, r.Body)
	}
	if s := meStatus(t, svc, other); s != http.StatusOK {
		t.Fatalf("alice's first-party token was cut off: %d", s)
	}
	if s := meStatus(t, svc, bobTok); s != http.StatusOK {
		t.Fatalf("bob's token for the same app was cut off: %d", s)
	}
	if l := svc.Client.Get(t, "/api/v1/users/me/applications/approvals", other); len(l.JSON(t)["applications"].([]any)) != 0 {
		t.Fatalf("revoked approval still listed: %s", l.Body)
	}

	// The next authorize asks again; approving again works at once (in the same second as the revocation).
	page = b.Get(t, path)
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `value="approve"`) {
		t.Fatalf("after revocation the approval was not asked again: %d %s", page.Status, page.Body)
	}
	res = resultOf(t, approve(t, b, page, "approve"), redirectURI, false)
	r = exchange(t, svc, thirdBasic, codeForm(res.Get("code"), verifier))
	if r.Status != http.StatusOK {
		t.Fatalf("exchange after re-approval: %d %s", r.Status, r.Body)
	}
	if s := meStatus(t, svc, r.JSON(t)["access_token"].(string)); s != http.StatusOK {
		t.Fatalf("token after re-approval: %d", s)
	}
	if s := meStatus(t, svc, access); s != http.StatusUnauthorized {
		t.Fatalf("old token came back to life: %d", s)
	}
	newRefresh := r.JSON(t)["refresh_token"].(string)
	if r := exchange(t, svc, thirdBasic, map[string]string{"grant_type": "refresh_token", "refresh_token": newRefresh}); r.Status != http.StatusOK {
		t.Fatalf("refresh after re-approval: %d %s", r.Status, r.Body)
	}
}

func TestImplicitFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.svc.NewBrowser(t)
	path := authorizePath(map[string]string{"response_type": "token", "client_id": thirdParty, "redirect_uri": redirectURI, "state": "s1", "scope": "read"})
	page := signIn(t, b, path, alice)
	loc := approve(t, b, page, "approve")
	if strings.Contains(loc, "?") {
		t.Fatalf("implicit result must be in the fragment: %q", loc)
	}
	res := resultOf(t, loc, redirectURI, true)
	if res.Get("token_type") != "bearer" || res.Get("expires_in") != "3600" || res.Get("state") != "s1" || res.Get("scope") != "read" {
		t.Fatalf("fragment: %v", res)
	}
	if res.Has("refresh_token") || res.Has("code") {
		t.Fatalf("implicit flow issued more than an access token: %v", res)
	}
	if s := meStatus(t, e.svc, res.Get("access_token")); s != http.StatusOK {
		t.Fatalf("implicit token: %d", s)
	}
	// An app without the implicit grant gets the error in the fragment.
	e.createApp(t, map[string]any{"appName": "Code only", "clientId": "code-only", "clientSecret": appSecret,
		"accessTokenValiditySeconds": 60, "refreshTokenValiditySeconds": 60,
		"authorizedGrantTypes": []string{"authorization_code"}, "registeredRedirectUris": []string{redirectURI}})
	r := b.Get(t, authorizePath(map[string]string{"response_type": "token", "client_id": "code-only", "redirect_uri": redirectURI, "state": "s2"}))
	if r.Status != http.StatusFound {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if res := resultOf(t, r.Header.Get("Location"), redirectURI, true); res.Get("error") != "unauthorized_client" || res.Get("state") != "s2" {
		t.Fatalf("%v", res)
	}
}

func TestDenyAndAutoApprove(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.svc.NewBrowser(t)
	_, challenge := pkcePair("x")
	page := signIn(t, b, authorizePath(codeParams(challenge)), alice)
	res := resultOf(t, approve(t, b, page, "deny"), redirectURI, false)
	if res.Get("error") != "access_denied" || res.Get("state") != "xyz 1/2" || res.Has("code") {
		t.Fatalf("deny: %v", res)
	}
	alicesTok := e.svc.Token(t, clientID, alice)
	if l := e.svc.Client.Get(t, "/api/v1/users/me/applications/approvals", alicesTok); len(l.JSON(t)["applications"].([]any)) != 0 {
		t.Fatalf("a denial was remembered as an approval: %s", l.Body)
	}

	// A first-party app is never asked about, and not listed among approvals.
	e.createApp(t, map[string]any{"appName": "Web app", "clientId": "first", "clientSecret": appSecret, "autoApprove": true,
		"accessTokenValiditySeconds": 600, "refreshTokenValiditySeconds": 600,
		"authorizedGrantTypes": []string{"authorization_code"}, "registeredRedirectUris": []string{redirectURI}})
	verifier, challenge := pkcePair("first")
	p := codeParams(challenge)
	p["client_id"] = "first"
	r := b.Get(t, authorizePath(p))
	if r.Status != http.StatusFound {
		t.Fatalf("auto-approve: %d %s", r.Status, r.Body)
	}
	code := resultOf(t, r.Header.Get("Location"), redirectURI, false).Get("code")
	tr := exchange(t, e.svc, "first:"+appSecret, codeForm(code, verifier))
	if tr.Status != http.StatusOK || tr.JSON(t)["refresh_token"] != nil {
		t.Fatalf("first-party exchange (no refresh_token grant, so no refresh token): %d %s", tr.Status, tr.Body)
	}
	if l := e.svc.Client.Get(t, "/api/v1/users/me/applications/approvals", alicesTok); len(l.JSON(t)["applications"].([]any)) != 0 {
		t.Fatalf("first-party app listed: %s", l.Body)
	}
}

// TestAuthorizeNeverRedirectsToUnregisteredURIs: an unknown client or a redirect URI that is not
// registered character for character is an error page, never a redirect.
func TestAuthorizeNeverRedirectsToUnregisteredURIs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createApp(t, map[string]any{"appName": "Off", "clientId": "off", "clientSecret": appSecret,
		"accessTokenValiditySeconds": 60, "refreshTokenValiditySeconds": 60,
		"authorizedGrantTypes": []string{"authorization_code"}, "registeredRedirectUris": []string{redirectURI}})
	offID := e.do(t, http.MethodGet, "/api/v1/clientapps?sortBy=clientId", e.admin, nil).JSON(t)["items"].([]any)
	for _, it := range offID {
		if m := it.(map[string]any); m["clientId"] == "off" {
			if r := e.do(t, http.MethodPut, "/api/v1/clientapps/"+m["id"].(string)+"/enable", e.admin, nil); r.Status != 200 || r.JSON(t)["enabled"] != false {
				t.Fatalf("disable: %d %s", r.Status, r.Body)
			}
		}
	}
	_, challenge := pkcePair("z")
	cases := map[string]map[string]string{
		"unknown client":          {"client_id": "nobody"},
		"disabled client":         {"client_id": "off"},
		"missing redirect_uri":    {"redirect_uri": ""},
		"missing client_id":       {"client_id": ""},
		"trailing slash":          {"redirect_uri": redirectURI + "/"},
		"extra query":             {"redirect_uri": redirectURI + "?next=https://evil.example"},
		"other case":              {"redirect_uri": "https://APP.example/cb"},
		"lookalike host":          {"redirect_uri": "https://app.example.evil.example/cb"},
		"userinfo trick":          {"redirect_uri": "https://app.example@evil.example/cb"},
		"http instead of https":   {"redirect_uri": "http://app.example/cb"},
		"fragment":                {"redirect_uri": redirectURI + "#x"},
		"path traversal":          {"redirect_uri": redirectURI + "/../../evil"},
		"encoded":                 {"redirect_uri": "https%3A%2F%2Fapp.example%2Fcb"},
		"plus bad response type":  {"redirect_uri": "https://evil.example/cb", "response_type": "nonsense"},
		"another app's URI (off)": {"client_id": thirdParty, "redirect_uri": "https://evil.example/"},
	}
	for name, over := range cases {
		t.Run(name, func(t *testing.T) {
			p := codeParams(challenge)
			for k, v := range over {
				if v == "" {
					delete(p, k)
				} else {
					p[k] = v
				}
			}
			r := e.svc.NewBrowser(t).Get(t, authorizePath(p))
			if r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" {
				t.Fatalf("want an error page, got %d Location=%q", r.Status, r.Header.Get("Location"))
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("error page is %q", r.Header.Get("Content-Type"))
			}
		})
	}
}

// TestAuthorizeErrorRedirects: with a known client and a registered redirect URI, other errors go back
// to the client with error= and the state.
func TestAuthorizeErrorRedirects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.createApp(t, map[string]any{"appName": "Public", "clientId": "public", "accessTokenValiditySeconds": 60,
		"refreshTokenValiditySeconds": 60, "authorizedGrantTypes": []string{"authorization_code"}, "registeredRedirectUris": []string{redirectURI}})
	_, challenge := pkcePair("q")
	cases := []struct {
		name string
		over map[string]string
		want string
	}{
		{"no response_type", map[string]string{"response_type": ""}, "invalid_request"},
		{"unknown response_type", map[string]string{"response_type": "id_token"}, "unsupported_response_type"},
		{"unknown scope", map[string]string{"scope": "read admin"}, "invalid_scope"},
		{"plain PKCE", map[string]string{"code_challenge_method": "plain"}, "invalid_request"},
		{"PKCE method missing", map[string]string{"code_challenge_method": ""}, "invalid_request"},
		{"short challenge", map[string]string{"code_challenge": "abc"}, "invalid_request"},
		{"method without challenge", map[string]string{"code_challenge": ""}, "invalid_request"},
		{"public client without PKCE", map[string]string{"client_id": "public", "code_challenge": "", "code_challenge_method": ""}, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := codeParams(challenge)
			for k, v := range tc.over {
				if v == "" {
					delete(p, k)
				} else {
					p[k] = v
				}
			}
			r := e.svc.NewBrowser(t).Get(t, authorizePath(p))
			if r.Status != http.StatusFound {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			res := resultOf(t, r.Header.Get("Location"), redirectURI, false)
			if res.Get("error") != tc.want || res.Get("state") != "xyz 1/2" {
				t.Fatalf("got %v, want error=%s", res, tc.want)
			}
		})
	}
	t.Run("the client's own query is kept", func(t *testing.T) {
		e.createApp(t, map[string]any{"appName": "Q", "clientId": "q", "clientSecret": appSecret, "accessTokenValiditySeconds": 60,
			"refreshTokenValiditySeconds": 60, "authorizedGrantTypes": []string{"authorization_code"}, "registeredRedirectUris": []string{"https://q.example/cb?tenant=7"}})
		r := e.svc.NewBrowser(t).Get(t, authorizePath(map[string]string{"response_type": "nope", "client_id": "q", "redirect_uri": "https://q.example/cb?tenant=7"}))
		res := resultOf(t, r.Header.Get("Location"), "https://q.example/cb", false)
		if res.Get("tenant") != "7" || res.Get("error") != "unsupported_response_type" {
			t.Fatalf("%v", res)
		}
	})
}

// TestPagesCSRF: the forms are refused without the browser's own CSRF token, and nothing changes.
func TestPagesCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, challenge := pkcePair("c")
	path := authorizePath(codeParams(challenge))
	victim := e.svc.NewBrowser(t)
	loginPage := victim.Get(t, path)

	t.Run("sign-in", func(t *testing.T) {
		for name, token := range map[string]string{"missing": "", "wrong": strings.Repeat("A", 43), "another browser's": testutil.FormFields(e.svc.NewBrowser(t).Get(t, path).Body).Get("csrf_token")} {
			f := testutil.FormFields(loginPage.Body)
			f.Set("username", alice)
			f.Set("password", testutil.Password)
			if token == "" {
				f.Del("csrf_token")
			} else {
				f.Set("csrf_token", token)
			}
			r := victim.Submit(t, "/api/oauth/login", f)
			if r.Status != http.StatusForbidden || r.Header.Get("Set-Cookie") != "" {
				t.Fatalf("%s token: %d %q", name, r.Status, r.Header.Get("Set-Cookie"))
			}
		}
		// A browser without the cookie (a cross-site form post carries the attacker's token only).
		attacker := e.svc.NewBrowser(t)
		f := testutil.FormFields(loginPage.Body)
		f.Set("username", alice)
		f.Set("password", testutil.Password)
		if r := attacker.Submit(t, "/api/oauth/login", f); r.Status != http.StatusForbidden {
			t.Fatalf("no cookie: %d", r.Status)
		}
	})

	t.Run("approval", func(t *testing.T) {
		approval := signIn(t, victim, path, alice)
		f := testutil.FormFields(approval.Body)
		f.Set("decision", "approve")
		f.Set("csrf_token", strings.Repeat("B", 43))
		if r := victim.Submit(t, "/api/oauth/authorize", f); r.Status != http.StatusForbidden || r.Header.Get("Location") != "" {
			t.Fatalf("forged approval: %d %q", r.Status, r.Header.Get("Location"))
		}
		f.Del("csrf_token")
		if r := victim.Submit(t, "/api/oauth/authorize", f); r.Status != http.StatusForbidden {
			t.Fatalf("approval without token: %d", r.Status)
		}
		tok := e.svc.Token(t, clientID, alice)
		if l := e.svc.Client.Get(t, "/api/v1/users/me/applications/approvals", tok); len(l.JSON(t)["applications"].([]any)) != 0 {
			t.Fatalf("a forged approval was recorded: %s", l.Body)
		}
		// The page still works with the right token.
		if loc := approve(t, victim, approval, "approve"); resultOf(t, loc, redirectURI, false).Get("code") == "" {
			t.Fatal("no code")
		}
	})

	t.Run("approval without a session goes back to sign-in", func(t *testing.T) {
		fresh := e.svc.NewBrowser(t)
		page := fresh.Get(t, path)
		r := submit(t, fresh, page, "/api/oauth/authorize", map[string]string{"decision": "approve"})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/api/oauth/authorize?") {
			t.Fatalf("%d %q", r.Status, r.Header.Get("Location"))
		}
	})
}

func TestSignInPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, challenge := pkcePair("s")
	path := authorizePath(codeParams(challenge))
	b := e.svc.NewBrowser(t)
	page := b.Get(t, path)
	try := func(pw string) *testutil.Response {
		return submit(t, b, page, "/api/oauth/login", map[string]string{"username": alice, "password": pw})
	}
	r := try("wrong password!!")
	if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "not right") || b.Cookie(t, "/api/oauth/authorize", "access_session") != "" {
		t.Fatalf("wrong password: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(string(r.Body), `value="`+alice+`"`) {
		t.Error("the email is not kept on the page after a failed sign-in")
	}
	// The same lockout as the password grant: five failures in all, then even the right password fails,
	// on the page and at the token endpoint.
	for range 4 {
		try("wrong password!!")
	}
	if r := try(testutil.Password); r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "not right") {
		t.Fatalf("locked account signed in on the page, or was told it is locked: %d %s", r.Status, r.Body)
	}
	if r := e.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": alice, "password": testutil.Password}); r.Status != 400 {
		t.Fatalf("token endpoint ignores the page's failures: %d", r.Status)
	}

	t.Run("errors are pages", func(t *testing.T) {
		f := testutil.FormFields(page.Body)
		f.Del("client_id")
		r := b.Submit(t, "/api/oauth/login", f)
		if r.Status != http.StatusBadRequest || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("missing client_id: %d %q", r.Status, r.Header.Get("Content-Type"))
		}
		j := e.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/oauth/login", ContentType: "application/json", Body: []byte(`{}`)})
		if j.Status != http.StatusUnsupportedMediaType || !strings.HasPrefix(j.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("JSON body: %d %q", j.Status, j.Header.Get("Content-Type"))
		}
		big := e.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/oauth/login", ContentType: "application/x-www-form-urlencoded",
			Body: []byte("password=" + strings.Repeat("a", 1<<20+10))})
		if big.Status != http.StatusRequestEntityTooLarge {
			t.Fatalf("big body: %d", big.Status)
		}
		bad := e.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/oauth/authorize", ContentType: "application/x-www-form-urlencoded",
			Body: []byte("decision=maybe&client_id=reports&redirect_uri=x")})
		if bad.Status != http.StatusBadRequest {
			t.Fatalf("bad decision: %d", bad.Status)
		}
		unknown := submit(t, b, page, "/api/oauth/login", map[string]string{"username": alice, "password": "x", "redirect_uri": "https://evil.example/"})
		if unknown.Status != http.StatusBadRequest || unknown.Header.Get("Location") != "" {
			t.Fatalf("sign-in with an unregistered redirect_uri: %d %q", unknown.Status, unknown.Header.Get("Location"))
		}
	})
}
