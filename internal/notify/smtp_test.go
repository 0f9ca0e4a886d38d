package notify_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestSMTPSender sends through a real SMTP server that requires AUTH PLAIN, and checks what arrived.
func TestSMTPSender(t *testing.T) {
	srv := testutil.StartSMTP(t, testutil.WithSMTPAuth("mailer", "s3cret"))
	s, err := notify.NewSMTP(srv.URL("from=safeshare@xy-company.com"), "ignored@example.com")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), notify.Message{To: "contact@xy-company.com", Subject: "Organisation removal requested\r\nBcc: evil@example.com", Body: "Line one\nLine two\n"})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "contact@xy-company.com", 5*time.Second)
	srv.ExpectNone(t, 0)
	if m.From != "safeshare@xy-company.com" || len(m.To) != 1 || m.To[0] != "contact@xy-company.com" || m.AuthUser != "mailer" {
		t.Fatalf("envelope from %q to %q auth %q", m.From, m.To, m.AuthUser)
	}
	// The CR LF in the subject cannot start a header of its own.
	if m.Subject != "Organisation removal requested  Bcc: evil@example.com" || m.Header.Get("Bcc") != "" || strings.Contains(string(m.Raw), "\r\nBcc:") {
		t.Fatalf("subject %q, header %v", m.Subject, m.Header)
	}
	if m.Header.Get("From") != "safeshare@xy-company.com" || m.Header.Get("To") != "contact@xy-company.com" ||
		m.Header.Get("Content-Type") != "text/plain; charset=utf-8" || m.Header.Get("MIME-Version") != "1.0" {
		t.Fatalf("header %v", m.Header)
	}
	if _, err := m.Header.Date(); err != nil {
		t.Fatalf("Date: %v", err)
	}
	// The body's line ends go out as CR LF.
	if m.Text != "Line one\nLine two\n" || !strings.HasSuffix(string(m.Raw), "\r\n\r\nLine one\r\nLine two\r\n") {
		t.Fatalf("body %q, raw:\n%s", m.Text, m.Raw)
	}
}

// TestSMTPSenderEncodesTheSubject: a subject beyond ASCII goes out RFC 2047 encoded and comes back whole.
func TestSMTPSenderEncodesTheSubject(t *testing.T) {
	srv := testutil.StartSMTP(t)
	s, err := notify.NewSMTP(srv.URL(""), "safeshare@xy-company.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), notify.Message{To: "a@b.example", Subject: "Grüße from Zürich", Body: "Çà et là\n"}); err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "a@b.example", 5*time.Second)
	if m.Subject != "Grüße from Zürich" || !strings.HasPrefix(m.Header.Get("Subject"), "=?utf-8?q?") || m.Text != "Çà et là\n" || m.AuthUser != "" {
		t.Fatalf("subject %q (%q), body %q, auth %q", m.Subject, m.Header.Get("Subject"), m.Text, m.AuthUser)
	}
}

func TestSMTPFailures(t *testing.T) {
	for _, bad := range []string{"http://host", "smtp://", "smtp://host?from=not-an-address"} {
		if _, err := notify.NewSMTP(bad, "x@example.com"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	_ = ln.Close()
	s, err := notify.NewSMTP("smtp://"+addr, "x@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), notify.Message{To: "a@b.example", Subject: "s", Body: "b"}); err == nil {
		t.Fatal("a send to a closed port succeeded")
	}

	// A server that wants other credentials, or none of these: the send fails, nothing is delivered.
	srv := testutil.StartSMTP(t, testutil.WithSMTPAuth("mailer", "s3cret"))
	for _, u := range []string{"smtp://mailer:wrong@" + srv.Addr(), "smtp://" + srv.Addr()} {
		s, err := notify.NewSMTP(u, "x@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Send(context.Background(), notify.Message{To: "a@b.example", Subject: "s", Body: "b"}); err == nil {
			t.Errorf("a send through %s succeeded", u)
		}
	}
	srv.ExpectNone(t, 0)

	// A server that refuses the message: the send fails.
	refusing := testutil.StartSMTP(t, testutil.WithSMTPRefusal())
	s, err = notify.NewSMTP(refusing.URL(""), "x@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), notify.Message{To: "a@b.example", Subject: "s", Body: "b"}); err == nil || !strings.Contains(err.Error(), "554") {
		t.Fatalf("a refused send: %v", err)
	}
	if len(refusing.Refused()) != 1 {
		t.Fatalf("refused %d", len(refusing.Refused()))
	}
}
