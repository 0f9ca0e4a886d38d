package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/httpapi"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/testutil"
)

// Addresses the tests' clients claim (documentation ranges); every connection comes from 127.0.0.1.
const (
	clientA = "203.0.113.1"
	clientB = "203.0.113.2"
	clientC = "203.0.113.3"
	clientD = "203.0.113.4"
	spoofed = "198.51.100.66"
)

// proxied is a request forwarded for xff.
func proxied(r testutil.Request, xff string) testutil.Request {
	r.Header = http.Header{"X-Forwarded-For": {xff}}
	return r
}

func tokenForm(password string) testutil.Request {
	v := url.Values{"grant_type": {"password"}, "username": {alice}, "password": {password}}
	return testutil.Request{Method: http.MethodPost, Path: "/api/oauth/token", Basic: basic,
		ContentType: "application/x-www-form-urlencoded", Body: []byte(v.Encode())}
}

// proxyWorld is a service with alice, the client app, and an organisation made by a SafeShare
// administrator, whose audit trail the tests read.
type proxyWorld struct {
	svc   *testutil.Service
	logs  *testutil.LockedBuffer
	root  string // the administrator's token
	org   string
	orgID int64
}

func newProxyWorld(t *testing.T, perAddress httpapi.RateLimit, opts ...testutil.Option) *proxyWorld {
	t.Helper()
	logs := &testutil.LockedBuffer{}
	opts = append(opts, testutil.WithOptions(app.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil)), PerAddressLimit: perAddress}))
	svc := testutil.Start(t, opts...)
	svc.CreateUser(t, alice, false)
	svc.CreateUser(t, root1, true)
	svc.RegisterClient(t, clientID)
	w := &proxyWorld{svc: svc, logs: logs, root: svc.Token(t, clientID, root1)}
	r := svc.Client.Do(t, testutil.Request{Method: http.MethodPost, Path: "/api/v1/organisations", Token: w.root, ContentType: "application/json",
		Body: []byte(`{"name":"Proxied","quota":1,"adminEmail":"` + orgAdmin + `","contactEmail":"contact@proxied.example"}`)})
	if r.Status != http.StatusOK {
		t.Fatalf("creating the organisation: %d %s", r.Status, r.Body)
	}
	w.org = r.JSON(t)["id"].(string)
	var err error
	if w.orgID, err = strconv.ParseInt(w.org, 10, 64); err != nil {
		t.Fatal(err)
	}
	return w
}

// auditedAddress reads the organisation through a proxy that forwards for xff and returns the address
// its audit record names.
func (w *proxyWorld) auditedAddress(t *testing.T, xff string) string {
	t.Helper()
	r := w.svc.Client.Do(t, proxied(testutil.Request{Method: http.MethodGet, Path: "/api/v1/organisations/" + w.org, Token: w.root}, xff))
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	page, err := w.svc.Audit.List(context.Background(), w.orgID, listing.Query{Limit: 1, Desc: true})
	if err != nil || len(page.Items) == 0 {
		t.Fatalf("no audit record: %v", err)
	}
	if rec := page.Items[0]; rec.Method != http.MethodGet || rec.Path != "/api/v1/organisations/"+w.org {
		t.Fatalf("newest record %+v is not the read", rec)
	}
	// The access-log line names the same address.
	if line := accessLine(t, w.logs, r.Header.Get("X-Request-Id")); line["remote"] != page.Items[0].RemoteAddress {
		t.Fatalf("access-log line %v, audit record %q", line, page.Items[0].RemoteAddress)
	}
	return page.Items[0].RemoteAddress
}

// Without ACCESS_TRUSTED_PROXIES, X-Forwarded-For changes nothing: a client cannot make itself a
// fresh rate-limit bucket, nor write another address into the audit trail.
func TestForwardedForUntrusted(t *testing.T) {
	t.Parallel()
	// A burst of four, one of them taken by the administrator's sign-in (from 127.0.0.1 too).
	w := newProxyWorld(t, httpapi.RateLimit{PerSecond: 0.01, Burst: 4})
	if got := w.auditedAddress(t, clientA); got != "127.0.0.1" {
		t.Fatalf("audit record's remoteAddress %q, want the connection's 127.0.0.1", got)
	}
	for i, xff := range []string{clientA, clientB, clientC} {
		if r := w.svc.Client.Do(t, proxied(tokenForm("wrong password!!"), xff)); r.Status == http.StatusTooManyRequests {
			t.Fatalf("request %d limited too early", i)
		}
	}
	if r := w.svc.Client.Do(t, proxied(tokenForm(testutil.Password), clientD)); r.Status != http.StatusTooManyRequests {
		t.Fatalf("a forged X-Forwarded-For got a bucket of its own: %d %s", r.Status, r.Body)
	}
}

// Behind a trusted proxy the client's address is the forwarded one: each gets its own rate-limit bucket
// and lockout, and the audit trail records it; what a client forges in front of it is ignored.
func TestForwardedForTrusted(t *testing.T) {
	t.Parallel()
	const burst = 8
	w := newProxyWorld(t, httpapi.RateLimit{PerSecond: 0.01, Burst: burst}, testutil.WithEnv("ACCESS_TRUSTED_PROXIES", "127.0.0.1/32"))

	t.Run("the audit trail", func(t *testing.T) {
		if got := w.auditedAddress(t, clientA); got != clientA {
			t.Fatalf("remoteAddress %q, want %s", got, clientA)
		}
		if got := w.auditedAddress(t, spoofed+", "+clientB); got != clientB {
			t.Fatalf("remoteAddress %q, want the address the proxy saw, %s", got, clientB)
		}
		if got := w.auditedAddress(t, "not an address"); got != "127.0.0.1" {
			t.Fatalf("remoteAddress %q for a malformed header, want the proxy's", got)
		}
	})
	t.Run("a rate-limit bucket per client", func(t *testing.T) {
		for i := range burst {
			if r := w.svc.Client.Do(t, proxied(tokenForm("wrong password!!"), clientC)); r.Status == http.StatusTooManyRequests {
				t.Fatalf("request %d limited too early", i)
			}
		}
		if r := w.svc.Client.Do(t, proxied(tokenForm("wrong password!!"), clientC)); r.Status != http.StatusTooManyRequests {
			t.Fatalf("beyond the burst: %d %s", r.Status, r.Body)
		}
		// The same client, forging an address in front of the proxy's entry: the same bucket.
		if r := w.svc.Client.Do(t, proxied(tokenForm("wrong password!!"), spoofed+", "+clientC)); r.Status != http.StatusTooManyRequests {
			t.Fatalf("a forged entry escaped the bucket: %d %s", r.Status, r.Body)
		}
		if r := w.svc.Client.Do(t, proxied(tokenForm(testutil.Password), clientD)); r.Status != http.StatusOK {
			t.Fatalf("another client shares the bucket: %d %s", r.Status, r.Body)
		}
	})
	t.Run("the lockout per address", func(t *testing.T) {
		// Five failures from A lock A out of alice's account (TestLockout), not B.
		var failed *testutil.Response
		for range 5 {
			failed = w.svc.Client.Do(t, proxied(tokenForm("wrong password!!"), clientA))
		}
		r := w.svc.Client.Do(t, proxied(tokenForm(testutil.Password), clientA))
		if r.Status != failed.Status || string(r.Body) != string(failed.Body) {
			t.Fatalf("A not locked: %d %s", r.Status, r.Body)
		}
		if r := w.svc.Client.Do(t, proxied(tokenForm(testutil.Password), clientB)); r.Status != http.StatusOK {
			t.Fatalf("B locked out by A's failures: %d %s", r.Status, r.Body)
		}
	})
}
