package httpapi_test

import (
	"context"
	"html/template"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// pageTheme is a theme with text that must be escaped on a page.
var pageTheme = map[string]string{
	"applicationName":         `Acme <Share> & "Co"`,
	"companyName":             `Example & Sons <Ltd>`,
	"copyright":               `© 2026 'Example' <Ltd>`,
	"supportLink":             "https://support.example.com/help?a=1&b=2",
	"webappHelpUrl":           "https://help.example.com/webapp",
	"legalUrl":                "https://example.com/legal",
	"privacyUrl":              "https://example.com/privacy",
	"adminEmail":              "help@example.com",
	"iphoneAuthenticatorUrl":  "https://apps.example.com/iphone?app=1&x=2",
	"androidAuthenticatorUrl": "https://apps.example.com/android",
	"windowsAuthenticatorUrl": "https://apps.example.com/windows",
}

func setPageTheme(t *testing.T, e *env) {
	t.Helper()
	for name, value := range pageTheme {
		r := e.svc.Client.Do(t, testutil.Request{Method: "PUT", Path: themePath + name, Token: e.admin, ContentType: "text/plain", Body: []byte(value)})
		if r.Status != 200 {
			t.Fatalf("setting %s: %d %s", name, r.Status, r.Body)
		}
	}
}

// checkThemed: the page shows the theme's names (escaped) and links, and "Need help?" with the address
// in the footer unless the page has its own (helpInPage).
func checkThemed(t *testing.T, what string, body []byte, helpInPage bool) {
	t.Helper()
	page := string(body)
	esc := template.HTMLEscapeString
	for _, want := range []string{
		"<title>", esc(pageTheme["applicationName"]) + "</title>",
		`<p class="brand">` + esc(pageTheme["applicationName"]) + "</p>",
		esc(pageTheme["companyName"]), esc(pageTheme["copyright"]),
		`href="https://support.example.com/help?a=1&amp;b=2"`, `href="https://help.example.com/webapp"`,
		`href="https://example.com/legal"`, `href="https://example.com/privacy"`,
		`href="mailto:help@example.com"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("%s lacks %s:\n%s", what, want, page)
		}
	}
	for _, raw := range []string{"<Share>", "<Ltd>"} {
		if strings.Contains(page, raw) {
			t.Errorf("%s shows %s unescaped", what, raw)
		}
	}
	if footerHelp := strings.Contains(page, `Need help? <a href="mailto:help@example.com">`); footerHelp == helpInPage {
		t.Errorf("%s: the footer's Need help? shown %v, the page's own %v", what, footerHelp, helpInPage)
	}
}

// TestThemeOnThePages: the theme set through the API shows, escaped, on the sign-in page, the approval
// page, the Authentication code page (adminEmail in its own "Need help?") and the MFA set-up pages (the
// theme's authenticator links); and with the theme cleared, the pages show the defaults.
func TestThemeOnThePages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	setPageTheme(t, e)

	_, challenge := pkcePair("theme")
	path := authorizePath(codeParams(challenge))
	b := e.svc.NewBrowser(t)
	signInPage := b.Get(t, path)
	if signInPage.Status != 200 || !strings.Contains(string(signInPage.Body), `action="/api/oauth/login"`) {
		t.Fatalf("sign-in page: %d %s", signInPage.Status, signInPage.Body)
	}
	checkThemed(t, "the sign-in page", signInPage.Body, false)

	approvalPage := signIn(t, b, path, alice)
	if !strings.Contains(string(approvalPage.Body), `value="approve"`) {
		t.Fatalf("approval page: %d %s", approvalPage.Status, approvalPage.Body)
	}
	checkThemed(t, "the approval page", approvalPage.Body, false)

	pairOwn(t, e.svc, e.svc.Token(t, clientID, bob))
	b2 := e.svc.NewBrowser(t)
	codePage := submit(t, b2, b2.Get(t, path), "/api/oauth/login", map[string]string{"username": bob, "password": testutil.Password})
	if !strings.Contains(string(codePage.Body), "Authentication code") {
		t.Fatalf("code page: %d %s", codePage.Status, codePage.Body)
	}
	checkThemed(t, "the code page", codePage.Body, true)
	help := string(codePage.Body)
	help = help[strings.Index(help, "<summary>Need help?</summary>"):]
	if !strings.Contains(help[:strings.Index(help, "</details>")], `href="mailto:help@example.com"`) {
		t.Errorf("the code page's Need help? lacks the address: %s", help)
	}

	carol := e.svc.CreateUser(t, "carol@xy-company.com", false)
	token, _, err := e.svc.MFA.NewSetupLink(context.Background(), carol.ID)
	if err != nil {
		t.Fatal(err)
	}
	setupPage := b.Get(t, "/api/oauth/mfa/setup?token="+token)
	if setupPage.Status != 200 || !strings.Contains(string(setupPage.Body), "data:image/png;base64,") {
		t.Fatalf("set-up page: %d %s", setupPage.Status, setupPage.Body)
	}
	checkThemed(t, "the set-up page", setupPage.Body, false)
	for _, want := range []string{`href="https://apps.example.com/iphone?app=1&amp;x=2"`, `href="https://apps.example.com/android"`, `href="https://apps.example.com/windows"`} {
		if !strings.Contains(string(setupPage.Body), want) {
			t.Errorf("the set-up page lacks %s", want)
		}
	}
	refused := b.Get(t, "/api/oauth/mfa/setup?token=not-a-token")
	checkThemed(t, "the set-up link's error page", refused.Body, false)

	// Cleared: the defaults, and no footer.
	for name := range pageTheme {
		if r := e.do(t, "PUT", themePath+name, e.admin, map[string]any{}); r.Status != 200 {
			t.Fatalf("clearing %s: %d %s", name, r.Status, r.Body)
		}
	}
	plain := string(e.svc.NewBrowser(t).Get(t, path).Body)
	if !strings.Contains(plain, `<p class="brand">SafeShare</p>`) || !strings.Contains(plain, "· SafeShare</title>") ||
		strings.Contains(plain, "<footer") {
		t.Errorf("the sign-in page without a theme:\n%s", plain)
	}
	setup := string(b.Get(t, "/api/oauth/mfa/setup?token="+token).Body)
	if !strings.Contains(setup, `href="https://apps.apple.com/app/google-authenticator/id388497605"`) {
		t.Errorf("the set-up page without a theme lacks the default iPhone link:\n%s", setup)
	}
}
