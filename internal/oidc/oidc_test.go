// Package oidc_test drives the service's OpenID Connect with real relying-party libraries
// (golang.org/x/oauth2 and github.com/coreos/go-oidc/v3): discovery, the code flow with PKCE and a
// nonce, the ID token checked against the JWKS, at_hash, UserInfo; and prompt, max_age and login_hint.
// The browser's steps are done with testutil.Browser here, and in headless Chromium in browser_test.go.
package oidc_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

const callback = "https://rp.example/callback"

// relyingParty is an app as an OpenID Connect library sees the service.
type relyingParty struct {
	svc      *testutil.Service
	provider *oidc.Provider
	cfg      oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// newRP registers an app with the OpenID Connect scopes (and read) and discovers the service as its
// provider: the discovery document's issuer must be the URL it was asked for, exactly.
func newRP(t *testing.T, svc *testutil.Service, clientID string, autoApprove bool, scopes ...string) *relyingParty {
	t.Helper()
	return newRPAt(t, svc, clientID, autoApprove, callback, scopes...)
}

func newRPAt(t *testing.T, svc *testutil.Service, clientID string, autoApprove bool, redirect string, scopes ...string) *relyingParty {
	t.Helper()
	if _, err := svc.Apps.Register(context.Background(), clientapp.NewApp{
		ClientID: clientID, Secret: testutil.ClientSecret, AppName: "RP " + clientID, AccessTokenValidity: time.Hour,
		RefreshTokenValidity: 24 * time.Hour, GrantTypes: []string{clientapp.GrantAuthorizationCode, clientapp.GrantRefreshToken},
		RedirectURIs: []string{redirect}, Scope: []string{"openid", "profile", "email", "read"}, AutoApprove: autoApprove,
	}); err != nil {
		t.Fatal(err)
	}
	provider, err := oidc.NewProvider(context.Background(), svc.URL)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	return &relyingParty{svc: svc, provider: provider,
		cfg: oauth2.Config{ClientID: clientID, ClientSecret: testutil.ClientSecret, Endpoint: provider.Endpoint(),
			RedirectURL: redirect, Scopes: scopes},
		verifier: provider.Verifier(&oidc.Config{ClientID: clientID})}
}

// login is one sign-in attempt of the relying party: its state, nonce and PKCE verifier, and the path
// of its authorization URL on the service.
type login struct {
	state, nonce, verifier, path string
}

func (rp *relyingParty) start(t *testing.T, opts ...oauth2.AuthCodeOption) login {
	t.Helper()
	l := login{state: random(t), nonce: random(t), verifier: oauth2.GenerateVerifier()}
	opts = append([]oauth2.AuthCodeOption{oidc.Nonce(l.nonce), oauth2.S256ChallengeOption(l.verifier)}, opts...)
	full := rp.cfg.AuthCodeURL(l.state, opts...)
	if !strings.HasPrefix(full, rp.svc.URL+"/api/oauth/authorize?") {
		t.Fatalf("authorization URL %s", full)
	}
	l.path = strings.TrimPrefix(full, rp.svc.URL)
	return l
}

// finish takes the callback's URL (where the service sent the browser), checks its state, exchanges
// the code with the library, and verifies the ID token (signature by the JWKS, iss, aud, exp), its
// nonce and its at_hash.
func (rp *relyingParty) finish(t *testing.T, l login, location string) (*oauth2.Token, *oidc.IDToken, map[string]any) {
	t.Helper()
	q := callbackQuery(t, location)
	if q.Get("state") != l.state || q.Get("code") == "" {
		t.Fatalf("callback %s", location)
	}
	ctx := context.Background()
	tok, err := rp.cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(l.verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		t.Fatalf("no id_token in the token response")
	}
	idt, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != l.nonce {
		t.Errorf("nonce %q, want %q", idt.Nonce, l.nonce)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("at_hash: %v", err)
	}
	if err := idt.VerifyAccessToken(tok.AccessToken + "x"); err == nil {
		t.Error("at_hash matches another access token")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	return tok, idt, claims
}

func callbackQuery(t *testing.T, location string) url.Values {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil || u.Scheme+"://"+u.Host+u.Path != callback {
		t.Fatalf("not sent to the callback: %q", location)
	}
	return u.Query()
}

func random(t *testing.T) string {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// page kinds the authorize endpoint answers with.
func isSignIn(r *testutil.Response) bool {
	return r.Status == http.StatusOK && strings.Contains(string(r.Body), `action="/api/oauth/login"`)
}
func isApproval(r *testutil.Response) bool {
	return r.Status == http.StatusOK && strings.Contains(string(r.Body), `value="approve"`)
}

func submit(t *testing.T, b *testutil.Browser, page *testutil.Response, path string, set map[string]string) *testutil.Response {
	t.Helper()
	f := testutil.FormFields(page.Body)
	for k, v := range set {
		f.Set(k, v)
	}
	return b.Submit(t, path, f)
}

// signIn fills the sign-in page and follows the service back to the authorization request.
func signIn(t *testing.T, b *testutil.Browser, page *testutil.Response, email string) *testutil.Response {
	t.Helper()
	if !isSignIn(page) {
		t.Fatalf("want the sign-in page: %d %s", page.Status, page.Body)
	}
	r := submit(t, b, page, "/api/oauth/login", map[string]string{"username": email, "password": testutil.Password})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/api/oauth/authorize?") {
		t.Fatalf("sign-in: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	return b.Get(t, r.Header.Get("Location"))
}

// approve submits the approval page; it returns where the browser is sent.
func approve(t *testing.T, b *testutil.Browser, page *testutil.Response) string {
	t.Helper()
	if !isApproval(page) {
		t.Fatalf("want the approval page: %d %s", page.Status, page.Body)
	}
	r := submit(t, b, page, "/api/oauth/authorize", map[string]string{"decision": "approve"})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("approval: %d %s", r.Status, r.Body)
	}
	return r.Header.Get("Location")
}

// redirected: the answer sends the browser on (302), and where.
func redirected(t *testing.T, r *testutil.Response) string {
	t.Helper()
	if r.Status != http.StatusFound {
		t.Fatalf("want a redirect, got %d %s", r.Status, r.Body)
	}
	return r.Header.Get("Location")
}

type world struct {
	svc   *testutil.Service
	carol user.User // has a name
	dave  user.User // has none
}

func newWorld(t *testing.T) *world {
	t.Helper()
	svc := testutil.Start(t)
	w := &world{svc: svc, carol: svc.CreateUser(t, "carol@xy-company.com", false), dave: svc.CreateUser(t, "dave@xy-company.com", false)}
	first, last := "Carol", "Smith"
	var err error
	if w.carol, err = svc.Users.UpdateProfile(context.Background(), w.carol.ID, user.Profile{FirstName: &first, LastName: &last}); err != nil {
		t.Fatal(err)
	}
	return w
}

// sql runs a statement on the service's database.
func (w *world) sql(t *testing.T, stmt string, args ...any) { t.Helper(); w.svc.Exec(t, stmt, args...) }

// count runs a COUNT query on the service's database.
func (w *world) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	return w.svc.Count(t, query, args...)
}

func TestOIDCDiscovery(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rp := newRP(t, w.svc, "rp", false)
	var meta struct {
		Issuer, UserinfoEndpoint, JwksURI, EndSessionEndpoint string
		Scopes                                                []string `json:"scopes_supported"`
		Algs                                                  []string `json:"id_token_signing_alg_values_supported"`
		Subjects                                              []string `json:"subject_types_supported"`
		Claims                                                []string `json:"claims_supported"`
		Prompts                                               []string `json:"prompt_values_supported"`
	}
	if err := rp.provider.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	if rp.provider.Endpoint().AuthURL != w.svc.URL+"/api/oauth/authorize" || rp.provider.Endpoint().TokenURL != w.svc.URL+"/api/oauth/token" ||
		rp.provider.UserInfoEndpoint() != w.svc.URL+"/api/oauth/userinfo" {
		t.Errorf("endpoints %+v %s", rp.provider.Endpoint(), rp.provider.UserInfoEndpoint())
	}
	var raw map[string]any
	_ = rp.provider.Claims(&raw)
	if raw["issuer"] != w.svc.URL || raw["jwks_uri"] != w.svc.URL+"/api/oauth/jwks" || raw["end_session_endpoint"] != w.svc.URL+"/api/oauth/logout" {
		t.Errorf("metadata %v", raw)
	}
	for _, s := range []string{"openid", "profile", "email", "read", "write", "admin"} {
		if !slices.Contains(meta.Scopes, s) {
			t.Errorf("scopes_supported %v lacks %s", meta.Scopes, s)
		}
	}
	for _, c := range []string{"sub", "auth_time", "nonce", "at_hash", "amr", "email", "email_verified", "name"} {
		if !slices.Contains(meta.Claims, c) {
			t.Errorf("claims_supported %v lacks %s", meta.Claims, c)
		}
	}
	if !slices.Equal(meta.Algs, []string{"RS256"}) || !slices.Equal(meta.Subjects, []string{"public"}) ||
		!slices.Equal(meta.Prompts, []string{"none", "login", "consent"}) {
		t.Errorf("metadata %+v", meta)
	}
	// A provider at another address (the issuer differs from it) is refused by the library.
	if _, err := oidc.NewProvider(context.Background(), strings.Replace(w.svc.URL, "127.0.0.1", "localhost", 1)); err == nil {
		t.Error("the library accepted a discovery document whose issuer is not the URL asked")
	}
}

// TestOIDCCodeFlow: the whole sign-in of a relying party, with PKCE and a nonce; the ID token's claims;
// UserInfo as each token's scopes allow; no ID token without openid.
func TestOIDCCodeFlow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rp := newRP(t, w.svc, "rp", false)
	b := w.svc.NewBrowser(t)
	before := time.Now().Add(-time.Second).Truncate(time.Second)
	l := rp.start(t)
	approval := signIn(t, b, b.Get(t, l.path), w.carol.Email)
	body := string(approval.Body)
	for _, words := range []string{"Know who you are when you sign in", "See your name.", "See your email address."} {
		if !strings.Contains(body, words) {
			t.Errorf("the approval page does not say %q: %s", words, body)
		}
	}
	if testutil.FormFields(approval.Body).Get("nonce") != l.nonce {
		t.Errorf("the approval page's form does not carry the nonce: %s", body)
	}
	tok, idt, claims := rp.finish(t, l, approve(t, b, approval))
	if idt.Issuer != w.svc.URL || idt.Subject != itoa(w.carol.ID) || !slices.Equal(idt.Audience, []string{"rp"}) {
		t.Errorf("iss %s sub %s aud %v", idt.Issuer, idt.Subject, idt.Audience)
	}
	if claims["email"] != w.carol.Email || claims["email_verified"] != true || claims["name"] != "Carol Smith" ||
		claims["given_name"] != "Carol" || claims["family_name"] != "Smith" {
		t.Errorf("claims %v", claims)
	}
	if amr, _ := claims["amr"].([]any); len(amr) != 1 || amr[0] != "pwd" {
		t.Errorf("amr %v", claims["amr"])
	}
	authTime, ok := claims["auth_time"].(float64)
	if !ok || time.Unix(int64(authTime), 0).Before(before) || time.Unix(int64(authTime), 0).After(idt.IssuedAt) {
		t.Errorf("auth_time %v (iat %s)", claims["auth_time"], idt.IssuedAt)
	}
	if !idt.Expiry.After(idt.IssuedAt) {
		t.Errorf("exp %s iat %s", idt.Expiry, idt.IssuedAt)
	}

	// UserInfo, with the library.
	info, err := rp.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	var infoClaims map[string]any
	_ = info.Claims(&infoClaims)
	if info.Subject != idt.Subject || info.Email != w.carol.Email || !info.EmailVerified || infoClaims["name"] != "Carol Smith" ||
		infoClaims["given_name"] != "Carol" || infoClaims["family_name"] != "Smith" {
		t.Errorf("userinfo %+v %v", info, infoClaims)
	}

	// POST too; the token in the header.
	post := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/oauth/userinfo", Token: tok.AccessToken})
	if post.Status != 200 || post.JSON(t)["sub"] != idt.Subject || post.JSON(t)["email"] != w.carol.Email {
		t.Errorf("POST userinfo: %d %s", post.Status, post.Body)
	}

	// An ID token is no access token.
	raw := tok.Extra("id_token").(string)
	for _, method := range []string{"GET", "POST"} {
		r := w.svc.Client.Do(t, testutil.Request{Method: method, Path: "/api/oauth/userinfo", Token: raw})
		if r.Status != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("%s userinfo with the ID token: %d %q %s", method, r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
		}
	}
	if r := w.svc.Client.Get(t, "/api/v1/users/me", raw); r.Status != 401 {
		t.Errorf("the ID token works as an access token: %d", r.Status)
	}

	// The refresh grant gives no ID token (OpenID Connect makes it optional) and keeps the scopes.
	refreshed, err := rp.cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rp.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(refreshed)); err != nil {
		t.Errorf("userinfo with a refreshed token: %v", err)
	}
}

// TestOIDCUserInfoScopes: each claim as the token's scopes allow; 401 without a valid token; 403 with
// insufficient_scope for a token without openid.
func TestOIDCUserInfoScopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	onlyOpenID := newRP(t, w.svc, "rp-openid", true, "openid")
	b := w.svc.NewBrowser(t)
	l := onlyOpenID.start(t)
	tok, _, claims := onlyOpenID.finish(t, l, redirected(t, signIn(t, b, b.Get(t, l.path), w.dave.Email)))
	for _, c := range []string{"email", "email_verified", "name", "given_name", "family_name"} {
		if _, ok := claims[c]; ok {
			t.Errorf("the ID token of openid alone has %s: %v", c, claims)
		}
	}
	for _, method := range []string{"GET", "POST"} {
		r := w.svc.Client.Do(t, testutil.Request{Method: method, Path: "/api/oauth/userinfo", Token: tok.AccessToken})
		if r.Status != 200 || len(r.JSON(t)) != 1 || r.JSON(t)["sub"] != itoa(w.dave.ID) {
			t.Errorf("%s userinfo with openid alone: %d %s", method, r.Status, r.Body)
		}
	}
	// profile for an account without a name: no name claims.
	profile := newRP(t, w.svc, "rp-profile", true, "openid", "profile", "email")
	l = profile.start(t)
	tok, _, claims = profile.finish(t, l, redirected(t, b.Get(t, l.path)))
	if claims["email"] != w.dave.Email || claims["name"] != nil || claims["given_name"] != nil {
		t.Errorf("claims of an account without a name: %v", claims)
	}
	if r := w.svc.Client.Get(t, "/api/oauth/userinfo", tok.AccessToken); r.Status != 200 || r.JSON(t)["name"] != nil || r.JSON(t)["email_verified"] != true {
		t.Errorf("userinfo: %d %s", r.Status, r.Body)
	}

	// Without openid: no ID token, and UserInfo refuses the token.
	noOpenID := newRP(t, w.svc, "rp-read", true, "read")
	l = noOpenID.start(t)
	q := callbackQuery(t, redirected(t, b.Get(t, l.path)))
	plain, err := noOpenID.cfg.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(l.verifier))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Extra("id_token") != nil {
		t.Errorf("an ID token without openid: %v", plain.Extra("id_token"))
	}
	for _, method := range []string{"GET", "POST"} {
		r := w.svc.Client.Do(t, testutil.Request{Method: method, Path: "/api/oauth/userinfo", Token: plain.AccessToken})
		if r.Status != 403 || r.Header.Get("WWW-Authenticate") != `Bearer realm="access-service", error="insufficient_scope", scope="openid"` {
			t.Errorf("%s userinfo without openid: %d %q %s", method, r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
		}
		for _, bad := range []string{"", "not-a-token"} {
			r := w.svc.Client.Do(t, testutil.Request{Method: method, Path: "/api/oauth/userinfo", Token: bad})
			if r.Status != 401 || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s userinfo with %q: %d %q %s", method, bad, r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
			}
		}
	}
	if _, err := noOpenID.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(plain)); err == nil {
		t.Error("the library's UserInfo succeeded without openid")
	}

	// A disabled account's token is refused.
	w.sql(t, "UPDATE users SET disabled = TRUE WHERE id = $1", w.dave.ID)
	if r := w.svc.Client.Get(t, "/api/oauth/userinfo", tok.AccessToken); r.Status != 401 {
		t.Errorf("userinfo of a disabled account: %d %s", r.Status, r.Body)
	}
}

// TestOIDCPrompt: prompt=none never shows a page; prompt=login signs in again, once; prompt=consent
// shows the approval page again, except for a first-party app; login_hint fills in the email.
func TestOIDCPrompt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rp := newRP(t, w.svc, "rp", false)
	first := newRP(t, w.svc, "first-party", true)
	b := w.svc.NewBrowser(t)

	errorOf := func(t *testing.T, l login, location string) string {
		t.Helper()
		q := callbackQuery(t, location)
		if q.Get("state") != l.state || q.Get("code") != "" {
			t.Errorf("error redirect %s", location)
		}
		return q.Get("error")
	}
	// No session.
	l := rp.start(t, oauth2.SetAuthURLParam("prompt", "none"))
	if e := errorOf(t, l, redirected(t, b.Get(t, l.path))); e != "login_required" {
		t.Errorf("prompt=none without a session: %s", e)
	}
	// login_hint.
	l = rp.start(t, oauth2.SetAuthURLParam("login_hint", w.carol.Email))
	page := b.Get(t, l.path)
	if !isSignIn(page) || !strings.Contains(string(page.Body), `name="username" value="`+w.carol.Email+`"`) {
		t.Errorf("login_hint not filled in: %s", page.Body)
	}
	// A session but no approval.
	signIn(t, b, page, w.carol.Email)
	l = rp.start(t, oauth2.SetAuthURLParam("prompt", "none"))
	if e := errorOf(t, l, redirected(t, b.Get(t, l.path))); e != "consent_required" {
		t.Errorf("prompt=none without an approval: %s", e)
	}
	// Bad combinations and values.
	for _, p := range []string{"none login", "none consent", "select_account"} {
		l = rp.start(t, oauth2.SetAuthURLParam("prompt", p))
		if e := errorOf(t, l, redirected(t, b.Get(t, l.path))); e != "invalid_request" {
			t.Errorf("prompt=%s: %s", p, e)
		}
	}
	// Approved: prompt=none goes straight back with a code.
	l = rp.start(t)
	_, firstToken, _ := rp.finish(t, l, approve(t, b, b.Get(t, l.path)))
	l = rp.start(t, oauth2.SetAuthURLParam("prompt", "none"))
	_, idt, _ := rp.finish(t, l, redirected(t, b.Get(t, l.path)))
	if idt.Subject != firstToken.Subject {
		t.Errorf("sub %s, want %s", idt.Subject, firstToken.Subject)
	}

	// prompt=login: the sign-in page although signed in; after it the request proceeds (approved
	// before: straight back), with a later sign-in as auth_time.
	w.sql(t, "UPDATE auth_sessions SET auth_time = auth_time - INTERVAL '1 hour', created_at = created_at - INTERVAL '1 hour'")
	l = rp.start(t, oauth2.SetAuthURLParam("prompt", "login"))
	page = b.Get(t, l.path)
	_, idt, claims := rp.finish(t, l, redirected(t, signIn(t, b, page, w.carol.Email)))
	if authTime := int64(claims["auth_time"].(float64)); time.Unix(authTime, 0).Before(idt.IssuedAt.Add(-time.Minute)) {
		t.Errorf("auth_time %d is the old sign-in's (iat %s)", authTime, idt.IssuedAt)
	}

	// prompt=consent: the approval page although approved; not for a first-party app.
	l = rp.start(t, oauth2.SetAuthURLParam("prompt", "consent"))
	rp.finish(t, l, approve(t, b, b.Get(t, l.path)))
	l = first.start(t, oauth2.SetAuthURLParam("prompt", "consent"))
	first.finish(t, l, redirected(t, b.Get(t, l.path)))
	// prompt=login consent: sign in again; the sign-in page's form does not carry prompt (the spec's
	// SignInForm has no such field), so an app approved before is then sent straight back.
	l = rp.start(t, oauth2.SetAuthURLParam("prompt", "login consent"))
	page = b.Get(t, l.path)
	rp.finish(t, l, redirected(t, signIn(t, b, page, w.carol.Email)))
}

// TestOIDCMaxAge: a session older than max_age signs in again, then proceeds; max_age=0 does not loop;
// the nonce travels through the sign-in page.
func TestOIDCMaxAge(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rp := newRP(t, w.svc, "rp", true)
	b := w.svc.NewBrowser(t)
	l := rp.start(t)
	rp.finish(t, l, redirected(t, signIn(t, b, b.Get(t, l.path), w.carol.Email)))

	// A session signed in 10 minutes ago meets max_age=3600.
	w.sql(t, "UPDATE auth_sessions SET auth_time = auth_time - INTERVAL '10 minutes'")
	l = rp.start(t, oauth2.SetAuthURLParam("max_age", "3600"))
	_, idt, claims := rp.finish(t, l, redirected(t, b.Get(t, l.path)))
	old := int64(claims["auth_time"].(float64))
	if !time.Unix(old, 0).Before(idt.IssuedAt.Add(-5 * time.Minute)) {
		t.Errorf("auth_time %d is not the session's sign-in (iat %s)", old, idt.IssuedAt)
	}
	// It does not meet max_age=300: sign in again; the page's form carries max_age and the nonce.
	l = rp.start(t, oauth2.SetAuthURLParam("max_age", "300"))
	page := b.Get(t, l.path)
	if f := testutil.FormFields(page.Body); f.Get("max_age") != "300" || f.Get("nonce") != l.nonce {
		t.Errorf("the sign-in form's hidden fields %v", f)
	}
	_, idt, claims = rp.finish(t, l, redirected(t, signIn(t, b, page, w.carol.Email)))
	if fresh := int64(claims["auth_time"].(float64)); fresh <= old {
		t.Errorf("auth_time %d after signing in again, before %d", fresh, old)
	}
	// max_age=0: always sign in, and once signed in, proceed.
	l = rp.start(t, oauth2.SetAuthURLParam("max_age", "0"))
	rp.finish(t, l, redirected(t, signIn(t, b, b.Get(t, l.path), w.carol.Email)))
	// prompt=none with a sign-in too old is login_required.
	w.sql(t, "UPDATE auth_sessions SET auth_time = auth_time - INTERVAL '10 minutes'")
	l = rp.start(t, oauth2.SetAuthURLParam("max_age", "60"), oauth2.SetAuthURLParam("prompt", "none"))
	if q := callbackQuery(t, redirected(t, b.Get(t, l.path))); q.Get("error") != "login_required" {
		t.Errorf("prompt=none and max_age: %v", q)
	}
	// The approval page's form carries max_age, and is checked against it again: a sign-in that grew
	// too old meanwhile signs in again before the approval counts.
	asks := newRP(t, w.svc, "rp-asks", false)
	l = asks.start(t, oauth2.SetAuthURLParam("max_age", "300"))
	approval := signIn(t, b, b.Get(t, l.path), w.carol.Email)
	if !isApproval(approval) || testutil.FormFields(approval.Body).Get("max_age") != "" {
		t.Fatalf("after signing in, want the approval page without max_age (the sign-in meets it): %s", approval.Body)
	}
	l = asks.start(t, oauth2.SetAuthURLParam("max_age", "300"))
	approval = b.Get(t, l.path)
	if testutil.FormFields(approval.Body).Get("max_age") != "300" {
		t.Fatalf("want the approval page carrying max_age: %s", approval.Body)
	}
	w.sql(t, "UPDATE auth_sessions SET auth_time = auth_time - INTERVAL '10 minutes'")
	again := submit(t, b, approval, "/api/oauth/authorize", map[string]string{"decision": "approve"})
	if again.Status != http.StatusSeeOther || !isSignIn(b.Get(t, again.Header.Get("Location"))) {
		t.Fatalf("approving with a sign-in older than max_age: %d %q", again.Status, again.Header.Get("Location"))
	}
	if n := w.count(t, "SELECT COUNT(*) FROM approvals a JOIN client_apps c ON c.id = a.client_app_id WHERE c.client_id = 'rp-asks'"); n != 0 {
		t.Errorf("the approval counted: %d approvals", n)
	}
	// A malformed max_age: refused by the spec's validation (a page: the request is not trusted yet).
	if r := b.Get(t, l.path+"&max_age=soon"); r.Status != 400 {
		t.Errorf("max_age=soon: %d", r.Status)
	}
	// A form's malformed max_age is sent back to the app as invalid_request.
	f := testutil.FormFields(page.Body)
	f.Set("max_age", "-5")
	f.Set("username", w.carol.Email)
	f.Set("password", testutil.Password)
	r := b.Submit(t, "/api/oauth/login", f)
	if r.Status != http.StatusSeeOther || callbackQuery(t, r.Header.Get("Location")).Get("error") != "invalid_request" {
		t.Errorf("a form's max_age=-5: %d %q", r.Status, r.Header.Get("Location"))
	}
}

// TestOIDCAfterMFA: the ID token's amr says the sign-in gave a second factor.
func TestOIDCAfterMFA(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.svc.RegisterClient(t, "webapp")
	key := pairOwn(t, w.svc, w.svc.Token(t, "webapp", w.carol.Email))
	rp := newRP(t, w.svc, "rp", true)
	b := w.svc.NewBrowser(t)
	l := rp.start(t)
	page := b.Get(t, l.path)
	codePage := submit(t, b, page, "/api/oauth/login", map[string]string{"username": w.carol.Email, "password": testutil.Password})
	if codePage.Status != 200 || testutil.FormFields(codePage.Body).Get("nonce") != l.nonce {
		t.Fatalf("want the code page carrying the nonce: %d %s", codePage.Status, codePage.Body)
	}
	r := submit(t, b, codePage, "/api/oauth/login/mfa", map[string]string{"code": totpCode(t, key, 0)})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("code: %d %s", r.Status, r.Body)
	}
	_, _, claims := rp.finish(t, l, redirected(t, b.Get(t, r.Header.Get("Location"))))
	if amr, _ := claims["amr"].([]any); len(amr) != 2 || amr[0] != "pwd" || amr[1] != "otp" {
		t.Errorf("amr %v", claims["amr"])
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// totpCode and pairOwn are testutil's (TOTPCode, Service.PairOwnMFA), by their short names here.
var totpCode = testutil.TOTPCode

func pairOwn(t *testing.T, svc *testutil.Service, token string) string {
	return svc.PairOwnMFA(t, token)
}
