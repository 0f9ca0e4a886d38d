package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/metrics"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/password"
)

// metricsServer is an Echo server with only the metrics step, GET /api/v1/users/me (getMe) answering
// 200, GET /api/v1 returning a 403 error and the explorer's files, over the spec's operations.
func metricsServer(t testing.TB, m *metrics.Registry) *echo.Echo {
	t.Helper()
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	ops, err := operationsOf(spec)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Deps: Deps{Metrics: m}, ops: ops}
	e := echo.New()
	e.Use(composedOnce(s.requestMetrics))
	e.GET("/api/v1/users/me", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	e.GET("/api/v1", func(echo.Context) error { return echo.ErrForbidden })
	e.GET(explorerAssetPrefix+"*", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	return e
}

// histogramCounts is the request histogram's sample count per "operation method status".
func histogramCounts(t *testing.T, m *metrics.Registry) map[string]uint64 {
	t.Helper()
	families, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, f := range families {
		if f.GetName() != "access_http_request_duration_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range s.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			out[l["operation"]+" "+l["method"]+" "+l["status"]] = s.GetHistogram().GetSampleCount()
		}
	}
	return out
}

// The step labels a request with its operation's id and the status it got, an error returned by the
// handler included (written by the error handler before the observation); a request with no route gets
// "unmatched", and a made-up method "other", so no label takes the client's text.
func TestRequestMetricsLabels(t *testing.T) {
	m := metrics.New()
	e := metricsServer(t, m)
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/users/me"}, {"GET", "/api/v1/users/me"}, {"GET", "/api/v1"},
		{"GET", "/no/such/thing"}, {"BREW", "/no/such/pot"}, {"POST", "/api/v1/users/me"}, {"GET", "/docs/explorer.js"},
	} {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(r.method, r.path, nil))
	}
	got := histogramCounts(t, m)
	want := map[string]uint64{"getMe GET 200": 2, "getServices GET 403": 1, "unmatched GET 404": 1, "unmatched other 404": 1, "unmatched POST 405": 1, "explorerAsset GET 200": 1}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d requests, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

// Without a registry the step is not in the chain: the handler's own function runs.
func TestRequestMetricsOffWithoutRegistry(t *testing.T) {
	s := &Server{}
	called := false
	next := func(echo.Context) error { called = true; return nil }
	if h := s.requestMetrics(next); h == nil {
		t.Fatal("no handler")
	} else if err := h(nil); err != nil || !called {
		t.Fatalf("the step did not pass the request on: %v %v", err, called)
	}
	s.countGrant("password", oauth.TokenResponse{}, nil) // a nil registry records nothing, and does not panic
}

func TestGrantLabels(t *testing.T) {
	for _, c := range []struct {
		err  error
		resp oauth.TokenResponse
		want string
	}{
		{nil, oauth.TokenResponse{}, "issued"},
		{nil, oauth.TokenResponse{MFARequired: true}, "mfa_required"},
		{oauth.ErrSlowDown, oauth.TokenResponse{}, "rate_limited"},
		{password.ErrBusy, oauth.TokenResponse{}, "busy"},
		{&oauth.Error{Code: oauth.CodeInvalidGrant}, oauth.TokenResponse{}, "invalid_grant"},
		{&oauth.Error{Code: "made_up"}, oauth.TokenResponse{}, "error"},
		{errors.New("database down"), oauth.TokenResponse{}, "error"},
	} {
		if got := grantOutcomeLabel(c.resp, c.err); got != c.want {
			t.Errorf("outcome of %v: %q, want %q", c.err, got, c.want)
		}
	}
	for g, want := range map[string]string{"password": "password", "mfa": "mfa", "": "other", "client_credentials": "other", "x\x00y": "other"} {
		if got := grantLabel(g); got != want {
			t.Errorf("grantLabel(%q) = %q, want %q", g, got, want)
		}
	}
}

// BenchmarkRequestMetrics is the metrics step's cost per request: the same matched request through a
// chain without it (off) and with it (on).
//
//	go test -run XXX -bench RequestMetrics -benchmem ./internal/httpapi/
func BenchmarkRequestMetrics(b *testing.B) {
	for _, c := range []struct {
		name string
		m    *metrics.Registry
	}{{"off", nil}, {"on", metrics.New()}} {
		b.Run(c.name, func(b *testing.B) {
			e := metricsServer(b, c.m)
			req := httptest.NewRequest(http.MethodGet, "/api/v1/users/me", nil)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				e.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
