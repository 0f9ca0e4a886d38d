package httpapi_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/httpapi"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/property"
	"github.com/cocoondata/access-service/internal/testutil"
)

const (
	invitee     = "new.member@xy-company.com"
	newPassword = "a brand new password of mine"
	mailWait    = 10 * time.Second
)

// passwordWorld is the organisation world sending its emails through a real SMTP server, with the
// password links' clock in the test's hand.
type passwordWorld struct {
	*world
	smtp  *testutil.SMTPServer
	clock atomic.Int64 // Unix microseconds
}

func newPasswordWorld(t *testing.T, opts ...testutil.Option) *passwordWorld {
	t.Helper()
	smtp := testutil.StartSMTP(t)
	opts = append(opts, testutil.WithEnv("ACCESS_SMTP_URL", smtp.URL("from=safeshare@platform.example")))
	pw := &passwordWorld{world: buildWorld(t, nil, opts...), smtp: smtp}
	pw.clock.Store(time.Now().UTC().UnixMicro())
	pw.svc.PasswordLinks.SetClock(func() time.Time { return time.UnixMicro(pw.clock.Load()).UTC() })
	return pw
}

// turn moves the links' clock forward.
func (w *passwordWorld) turn(d time.Duration) { w.clock.Add(d.Microseconds()) }

var choosePath = regexp.MustCompile(`/api/oauth/password/choose\?token=[A-Za-z0-9_-]{43}`)

// linkTo waits for the next email to the address and returns the path of the link it carries.
func (w *passwordWorld) linkTo(t *testing.T, to string) string {
	t.Helper()
	m := w.smtp.WaitFor(t, to, mailWait)
	p := choosePath.FindString(m.Text)
	if p == "" || !strings.Contains(m.Text, w.svc.Config.Issuer+p) {
		t.Fatalf("no link to choose a password in the email to %s: %s", to, m.Text)
	}
	return p
}

func tokenOf(t *testing.T, path string) string {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// choose submits the link page's form (page: the page the link opened) with the two passwords.
func choose(t *testing.T, b *testutil.Browser, page *testutil.Response, password, again string) *testutil.Response {
	t.Helper()
	return submit(t, b, page, "/api/oauth/password/choose", map[string]string{"password": password, "password_again": again})
}

func passwordGrantWith(t *testing.T, svc *testutil.Service, email, password string) *testutil.Response {
	t.Helper()
	return svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret,
		map[string]string{"grant_type": "password", "username": email, "password": password})
}

// memberByEmail is the member of the world's organisation with this address, as listMembers shows it.
func (w *passwordWorld) memberByEmail(t *testing.T, email string) map[string]any {
	t.Helper()
	r := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org+"/users?search="+url.QueryEscape(email), orgAdmin, "")
	for _, it := range r.JSON(t)["items"].([]any) {
		if m := it.(map[string]any); m["email"] == email {
			return m
		}
	}
	t.Fatalf("%s is not a member", email)
	return nil
}

func pageHas(r *testutil.Response, s string) bool { return strings.Contains(string(r.Body), s) }

// TestInvitationOnMemberAdd: a member added by email with no account gets an invitation; until they
// choose a password they cannot sign in and invitationPending is true. Two different passwords, or one
// the policy refuses, show the form again (400) and leave the link usable; then the password is saved
// (200), the account signs in, invitationPending is false, the link is spent (400) and an invitation
// cannot be sent again (409).
func TestInvitationOnMemberAdd(t *testing.T) {
	t.Parallel()
	w := newPasswordWorld(t)
	r := w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+invitee+`","role":"Collaborator"}`)
	if r.JSON(t)["invitationPending"] != true {
		t.Fatalf("a new account's member: %s", r.Body)
	}
	link := w.linkTo(t, invitee)
	if m := w.memberByEmail(t, collab); m["invitationPending"] != false {
		t.Errorf("a member with a password: %v", m)
	}
	for _, pw := range []string{"", "anything at all", newPassword} {
		if r := passwordGrantWith(t, w.svc, invitee, pw); r.Status != http.StatusBadRequest {
			t.Errorf("signing in before choosing a password (%q): %d %s", pw, r.Status, r.Body)
		}
	}

	b := w.svc.NewBrowser(t)
	page := b.Get(t, link)
	if page.Status != 200 || !pageHas(page, "Choose your password") || !pageHas(page, invitee) || !pageHas(page, "12 to 1024 characters") {
		t.Fatalf("the invitation's page: %d %s", page.Status, page.Body)
	}
	if r := choose(t, b, page, newPassword, newPassword+"!"); r.Status != 400 || !pageHas(r, "not the same") || !pageHas(r, `name="token"`) {
		t.Errorf("two different passwords: %d %s", r.Status, r.Body)
	}
	if r := choose(t, b, page, "too short", "too short"); r.Status != 400 || !pageHas(r, "cannot be used: it must be 12 to 1024") {
		t.Errorf("a password the policy refuses: %d %s", r.Status, r.Body)
	}
	if r := passwordGrantWith(t, w.svc, invitee, "too short"); r.Status != 400 {
		t.Errorf("the refused password was set: %d", r.Status)
	}
	done := choose(t, b, page, newPassword, newPassword)
	if done.Status != 200 || !pageHas(done, "Your account is ready") || !pageHas(done, `href="/account"`) {
		t.Fatalf("choosing the password: %d %s", done.Status, done.Body)
	}
	if r := passwordGrantWith(t, w.svc, invitee, newPassword); r.Status != 200 {
		t.Errorf("signing in with the chosen password: %d %s", r.Status, r.Body)
	}
	if m := w.memberByEmail(t, invitee); m["invitationPending"] != false {
		t.Errorf("after choosing: %v", m)
	}
	if r := b.Get(t, link); r.Status != 400 || !pageHas(r, "This link cannot be used") {
		t.Errorf("the spent link opened again: %d %s", r.Status, r.Body)
	}
	if r := choose(t, b, page, "yet another new password", "yet another new password"); r.Status != 400 || !pageHas(r, "This link cannot be used") {
		t.Errorf("the spent link used again: %d %s", r.Status, r.Body)
	}
	if r := passwordGrantWith(t, w.svc, invitee, newPassword); r.Status != 200 {
		t.Errorf("the reused link changed the password: %d", r.Status)
	}
	id := w.memberByEmail(t, invitee)["id"].(string)
	if r := w.do(t, "POST", "/api/v1/organisations/"+w.org+"/users/"+id+"/invitation", orgAdmin, ""); r.Status != 409 {
		t.Errorf("resending an accepted invitation: %d %s", r.Status, r.Body)
	}
	w.smtp.ExpectNone(t, 300*time.Millisecond)
}

// TestInvitationOnOrgCreateAndImport: an organisation's first administrator with no account, and an
// imported row with none, are invited (the import's names greet them); accounts with a password are not.
func TestInvitationOnOrgCreateAndImport(t *testing.T) {
	t.Parallel()
	w := newPasswordWorld(t)
	const first, imported = "first.admin@new-org.example", "imported@xy-company.com"
	w.createOrg(t, "New Org", first)
	link := w.linkTo(t, first)
	if r := passwordGrantWith(t, w.svc, first, newPassword); r.Status != 400 {
		t.Errorf("the first administrator signs in before choosing: %d", r.Status)
	}
	b := w.svc.NewBrowser(t)
	if r := choose(t, b, b.Get(t, link), newPassword, newPassword); r.Status != 200 {
		t.Fatalf("the first administrator's invitation: %d %s", r.Status, r.Body)
	}
	if r := passwordGrantWith(t, w.svc, first, newPassword); r.Status != 200 {
		t.Errorf("the first administrator signs in: %d %s", r.Status, r.Body)
	}

	csv := "email,firstName,role\n" + imported + ",Imogen,Collaborator\n" + outsider + ",Otto,Collaborator\n"
	if r := w.importCSV(t, w.org, orgAdmin, "file", csv); r.Status != 200 || r.JSON(t)["added"] != 2.0 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	m := w.smtp.WaitFor(t, imported, mailWait)
	if !strings.Contains(m.Text, "Hello Imogen") || choosePath.FindString(m.Text) == "" {
		t.Errorf("the imported row's invitation: %s", m.Text)
	}
	if got := w.memberByEmail(t, imported)["invitationPending"]; got != true {
		t.Errorf("the imported member: invitationPending %v", got)
	}
	if got := w.memberByEmail(t, outsider)["invitationPending"]; got != false {
		t.Errorf("an imported account with a password: invitationPending %v", got)
	}
	w.smtp.ExpectNone(t, 300*time.Millisecond) // nothing to the outsider, who has a password
}

// TestResendInvitation: every status of resendInvitation. A new invitation replaces the earlier one,
// whose link no longer works.
func TestResendInvitation(t *testing.T) {
	t.Parallel()
	w := newPasswordWorld(t)
	id := w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+invitee+`","role":"Originator"}`).JSON(t)["id"].(string)
	first := w.linkTo(t, invitee)
	path := func(user string) string { return "/api/v1/organisations/" + w.org + "/users/" + user + "/invitation" }

	if r := w.do(t, "POST", path(id), orgAdmin, ""); r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("resending as the organisation's administrator: %d %s", r.Status, r.Body)
	}
	second := w.linkTo(t, invitee)
	b := w.svc.NewBrowser(t)
	if r := b.Get(t, first); r.Status != 400 {
		t.Errorf("the replaced link: %d, want 400", r.Status)
	}
	if r := b.Get(t, second); r.Status != 200 {
		t.Errorf("the new link: %d %s", r.Status, r.Body)
	}
	if r := w.do(t, "POST", path(id), root1, ""); r.Status != 204 {
		t.Errorf("resending as a SafeShare administrator: %d %s", r.Status, r.Body)
	}
	third := w.linkTo(t, invitee)
	if r := b.Get(t, second); r.Status != 400 {
		t.Errorf("the link the SafeShare administrator's replaced: %d", r.Status)
	}

	before := tableDigest(t, w.svc, "password_links", "users", "memberships")
	for _, c := range []struct {
		name, user, who string
		status          int
	}{
		{"an account with a password", w.id[collab], orgAdmin, 409},
		{"not a member", w.id[outsider], orgAdmin, 404},
		{"no such user", "765456269464346624", orgAdmin, 404},
		{"not an id", "carol", orgAdmin, 400},
		{"a member who is not an administrator", id, collab, 403},
		{"another organisation's administrator", id, outsider, 403},
		{"no token", id, "", 401},
	} {
		if r := w.do(t, "POST", path(c.user), c.who, ""); r.Status != c.status {
			t.Errorf("%s: %d, want %d: %s", c.name, r.Status, c.status, r.Body)
		}
	}
	if after := tableDigest(t, w.svc, "password_links", "users", "memberships"); after != before {
		t.Error("a refused resend changed the data")
	}
	w.smtp.ExpectNone(t, 300*time.Millisecond)
	if r := choose(t, b, b.Get(t, third), newPassword, newPassword); r.Status != 200 {
		t.Errorf("the last link: %d %s", r.Status, r.Body)
	}
}

// TestInvitationExpires: an invitation works for temporary.password.expiry.hours as it was when it
// was sent; a later change of the property does not stretch it.
func TestInvitationExpires(t *testing.T) {
	t.Parallel()
	w := newPasswordWorld(t)
	ctx := context.Background()
	if _, err := w.svc.Properties.SetByName(ctx, property.TemporaryPasswordExpiryHours, 2); err != nil {
		t.Fatal(err)
	}
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+invitee+`","role":"Collaborator"}`)
	link := w.linkTo(t, invitee)
	if _, err := w.svc.Properties.SetByName(ctx, property.TemporaryPasswordExpiryHours, 100); err != nil {
		t.Fatal(err)
	}
	b := w.svc.NewBrowser(t)
	w.turn(2*time.Hour - time.Minute)
	page := b.Get(t, link)
	if page.Status != 200 {
		t.Fatalf("a minute before it expires: %d %s", page.Status, page.Body)
	}
	w.turn(time.Minute)
	if r := b.Get(t, link); r.Status != 400 || !pageHas(r, "This link cannot be used") {
		t.Errorf("expired: %d %s", r.Status, r.Body)
	}
	if r := choose(t, b, page, newPassword, newPassword); r.Status != 400 || !pageHas(r, "This link cannot be used") {
		t.Errorf("choosing with the expired link: %d %s", r.Status, r.Body)
	}
	if r := passwordGrantWith(t, w.svc, invitee, newPassword); r.Status != 400 {
		t.Errorf("the expired link set the password: %d", r.Status)
	}
}

// TestPasswordReset: "Forgot password?" on the sign-in page, keeping the authorization request; the
// answer is the same page for an unknown address, which gets no email; the reset link (choose
// password) ends every session, refresh token and access token, and clears the lockout; the link is
// single use.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	w := newPasswordWorld(t)
	registerCodeApp(t, w.svc)
	_, challenge := pkcePair("p")
	authorize := authorizePath(codeParams(challenge))

	// Signed in everywhere: a browser session, and a password grant's tokens.
	signedIn := w.svc.NewBrowser(t)
	if page := signIn(t, signedIn, authorize, collab); page.Status != 200 || !pageHas(page, `value="approve"`) {
		t.Fatalf("the signed-in browser: %d %s", page.Status, page.Body)
	}
	grant := passwordGrantWith(t, w.svc, collab, testutil.Password).JSON(t)
	access, refresh := grant["access_token"].(string), grant["refresh_token"].(string)
	// Locked out from here: five wrong passwords lock this address out of the account.
	for range 5 {
		passwordGrantWith(t, w.svc, collab, "a wrong password, once more")
	}
	if r := passwordGrantWith(t, w.svc, collab, testutil.Password); r.Status != 400 {
		t.Fatalf("not locked: %d", r.Status)
	}

	b := w.svc.NewBrowser(t)
	signInPage := b.Get(t, authorize)
	forgotLink := regexp.MustCompile(`<a href="(/api/oauth/password/forgot\?return_to=[^"]+)">Forgot password\?</a>`).FindSubmatch(signInPage.Body)
	if forgotLink == nil {
		t.Fatalf("no Forgot password? link on the sign-in page: %s", signInPage.Body)
	}
	forgot := b.Get(t, html.UnescapeString(string(forgotLink[1])))
	if forgot.Status != 200 || testutil.FormFields(forgot.Body).Get("return_to") != authorize || !pageHas(forgot, `>Back to sign in</a>`) {
		t.Fatalf("the Forgot password? page: %d %s", forgot.Status, forgot.Body)
	}
	sent := submit(t, b, forgot, "/api/oauth/password/forgot", map[string]string{"email": " " + strings.ToUpper(collab)})
	unknown := submit(t, b, forgot, "/api/oauth/password/forgot", map[string]string{"email": "nobody.here@xy-company.com"})
	if sent.Status != 200 || !pageHas(sent, "Check your email") {
		t.Fatalf("asking for a reset: %d %s", sent.Status, sent.Body)
	}
	same := func(r *testutil.Response, email string) string {
		return strings.ReplaceAll(string(r.Body), email, "<address>")
	}
	if unknown.Status != 200 || same(unknown, "nobody.here@xy-company.com") != same(sent, strings.ToUpper(collab)) {
		t.Errorf("an unknown address gets another answer: %d\n%s\n%s", unknown.Status, unknown.Body, sent.Body)
	}
	link := w.linkTo(t, collab)
	page := b.Get(t, link)
	if page.Status != 200 || !pageHas(page, "Choose a new password") {
		t.Fatalf("the reset link's page: %d %s", page.Status, page.Body)
	}
	done := choose(t, b, page, newPassword, newPassword)
	if done.Status != 200 || !pageHas(done, "signed out everywhere") {
		t.Fatalf("resetting: %d %s", done.Status, done.Body)
	}

	if s := meStatus(t, w.svc, access); s != 401 {
		t.Errorf("the access token from before the reset: %d, want 401", s)
	}
	if r := w.svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret, map[string]string{"grant_type": "refresh_token", "refresh_token": refresh}); r.Status != 400 {
		t.Errorf("the refresh token from before the reset: %d", r.Status)
	}
	if page := signedIn.Get(t, authorize); page.Status != 200 || !pageHas(page, `action="/api/oauth/login"`) {
		t.Errorf("the browser signed in before the reset is still signed in: %d %s", page.Status, page.Body)
	}
	if r := passwordGrantWith(t, w.svc, collab, testutil.Password); r.Status != 400 {
		t.Errorf("the old password: %d", r.Status)
	}
	if r := passwordGrantWith(t, w.svc, collab, newPassword); r.Status != 200 {
		t.Errorf("the new password from the locked-out address: %d %s", r.Status, r.Body)
	}
	if r := b.Get(t, link); r.Status != 400 {
		t.Errorf("the used reset link: %d", r.Status)
	}
	w.smtp.ExpectNone(t, 500*time.Millisecond) // nothing to the unknown address
}

// TestResetLinkRules: a reset link works 30 minutes, a new one replaces it, and a disabled account
// gets none; an invitation that is pending is replaced by nothing a reset does.
func TestResetLinkRules(t *testing.T) {
	t.Parallel()
	w := newPasswordWorld(t)
	b := w.svc.NewBrowser(t)
	forgot := b.Get(t, "/api/oauth/password/forgot")
	if forgot.Status != 200 || pageHas(forgot, "Back to sign in") {
		t.Fatalf("the page without return_to: %d %s", forgot.Status, forgot.Body)
	}
	ask := func(email string) {
		t.Helper()
		if r := submit(t, b, forgot, "/api/oauth/password/forgot", map[string]string{"email": email}); r.Status != 200 {
			t.Fatalf("asking for %s: %d", email, r.Status)
		}
	}
	ask(originator)
	first := w.linkTo(t, originator)
	ask(originator)
	second := w.linkTo(t, originator)
	if r := b.Get(t, first); r.Status != 400 {
		t.Errorf("the replaced link: %d", r.Status)
	}
	w.turn(29 * time.Minute)
	if r := b.Get(t, second); r.Status != 200 {
		t.Errorf("29 minutes on: %d", r.Status)
	}
	w.turn(time.Minute)
	if r := b.Get(t, second); r.Status != 400 {
		t.Errorf("30 minutes on: %d", r.Status)
	}

	if _, err := w.svc.Users.SetDisabled(context.Background(), collab, true); err != nil {
		t.Fatal(err)
	}
	ask(collab)
	ask("not an address")
	w.smtp.ExpectNone(t, 500*time.Millisecond)
}

// TestPasswordPagesRefuse: a missing or wrong CSRF token (403), a return_to elsewhere than this
// service's pages (400), an unknown or malformed token (400), a body too large (413) or of another
// type (415): each changes nothing and sends nothing.
func TestPasswordPagesRefuse(t *testing.T) {
	t.Parallel()
	w := newPasswordWorld(t)
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+invitee+`","role":"Collaborator"}`)
	link := w.linkTo(t, invitee)
	b := w.svc.NewBrowser(t)
	page := b.Get(t, link)
	forgot := b.Get(t, "/api/oauth/password/forgot?return_to=%2Faccount")
	if forgot.Status != 200 || !pageHas(forgot, `<a href="/account">`) {
		t.Fatalf("return_to /account: %d %s", forgot.Status, forgot.Body)
	}
	before := tableDigest(t, w.svc, "password_links", "users", "login_failures")

	for _, csrf := range []string{"", "x", strings.Repeat("y", 43)} {
		f := testutil.FormFields(page.Body)
		f.Set("csrf_token", csrf)
		f.Set("password", newPassword)
		f.Set("password_again", newPassword)
		if r := b.Submit(t, "/api/oauth/password/choose", f); r.Status != 403 {
			t.Errorf("choosePassword with CSRF token %q: %d", csrf, r.Status)
		}
		f = testutil.FormFields(forgot.Body)
		f.Set("csrf_token", csrf)
		f.Set("email", collab)
		if r := b.Submit(t, "/api/oauth/password/forgot", f); r.Status != 403 {
			t.Errorf("requestPasswordReset with CSRF token %q: %d", csrf, r.Status)
		}
	}
	noCookie := w.svc.NewBrowser(t) // the form's token, but no cookie
	f := testutil.FormFields(forgot.Body)
	f.Set("email", collab)
	if r := noCookie.Submit(t, "/api/oauth/password/forgot", f); r.Status != 403 {
		t.Errorf("requestPasswordReset without the cookie: %d", r.Status)
	}

	for _, rt := range []string{"https://evil.example/", "//evil.example/api/oauth/authorize?x=1", "/api/oauth/authorize",
		"/api/oauth/authorize?", "/api/oauth/authorizex?a=1", "/api/oauth/authorize/../../x?a=1", "/account/../evil", "/accounts",
		"/api/oauth/authorize?a=1#frag", "/api/oauth/authorize?a=\\evil", "javascript:alert(1)", "/api/oauth/authorize?a=1\n"} {
		if r := b.Get(t, "/api/oauth/password/forgot?return_to="+url.QueryEscape(rt)); r.Status != 400 {
			t.Errorf("return_to %q: %d", rt, r.Status)
		}
		if r := submit(t, b, forgot, "/api/oauth/password/forgot", map[string]string{"email": collab, "return_to": rt}); r.Status != 400 {
			t.Errorf("the form's return_to %q: %d", rt, r.Status)
		}
	}
	for _, token := range []string{"unknown", tokenOf(t, link) + "x", "%20" + tokenOf(t, link), strings.Repeat("a", 201)} {
		if r := b.Get(t, "/api/oauth/password/choose?token="+token); r.Status != 400 {
			t.Errorf("opening the token %q: %d", token, r.Status)
		}
	}
	if r := b.Get(t, "/api/oauth/password/choose"); r.Status != 400 {
		t.Errorf("no token: %d", r.Status)
	}
	if r := submit(t, b, page, "/api/oauth/password/choose", map[string]string{"token": "unknown", "password": newPassword, "password_again": newPassword}); r.Status != 400 {
		t.Errorf("choosing with an unknown token: %d", r.Status)
	}
	big := url.Values{"email": {strings.Repeat("a", httpapi.MaxBodyBytes)}}
	if r := b.Submit(t, "/api/oauth/password/forgot", big); r.Status != 413 {
		t.Errorf("a body too large: %d", r.Status)
	}
	for _, path := range []string{"/api/oauth/password/forgot", "/api/oauth/password/choose"} {
		r := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: path, ContentType: "application/json", Body: []byte(`{"email":"a@b.example"}`)})
		if r.Status != 415 {
			t.Errorf("%s with JSON: %d", path, r.Status)
		}
	}
	if after := tableDigest(t, w.svc, "password_links", "users", "login_failures"); after != before {
		t.Error("a refused request changed the data")
	}
	w.smtp.ExpectNone(t, 500*time.Millisecond)
	if r := choose(t, b, page, newPassword, newPassword); r.Status != 200 {
		t.Errorf("the link after all that: %d %s", r.Status, r.Body)
	}
}

// TestPasswordPagesRateLimit: the reset form and the link's pages are limited per address like the
// sign-in form (429 page with Retry-After).
func TestPasswordPagesRateLimit(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t, testutil.WithOptions(app.Options{PerAddressLimit: httpapi.RateLimit{PerSecond: 0.1, Burst: 3}}))
	b := svc.NewBrowser(t)
	forgot := b.Get(t, "/api/oauth/password/forgot")
	for _, c := range []struct {
		name string
		send func() *testutil.Response
	}{
		{"requestPasswordReset", func() *testutil.Response {
			return submit(t, b, forgot, "/api/oauth/password/forgot", map[string]string{"email": "someone@xy-company.com"})
		}},
		{"openPasswordLink", func() *testutil.Response { return b.Get(t, "/api/oauth/password/choose?token=guess") }},
		{"choosePassword", func() *testutil.Response {
			return submit(t, b, forgot, "/api/oauth/password/choose", map[string]string{"token": "guess", "password": newPassword, "password_again": newPassword})
		}},
	} {
		for i := range 3 {
			if r := c.send(); r.Status == 429 {
				t.Fatalf("%s: refused at attempt %d", c.name, i)
			}
		}
		r := c.send()
		if r.Status != 429 || r.Header.Get("Retry-After") == "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: want a 429 page with Retry-After, got %d", c.name, r.Status)
		}
	}
}

// linkRecorder is a notify.LinkMailer that keeps what it is given.
type linkRecorder struct{ sent chan notify.LinkMail }

func (l *linkRecorder) SendInvitation(_ context.Context, m notify.LinkMail) error {
	l.sent <- m
	return nil
}

func (l *linkRecorder) SendPasswordReset(_ context.Context, m notify.LinkMail) error {
	l.sent <- m
	return nil
}

// TestResetEmailInTheBrowsersLanguage: the reset email is asked for in the language the page was
// shown in (the browser's Accept-Language among the bundles); an invitation names its organisation
// and the platform's default language.
func TestResetEmailInTheBrowsersLanguage(t *testing.T) {
	t.Parallel()
	w := newPasswordWorld(t)
	rec := &linkRecorder{sent: make(chan notify.LinkMail, 4)}
	w.svc.PasswordLinks.SetMailer(rec)
	ct, body := multipartFile(t, "file", danishBundle)
	if r := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: bundlesPrefix + "da", Token: w.tok[root1], ContentType: ct, Body: body}); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	next := func() notify.LinkMail {
		t.Helper()
		select {
		case m := <-rec.sent:
			return m
		case <-time.After(mailWait):
			t.Fatal("no email")
		}
		return notify.LinkMail{}
	}
	csrf := strings.Repeat("c", 43)
	r := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/oauth/password/forgot", ContentType: "application/x-www-form-urlencoded",
		Body:   []byte(url.Values{"csrf_token": {csrf}, "email": {collab}}.Encode()),
		Header: http.Header{"Accept-Language": {"da-DK,da;q=0.9"}, "Cookie": {"access_csrf=" + csrf}}})
	if r.Status != 200 {
		t.Fatalf("asking: %d %s", r.Status, r.Body)
	}
	if m := next(); m.Locale != "da" || m.To != collab || m.Validity != 30*time.Minute || m.OrgID != nil || !choosePath.MatchString(m.Link) {
		t.Errorf("the reset email: %+v", m)
	}
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+invitee+`","role":"Collaborator"}`)
	if m := next(); m.Locale != "" || m.To != invitee || m.Validity != 72*time.Hour || m.OrgID == nil || ids.Format(*m.OrgID) != w.org {
		t.Errorf("the invitation: %+v", m)
	}
}

// TestLinkUsedOnceAtATime: two forms sent at once with one link: one sets the password, the other is
// told the link is used.
func TestLinkUsedOnceAtATime(t *testing.T) {
	t.Parallel()
	w := newPasswordWorld(t)
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+invitee+`","role":"Collaborator"}`)
	link := w.linkTo(t, invitee)
	b := w.svc.NewBrowser(t)
	page := b.Get(t, link)
	statuses := make(chan int, 2)
	for _, pw := range []string{newPassword, "the other new password"} {
		go func() { statuses <- choose(t, b, page, pw, pw).Status }()
	}
	if a, c := <-statuses, <-statuses; a+c != 600 {
		t.Errorf("two uses at once: %d and %d, want 200 and 400", a, c)
	}
	ok := 0
	for _, pw := range []string{newPassword, "the other new password"} {
		if passwordGrantWith(t, w.svc, invitee, pw).Status == 200 {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%d of the two passwords work", ok)
	}
}
