package httpapi_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestNotificationsThroughSMTP: with ACCESS_SMTP_URL set, the contact's email leaves through SMTP.
func TestNotificationsThroughSMTP(t *testing.T) {
	t.Parallel()
	srv := testutil.StartSMTP(t)
	w := buildWorld(t, nil, testutil.WithEnv("ACCESS_SMTP_URL", srv.URL("from=safeshare@platform.example")))
	w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":true}`)
	m := srv.WaitFor(t, "contact@xycompany.example", 5*time.Second)
	from, _ := m.Header.AddressList("From")
	to, _ := m.Header.AddressList("To")
	if m.From != "safeshare@platform.example" || len(m.To) != 1 || len(from) != 1 || from[0].Address != "safeshare@platform.example" ||
		len(to) != 1 || to[0].Address != "contact@xycompany.example" || m.Subject != "Organisation removal requested" ||
		!strings.Contains(m.Text, "("+root1+") has requested the removal of the organisation \"XY Company\"") {
		t.Fatalf("from %q to %q, header %v, body:\n%s", m.From, m.To, m.Header, m.Text)
	}
	// Its requester cancels it: the contact hears of that too.
	w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org+"/removalRequest", root1, "")
	m = srv.WaitFor(t, "contact@xycompany.example", 5*time.Second)
	if m.Subject != "Organisation removal cancelled" || !strings.Contains(m.Text, "has been cancelled by "+root1+". Nothing was removed.") {
		t.Fatalf("subject %q, body:\n%s", m.Subject, m.Text)
	}
	// notifyContact false: nothing is sent, neither for the request nor for its decline.
	w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":false}`)
	w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org+"/removalRequest", root2, "")
	srv.ExpectNone(t, 200*time.Millisecond)
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
	t.Run("SMTP server refuses", func(t *testing.T) {
		srv := testutil.StartSMTP(t, testutil.WithSMTPRefusal())
		w := buildWorld(t, nil, testutil.WithEnv("ACCESS_SMTP_URL", srv.URL("")))
		w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":true}`)
		if w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org, root1, "").JSON(t)["organisationRemovalRequest"] == nil {
			t.Fatal("the request was rolled back")
		}
		w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org, root2, "")
		w.mustDo(t, 404, "GET", "/api/v1/organisations/"+w.org, root1, "")
		// The service did try: the server refused both emails, and accepted none.
		refused := srv.Refused()
		if len(refused) != 2 || refused[0].Subject != "Organisation removal requested" || refused[1].Subject != "Organisation removed" || len(srv.Messages()) != 0 {
			t.Fatalf("refused %d, accepted %d", len(refused), len(srv.Messages()))
		}
	})
}
