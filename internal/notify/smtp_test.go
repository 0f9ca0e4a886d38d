package notify_test

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/notify"
)

// fakeSMTP is a minimal SMTP server: it accepts everything and keeps each message's envelope and data.
type fakeSMTP struct {
	ln   net.Listener
	mu   sync.Mutex
	got  []string // "from|to|auth|data"
	done chan struct{}
}

// startFakeSMTP listens on a loopback port until the test ends.
func startFakeSMTP(t testing.TB) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, done: make(chan struct{}, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	t.Cleanup(func() { _ = ln.Close() })
	return f
}

func (f *fakeSMTP) Addr() string { return f.ln.Addr().String() }

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
	say("220 fake ESMTP")
	var from, to, auth string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		switch up := strings.ToUpper(cmd); {
		case strings.HasPrefix(up, "EHLO"):
			say("250-fake")
			say("250 AUTH PLAIN")
		case strings.HasPrefix(up, "AUTH"):
			auth = cmd
			say("235 ok")
		case strings.HasPrefix(up, "MAIL FROM:"):
			from = cmd[len("MAIL FROM:"):]
			say("250 ok")
		case strings.HasPrefix(up, "RCPT TO:"):
			to = cmd[len("RCPT TO:"):]
			say("250 ok")
		case up == "DATA":
			say("354 go on")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			f.mu.Lock()
			f.got = append(f.got, from+"|"+to+"|"+auth+"|"+data.String())
			f.mu.Unlock()
			say("250 queued")
			f.done <- struct{}{}
		case up == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (f *fakeSMTP) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

func TestSMTPSender(t *testing.T) {
	srv := startFakeSMTP(t)
	s, err := notify.NewSMTP("smtp://mailer:s3cret@"+srv.Addr()+"?from=safeshare@xy-company.com", "ignored@example.com")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), notify.Message{To: "contact@xy-company.com", Subject: "Organisation removal requested\r\nBcc: evil@example.com", Body: "Line one\nLine two\n"})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.messages()
	if len(got) != 1 {
		t.Fatalf("%v", got)
	}
	parts := strings.SplitN(got[0], "|", 4)
	if parts[0] != "<safeshare@xy-company.com>" || parts[1] != "<contact@xy-company.com>" || !strings.HasPrefix(parts[2], "AUTH PLAIN") {
		t.Fatalf("envelope %q", parts[:3])
	}
	data := parts[3]
	if !strings.Contains(data, "Subject: Organisation removal requested  Bcc: evil@example.com\r\n") || strings.Contains(data, "\r\nBcc:") ||
		!strings.Contains(data, "\r\n\r\nLine one\r\nLine two\r\n") {
		t.Fatalf("message:\n%s", data)
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
}
