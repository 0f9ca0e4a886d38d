package mailtmpl

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/i18n"
)

var brand = &Brand{ApplicationName: "Acme Share", CompanyName: "Platform Co", Copyright: "© 2026 Platform Co",
	SupportURL: "https://support.platform.example", WebappHelpURL: "https://help.platform.example",
	PrivacyURL: "https://platform.example/privacy", AdminEmail: "help@platform.example"}

const foot = "\n\n-- \nAcme Share · Platform Co\nSupport: https://support.platform.example\nHelp: https://help.platform.example\n" +
	"Privacy: https://platform.example/privacy\nNeed help? Write to help@platform.example\n© 2026 Platform Co\n"

func render(t *testing.T, name string, in Input) Email {
	t.Helper()
	e, err := Render(name, in)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestEveryEmailIsAPair: every email has both templates, each names only keys of the built-in bundle,
// and each renders with a subject, a text and an HTML body.
func TestEveryEmailIsAPair(t *testing.T) {
	want := []string{"invitation", "mfaOffByAdmin", "mfaOffOwn", "mfaOnByAdmin", "mfaPaired", "mfaSetup",
		"orgRemovalCancelled", "orgRemovalDeclined", "orgRemovalRequested", "orgRemoved", "passwordReset"}
	if !slices.Equal(Names(), want) {
		t.Fatalf("emails %q, want %q", Names(), want)
	}
	keys := i18n.Keys()
	re := regexp.MustCompile(`"(email\.[A-Za-z.]+)"`)
	seen := 0
	err := fs.WalkDir(files, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(files, path)
		for _, m := range re.FindAllSubmatch(data, -1) {
			seen++
			if !slices.Contains(keys, string(m[1])) {
				t.Errorf("%s names %q, which the built-in bundle lacks", path, m[1])
			}
		}
		return err
	})
	if err != nil || seen < 30 {
		t.Fatalf("%v; %d keys seen", err, seen)
	}
	for _, name := range Names() {
		e := render(t, name, Input{Texts: i18n.BuiltinTexts(), Brand: brand, Validity: time.Hour,
			Values:  map[string]string{"link": "https://x.example/l", "by": "a@b.example", "organisation": `"Org"`, "requestedBy": "c@d.example"},
			Phrases: map[string]string{"reason": "email.mfaSetup.reason.joined"}})
		if e.Subject == "" || !strings.HasSuffix(e.Text, foot) || !strings.HasPrefix(e.HTML, "<!DOCTYPE html>") ||
			!strings.Contains(e.HTML, "<title>"+e.Subject+"</title>") || strings.Contains(e.Text+e.HTML, "{") {
			t.Errorf("%s: %+v", name, e)
		}
	}
	if _, err := Render("nothing", Input{}); err == nil {
		t.Error("an email with no templates rendered")
	}
}

// TestTodaysTexts: the text version is the bundle's string with its values, then the theme's foot, as
// the emails were before they were templates; without a brand (a theme not read) there is no foot.
func TestTodaysTexts(t *testing.T) {
	tx := i18n.BuiltinTexts()
	e := render(t, "orgRemoved", Input{Texts: tx, Brand: brand,
		Values: map[string]string{"by": "root@platform.example", "organisation": `"XY Company"`, "requestedBy": "other@platform.example"}})
	if e.Subject != "Organisation removed" ||
		e.Text != `The organisation "XY Company" has been removed by root@platform.example, as requested by other@platform.example.`+foot {
		t.Fatalf("%q\n%s", e.Subject, e.Text)
	}
	e = render(t, "mfaSetup", Input{Texts: tx, Validity: 72 * time.Hour,
		Values: map[string]string{"link": "https://id.example/api/oauth/mfa/setup?token=abc"}, Phrases: map[string]string{"reason": "email.mfaSetup.reason.enforced"}})
	want := tx.Format("email.mfaSetup.body", "reason", tx.Text("email.mfaSetup.reason.enforced"), "validity", "72 hours",
		"link", "https://id.example/api/oauth/mfa/setup?token=abc") + "\n"
	if e.Subject != "Set up multi-factor authentication" || e.Text != want {
		t.Fatalf("%q\n%q\nwant\n%q", e.Subject, e.Text, want)
	}
	if !strings.Contains(e.HTML, `<a href="https://id.example/api/oauth/mfa/setup?token=abc"`) ||
		!strings.Contains(e.HTML, "<p style=\"margin:0 0 16px;\">Your organisation now requires multi-factor authentication for every sign-in.</p>") ||
		strings.Contains(e.HTML, "-- ") || strings.Contains(e.HTML, "Acme") {
		t.Fatalf("html:\n%s", e.HTML)
	}
}

// TestLinkEmails: the invitation and the reset greet by name when there is one, name the application,
// give the validity in words and the link.
func TestLinkEmails(t *testing.T) {
	tx := i18n.BuiltinTexts()
	e := render(t, "invitation", Input{Texts: tx, Brand: brand, Validity: 48 * time.Hour,
		Values: map[string]string{"link": "https://id.example/invitation?token=t1", "name": "Ada"}})
	if e.Subject != "Your Acme Share account is ready" || !strings.HasPrefix(e.Text, "Hello Ada,\n\nAn account on Acme Share was made for you.") ||
		!strings.Contains(e.Text, "within 48 hours (it works once):\n\nhttps://id.example/invitation?token=t1\n\n") || !strings.HasSuffix(e.Text, foot) {
		t.Fatalf("%q\n%s", e.Subject, e.Text)
	}
	e = render(t, "passwordReset", Input{Texts: tx, Brand: brand, Validity: 30 * time.Minute,
		Values: map[string]string{"link": "https://id.example/reset?token=t2", "name": ""}})
	if e.Subject != "Reset your Acme Share password" || !strings.HasPrefix(e.Text, "Hello,\n\nSomeone asked") ||
		!strings.Contains(e.Text, "within 30 minutes") || !strings.Contains(e.HTML, `<a href="https://id.example/reset?token=t2"`) ||
		!strings.Contains(e.HTML, "<p style=\"margin:0 0 16px;\">Hello,</p>") {
		t.Fatalf("%q\n%s\n%s", e.Subject, e.Text, e.HTML)
	}
}

// TestHTMLEscapesEveryValue: a value, a bundle string and the theme are text in the HTML version,
// whatever they hold; the text version keeps them as they are.
func TestHTMLEscapesEveryValue(t *testing.T) {
	evil := `<script>alert("x")</script>`
	b := *brand
	b.CompanyName = "<b>Co</b>"
	b.SupportURL = "javascript:alert(1)"
	e := render(t, "invitation", Input{Texts: i18n.BuiltinTexts(), Brand: &b, Validity: time.Hour,
		Values: map[string]string{"link": `https://id.example/i?token=a"><script>`, "name": evil}})
	if strings.Contains(e.HTML, "<script>") || strings.Contains(e.HTML, "<b>") || strings.Contains(e.HTML, `href="javascript`) ||
		!strings.Contains(e.HTML, "Hello &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;,") || !strings.Contains(e.HTML, "&lt;b&gt;Co&lt;/b&gt;") {
		t.Fatalf("html:\n%s", e.HTML)
	}
	if !strings.HasPrefix(e.Text, "Hello "+evil+",") {
		t.Fatalf("text:\n%s", e.Text)
	}
	if strings.ContainsAny(e.Subject, "\r\n") {
		t.Fatalf("subject %q", e.Subject)
	}
}

// TestParagraphs: blank lines part paragraphs, single line ends become <br>, the link is a link.
func TestParagraphs(t *testing.T) {
	d := newData(Input{Texts: i18n.BuiltinTexts(), Values: map[string]string{"link": "https://l.example", "by": "a\n\nb"}})
	got := d.Paragraphs("email.mfaSetup.body")
	if len(got) != 4 || len(got[2]) != 1 || got[2][0][0].Link != "https://l.example" || got[0][0][0].Text != "{reason}" {
		t.Fatalf("%+v", got)
	}
	if got := d.Paragraphs("email.orgRemovalRequested.body"); len(got) != 2 || got[0][0][1].Text != "a" || got[1][0][0].Text != "b" {
		t.Fatalf("a value's blank line parts paragraphs too: %+v", got)
	}
	d.pairs = []string{"by", "x"}
	got = d.Paragraphs("email.orgRemovalRequested.body")
	if len(got) != 1 || len(got[0]) != 2 {
		t.Fatalf("%+v", got)
	}
}

func TestValidity(t *testing.T) {
	tx := i18n.BuiltinTexts()
	for d, want := range map[time.Duration]string{30 * time.Minute: "30 minutes", 20 * time.Second: "1 minutes",
		time.Hour: "1 hour", 72 * time.Hour: "72 hours"} {
		if got := Validity(tx, d); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}
