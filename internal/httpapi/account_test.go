package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/cocoondata/access-service/internal/testutil"
)

const byeURI = "https://app.example/bye"

// idToken signs an ID token (iss, sub = the user's id, aud = the client id, exp, iat) with key; key nil
// signs with the service's current key, as the service's own ID tokens are.
func idToken(t *testing.T, svc *testutil.Service, issuer string, userID int64, aud string, exp time.Time, key jwk.Key) string {
	t.Helper()
	if key == nil {
		key = svc.Keys.Signer()
	}
	tok, err := jwt.NewBuilder().Issuer(issuer).Subject(strconv.FormatInt(userID, 10)).Audience([]string{aud}).
		IssuedAt(exp.Add(-time.Hour)).Expiration(exp).Build()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, key))
	if err != nil {
		t.Fatal(err)
	}
	return string(signed)
}

// sessionsOf counts the user's sign-in sessions in the database.
func sessionsOf(t *testing.T, svc *testutil.Service, userID int64) int {
	t.Helper()
	return svc.Count(t, "SELECT COUNT(*) FROM auth_sessions WHERE user_id = $1", userID)
}

func userID(t *testing.T, svc *testutil.Service, email string) int64 {
	t.Helper()
	u, err := svc.Users.Ensure(context.Background(), email) // the user exists: Ensure reads it
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// signInToAccount signs in through /account (the sign-in page returns there) and returns the account page.
func signInToAccount(t *testing.T, b *testutil.Browser, email string) *testutil.Response {
	t.Helper()
	page := b.Get(t, "/account")
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), `action="/api/oauth/login"`) ||
		testutil.FormFields(page.Body).Get("return_to") != "/account" {
		t.Fatalf("want the sign-in page returning to /account: %d %s", page.Status, page.Body)
	}
	r := submit(t, b, page, "/api/oauth/login", map[string]string{"username": email, "password": testutil.Password})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("sign-in: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	page = b.Get(t, "/account")
	if page.Status != http.StatusOK || !strings.Contains(string(page.Body), "Your account") || !strings.Contains(string(page.Body), email) {
		t.Fatalf("the account page: %d %s", page.Status, page.Body)
	}
	return page
}

// signedInAccount: the browser's session shows the account page (not the sign-in page).
func signedInAccount(t *testing.T, b *testutil.Browser) bool {
	t.Helper()
	page := b.Get(t, "/account")
	return page.Status == http.StatusOK && strings.Contains(string(page.Body), `action="/account/sessions/end"`)
}

// copyOf is a browser holding only the given session cookie and a CSRF cookie.
func copyOf(t *testing.T, svc *testutil.Service, session string) *testutil.Browser {
	t.Helper()
	b := svc.NewBrowser(t)
	u, _ := url.Parse(svc.URL + "/")
	b.Jar.SetCookies(u, []*http.Cookie{{Name: "access_session", Value: session, Path: "/"}})
	return b
}

func csrfForm(t *testing.T, b *testutil.Browser, fields map[string]string) url.Values {
	t.Helper()
	f := url.Values{"csrf_token": {b.Cookie(t, "/account", "access_csrf")}}
	for k, v := range fields {
		f.Set(k, v)
	}
	return f
}

var nextField = regexp.MustCompile(`name="next" value="([^"]*)"`)

// TestPostLogoutRedirectUris: registered, read, changed and listed like redirect URIs, and held to their
// rules (a refused one stores nothing).
func TestPostLogoutRedirectUris(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	app := e.createApp(t, map[string]any{
		"appName": "RP", "clientId": "rp", "clientSecret": appSecret, "accessTokenValiditySeconds": 600, "refreshTokenValiditySeconds": 600,
		"authorizedGrantTypes": []string{"authorization_code"}, "registeredRedirectUris": []string{redirectURI},
		"postLogoutRedirectUris": []string{byeURI, "com.example.app:/bye"},
	})
	if got := app["postLogoutRedirectUris"].([]any); len(got) != 2 || got[0] != byeURI {
		t.Fatalf("created: %v", app)
	}
	path := "/api/v1/clientapps/" + app["id"].(string)
	if r := e.do(t, http.MethodGet, path, e.admin, nil); r.Status != 200 || len(r.JSON(t)["postLogoutRedirectUris"].([]any)) != 2 {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	for _, bad := range []string{"/relative", "https://app.example/bye#x", "javascript:alert(1)", "https:///nohost", "https://user@app.example/"} {
		if r := e.do(t, http.MethodPut, path, e.admin, map[string]any{"postLogoutRedirectUris": []string{bad}}); r.Status != 400 {
			t.Errorf("%q: %d %s", bad, r.Status, r.Body)
		}
		r := e.do(t, http.MethodPost, "/api/v1/clientapps", e.admin, map[string]any{"appName": "X", "clientId": "x-" + strconv.Itoa(len(bad)),
			"clientSecret": appSecret, "accessTokenValiditySeconds": 600, "refreshTokenValiditySeconds": 600,
			"authorizedGrantTypes": []string{"client_credentials"}, "postLogoutRedirectUris": []string{bad}})
		if r.Status != 400 {
			t.Errorf("creating with %q: %d %s", bad, r.Status, r.Body)
		}
	}
	if r := e.do(t, http.MethodGet, path, e.admin, nil); len(r.JSON(t)["postLogoutRedirectUris"].([]any)) != 2 {
		t.Fatalf("a refused update changed the app: %s", r.Body)
	}
	r := e.do(t, http.MethodPut, path, e.admin, map[string]any{"postLogoutRedirectUris": []string{"https://other.example/"}})
	if r.Status != 200 || r.JSON(t)["postLogoutRedirectUris"].([]any)[0] != "https://other.example/" {
		t.Fatalf("update: %d %s", r.Status, r.Body)
	}
	list := e.do(t, http.MethodGet, "/api/v1/clientapps", e.admin, nil).JSON(t)["items"].([]any)
	for _, it := range list {
		m := it.(map[string]any)
		if m["clientId"] == thirdParty && len(m["postLogoutRedirectUris"].([]any)) != 0 {
			t.Errorf("an app without any: %v", m)
		}
		if m["clientId"] == "rp" && len(m["postLogoutRedirectUris"].([]any)) != 1 {
			t.Errorf("rp in the list: %v", m)
		}
	}
}

// TestEndSessionEndpoint: GET /api/oauth/logout with an ID token naming the session's user (expired
// even) signs out at once, the session row gone (a copied cookie is refused), and sends the browser to
// the registered post_logout_redirect_uri with state; any other hint, or none, gets the confirmation
// page; an unregistered URI is a 400 page and signs nobody out.
func TestEndSessionEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iss := e.svc.Config.Issuer
	appID := e.do(t, http.MethodGet, "/api/v1/clientapps?limit=100", e.admin, nil).JSON(t)["items"].([]any)
	for _, it := range appID {
		if m := it.(map[string]any); m["clientId"] == thirdParty {
			if r := e.do(t, http.MethodPut, "/api/v1/clientapps/"+m["id"].(string), e.admin, map[string]any{"postLogoutRedirectUris": []string{byeURI}}); r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		}
	}
	aliceID, bobID := userID(t, e.svc, alice), userID(t, e.svc, bob)
	logout := func(q url.Values) string { return "/api/oauth/logout?" + q.Encode() }
	expired := time.Now().Add(-2 * time.Hour)

	b := e.svc.NewBrowser(t)
	signInToAccount(t, b, alice)
	session := b.Cookie(t, "/account", "access_session")
	if session == "" || sessionsOf(t, e.svc, aliceID) != 1 {
		t.Fatal("no session")
	}

	// Not the session's user, a forged signature, another issuer, an access token, no hint: confirm.
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	forgedKey, _ := jwk.FromRaw(other)
	_ = forgedKey.Set(jwk.KeyIDKey, e.svc.Keys.Signer().KeyID())
	for name, hint := range map[string]string{
		"bob's":        idToken(t, e.svc, iss, bobID, thirdParty, expired, nil),
		"forged":       idToken(t, e.svc, iss, aliceID, thirdParty, expired, forgedKey),
		"other issuer": idToken(t, e.svc, "https://evil.example", aliceID, thirdParty, expired, nil),
		"access token": e.svc.Token(t, clientID, alice),
		"garbage":      "not.a.jwt",
		"none":         "",
	} {
		q := url.Values{"post_logout_redirect_uri": {byeURI}, "client_id": {thirdParty}, "state": {"s1"}}
		if hint != "" {
			q.Set("id_token_hint", hint)
		}
		r := b.Get(t, logout(q))
		if r.Status != 200 || !strings.Contains(string(r.Body), `action="/api/oauth/logout"`) || r.Header.Get("Location") != "" {
			t.Fatalf("%s hint: want the confirmation page, got %d %s", name, r.Status, r.Body)
		}
		if !signedInAccount(t, b) {
			t.Fatalf("%s hint signed the user out", name)
		}
	}

	// Unregistered URIs, unknown apps, a client_id that is not the hint's: 400, nobody signed out.
	good := idToken(t, e.svc, iss, aliceID, thirdParty, expired, nil)
	for name, q := range map[string]url.Values{
		"unregistered":     {"id_token_hint": {good}, "post_logout_redirect_uri": {"https://evil.example/"}},
		"redirect uri":     {"id_token_hint": {good}, "post_logout_redirect_uri": {redirectURI}},
		"prefix":           {"id_token_hint": {good}, "post_logout_redirect_uri": {byeURI + "/more"}},
		"no app":           {"post_logout_redirect_uri": {byeURI}},
		"unknown app":      {"post_logout_redirect_uri": {byeURI}, "client_id": {"nope"}},
		"another app":      {"id_token_hint": {good}, "client_id": {clientID}, "post_logout_redirect_uri": {byeURI}},
		"hint's other app": {"id_token_hint": {idToken(t, e.svc, iss, aliceID, clientID, expired, nil)}, "post_logout_redirect_uri": {byeURI}},
	} {
		r := b.Get(t, logout(q))
		if r.Status != 400 || r.Header.Get("Location") != "" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if !signedInAccount(t, b) || sessionsOf(t, e.svc, aliceID) != 1 {
		t.Fatal("a refused sign-out signed the user out")
	}

	// The matching hint (expired): signed out at once, to the registered URI with state.
	r := b.Get(t, logout(url.Values{"id_token_hint": {good}, "post_logout_redirect_uri": {byeURI}, "state": {"a b&c"}}))
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != byeURI+"?state=a+b%26c" {
		t.Fatalf("matching hint: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), "\n"), "access_session=;") {
		t.Errorf("the cookie is not cleared: %v", r.Header.Values("Set-Cookie"))
	}
	if sessionsOf(t, e.svc, aliceID) != 0 {
		t.Error("the session row is still there")
	}
	if signedInAccount(t, copyOf(t, e.svc, session)) {
		t.Error("a copy of the old cookie still works")
	}

	// Without a session: the redirect when registered, else the signed-out page.
	if r := b.Get(t, logout(url.Values{"client_id": {thirdParty}, "post_logout_redirect_uri": {byeURI}})); r.Status != http.StatusSeeOther || r.Header.Get("Location") != byeURI {
		t.Errorf("no session, registered URI: %d %q", r.Status, r.Header.Get("Location"))
	}
	if r := b.Get(t, "/api/oauth/logout"); r.Status != 200 || !strings.Contains(string(r.Body), "signed out") {
		t.Errorf("no session, nothing asked: %d %s", r.Status, r.Body)
	}

	// The confirmation page's form signs out and follows the registered URI.
	signInToAccount(t, b, alice)
	page := b.Get(t, logout(url.Values{"client_id": {thirdParty}, "post_logout_redirect_uri": {byeURI}, "state": {"s2"}}))
	if page.Status != 200 || !strings.Contains(string(page.Body), alice) {
		t.Fatalf("confirmation page: %d %s", page.Status, page.Body)
	}
	r = b.Submit(t, "/api/oauth/logout", testutil.FormFields(page.Body))
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != byeURI+"?state=s2" {
		t.Fatalf("confirmed: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if signedInAccount(t, b) || sessionsOf(t, e.svc, aliceID) != 0 {
		t.Error("the confirmation did not sign out")
	}
}

// TestSignOutForm: the "Sign out" button (on every signed-in page), "Not you?" on the approval page,
// and where next may and may not send the browser.
func TestSignOutForm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	aliceID := userID(t, e.svc, alice)
	b := e.svc.NewBrowser(t)
	page := signInToAccount(t, b, alice)
	if !strings.Contains(string(page.Body), `<form method="post" action="/api/oauth/logout" class="signout">`) {
		t.Fatalf("no Sign out button on the account page: %s", page.Body)
	}
	// A wrong or missing CSRF token: 403, still signed in.
	for _, f := range []url.Values{{"csrf_token": {strings.Repeat("x", 43)}}, {"csrf_token": {""}}} {
		if r := b.Submit(t, "/api/oauth/logout", f); r.Status != 403 {
			t.Errorf("CSRF %v: %d", f, r.Status)
		}
	}
	if !signedInAccount(t, b) {
		t.Fatal("a refused sign-out signed the user out")
	}
	// An unregistered post_logout_redirect_uri: 400, still signed in.
	if r := b.Submit(t, "/api/oauth/logout", csrfForm(t, b, map[string]string{"client_id": thirdParty, "post_logout_redirect_uri": "https://evil.example/"})); r.Status != 400 {
		t.Errorf("unregistered URI: %d %s", r.Status, r.Body)
	}
	if !signedInAccount(t, b) {
		t.Fatal("a refused sign-out signed the user out")
	}
	// Never an open redirect: each of these is the signed-out page.
	for _, next := range []string{"//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example", "/%2F%2Fevil.example",
		"/%5Cevil.example", "https:evil.example", "/account/../../evil", "/account?x=1", "/accounts", " /account", "/api/oauth/authorize",
		"/api/oauth/authorize?", "/api/oauth/authorizeX?a=b", "/api/oauth/authorize@evil.example?a=b", "/api/oauth/authorize?a=b#//evil.example",
		"/api/oauth/authorize?a=b\r\nLocation: https://evil.example", "/api/oauth/authorize?a=%zz", "javascript:alert(1)", "/api/oauth/authorize/../../x?a=b"} {
		r := b.Submit(t, "/api/oauth/logout", csrfForm(t, b, map[string]string{"next": next}))
		if r.Status != 200 || r.Header.Get("Location") != "" {
			t.Errorf("next %q: %d %q", next, r.Status, r.Header.Get("Location"))
		}
	}
	// next=/account and an authorization request are followed.
	signInToAccount(t, b, alice)
	if r := b.Submit(t, "/api/oauth/logout", csrfForm(t, b, map[string]string{"next": "/account"})); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Errorf("next /account: %d %q", r.Status, r.Header.Get("Location"))
	}
	if signedInAccount(t, b) || sessionsOf(t, e.svc, aliceID) != 0 {
		t.Fatal("still signed in")
	}

	// "Not you?" on the approval page: signed out, back to the same request's sign-in page.
	_, challenge := pkcePair("n")
	path := authorizePath(codeParams(challenge))
	approval := signIn(t, b, path, alice)
	body := string(approval.Body)
	if !strings.Contains(body, "Not you?") || !strings.Contains(body, `href="/account"`) || strings.Contains(body, "revoke this approval at any time;") {
		t.Fatalf("approval page: %s", body)
	}
	m := nextField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no next on the approval page: %s", body)
	}
	next := html.UnescapeString(m[1])
	r := b.Submit(t, "/api/oauth/logout", csrfForm(t, b, map[string]string{"next": next}))
	loc := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/api/oauth/authorize?") {
		t.Fatalf("Not you?: %d %q", r.Status, loc)
	}
	back, _ := url.Parse(loc)
	want, _ := url.Parse(path)
	if back.Query().Encode() != want.Query().Encode() {
		t.Errorf("Not you? returned to %q, want the request %q", loc, path)
	}
	if page := b.Get(t, loc); !strings.Contains(string(page.Body), `action="/api/oauth/login"`) {
		t.Errorf("after Not you?: %d %s", page.Status, page.Body)
	}
}

// TestAccountPageAppsAndSessions: the account page lists the approved apps; Revoke cuts the app's
// tokens off at once, as revokeMyApproval does; End all sessions ends every session, refresh token and
// access token of the user. Each form: 403 without its CSRF token, back to /account without a session.
func TestAccountPageAppsAndSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	aliceID := userID(t, e.svc, alice)
	b := e.svc.NewBrowser(t)
	signInToAccount(t, b, alice)
	tok := fullCodeFlow(t, e, b, alice) // the same session: only the approval is asked
	page := b.Get(t, "/account")
	if !strings.Contains(string(page.Body), "XY Reports") || !strings.Contains(string(page.Body), `name="client_id" value="reports"`) {
		t.Fatalf("the app is not listed: %s", page.Body)
	}

	// Refused forms change nothing.
	if r := b.Submit(t, "/account/apps/revoke", url.Values{"client_id": {thirdParty}}); r.Status != 403 {
		t.Errorf("revoke without CSRF: %d", r.Status)
	}
	if r := b.Submit(t, "/account/sessions/end", url.Values{"csrf_token": {""}}); r.Status != 403 {
		t.Errorf("end without CSRF: %d", r.Status)
	}
	stranger := e.svc.NewBrowser(t)
	stranger.Get(t, "/account") // its CSRF cookie
	for _, path := range []string{"/account/apps/revoke", "/account/sessions/end", "/account/mfa"} {
		if r := stranger.Submit(t, path, csrfForm(t, stranger, map[string]string{"client_id": thirdParty})); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
			t.Errorf("%s without a session: %d %q", path, r.Status, r.Header.Get("Location"))
		}
	}
	for _, id := range []string{"nope", clientID} {
		if r := b.Submit(t, "/account/apps/revoke", csrfForm(t, b, map[string]string{"client_id": id})); r.Status != 400 {
			t.Errorf("revoking %q, never approved: %d %s", id, r.Status, r.Body)
		}
	}
	if meStatus(t, e.svc, tok["access_token"].(string)) != 200 {
		t.Fatal("a refused form revoked the token")
	}

	// Revoke: tokens refused right after.
	r := b.Submit(t, "/account/apps/revoke", csrfForm(t, b, map[string]string{"client_id": thirdParty}))
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if s := meStatus(t, e.svc, tok["access_token"].(string)); s != 401 {
		t.Errorf("the access token after revoking: %d", s)
	}
	if r := exchange(t, e.svc, thirdBasic, map[string]string{"grant_type": "refresh_token", "refresh_token": tok["refresh_token"].(string)}); r.Status != 400 {
		t.Errorf("the refresh token after revoking: %d", r.Status)
	}
	if page := b.Get(t, "/account"); strings.Contains(string(page.Body), "XY Reports") {
		t.Errorf("still listed: %s", page.Body)
	}
	if r := b.Submit(t, "/account/apps/revoke", csrfForm(t, b, map[string]string{"client_id": thirdParty})); r.Status != 400 {
		t.Errorf("revoking twice: %d", r.Status)
	}

	// End all sessions: this one, another browser's, the refresh and access tokens.
	tok = fullCodeFlow(t, e, b, alice)
	password := passwordGrant(t, e.svc, alice).JSON(t)
	other := e.svc.NewBrowser(t)
	signInToAccount(t, other, alice)
	time.Sleep(1100 * time.Millisecond) // the revocation's cut-off is to the second: tokens from an earlier one
	if n := sessionsOf(t, e.svc, aliceID); n != 2 {
		t.Fatalf("%d sessions", n)
	}
	r = b.Submit(t, "/account/sessions/end", csrfForm(t, b, nil))
	if r.Status != 200 || !strings.Contains(string(r.Body), "signed out") {
		t.Fatalf("end all sessions: %d %s", r.Status, r.Body)
	}
	if sessionsOf(t, e.svc, aliceID) != 0 || signedInAccount(t, b) || signedInAccount(t, other) {
		t.Error("a session survived")
	}
	for _, access := range []string{tok["access_token"].(string), password["access_token"].(string)} {
		if s := meStatus(t, e.svc, access); s != 401 {
			t.Errorf("an access token after ending every session: %d", s)
		}
	}
	if r := exchange(t, e.svc, thirdBasic, map[string]string{"grant_type": "refresh_token", "refresh_token": tok["refresh_token"].(string)}); r.Status != 400 {
		t.Errorf("a refresh token after ending every session: %d", r.Status)
	}
}

// TestAccountMFA: set up from the account page (the set-up page of a fresh link), sign in to /account
// with a code, reset with a current code (a wrong one is a 401 page and counts towards the lockout).
func TestAccountMFA(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.svc.NewBrowser(t)
	page := signInToAccount(t, b, alice)
	if !strings.Contains(string(page.Body), "Set up an authenticator app") {
		t.Fatalf("no Set up: %s", page.Body)
	}
	if r := b.Submit(t, "/account/mfa", url.Values{"csrf_token": {""}}); r.Status != 403 {
		t.Errorf("no CSRF: %d", r.Status)
	}
	r := b.Submit(t, "/account/mfa", csrfForm(t, b, nil))
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/api/oauth/mfa/setup?token=") {
		t.Fatalf("set up: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	setup := b.Get(t, r.Header.Get("Location"))
	key := keyOnPage(t, setup.Body)
	if done := submit(t, b, setup, "/api/oauth/mfa/setup", map[string]string{"code": totpCode(t, key, -1)}); done.Status != 200 {
		t.Fatalf("completing the set-up: %d %s", done.Status, done.Body)
	}
	// Paired, and turned on: nobody required it, so the person chose it (as pairing through the API does).
	mfaState := func() (required, configured bool) {
		t.Helper()
		ctx := context.Background()
		u, err := e.svc.Users.ByID(ctx, userID(t, e.svc, alice))
		if err != nil {
			t.Fatal(err)
		}
		required, configured, err = e.svc.MFA.Required(ctx, u.ID, u.MFAEnabled)
		if err != nil {
			t.Fatal(err)
		}
		return required, configured
	}
	if required, configured := mfaState(); !required || !configured {
		t.Fatalf("after the set-up: required %v, configured %v", required, configured)
	}

	b = e.svc.NewBrowser(t)
	login := b.Get(t, "/account")
	codePage := submit(t, b, login, "/api/oauth/login", map[string]string{"username": alice, "password": testutil.Password})
	if codePage.Status != 200 || testutil.FormFields(codePage.Body).Get("return_to") != "/account" {
		t.Fatalf("want the code page returning to /account: %d %s", codePage.Status, codePage.Body)
	}
	if wrong := submit(t, b, codePage, "/api/oauth/login/mfa", map[string]string{"code": "000000"}); wrong.Status != 401 ||
		testutil.FormFields(wrong.Body).Get("return_to") != "/account" {
		t.Fatalf("wrong code: %d %s", wrong.Status, wrong.Body)
	}
	if r := submit(t, b, codePage, "/api/oauth/login/mfa", map[string]string{"code": totpCode(t, key, 0)}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("right code: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	page = b.Get(t, "/account")
	if !strings.Contains(string(page.Body), "Reset the authenticator app") {
		t.Fatalf("no Reset: %s", page.Body)
	}

	// A wrong code: 401, counted towards the lockout, still paired.
	failures := func() int {
		return e.svc.Count(t, "SELECT COALESCE(SUM(failures), 0) FROM login_failures WHERE user_id = $1", userID(t, e.svc, alice))
	}
	before := failures()
	for _, code := range []string{"000000", ""} {
		r := b.Submit(t, "/account/mfa", csrfForm(t, b, map[string]string{"code": code}))
		if r.Status != 401 || !strings.Contains(string(r.Body), "not right") {
			t.Errorf("wrong code %q: %d %s", code, r.Status, r.Body)
		}
	}
	if failures() != before+2 {
		t.Errorf("wrong codes counted %d, want %d", failures(), before+2)
	}
	if _, configured := mfaState(); !configured {
		t.Fatal("a wrong code unpaired the authenticator")
	}
	// The right code: the set-up page of a new key; the old authenticator stays until the new one is
	// paired, so a reset abandoned here still lets the person sign in.
	r = b.Submit(t, "/account/mfa", csrfForm(t, b, map[string]string{"code": totpCode(t, key, 1)}))
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/api/oauth/mfa/setup?token=") {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	setup = b.Get(t, r.Header.Get("Location"))
	newKey := keyOnPage(t, setup.Body)
	if newKey == key {
		t.Fatal("the reset kept the old key")
	}
	if _, configured := mfaState(); !configured {
		t.Error("unpaired before the new authenticator was")
	}
	if done := submit(t, b, setup, "/api/oauth/mfa/setup", map[string]string{"code": totpCode(t, newKey, 0)}); done.Status != 200 {
		t.Fatalf("completing the reset: %d %s", done.Status, done.Body)
	}
	// Now the new key signs in (the next step's code: the set-up used this step's) and the old one does not.
	b = e.svc.NewBrowser(t)
	login = b.Get(t, "/account")
	codePage = submit(t, b, login, "/api/oauth/login", map[string]string{"username": alice, "password": testutil.Password})
	if r := submit(t, b, codePage, "/api/oauth/login/mfa", map[string]string{"code": totpCode(t, key, 0)}); r.Status != 401 {
		t.Errorf("the old key still signs in: %d", r.Status)
	}
	if r := submit(t, b, codePage, "/api/oauth/login/mfa", map[string]string{"code": totpCode(t, newKey, 1)}); r.Status != http.StatusSeeOther {
		t.Errorf("the new key does not sign in: %d %s", r.Status, r.Body)
	}
}

// TestSignInReturnTo: return_to must be the account page; anything else is a 400 page that starts
// no session.
func TestSignInReturnTo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.svc.NewBrowser(t)
	login := b.Get(t, "/account")
	for _, to := range []string{"https://evil.example/", "//evil.example", "/account/../x", "/api/oauth/authorize?client_id=reports"} {
		r := submit(t, b, login, "/api/oauth/login", map[string]string{"username": alice, "password": testutil.Password, "return_to": to})
		if r.Status != 400 || r.Header.Get("Location") != "" {
			t.Errorf("return_to %q: %d %q", to, r.Status, r.Header.Get("Location"))
		}
		r = submit(t, b, login, "/api/oauth/login/mfa", map[string]string{"code": "123456", "return_to": to})
		if r.Status != 400 || r.Header.Get("Location") != "" {
			t.Errorf("code page return_to %q: %d %q", to, r.Status, r.Header.Get("Location"))
		}
	}
	if signedInAccount(t, b) {
		t.Fatal("a refused return_to started a session")
	}
	f := testutil.FormFields(login.Body)
	f.Set("username", alice)
	f.Set("password", "wrong password")
	if r := b.Submit(t, "/api/oauth/login", f); r.Status != 401 || testutil.FormFields(r.Body).Get("return_to") != "/account" {
		t.Errorf("wrong password: %d %s", r.Status, r.Body)
	}
	f.Del("csrf_token")
	if r := b.Submit(t, "/api/oauth/login", f); r.Status != 403 {
		t.Errorf("no CSRF: %d", r.Status)
	}
	// The code form without a code step: back to /account.
	if r := submit(t, b, login, "/api/oauth/login/mfa", map[string]string{"code": "123456"}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Errorf("no step: %d %q", r.Status, r.Header.Get("Location"))
	}
	signInToAccount(t, b, alice)
}
