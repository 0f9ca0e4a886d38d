package httpapi_test

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestNotificationsThroughSMTP: with ACCESS_SMTP_URL set, the contact's email leaves through SMTP.
func TestNotificationsThroughSMTP(t *testing.T) {
	t.Parallel()
	got := make(chan string, 4)
	addr := smtpSink(t, got)
	w := buildWorld(t, nil, testutil.WithEnv("ACCESS_SMTP_URL", "smtp://"+addr+"?from=safeshare@platform.example"))
	w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":true}`)
	select {
	case data := <-got:
		if !strings.Contains(data, "RCPT TO:<contact@xycompany.example>") || !strings.Contains(data, "Subject: Organisation removal requested") {
			t.Fatalf("%s", data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no email")
	}
	// notifyContact false: nothing is sent.
	w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org+"/removalRequest", root1, "")
	w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":false}`)
	w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org+"/removalRequest", root2, "")
	select {
	case data := <-got: // the cancel of the first request, which asked for notifications
		if !strings.Contains(data, "cancelled") {
			t.Fatalf("%s", data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no email about the cancel")
	}
	select {
	case data := <-got:
		t.Fatalf("email although notifyContact was false: %s", data)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestFailedEmailDoesNotFailTheRequest: the mail server is down, or refuses; the request succeeds.
func TestFailedEmailDoesNotFailTheRequest(t *testing.T) {
	t.Parallel()
	t.Run("sender fails", func(t *testing.T) {
		mb := &testutil.Mailbox{Fail: true}
		w := buildWorld(t, mb)
		w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":true}`)
		w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org, root2, "")
	})
	t.Run("SMTP server unreachable", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		_ = ln.Close()
		w := buildWorld(t, nil, testutil.WithEnv("ACCESS_SMTP_URL", "smtp://"+addr))
		w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":true}`)
		if w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org, root1, "").JSON(t)["organisationRemovalRequest"] == nil {
			t.Fatal("the request was rolled back")
		}
	})
}

// smtpSink accepts SMTP sessions and sends each one's transcript (commands and data) to got.
func smtpSink(t *testing.T, got chan<- string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				r := bufio.NewReader(c)
				say := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
				say("220 sink")
				var b strings.Builder
				inData := false
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					b.WriteString(line)
					switch {
					case inData && line == ".\r\n":
						inData = false
						say("250 queued")
					case inData:
					case strings.HasPrefix(line, "DATA"):
						inData = true
						say("354 go on")
					case strings.HasPrefix(line, "QUIT"):
						say("221 bye")
						got <- b.String()
						return
					default:
						say("250 ok")
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}
