package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

// totpCode and pairOwn are testutil's (TOTPCode, Service.PairOwnMFA), by their short names here.
var totpCode = testutil.TOTPCode

func pairOwn(t *testing.T, svc *testutil.Service, token string) string {
	return svc.PairOwnMFA(t, token)
}

func mfaJSON(t *testing.T, svc *testutil.Service, method, token, body string) *testutil.Response {
	t.Helper()
	req := testutil.Request{Method: method, Path: "/api/v1/users/me/mfa", Token: token}
	if body != "" {
		req.ContentType, req.Body = "application/json", []byte(body)
	}
	return svc.Client.Do(t, req)
}

func passwordGrant(t *testing.T, svc *testutil.Service, email string) *testutil.Response {
	t.Helper()
	return svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret,
		map[string]string{"grant_type": "password", "username": email, "password": testutil.Password})
}

func mfaGrant(t *testing.T, svc *testutil.Service, client, restrictive, code string) *testutil.Response {
	t.Helper()
	return svc.Client.PostForm(t, "/api/oauth/token", client+":"+testutil.ClientSecret,
		map[string]string{"grant_type": "mfa", "mfa_token": restrictive, "mfa_code": code})
}

// firstStep is the restrictive token of the password grant, checked for the documented shape.
func firstStep(t *testing.T, svc *testutil.Service, email string) string {
	t.Helper()
	r := passwordGrant(t, svc, email)
	if r.Status != 200 {
		t.Fatalf("first step: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	if m["mfa_required"] != true || m["expires_in"] != 300.0 || m["refresh_token"] != nil || m["token_type"] != "bearer" {
		t.Fatalf("first step's answer: %s", r.Body)
	}
	return m["access_token"].(string)
}

// claims are a JWT's claims, unverified (the service verified it).
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMFASignInInTwoSteps: a user who paired an authenticator signs in with the password (a restrictive
// token, good for nothing but the mfa grant) and then a code (the full answer, amr pwd+otp). The
// restrictive token is refused as a bearer token and by introspection; a wrong code, a reused code, a
// code of another user's key and a spent restrictive token are each invalid_grant.
func TestMFASignInInTwoSteps(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.RegisterClient(t, clientID)
	svc.CreateUser(t, alice, false)
	svc.CreateUser(t, bob, false)
	key := pairOwn(t, svc, svc.Token(t, clientID, alice))
	bobsKey := pairOwn(t, svc, svc.Token(t, clientID, bob))

	restrictive := firstStep(t, svc, alice)
	if c := claims(t, restrictive); c["mfa_required"] != true || len(c["scope"].([]any)) != 0 {
		t.Errorf("restrictive token's claims: %v", c)
	}
	if s := meStatus(t, svc, restrictive); s != http.StatusUnauthorized {
		t.Errorf("the restrictive token as a bearer token: %d, want 401", s)
	}
	if r := svc.Client.PostForm(t, "/api/oauth/introspect", clientID+":"+testutil.ClientSecret, map[string]string{"token": restrictive}); r.Status != 200 || r.JSON(t)["active"] != false {
		t.Errorf("introspection of the restrictive token: %d %s", r.Status, r.Body)
	}
	for name, code := range map[string]string{"wrong": "000000", "malformed": "12345a", "bob's key": totpCode(t, bobsKey, 0)} {
		if code == totpCode(t, key, 0) {
			continue // one in a million: bob's code is alice's too
		}
		r := mfaGrant(t, svc, clientID, restrictive, code)
		if r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
			t.Errorf("%s code: %d %s", name, r.Status, r.Body)
		}
	}
	if r := mfaGrant(t, svc, clientID, restrictive, ""); r.Status != 400 || r.JSON(t)["error"] != "invalid_request" {
		t.Errorf("no code: %d %s", r.Status, r.Body)
	}
	code := totpCode(t, key, 0)
	r := mfaGrant(t, svc, clientID, restrictive, code)
	if r.Status != 200 {
		t.Fatalf("second step: %d %s", r.Status, r.Body)
	}
	full := r.JSON(t)
	if full["refresh_token"] == nil || full["mfa_required"] != nil || full["scope"] != "read write admin" {
		t.Errorf("full answer: %s", r.Body)
	}
	if amr := claims(t, full["access_token"].(string))["amr"]; len(amr.([]any)) != 2 || amr.([]any)[1] != "otp" {
		t.Errorf("amr %v, want [pwd otp]", amr)
	}
	if s := meStatus(t, svc, full["access_token"].(string)); s != 200 {
		t.Errorf("the full token: %d", s)
	}
	// Spent: the same restrictive token, even with the next code, is refused.
	if r := mfaGrant(t, svc, clientID, restrictive, totpCode(t, key, 1)); r.Status != 400 {
		t.Errorf("spent restrictive token: %d %s", r.Status, r.Body)
	}
	// Replay: the code that worked does not work again, on a new first step.
	if r := mfaGrant(t, svc, clientID, firstStep(t, svc, alice), code); r.Status != 400 {
		t.Errorf("reused code: %d %s", r.Status, r.Body)
	}
	// A refresh keeps the second factor in amr.
	rr := svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret,
		map[string]string{"grant_type": "refresh_token", "refresh_token": full["refresh_token"].(string)})
	if rr.Status != 200 || len(claims(t, rr.JSON(t)["access_token"].(string))["amr"].([]any)) != 2 {
		t.Errorf("refresh: %d %s", rr.Status, rr.Body)
	}
}

// TestMFAFiveWrongCodesEndTheStep: the fifth wrong code ends the restrictive token, even for the right
// code after it; the wrong codes count towards the lockout, which a right password then clears.
func TestMFAFiveWrongCodesEndTheStep(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.RegisterClient(t, clientID)
	svc.CreateUser(t, alice, false)
	key := pairOwn(t, svc, svc.Token(t, clientID, alice))
	restrictive := firstStep(t, svc, alice)
	for i := range 5 {
		r := mfaGrant(t, svc, clientID, restrictive, "000000")
		if r.Status != 400 {
			t.Fatalf("wrong code %d: %d %s", i+1, r.Status, r.Body)
		}
		if i == 4 && !strings.Contains(r.JSON(t)["error_description"].(string), "fifth") {
			t.Errorf("fifth wrong code: %s", r.Body)
		}
	}
	if r := mfaGrant(t, svc, clientID, restrictive, totpCode(t, key, 0)); r.Status != 400 || !strings.Contains(r.JSON(t)["error_description"].(string), "sign in again") {
		t.Errorf("right code after five wrong ones: %d %s", r.Status, r.Body)
	}
	// Five failures from this address lock it out of the account (maxPasswordRetries 5): the right
	// password is answered as a wrong one.
	if r := passwordGrant(t, svc, alice); r.Status != 400 {
		t.Errorf("password grant after five wrong codes: %d %s", r.Status, r.Body)
	}
}

// TestMFAStepOfAnotherClient: a restrictive token is finished by the client that started it only.
func TestMFAStepOfAnotherClient(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.RegisterClient(t, clientID)
	svc.RegisterClient(t, "other-app")
	svc.CreateUser(t, alice, false)
	key := pairOwn(t, svc, svc.Token(t, clientID, alice))
	restrictive := firstStep(t, svc, alice)
	if r := mfaGrant(t, svc, "other-app", restrictive, totpCode(t, key, 0)); r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
		t.Errorf("another client's step: %d %s", r.Status, r.Body)
	}
	// A full token is no restrictive token either.
	if r := mfaGrant(t, svc, clientID, svc.Token(t, clientID, bobOrCreate(t, svc)), totpCode(t, key, 0)); r.Status != 400 {
		t.Errorf("a full token as the mfa_token: %d %s", r.Status, r.Body)
	}
	// The code was not spent by those refusals: the right client finishes the step with it.
	if r := mfaGrant(t, svc, clientID, restrictive, totpCode(t, key, 0)); r.Status != 200 {
		t.Errorf("the step's own client: %d %s", r.Status, r.Body)
	}
}

func bobOrCreate(t *testing.T, svc *testutil.Service) string {
	svc.CreateUser(t, bob, false)
	return bob
}

// TestMFAExpiredStep: a restrictive token past its five minutes cannot be finished.
func TestMFAExpiredStep(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.RegisterClient(t, clientID)
	svc.CreateUser(t, alice, false)
	key := pairOwn(t, svc, svc.Token(t, clientID, alice))
	restrictive := firstStep(t, svc, alice)
	(&env{svc: svc}).sql(t, "UPDATE mfa_challenges SET expires_at = now() - interval '1 second'")
	if r := mfaGrant(t, svc, clientID, restrictive, totpCode(t, key, 0)); r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
		t.Errorf("expired step: %d %s", r.Status, r.Body)
	}
}

// TestMyMFA: the caller's own MFA: state, pairing (409 while paired), confirmation (a wrong code
// changes nothing), turning it off with a code, and sign-in back to one step.
func TestMyMFA(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.RegisterClient(t, clientID)
	svc.CreateUser(t, alice, false)
	tok := svc.Token(t, clientID, alice)
	if r := mfaJSON(t, svc, "GET", tok, ""); r.Status != 200 || r.JSON(t)["required"] != false || r.JSON(t)["configured"] != false {
		t.Fatalf("state before: %d %s", r.Status, r.Body)
	}
	if r := mfaJSON(t, svc, "PUT", tok, `{"code":"123456"}`); r.Status != 409 {
		t.Errorf("confirming with no pairing started: %d %s", r.Status, r.Body)
	}
	r := svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/v1/users/me/mfa", Token: tok})
	key := r.JSON(t)["key"].(string)
	if r := mfaJSON(t, svc, "PUT", tok, `{"code":"000000"}`); r.Status != 400 {
		t.Errorf("a wrong code: %d %s", r.Status, r.Body)
	}
	if r := mfaJSON(t, svc, "GET", tok, ""); r.JSON(t)["configured"] != false {
		t.Errorf("a wrong code paired it: %s", r.Body)
	}
	if r := mfaJSON(t, svc, "PUT", tok, `{"code":"`+totpCode(t, key, -1)+`"}`); r.Status != 200 {
		t.Fatalf("confirming: %d %s", r.Status, r.Body)
	}
	if r := svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/v1/users/me/mfa", Token: tok}); r.Status != 409 {
		t.Errorf("pairing again while paired: %d %s", r.Status, r.Body)
	}
	for _, body := range []string{`{"code":"000000"}`, `{}`, `{"code":"1","x":1}`} {
		if r := mfaJSON(t, svc, "DELETE", tok, body); r.Status != 400 {
			t.Errorf("turning it off with %s: %d %s", body, r.Status, r.Body)
		}
	}
	firstStep(t, svc, alice) // still on
	if r := mfaJSON(t, svc, "DELETE", tok, `{"code":"`+totpCode(t, key, 0)+`"}`); r.Status != 200 || r.JSON(t)["required"] != false {
		t.Fatalf("turning it off: %d %s", r.Status, r.Body)
	}
	if r := passwordGrant(t, svc, alice); r.Status != 200 || r.JSON(t)["mfa_required"] != nil {
		t.Errorf("sign-in after turning it off: %d %s", r.Status, r.Body)
	}
	if r := mfaJSON(t, svc, "DELETE", tok, `{"code":"`+totpCode(t, key, 1)+`"}`); r.Status != 409 {
		t.Errorf("turning it off twice: %d %s", r.Status, r.Body)
	}
}

// TestMFAEnforcedByAnOrganisation: an organisation's enforceMfa makes its members' MFA required: one
// with no authenticator cannot sign in (told to use the set-up link), is emailed a link when it is
// turned on, pairs through the link's page, then signs in with a code and cannot turn MFA off.
func TestMFAEnforcedByAnOrganisation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	collabTok := w.tok[collab]
	w.mustDo(t, 200, "PUT", "/api/v1/organisations/"+w.org, orgAdmin, `{"enforceMfa":true}`)
	r := passwordGrant(t, w.svc, collab)
	if r.Status != 400 || !strings.Contains(r.JSON(t)["error_description"].(string), "set-up link") {
		t.Fatalf("sign-in of an unconfigured member: %d %s", r.Status, r.Body)
	}
	if r := mfaJSON(t, w.svc, "GET", collabTok, ""); r.JSON(t)["required"] != true || r.JSON(t)["enforcedBy"].([]any)[0] != w.org {
		t.Errorf("state: %s", r.Body)
	}
	if r := passwordGrant(t, w.svc, adhoc); r.Status != 200 || r.JSON(t)["mfa_required"] != nil {
		t.Errorf("an Ad hoc member needs no MFA: %d %s", r.Status, r.Body)
	}
	link := setupLinkFor(t, w.mail, collab)
	key := completeSetup(t, w.svc, link)
	restrictive := firstStep(t, w.svc, collab)
	if r := mfaGrant(t, w.svc, clientID, restrictive, totpCode(t, key, 0)); r.Status != 200 {
		t.Fatalf("second step: %d %s", r.Status, r.Body)
	}
	if r := mfaJSON(t, w.svc, "DELETE", collabTok, `{"code":"`+totpCode(t, key, 1)+`"}`); r.Status != 409 {
		t.Errorf("turning MFA off while enforced: %d %s", r.Status, r.Body)
	}
}

// setupLinkFor is the set-up link of the last email to the address, waiting up to 5 s for one (links
// to an organisation's members go out in the background).
func setupLinkFor(t *testing.T, mb *testutil.Mailbox, to string) string {
	t.Helper()
	var link string
	for deadline := time.Now().Add(5 * time.Second); link == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		link = lastSetupLink(mb, to)
	}
	if link == "" {
		t.Fatalf("no set-up link emailed to %s: %v", to, mb.Messages())
	}
	return link[strings.Index(link, "/api/oauth/mfa/setup"):]
}

func lastSetupLink(mb *testutil.Mailbox, to string) string {
	var link string
	for _, m := range mb.Messages() {
		if m.To == to && m.Subject == "Set up multi-factor authentication" {
			for _, f := range strings.Fields(m.Body) {
				if strings.Contains(f, "/api/oauth/mfa/setup?token=") {
					link = f
				}
			}
		}
	}
	return link
}

// completeSetup opens the set-up link's page in a browser, reads the key it shows and confirms it with
// a code (after a wrong one); it returns the key.
func completeSetup(t *testing.T, svc *testutil.Service, link string) string {
	t.Helper()
	b := svc.NewBrowser(t)
	page := b.Get(t, link)
	if page.Status != 200 || !strings.Contains(string(page.Body), "data:image/png;base64,") {
		t.Fatalf("set-up page: %d %s", page.Status, page.Body)
	}
	again := b.Get(t, link)
	key := keyOnPage(t, page.Body)
	if keyOnPage(t, again.Body) != key {
		t.Error("reloading the set-up page showed another key")
	}
	if r := submit(t, b, page, "/api/oauth/mfa/setup", map[string]string{"code": "000000"}); r.Status != 401 || keyOnPage(t, r.Body) != key {
		t.Fatalf("wrong code on the set-up page: %d %s", r.Status, r.Body)
	}
	r := submit(t, b, page, "/api/oauth/mfa/setup", map[string]string{"code": totpCode(t, key, -1)})
	if r.Status != 200 || !strings.Contains(string(r.Body), "is set up") {
		t.Fatalf("confirming on the set-up page: %d %s", r.Status, r.Body)
	}
	if r := b.Get(t, link); r.Status != 400 || !strings.Contains(string(r.Body), "ask your administrator") && !strings.Contains(string(r.Body), "Ask your administrator") {
		t.Errorf("the used link: %d %s", r.Status, r.Body)
	}
	if r := submit(t, b, page, "/api/oauth/mfa/setup", map[string]string{"code": totpCode(t, key, 0)}); r.Status != 400 {
		t.Errorf("the used link's form again: %d %s", r.Status, r.Body)
	}
	return key
}

func keyOnPage(t *testing.T, body []byte) string {
	t.Helper()
	s := string(body)
	i := strings.Index(s, `<code class="key">`)
	if i < 0 {
		t.Fatalf("no key on the page: %s", s)
	}
	s = s[i+len(`<code class="key">`):]
	return s[:strings.Index(s, "<")]
}

// TestMFAEnabledInEveryUserShape: mfaEnabled says whether MFA is required: in /users/me, the
// organisation's member list, a clearance's members and the SafeShare administrators' list, for the
// members of an organisation that enforces it (not its Ad hoc ones) as for an account it is enabled on.
func TestMFAEnabledInEveryUserShape(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := w.createGroup(t, w.org, "Everyone")
	w.mustDo(t, 200, "PUT", grp(w.org)+"/"+g, orgAdmin, `{"addUsers":["`+w.id[collab]+`"]}`)
	w.mustDo(t, 200, "PUT", "/api/v1/users", root1, `{"email":"`+collab+`","safeShareAdmin":true}`)
	shapes := func() map[string]any {
		out := map[string]any{"me": w.mustDo(t, 200, "GET", "/api/v1/users/me", collab, "").JSON(t)["mfaEnabled"]}
		for _, l := range []struct{ name, path, who string }{
			{"members", "/api/v1/organisations/" + w.org + "/users", orgAdmin},
			{"clearance", grp(w.org) + "/" + g + "/users", orgAdmin},
			{"admins", "/api/v1/users", root1},
		} {
			for _, it := range w.mustDo(t, 200, "GET", l.path, l.who, "").JSON(t)["items"].([]any) {
				if m := it.(map[string]any); m["email"] == collab {
					out[l.name] = m["mfaEnabled"]
				}
				if m := it.(map[string]any); m["email"] == adhoc && m["mfaEnabled"] != false {
					t.Errorf("%s: the Ad hoc member's mfaEnabled is %v", l.name, m["mfaEnabled"])
				}
			}
		}
		return out
	}
	for name, v := range shapes() {
		if v != false {
			t.Errorf("before: %s says %v", name, v)
		}
	}
	w.mustDo(t, 200, "PUT", "/api/v1/organisations/"+w.org, orgAdmin, `{"enforceMfa":true}`)
	got := shapes()
	if len(got) != 4 {
		t.Fatalf("collab missing from a list: %v", got)
	}
	for name, v := range got {
		if v != true {
			t.Errorf("enforced: %s says %v", name, v)
		}
	}
}
