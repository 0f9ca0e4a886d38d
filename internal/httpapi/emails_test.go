package httpapi_test

import (
	"context"
	"encoding/json"
	"mime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/testutil"
)

// wantAlternative checks that the email arrived as multipart/alternative with a text and an HTML part,
// each holding every string of want (the HTML one as its escaped form says).
func wantAlternative(t *testing.T, what string, m testutil.SMTPMessage, text, html []string) {
	t.Helper()
	ct, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if ct != "multipart/alternative" || len(m.Parts) != 2 || m.Parts[0].ContentType != "text/plain" || m.Parts[1].ContentType != "text/html" {
		t.Fatalf("%s: %s with parts %+v", what, ct, m.Parts)
	}
	for _, s := range text {
		if !strings.Contains(m.Text, s) {
			t.Errorf("%s: the text lacks %q:\n%s", what, s, m.Text)
		}
	}
	for _, s := range html {
		if !strings.Contains(m.HTML, s) {
			t.Errorf("%s: the HTML lacks %q:\n%s", what, s, m.HTML)
		}
	}
	if strings.Contains(m.HTML, "<script") {
		t.Errorf("%s: the HTML holds a script:\n%s", what, m.HTML)
	}
}

// TestEmailsAreThemedTextAndHTML: every kind of email leaves through a real SMTP server as text and HTML,
// with the theme's names and links (an organisation's own in those about it), and the values escaped in
// the HTML: the MFA set-up link, the organisation's removal request, the invitation and the password reset.
func TestEmailsAreThemedTextAndHTML(t *testing.T) {
	t.Parallel()
	srv := testutil.StartSMTP(t)
	w := buildWorld(t, nil, testutil.WithEnv("ACCESS_SMTP_URL", srv.URL("from=safeshare@platform.example")))
	for name, value := range map[string]string{
		"applicationName": "Acme Share", "companyName": "Platform Co", "copyright": "© 2026 Platform Co",
		"supportLink": "https://support.platform.example", "privacyUrl": "https://platform.example/privacy",
		"adminEmail": "help@platform.example",
	} {
		w.setTheme(t, name, value)
	}
	platformHTML := []string{`<html lang="en-US">`, "Acme Share · Platform Co", `Support: <a href="https://support.platform.example"`,
		`<a href="mailto:help@platform.example"`, "© 2026 Platform Co"}

	w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"mfaEnabled":true}`)
	m := srv.WaitFor(t, root2, 5*time.Second)
	if m.Subject != "Set up multi-factor authentication" {
		t.Errorf("subject %q", m.Subject)
	}
	wantAlternative(t, "MFA set-up", m,
		[]string{"A SafeShare administrator turned multi-factor authentication on for your account.\n\nTo set it up, open this link within 72 hours",
			"/api/oauth/mfa/setup?token=", "\n-- \nAcme Share · Platform Co\nSupport: https://support.platform.example\n"},
		append([]string{"<title>Set up multi-factor authentication</title>", `<a href="http`, "/api/oauth/mfa/setup?token="}, platformHTML...))

	// An organisation with a name that is markup, and a brand of its own.
	w.mustDo(t, 200, "PUT", "/api/v1/organisations/"+w.org, root1, `{"name":"<script>alert(1)</script> & Co"}`)
	w.mustDo(t, 200, "PUT", "/api/v1/organisations/"+w.org, orgAdmin, `{"companyName":"XY <b>Company</b> Ltd","supportUrl":"https://support.xy-company.example"}`)
	w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":true}`)
	m = srv.WaitFor(t, "contact@xycompany.example", 5*time.Second)
	wantAlternative(t, "removal request", m,
		[]string{`has requested the removal of the organisation "<script>alert(1)</script> & Co".`, "Acme Share · XY <b>Company</b> Ltd\n",
			"Support: https://support.xy-company.example\n"},
		[]string{`the organisation &#34;&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co&#34;.<br>A second SafeShare administrator`,
			"Acme Share · XY &lt;b&gt;Company&lt;/b&gt; Ltd", `<a href="https://support.xy-company.example"`})
	if strings.Contains(m.Text+m.HTML, "support.platform.example") {
		t.Errorf("the organisation's email has the platform's support link:\n%s", m.Text)
	}

	// The link emails, through the app's LinkMailer: an invitation about the organisation, a reset about none.
	orgID, _ := strconv.ParseInt(w.org, 10, 64)
	ctx := context.Background()
	if err := w.svc.LinkMail.SendInvitation(ctx, notify.LinkMail{To: "new@xy-company.example", Name: "<script>x</script>Ada",
		Link: "https://id.example/invitation?token=inv0123", Validity: 48 * time.Hour, OrgID: &orgID}); err != nil {
		t.Fatal(err)
	}
	m = srv.WaitFor(t, "new@xy-company.example", 5*time.Second)
	if m.Subject != "Your Acme Share account is ready" {
		t.Errorf("subject %q", m.Subject)
	}
	wantAlternative(t, "invitation", m,
		[]string{"Hello <script>x</script>Ada,\n\nAn account on Acme Share was made for you. To choose your password, open this link within 48 hours (it works once):\n\nhttps://id.example/invitation?token=inv0123\n\n",
			"Acme Share · XY <b>Company</b> Ltd\n"},
		[]string{"Hello &lt;script&gt;x&lt;/script&gt;Ada,", `<a href="https://id.example/invitation?token=inv0123"`, "Acme Share · XY &lt;b&gt;Company&lt;/b&gt; Ltd"})

	if err := w.svc.LinkMail.SendPasswordReset(ctx, notify.LinkMail{To: collab, Link: "https://id.example/reset?token=rst0123",
		Validity: 30 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	m = srv.WaitFor(t, collab, 5*time.Second)
	if m.Subject != "Reset your Acme Share password" {
		t.Errorf("subject %q", m.Subject)
	}
	wantAlternative(t, "password reset", m,
		[]string{"Hello,\n\nSomeone asked to reset the password of your Acme Share account. To choose a new password, open this link within 30 minutes (it works once):\n\nhttps://id.example/reset?token=rst0123\n\n",
			"\n-- \nAcme Share · Platform Co\n"},
		append([]string{"<p style=\"margin:0 0 16px;\">Hello,</p>", `<a href="https://id.example/reset?token=rst0123"`}, platformHTML...))
	srv.ExpectNone(t, 0)
}

// TestLinkEmailsInTheRecipientsLanguage: a link email is in the person's locale when it has a bundle,
// else in the platform's default; the strings a custom bundle lacks are the built-in ones.
func TestLinkEmailsInTheRecipientsLanguage(t *testing.T) {
	t.Parallel()
	srv := testutil.StartSMTP(t)
	w := buildWorld(t, nil, testutil.WithEnv("ACCESS_SMTP_URL", srv.URL("from=safeshare@platform.example")))
	bundle, _ := json.Marshal(map[string]string{
		"email.invitation.subject": "Din konto på {app} er klar",
		"email.invitation.body":    "Vælg din adgangskode inden for {validity}:\n\n{link}",
		"email.greeting.named":     "Hej {name},",
		"duration.hours":           "{n} timer",
		"email.footer.support":     "Hjælp:",
	})
	if r := w.uploadBundle(t, root1, "da", string(bundle)); r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	ctx := context.Background()
	w.setTheme(t, "supportLink", "https://support.platform.example")
	send := func(to, locale string) testutil.SMTPMessage {
		t.Helper()
		if err := w.svc.LinkMail.SendInvitation(ctx, notify.LinkMail{To: to, Name: "Åse", Link: "https://id.example/i?token=" + to,
			Validity: 72 * time.Hour, Locale: locale}); err != nil {
			t.Fatal(err)
		}
		return srv.WaitFor(t, to, 5*time.Second)
	}
	danish := func(what string, m testutil.SMTPMessage) {
		t.Helper()
		if m.Subject != "Din konto på SafeShare er klar" {
			t.Errorf("%s: subject %q", what, m.Subject)
		}
		wantAlternative(t, what, m,
			[]string{"Hej Åse,\n\nVælg din adgangskode inden for 72 timer:\n\nhttps://id.example/i?token=", "Hjælp: https://support.platform.example\n"},
			[]string{`<html lang="da">`, "Hej Åse,", "Vælg din adgangskode inden for 72 timer:", "Hjælp: <a href"})
	}
	english := func(what string, m testutil.SMTPMessage) {
		t.Helper()
		if m.Subject != "Your SafeShare account is ready" {
			t.Errorf("%s: subject %q", what, m.Subject)
		}
		wantAlternative(t, what, m, []string{"Hello Åse,\n\nAn account on SafeShare was made for you.", "within 72 hours"},
			[]string{`<html lang="en-US">`, "Support: <a href"})
	}
	danish("the person's locale", send("da@x.example", "da"))
	english("a locale without a bundle: the default", send("de@x.example", "de"))
	english("no locale: the default", send("none@x.example", ""))
	w.mustDo(t, 200, "PUT", adminPrefPath, root1, `{"i18nCode":"da"}`)
	danish("no locale, Danish the default", send("none2@x.example", ""))
	english("the built-in locale", send("en@x.example", "en_us"))

	// The platform's emails follow the default too, as text and HTML.
	w.mustDo(t, 200, "PUT", usersPath(w.id[root2]), root1, `{"mfaEnabled":true}`)
	m := srv.WaitFor(t, root2, 5*time.Second)
	wantAlternative(t, "MFA set-up in Danish", m, []string{"within 72 timer", "Hjælp: https://support.platform.example"},
		[]string{`<html lang="da">`, "within 72 timer"})
}
