package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/testutil"
)

func usersPath(id string) string { return "/api/v1/users/" + id }

// TestUpdateUserMFA: PUT /api/v1/users/{userId}, each answer: exactly one member, not on oneself, only
// a SafeShare administrator turns a SafeShare administrator's MFA on or off, an organisation's
// administrator (not a SafeShare administrator, not another organisation's) renews a member's key, and
// only when the member's MFA is required. A refused request changes nothing and emails nobody.
func TestUpdateUserMFA(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.createOrg(t, "Foreign Co", outsider)
	w.tok["foreignAdmin"] = w.tok[outsider]
	sent := func() int { return len(w.mail.Messages()) }
	before := sent()
	for _, c := range []struct {
		who, target, body string
		status            int
	}{
		{root1, w.id[root2], `{"mfaEnabled":true,"generateNewAuthenticatorKey":true}`, 400},
		{root1, w.id[root2], `{}`, 400},
		{root1, w.id[root2], `{"generateNewAuthenticatorKey":false}`, 400},
		{root1, w.id[root2], `{"mfaEnabled":"yes"}`, 400},
		{root1, w.id[collab], `{"mfaEnabled":true}`, 400}, // not a SafeShare administrator
		{root1, w.id[root1], `{"mfaEnabled":false}`, 403}, // oneself
		{orgAdmin, w.id[orgAdmin], `{"generateNewAuthenticatorKey":true}`, 403},
		{orgAdmin, w.id[root2], `{"mfaEnabled":true}`, 403}, // only SafeShare administrators
		{collab, w.id[originator], `{"generateNewAuthenticatorKey":true}`, 403},
		{adhoc, w.id[collab], `{"generateNewAuthenticatorKey":true}`, 403},          // nobody's administrator
		{"foreignAdmin", w.id[collab], `{"generateNewAuthenticatorKey":true}`, 403}, // another organisation's administrator
		{root1, w.id[collab], `{"generateNewAuthenticatorKey":true}`, 403},          // a SafeShare administrator, on a member
		{orgAdmin, w.id[collab], `{"generateNewAuthenticatorKey":true}`, 409},       // MFA not required
		{root1, w.id[root2], `{"generateNewAuthenticatorKey":true}`, 409},
		{root1, "765456269464346624", `{"mfaEnabled":true}`, 404},
		{root1, "not-an-id", `{"mfaEnabled":true}`, 400},
	} {
		if r := w.do(t, "PUT", usersPath(c.target), c.who, c.body); r.Status != c.status {
			t.Errorf("%s on %s with %s: %d, want %d: %s", c.who, c.target, c.body, r.Status, c.status, r.Body)
		}
	}
	if sent() != before {
		t.Errorf("refused requests sent %d emails", sent()-before)
	}
	if r := passwordGrant(t, w.svc, root2); r.JSON(t)["mfa_required"] != nil {
		t.Fatal("a refused request turned root2's MFA on")
	}

	// A SafeShare administrator turns another's MFA on: a set-up link; until it is used, root2 cannot
	// sign in, nor refresh a sign-in from before; after, two steps.
	oldRefresh := passwordGrant(t, w.svc, root2).JSON(t)["refresh_token"].(string)
	r := w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"mfaEnabled":true}`)
	if r := w.svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret,
		map[string]string{"grant_type": "refresh_token", "refresh_token": oldRefresh}); r.Status != 400 || !strings.Contains(r.JSON(t)["error_description"].(string), "now required") {
		t.Errorf("refreshing a sign-in from before MFA: %d %s", r.Status, r.Body)
	}
	if r.JSON(t)["mfaEnabled"] != true {
		t.Errorf("answer: %s", r.Body)
	}
	if r := passwordGrant(t, w.svc, root2); r.Status != 400 {
		t.Errorf("sign-in before the set-up: %d %s", r.Status, r.Body)
	}
	key := completeSetup(t, w.svc, setupLinkFor(t, w.mail, root2))
	restrictive := firstStep(t, w.svc, root2)
	if r := mfaGrant(t, w.svc, clientID, restrictive, totpCode(t, key, 0)); r.Status != 200 {
		t.Fatalf("second step: %d %s", r.Status, r.Body)
	}
	// Their own MFA: a SafeShare administrator cannot turn it off themselves.
	if r := mfaJSON(t, w.svc, "DELETE", w.svc.Token(t, clientID, root1), `{"code":"123456"}`); r.Status != 409 && r.Status != 400 {
		t.Errorf("root1 turning off MFA they do not have: %d", r.Status)
	}
	// A new key: the old one stops working, a new link comes.
	w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"generateNewAuthenticatorKey":true}`)
	if r := passwordGrant(t, w.svc, root2); r.Status != 400 {
		t.Errorf("sign-in with the key forgotten: %d %s", r.Status, r.Body)
	}
	completeSetup(t, w.svc, setupLinkFor(t, w.mail, root2))
	// Turned off: the key is forgotten and one step signs in.
	w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"mfaEnabled":false}`)
	if r := passwordGrant(t, w.svc, root2); r.Status != 200 || r.JSON(t)["mfa_required"] != nil {
		t.Errorf("sign-in with MFA off: %d %s", r.Status, r.Body)
	}

	// An organisation's administrator renews an enforced member's key.
	w.mustDo(t, 200, "PUT", "/api/v1/organisations/"+w.org, orgAdmin, `{"enforceMfa":true}`)
	originatorKey := completeSetup(t, w.svc, setupLinkFor(t, w.mail, originator))
	w.mustDo(t, 200, "PUT", usersPath(w.id[originator]), orgAdmin, `{"generateNewAuthenticatorKey":true}`)
	newKey := completeSetup(t, w.svc, setupLinkFor(t, w.mail, originator))
	if newKey == originatorKey {
		t.Error("the renewed key is the old one")
	}
}

// TestMFASignInInTheBrowser: the sign-in page, then the Authentication code page (a wrong code is
// shown the page again, 401), then the approval; the code's exchange gives amr pwd+otp. A session from
// before the user's MFA was required does not skip the code.
func TestMFASignInInTheBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.svc.NewBrowser(t)
	fullCodeFlow(t, e, b, alice) // a session and an approval from before MFA
	key := pairOwn(t, e.svc, e.svc.Token(t, clientID, alice))

	verifier, challenge := pkcePair("v3rifier-")
	path := authorizePath(codeParams(challenge))
	page := b.Get(t, path)
	if !strings.Contains(string(page.Body), `action="/api/oauth/login"`) {
		t.Fatalf("the old session skipped the code: %d %s", page.Status, page.Body)
	}
	codePage := submit(t, b, page, "/api/oauth/login", map[string]string{"username": alice, "password": testutil.Password})
	if codePage.Status != 200 || !strings.Contains(string(codePage.Body), "Authentication code") || b.Cookie(t, "/api/oauth", "access_mfa") == "" {
		t.Fatalf("want the code page: %d %s", codePage.Status, codePage.Body)
	}
	if strings.Contains(string(codePage.Body), b.Cookie(t, "/api/oauth", "access_mfa")) {
		t.Error("the code page shows the restrictive token")
	}
	wrong := submit(t, b, codePage, "/api/oauth/login/mfa", map[string]string{"code": "000000"})
	if wrong.Status != 401 || !strings.Contains(string(wrong.Body), "not right") {
		t.Fatalf("wrong code: %d %s", wrong.Status, wrong.Body)
	}
	if r := b.Get(t, path); !strings.Contains(string(r.Body), `action="/api/oauth/login"`) {
		t.Fatalf("a wrong code started a session: %s", r.Body)
	}
	r := submit(t, b, codePage, "/api/oauth/login/mfa", map[string]string{"code": totpCode(t, key, 0)})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/api/oauth/authorize?") {
		t.Fatalf("right code: %d %s", r.Status, r.Body)
	}
	loc := b.Get(t, r.Header.Get("Location")).Header.Get("Location") // approved before: straight back
	res := resultOf(t, loc, redirectURI, false)
	tok := exchange(t, e.svc, thirdBasic, codeForm(res.Get("code"), verifier))
	if tok.Status != 200 {
		t.Fatalf("exchange: %d %s", tok.Status, tok.Body)
	}
	if amr := claims(t, tok.JSON(t)["access_token"].(string))["amr"].([]any); len(amr) != 2 {
		t.Errorf("amr %v", amr)
	}
	// The step's cookie is spent: the form again goes back to the sign-in page.
	if r := submit(t, b, codePage, "/api/oauth/login/mfa", map[string]string{"code": totpCode(t, key, 1)}); r.Status != http.StatusSeeOther {
		t.Errorf("the spent step again: %d %s", r.Status, r.Body)
	}
	// Without the CSRF token: 403; without a code: a 400 page.
	f := testutil.FormFields(codePage.Body)
	f.Set("code", totpCode(t, key, 1))
	f.Del("csrf_token")
	if r := b.Submit(t, "/api/oauth/login/mfa", f); r.Status != 403 {
		t.Errorf("no CSRF token: %d %s", r.Status, r.Body)
	}
	f = testutil.FormFields(codePage.Body)
	f.Del("code")
	if r := b.Submit(t, "/api/oauth/login/mfa", f); r.Status != 400 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("no code: %d %s", r.Status, r.Body)
	}
}

// TestMFASecretsStayOutOfLogsAndAudit: keys, codes, set-up tokens and restrictive tokens never appear in
// the service's log, its audit records or its problem details, and every MFA change and failed second
// step is in the audit trail. The emails go through a real SMTP server the test starts.
func TestMFASecretsStayOutOfLogsAndAudit(t *testing.T) {
	t.Parallel()
	logs := &testutil.LockedBuffer{}
	smtp := testutil.StartSMTP(t)
	db := testutil.NewPostgres(t)
	w := buildWorld(t, nil, testutil.WithDatabase(db), testutil.WithEnv("ACCESS_SMTP_URL", smtp.URL("from=safeshare@platform.example")),
		testutil.WithOptionsChanged(func(o *app.Options) { o.Logger = slog.New(slog.NewJSONHandler(logs, nil)) }))
	var secrets []string
	w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"mfaEnabled":true}`)
	mail := smtp.WaitFor(t, root2, 5*time.Second)
	if !strings.Contains(mail.Subject, "multi-factor") || !strings.Contains(mail.Text, "/api/oauth/mfa/setup?token=") {
		t.Fatalf("set-up email: %q %q", mail.Subject, mail.Text)
	}
	link := mail.Text[strings.Index(mail.Text, "/api/oauth/mfa/setup?token="):]
	link = strings.Fields(link)[0]
	secrets = append(secrets, strings.TrimPrefix(link, "/api/oauth/mfa/setup?token="))
	key := completeSetup(t, w.svc, link)
	secrets = append(secrets, key)
	restrictive := firstStep(t, w.svc, root2)
	secrets = append(secrets, restrictive)
	for _, code := range []string{"000000", totpCode(t, key, 0)} {
		r := mfaGrant(t, w.svc, clientID, restrictive, code)
		secrets = append(secrets, code)
		if strings.Contains(string(r.Body), code) || strings.Contains(string(r.Body), key) {
			t.Errorf("the token endpoint's answer names a secret: %s", r.Body)
		}
	}
	// Own pairing: the key in the answer (that is its point) but nowhere else.
	tok := w.tok[collab]
	p := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/v1/users/me/mfa", Token: tok}).JSON(t)
	secrets = append(secrets, p["key"].(string))
	if r := mfaJSON(t, w.svc, "PUT", tok, `{"code":"999999"}`); strings.Contains(string(r.Body), "999999") {
		t.Errorf("problem details name the code: %s", r.Body)
	}
	if err := w.svc.Audit.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	records := auditDump(t, db)
	for _, want := range []string{"updateUser", "completeMfaSetup", "signInFirstStep", "signInSecondFactor", "startMyMfaPairing", "confirmMyMfaPairing"} {
		if !strings.Contains(records, want) {
			t.Errorf("no audit record of %s in:\n%s", want, records)
		}
	}
	if !strings.Contains(records, "signInSecondFactor 400") {
		t.Errorf("the failed second step is not audited:\n%s", records)
	}
	for _, s := range secrets {
		if len(s) < 6 {
			continue
		}
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log holds the secret %q", s)
		}
		if strings.Contains(records, s) {
			t.Errorf("an audit record holds the secret %q", s)
		}
	}
}

// auditDump is every audit record, one line each: action, status, path, category, user.
func auditDump(t *testing.T, db string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT operation || ' ' || status || ' ' || path || ' ' || action || ' ' || category || ' ' || COALESCE(user_email, '')
		FROM audit_records ORDER BY occurred_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// TestMFASetupLinkAfter24Hours: a set-up link past its 24 hours shows the page saying to ask for a new
// one (400), and its form pairs nothing; a new link (the administrator's renewal) works.
func TestMFASetupLinkAfter24Hours(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"mfaEnabled":true}`)
	link := setupLinkFor(t, w.mail, root2)
	b := w.svc.NewBrowser(t)
	page := b.Get(t, link)
	if page.Status != 200 {
		t.Fatalf("the fresh link: %d", page.Status)
	}
	key := keyOnPage(t, page.Body)
	(&env{svc: w.svc}).sql(t, "UPDATE mfa_setup_links SET expires_at = now() - interval '1 second'")
	if r := b.Get(t, link); r.Status != 400 || !strings.Contains(string(r.Body), "Ask your administrator for a new one") {
		t.Errorf("the expired link: %d %s", r.Status, r.Body)
	}
	if r := submit(t, b, page, "/api/oauth/mfa/setup", map[string]string{"code": totpCode(t, key, 0)}); r.Status != 400 {
		t.Errorf("the expired link's form: %d %s", r.Status, r.Body)
	}
	if r := passwordGrant(t, w.svc, root2); r.Status != 400 {
		t.Errorf("the expired link paired an authenticator: %d %s", r.Status, r.Body)
	}
	w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"generateNewAuthenticatorKey":true}`)
	completeSetup(t, w.svc, setupLinkFor(t, w.mail, root2))
}

// TestMFACodeFromBeforeMFA: an authorization code from a sign-in without a code, exchanged after the
// user's MFA became required, answers the first step only (a restrictive token), finished by the mfa
// grant of the same client.
func TestMFACodeFromBeforeMFA(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.svc.NewBrowser(t)
	verifier, challenge := pkcePair("v3rifier-")
	path := authorizePath(codeParams(challenge))
	loc := approve(t, b, signIn(t, b, path, alice), "approve")
	code := resultOf(t, loc, redirectURI, false).Get("code")
	key := pairOwn(t, e.svc, e.svc.Token(t, clientID, alice))
	r := exchange(t, e.svc, thirdBasic, codeForm(code, verifier))
	if r.Status != 200 || r.JSON(t)["mfa_required"] != true || r.JSON(t)["refresh_token"] != nil {
		t.Fatalf("exchange: %d %s", r.Status, r.Body)
	}
	if s := meStatus(t, e.svc, r.JSON(t)["access_token"].(string)); s != 401 {
		t.Errorf("the restrictive token as a bearer token: %d", s)
	}
	full := e.svc.Client.PostForm(t, "/api/oauth/token", thirdBasic,
		map[string]string{"grant_type": "mfa", "mfa_token": r.JSON(t)["access_token"].(string), "mfa_code": totpCode(t, key, 0)})
	if full.Status != 200 || full.JSON(t)["scope"] != r.JSON(t)["scope"] || full.JSON(t)["refresh_token"] == nil {
		t.Fatalf("second step: %d %s", full.Status, full.Body)
	}
}
