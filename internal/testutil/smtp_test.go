package testutil_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

// send delivers raw through net/smtp, authenticating with PLAIN when user is set.
func send(addr, user, password, from string, to []string, raw string) error {
	var auth smtp.Auth
	if user != "" {
		auth = smtp.PlainAuth("", user, password, "127.0.0.1")
	}
	return smtp.SendMail(addr, auth, from, to, []byte(raw))
}

func TestSMTPServerPlainMessage(t *testing.T) {
	srv := testutil.StartSMTP(t)
	raw := "From: Sender <from@example.com>\r\nTo: a@example.com, b@example.com\r\n" +
		"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= and more\r\n\r\n" +
		"Hello\r\n.dot line\r\n"
	if err := send(srv.Addr(), "mailer", "pw", "from@example.com", []string{"a@example.com", "b@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "B@example.com", time.Second)
	if m.From != "from@example.com" || strings.Join(m.To, ",") != "a@example.com,b@example.com" || m.AuthUser != "mailer" {
		t.Fatalf("envelope %q %q %q", m.From, m.To, m.AuthUser)
	}
	if m.Subject != "Grüße and more" || m.Header.Get("From") != "Sender <from@example.com>" || m.HeaderText("Subject") != m.Subject {
		t.Fatalf("headers %q %v", m.Subject, m.Header)
	}
	if m.Text != "Hello\n.dot line\n" || m.HTML != "" || m.Parts != nil {
		t.Fatalf("body %q %q %v", m.Text, m.HTML, m.Parts)
	}
	if !strings.HasSuffix(string(m.Raw), "\r\n\r\nHello\r\n.dot line\r\n") {
		t.Fatalf("raw %q", m.Raw)
	}
	// WaitFor takes a message once, whichever of its recipients it was waited for by.
	srv.ExpectNone(t, 50*time.Millisecond)
	if len(srv.Messages()) != 1 {
		t.Fatalf("%d messages", len(srv.Messages()))
	}
}

func TestSMTPServerMultipart(t *testing.T) {
	srv := testutil.StartSMTP(t)
	raw := "From: from@example.com\r\nTo: to@example.com\r\nSubject: =?utf-8?b?w4lt?=\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=outer\r\n\r\n" +
		"--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n" +
		"--inner\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Caf=C3=A9 link: https://example.com/a?b=3Dc&d=3D=\r\nlong\r\n" +
		"--inner\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		"PHA+Q2Fmw6k8L3A+\r\nPGEgaHJlZj0ieCI+eDwvYT4=\r\n" +
		"--inner--\r\n" +
		"--outer\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"notes.txt\"\r\n\r\n" +
		"not the body\r\n" +
		"--outer--\r\n"
	if err := send(srv.Addr(), "", "", "from@example.com", []string{"to@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "to@example.com", time.Second)
	if m.AuthUser != "" || m.Subject != "Ém" {
		t.Fatalf("%q %q", m.AuthUser, m.Subject)
	}
	if m.Text != "Café link: https://example.com/a?b=c&d=long" { // the CRLF before a boundary belongs to it
		t.Fatalf("text %q", m.Text)
	}
	if m.HTML != `<p>Café</p><a href="x">x</a>` {
		t.Fatalf("html %q", m.HTML)
	}
	if len(m.Parts) != 3 || m.Parts[2].Filename != "notes.txt" || string(m.Parts[2].Body) != "not the body" || m.Parts[1].ContentType != "text/html" {
		t.Fatalf("parts %+v", m.Parts)
	}
}

func TestSMTPServerAuth(t *testing.T) {
	srv := testutil.StartSMTP(t, testutil.WithSMTPAuth("mailer", "s3cret"))
	if u := srv.URL("from=x@example.com"); u != "smtp://mailer:s3cret@"+srv.Addr()+"?from=x@example.com" {
		t.Fatal(u)
	}
	if err := send(srv.Addr(), "mailer", "wrong", "f@example.com", []string{"t@example.com"}, "Subject: s\r\n\r\nb\r\n"); err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("a wrong password: %v", err)
	}
	if err := send(srv.Addr(), "", "", "f@example.com", []string{"t@example.com"}, "Subject: s\r\n\r\nb\r\n"); err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("no AUTH: %v", err)
	}
	srv.ExpectNone(t, 0)
	if err := send(srv.Addr(), "mailer", "s3cret", "f@example.com", []string{"t@example.com"}, "Subject: s\r\n\r\nb\r\n"); err != nil {
		t.Fatal(err)
	}
	if m := srv.WaitFor(t, "t@example.com", time.Second); m.AuthUser != "mailer" || m.Text != "b\n" {
		t.Fatalf("%+v", m)
	}
}

func TestSMTPServerRefusal(t *testing.T) {
	srv := testutil.StartSMTP(t, testutil.WithSMTPRefusal())
	if u := srv.URL(""); u != "smtp://"+srv.Addr() {
		t.Fatal(u)
	}
	err := send(srv.Addr(), "", "", "f@example.com", []string{"t@example.com"}, "Subject: refused\r\n\r\nb\r\n")
	if err == nil || !strings.Contains(err.Error(), "554") {
		t.Fatalf("%v", err)
	}
	if len(srv.Messages()) != 0 || len(srv.Refused()) != 1 || srv.Refused()[0].Subject != "refused" {
		t.Fatalf("%v %v", srv.Messages(), srv.Refused())
	}
}

func TestSMTPServerWaitForOrder(t *testing.T) {
	srv := testutil.StartSMTP(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, s := range []string{"one", "two"} {
			time.Sleep(20 * time.Millisecond)
			if err := send(srv.Addr(), "", "", "f@example.com", []string{"t@example.com"}, "Subject: "+s+"\r\n\r\n"+s+"\r\n"); err != nil {
				t.Error(err)
			}
		}
	}()
	if m := srv.WaitFor(t, "t@example.com", 5*time.Second); m.Subject != "one" {
		t.Fatal(m.Subject)
	}
	if m := srv.WaitFor(t, "t@example.com", 5*time.Second); m.Subject != "two" {
		t.Fatal(m.Subject)
	}
	<-done
	srv.ExpectNone(t, 20*time.Millisecond)
}
