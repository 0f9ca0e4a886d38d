package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/httpapi"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/version"
)

// scrape reads GET /metrics from the metrics listener and parses the text format.
func scrape(t *testing.T, m *app.MetricsServer) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + m.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the metrics: %v", err)
	}
	return families
}

// series is the metric of the family whose labels include every pair given, or nil.
func series(families map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	mf := families[name]
	if mf == nil {
		return nil
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		return m
	}
	return nil
}

// value is a counter's or a gauge's value, or a histogram's count; -1 when the series is missing.
func value(families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	m := series(families, name, labels...)
	switch {
	case m == nil:
		return -1
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

func startWithMetrics(t *testing.T, opts ...testutil.Option) (*testutil.Service, *app.MetricsServer) {
	t.Helper()
	s := testutil.Start(t, opts...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.ServeMetrics(ln)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	return s, m
}

// TestMetricsOverHTTP drives a live service (a granted and two refused token requests, an authenticated
// call, a refused one, a 404), scrapes its metrics listener and checks that every metric the README
// names is there and that the counts moved by exactly those requests.
func TestMetricsOverHTTP(t *testing.T) {
	s, m := startWithMetrics(t)
	s.RegisterClient(t, "metrics-app")
	s.CreateUser(t, "metrics@xy-company.com", false)

	token := s.Token(t, "metrics-app", "metrics@xy-company.com")
	if r := s.Client.PostForm(t, "/api/oauth/token", "metrics-app:"+testutil.ClientSecret, map[string]string{
		"grant_type": "password", "username": "metrics@xy-company.com", "password": "not the password"}); r.Status != http.StatusBadRequest {
		t.Fatalf("wrong password: %d %s", r.Status, r.Body)
	}
	if r := s.Client.PostForm(t, "/api/oauth/token", "metrics-app:not-the-secret", map[string]string{
		"grant_type": "password", "username": "metrics@xy-company.com", "password": testutil.Password}); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong client secret: %d %s", r.Status, r.Body)
	}
	if r := s.Client.PostForm(t, "/api/oauth/token", "metrics-app:"+testutil.ClientSecret, map[string]string{
		"grant_type": "urn:made:up"}); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown grant type: %d %s", r.Status, r.Body)
	}
	if r := s.Client.Get(t, "/api/v1/users/me", token); r.Status != http.StatusOK {
		t.Fatalf("users/me: %d %s", r.Status, r.Body)
	}
	if r := s.Client.Get(t, "/api/v1/users/me", ""); r.Status != http.StatusUnauthorized {
		t.Fatalf("users/me without a token: %d", r.Status)
	}
	// The API's own listener has no /metrics: this is the 404.
	if r := s.Client.Get(t, "/metrics", ""); r.Status != http.StatusNotFound {
		t.Fatalf("GET /metrics on the API: %d", r.Status)
	}
	if err := s.Audit.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}

	f := scrape(t, m)
	for _, name := range []string{
		"access_build_info", "access_http_request_duration_seconds", "access_oauth_grants_total",
		"access_password_checks_in_use", "access_password_checks_capacity", "access_password_checks_waiting",
		"access_password_checks_waiting_capacity", "access_password_checks_total", "access_password_checks_refused_total",
		"access_audit_queue_depth", "access_audit_queue_capacity", "access_audit_records_written_total",
		"access_audit_records_dropped_total", "access_revocation_index_entries", "access_revocation_index_age_seconds",
		"go_sql_open_connections", "go_sql_max_open_connections", "go_sql_wait_count_total",
		"access_db_pool_acquired_connections", "access_db_pool_idle_connections", "access_db_pool_total_connections",
		"access_db_pool_max_connections", "access_db_pool_acquires_total", "access_db_pool_acquire_waits_total",
		"access_db_pool_acquire_wait_seconds_total", "access_db_pool_canceled_acquires_total",
		"go_goroutines", "process_cpu_seconds_total",
	} {
		if f[name] == nil {
			t.Errorf("metric %s is missing", name)
		}
	}
	if v := value(f, "access_build_info", "version", version.String()); v != 1 {
		t.Errorf("access_build_info{version=%q} = %v, want 1", version.String(), v)
	}
	if v := value(f, "go_sql_open_connections", "db_name", "access"); v < 0 {
		t.Error("go_sql_open_connections{db_name=access} is missing")
	}
	// PostgreSQL's pool itself (testutil runs on PostgreSQL): its limit, and the connections it gave.
	if v := value(f, "access_db_pool_max_connections"); v != 20 {
		t.Errorf("access_db_pool_max_connections = %v, want the default 20", v)
	}
	if v := value(f, "access_db_pool_acquires_total"); v < 1 {
		t.Errorf("access_db_pool_acquires_total = %v", v)
	}

	// The grants: one issued, one refused for the password, one for the client, one unknown grant type.
	for _, g := range []struct {
		grant, outcome string
		want           float64
	}{
		{"password", "issued", 1}, {"password", "invalid_grant", 1}, {"password", "invalid_client", 1},
		{"other", "unsupported_grant_type", 1}, {"refresh_token", "issued", 0},
	} {
		if v := value(f, "access_oauth_grants_total", "grant_type", g.grant, "outcome", g.outcome); v != g.want {
			t.Errorf("access_oauth_grants_total{grant_type=%q,outcome=%q} = %v, want %v", g.grant, g.outcome, v, g.want)
		}
	}
	if series(f, "access_oauth_grants_total", "grant_type", "urn:made:up") != nil {
		t.Error("a made-up grant type became a label value")
	}

	// The requests, by operationId and status, refusals included.
	for _, r := range []struct {
		op, method, status string
		want               float64
	}{
		{"issueToken", "POST", "200", 1}, {"issueToken", "POST", "400", 2}, {"issueToken", "POST", "401", 1},
		{"getMe", "GET", "200", 1}, {"getMe", "GET", "401", 1}, {"unmatched", "GET", "404", 1},
	} {
		if v := value(f, "access_http_request_duration_seconds", "operation", r.op, "method", r.method, "status", r.status); v != r.want {
			t.Errorf("requests{operation=%q,method=%q,status=%q} = %v, want %v", r.op, r.method, r.status, v, r.want)
		}
	}
	if h := series(f, "access_http_request_duration_seconds", "operation", "getMe", "status", "200").GetHistogram(); h.GetSampleSum() <= 0 || len(h.GetBucket()) == 0 {
		t.Errorf("getMe's histogram has no time or no buckets: %v", h)
	}
	for _, m := range f["access_http_request_duration_seconds"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "operation" && strings.HasPrefix(l.GetValue(), "/") {
				t.Errorf("a path became an operation label: %q", l.GetValue())
			}
		}
	}

	// The state read at the scrape.
	if v := value(f, "access_password_checks_total"); v < 3 { // the account's hash and three verifications
		t.Errorf("access_password_checks_total = %v", v)
	}
	if v := value(f, "access_password_checks_capacity"); v < 1 {
		t.Errorf("access_password_checks_capacity = %v", v)
	}
	if v := value(f, "access_password_checks_in_use"); v != 0 {
		t.Errorf("access_password_checks_in_use = %v with nothing running", v)
	}
	if v := value(f, "access_audit_records_written_total"); v < 3 { // the sign-in attempts
		t.Errorf("access_audit_records_written_total = %v, want the sign-in attempts", v)
	}
	if v := value(f, "access_audit_records_dropped_total"); v != 0 {
		t.Errorf("access_audit_records_dropped_total = %v", v)
	}
	if v := value(f, "access_audit_queue_capacity"); v <= 0 {
		t.Errorf("access_audit_queue_capacity = %v", v)
	}
	if v := value(f, "access_revocation_index_age_seconds"); v < 0 || v > 3600 {
		t.Errorf("access_revocation_index_age_seconds = %v", v)
	}
	if v := value(f, "access_revocation_index_entries", "kind", "token"); v != 0 {
		t.Errorf("revoked tokens = %v before any revocation", v)
	}

	// A revoked token is an entry of the index once it is polled (Poll is what the service runs every
	// revocation.PollInterval).
	if r := s.Client.PostForm(t, "/api/oauth/revoke", "metrics-app:"+testutil.ClientSecret, map[string]string{"token": token}); r.Status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if err := s.Revocations.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v := value(scrape(t, m), "access_revocation_index_entries", "kind", "token"); v != 1 {
		t.Errorf("revoked tokens = %v after one revocation", v)
	}

	// The listener serves /metrics only.
	resp, err := http.Get("http://" + m.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET / on the metrics listener: %d", resp.StatusCode)
	}
}

// TestMetricsCountRateLimitedGrants: a token request the per-address limit refuses (429, before the
// handler) counts as a rate_limited grant and as a 429 of issueToken.
func TestMetricsCountRateLimitedGrants(t *testing.T) {
	s, m := startWithMetrics(t, testutil.WithOptions(app.Options{
		PerAddressLimit: httpapi.RateLimit{PerSecond: 1.0 / 3600, Burst: 1},
	}))
	s.RegisterClient(t, "limited-app")
	s.CreateUser(t, "limited@xy-company.com", false)
	s.Token(t, "limited-app", "limited@xy-company.com")
	r := s.Client.PostForm(t, "/api/oauth/token", "limited-app:"+testutil.ClientSecret, map[string]string{
		"grant_type": "password", "username": "limited@xy-company.com", "password": testutil.Password})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("second grant within the limit: %d", r.Status)
	}
	f := scrape(t, m)
	if v := value(f, "access_oauth_grants_total", "grant_type", "password", "outcome", "rate_limited"); v != 1 {
		t.Errorf("rate_limited grants = %v, want 1", v)
	}
	if v := value(f, "access_oauth_grants_total", "grant_type", "password", "outcome", "issued"); v != 1 {
		t.Errorf("issued grants = %v, want 1", v)
	}
	if v := value(f, "access_http_request_duration_seconds", "operation", "issueToken", "status", "429"); v != 1 {
		t.Errorf("issueToken 429s = %v, want 1", v)
	}
}
