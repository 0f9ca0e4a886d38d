package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"mime"
	"net"
	"strings"
	"sync"
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
	ct, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if m.Header.Get("From") != "<safeshare@xy-company.com>" || m.Header.Get("To") != "<contact@xy-company.com>" ||
		ct != "text/plain" || m.Header.Get("MIME-Version") != "1.0" || m.Header.Get("Message-ID") == "" {
		t.Fatalf("header %v", m.Header)
	}
	if _, err := m.Header.Date(); err != nil {
		t.Fatalf("Date: %v", err)
	}
	// A message without HTML is plain text; its line ends go out as CR LF.
	if m.Text != "Line one\nLine two\n" || m.HTML != "" || m.Parts != nil || !strings.Contains(string(m.Raw), "Line one\r\nLine two\r\n") {
		t.Fatalf("body %q, raw:\n%s", m.Text, m.Raw)
	}
}

// TestSMTPSenderMultipart: a message with HTML goes out as multipart/alternative, the text first.
func TestSMTPSenderMultipart(t *testing.T) {
	srv := testutil.StartSMTP(t)
	s, err := notify.NewSMTP(srv.URL(""), "safeshare@xy-company.com")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), notify.Message{To: "a@b.example", Subject: "Both", Body: "Plain\n", HTML: "<p>Rich &amp; <b>bold</b></p>"})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "a@b.example", 5*time.Second)
	ct, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if ct != "multipart/alternative" || len(m.Parts) != 2 || m.Parts[0].ContentType != "text/plain" || m.Parts[1].ContentType != "text/html" ||
		m.Text != "Plain\n" || m.HTML != "<p>Rich &amp; <b>bold</b></p>" {
		t.Fatalf("%s: %+v\n%s", ct, m.Parts, m.Raw)
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
	if m.Subject != "Grüße from Zürich" || !strings.HasPrefix(strings.ToLower(m.Header.Get("Subject")), "=?utf-8?q?") || m.Text != "Çà et là\n" || m.AuthUser != "" {
		t.Fatalf("subject %q (%q), body %q, auth %q", m.Subject, m.Header.Get("Subject"), m.Text, m.AuthUser)
	}
}

// fast makes the sender wait a moment only between attempts.
func fast(t *testing.T, rawURL string) *notify.SMTP {
	t.Helper()
	s, err := notify.NewSMTP(rawURL, "x@example.com")
	if err != nil {
		t.Fatal(err)
	}
	s.Backoff = time.Millisecond
	return s
}

func TestSMTPFailures(t *testing.T) {
	for _, bad := range []string{"http://host", "smtp://", "smtp://host?from=not-an-address", "smtp://host:0", "smtp://host:99999"} {
		if _, err := notify.NewSMTP(bad, "x@example.com"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	_ = ln.Close()
	if err := fast(t, "smtp://"+addr).Send(context.Background(), notify.Message{To: "a@b.example", Subject: "s", Body: "b"}); err == nil {
		t.Fatal("a send to a closed port succeeded")
	}
	if err := fast(t, "smtp://"+addr).Send(context.Background(), notify.Message{To: "not an address", Subject: "s", Body: "b"}); err == nil {
		t.Fatal("a send to no address succeeded")
	}

	// A server that wants other credentials, or none of these: the send fails, nothing is delivered.
	srv := testutil.StartSMTP(t, testutil.WithSMTPAuth("mailer", "s3cret"))
	for _, u := range []string{"smtp://mailer:wrong@" + srv.Addr(), "smtp://" + srv.Addr()} {
		if err := fast(t, u).Send(context.Background(), notify.Message{To: "a@b.example", Subject: "s", Body: "b"}); err == nil {
			t.Errorf("a send through %s succeeded", u)
		} else if notify.Temporary(err) {
			t.Errorf("a send through %s: %v is taken for temporary", u, err)
		}
	}
	srv.ExpectNone(t, 0)
}

// TestSMTPRetries: a temporary refusal (451) is tried again, and the message delivered once; a
// permanent one (554) is not tried again; the attempts are bounded.
func TestSMTPRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("4xx then accepted", func(t *testing.T) {
		srv := testutil.StartSMTP(t, testutil.WithSMTPTemporaryFailures(2))
		if err := fast(t, srv.URL("")).Send(ctx, notify.Message{To: "a@b.example", Subject: "third time", Body: "b"}); err != nil {
			t.Fatal(err)
		}
		if m := srv.WaitFor(t, "a@b.example", 5*time.Second); m.Subject != "third time" {
			t.Fatal(m.Subject)
		}
		srv.ExpectNone(t, 0)
		if len(srv.Refused()) != 2 || len(srv.Messages()) != 1 {
			t.Fatalf("refused %d, accepted %d", len(srv.Refused()), len(srv.Messages()))
		}
	})
	t.Run("4xx every time", func(t *testing.T) {
		srv := testutil.StartSMTP(t, testutil.WithSMTPTemporaryFailures(10))
		err := fast(t, srv.URL("")).Send(ctx, notify.Message{To: "a@b.example", Subject: "s", Body: "b"})
		if err == nil || !strings.Contains(err.Error(), "451") || !notify.Temporary(err) {
			t.Fatalf("%v", err)
		}
		if len(srv.Refused()) != notify.DefaultAttempts || len(srv.Messages()) != 0 {
			t.Fatalf("refused %d, accepted %d", len(srv.Refused()), len(srv.Messages()))
		}
	})
	t.Run("5xx", func(t *testing.T) {
		srv := testutil.StartSMTP(t, testutil.WithSMTPRefusal())
		err := fast(t, srv.URL("")).Send(ctx, notify.Message{To: "a@b.example", Subject: "s", Body: "b"})
		if err == nil || !strings.Contains(err.Error(), "554") || notify.Temporary(err) {
			t.Fatalf("a refused send: %v", err)
		}
		if len(srv.Refused()) != 1 {
			t.Fatalf("refused %d: a permanent refusal was tried again", len(srv.Refused()))
		}
	})
	// Servers that greet with a reply of their own and hang up: 421 is tried again, 554 is not; a
	// connection that breaks before any reply is tried again.
	for greeting, attempts := range map[string]int{"421 busy, come back later\r\n": notify.DefaultAttempts,
		"554 no SMTP service here\r\n": 1, "": notify.DefaultAttempts} {
		addr, count := greeter(t, greeting)
		if err := fast(t, "smtp://"+addr).Send(ctx, notify.Message{To: "a@b.example", Subject: "s", Body: "b"}); err == nil {
			t.Fatalf("%q: sent", greeting)
		}
		if n := count(); n != attempts {
			t.Errorf("%q: %d connections, want %d", greeting, n, attempts)
		}
	}
	// The context's deadline ends the retries.
	srv := testutil.StartSMTP(t, testutil.WithSMTPTemporaryFailures(10))
	s := fast(t, srv.URL(""))
	s.Backoff = time.Hour
	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := s.Send(dctx, notify.Message{To: "a@b.example", Subject: "s", Body: "b"}); err == nil || len(srv.Refused()) != 1 {
		t.Fatalf("%v, refused %d", err, len(srv.Refused()))
	}
}

// greeter listens on a loopback port, writes greeting to each connection and closes it; count says how
// many connections it took.
func greeter(t *testing.T, greeting string) (addr string, count func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var mu sync.Mutex
	n := 0
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
			_, _ = c.Write([]byte(greeting))
			_ = c.Close()
		}
	}()
	return ln.Addr().String(), func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// TestLogSender: a message is logged instead of sent, its body left out when it is Secret; the HTML
// version never.
func TestLogSender(t *testing.T) {
	var buf bytes.Buffer
	l := notify.LogSender{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	_ = l.Send(context.Background(), notify.Message{To: "a@b.example", Subject: "open", Body: "plain words", HTML: "<p>rich words</p>"})
	_ = l.Send(context.Background(), notify.Message{To: "a@b.example", Subject: "link", Body: "token=SECRET", HTML: "<a>token=SECRET</a>", Secret: true})
	out := buf.String()
	if !strings.Contains(out, "plain words") || strings.Contains(out, "rich words") || strings.Contains(out, "SECRET") || !strings.Contains(out, "subject=link") {
		t.Fatal(out)
	}
}
