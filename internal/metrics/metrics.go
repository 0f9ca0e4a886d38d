// Package metrics is the service's Prometheus metrics: a registry per service (never the process-wide
// default one, so many services in one test process do not clash), the request and grant metrics the
// HTTP layer records, and collectors that read the state of the password checks, the audit trail's
// queue, the revocation index and the database pool when they are scraped.
//
// Every metric of the service itself is named access_*; the Go runtime's (go_*), the process's
// (process_*) and the database pool's (go_sql_*, db_name="access") keep their usual names.
package metrics

import (
	"database/sql"
	"net/http"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/password"
	"github.com/cocoondata/access-service/internal/revocation"
	"github.com/cocoondata/access-service/internal/version"
)

// Registry is one service's metrics. A nil *Registry records nothing, so code built without metrics
// (tests of one package) needs no checks.
type Registry struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	grants   *prometheus.CounterVec
	handler  http.Handler
}

// RequestBuckets are the request histogram's upper bounds, in seconds: from a millisecond (most reads)
// to ten seconds (beyond the request timeout's default), with the password checks' tens of
// milliseconds in between.
var RequestBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New builds a registry with the Go runtime's and the process's collectors, the build's version
// (access_build_info) and the request and grant metrics.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "access_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by operation (the OpenAPI operationId; \"unmatched\" for no route), method and status code.",
			Buckets: RequestBuckets,
		}, []string{"operation", "method", "status"}),
		grants: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "access_oauth_grants_total",
			Help: "Token endpoint requests, by grant type and outcome (issued, mfa_required, an OAuth error code, rate_limited, busy, error).",
		}, []string{"grant_type", "outcome"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "access_build_info",
		Help:        "Always 1; its labels name the build's version and the Go version it was built with.",
		ConstLabels: prometheus.Labels{"version": version.String(), "goversion": runtime.Version()},
	})
	build.Set(1)
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build, r.requests, r.grants,
	)
	r.handler = promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg, MaxRequestsInFlight: 4, Timeout: 10 * time.Second})
	return r
}

// Gatherer is the registry, for tests that read the metrics without HTTP.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Handler serves the metrics in the Prometheus exposition formats (GET /metrics); its own errors are
// counted in promhttp_metric_handler_errors_total. At most four scrapes run at once (more get 503), and
// one that takes over ten seconds is answered 503.
func (r *Registry) Handler() http.Handler { return r.handler }

// Requests is the request histogram (operation, method, status), for the HTTP layer, which keeps an
// observer per label values it has seen; nil on a nil registry.
func (r *Registry) Requests() *prometheus.HistogramVec {
	if r == nil {
		return nil
	}
	return r.requests
}

// Grant counts one token endpoint request. The caller bounds the label values (known grant types,
// known outcomes): each distinct pair is a series kept for the process's life.
func (r *Registry) Grant(grantType, outcome string) {
	if r == nil {
		return
	}
	r.grants.WithLabelValues(grantType, outcome).Inc()
}

// InitGrants makes the pairs given appear at zero before the first request, so rates and alerts over
// them have a series from the start.
func (r *Registry) InitGrants(grantTypes []string, outcomes ...string) {
	if r == nil {
		return
	}
	for _, g := range grantTypes {
		for _, o := range outcomes {
			r.grants.WithLabelValues(g, o)
		}
	}
}

// Sources is the state the registry reads at every scrape; nil ones are left out.
type Sources struct {
	Passwords   *password.Hasher
	Audit       *audit.Service
	Revocations *revocation.Index
	// DB is the store's database/sql handle (go_sql_* with db_name="access").
	DB *sql.DB
	// Pool is PostgreSQL's pool under DB and the hot reads (access_db_pool_*); nil for SQLite.
	Pool *pgxpool.Pool
}

// Watch registers collectors over the sources. Call it once.
func (r *Registry) Watch(s Sources) {
	if r == nil {
		return
	}
	r.reg.MustRegister(&stateCollector{src: s, now: time.Now})
	if s.DB != nil {
		r.reg.MustRegister(collectors.NewDBStatsCollector(s.DB, "access"))
	}
	if s.Pool != nil {
		r.reg.MustRegister(poolCollector{s.Pool})
	}
}

// PostgreSQL's pool (pgxpool): database/sql sees only the connections GORM holds, and names no limit
// (the pool has it); the hot reads take connections from the pool directly.
var (
	poolAcquired = prometheus.NewDesc("access_db_pool_acquired_connections",
		"PostgreSQL connections in use now.", nil, nil)
	poolIdle = prometheus.NewDesc("access_db_pool_idle_connections",
		"PostgreSQL connections idle in the pool now.", nil, nil)
	poolTotal = prometheus.NewDesc("access_db_pool_total_connections",
		"PostgreSQL connections open now (in use, idle and being opened).", nil, nil)
	poolMax = prometheus.NewDesc("access_db_pool_max_connections",
		"The most PostgreSQL connections the pool opens (pool_max_conns; 20 unless the URL sets it).", nil, nil)
	poolAcquires = prometheus.NewDesc("access_db_pool_acquires_total",
		"Connections taken from the pool.", nil, nil)
	poolWaits = prometheus.NewDesc("access_db_pool_acquire_waits_total",
		"Connections taken from the pool that had to wait (none was idle).", nil, nil)
	poolWaitSeconds = prometheus.NewDesc("access_db_pool_acquire_wait_seconds_total",
		"Time spent waiting for a connection when none was idle.", nil, nil)
	poolCanceled = prometheus.NewDesc("access_db_pool_canceled_acquires_total",
		"Waits for a connection that ended with the request (its deadline or cancellation).", nil, nil)
)

type poolCollector struct{ pool *pgxpool.Pool }

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolAcquired, poolIdle, poolTotal, poolMax, poolAcquires, poolWaits, poolWaitSeconds, poolCanceled} {
		ch <- d
	}
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	for _, m := range []struct {
		d *prometheus.Desc
		t prometheus.ValueType
		v float64
	}{
		{poolAcquired, prometheus.GaugeValue, float64(s.AcquiredConns())},
		{poolIdle, prometheus.GaugeValue, float64(s.IdleConns())},
		{poolTotal, prometheus.GaugeValue, float64(s.TotalConns())},
		{poolMax, prometheus.GaugeValue, float64(s.MaxConns())},
		{poolAcquires, prometheus.CounterValue, float64(s.AcquireCount())},
		{poolWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount())},
		{poolWaitSeconds, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds()},
		{poolCanceled, prometheus.CounterValue, float64(s.CanceledAcquireCount())},
	} {
		ch <- prometheus.MustNewConstMetric(m.d, m.t, m.v)
	}
}

// The state metrics, read at each scrape.
var (
	passwordInUse = prometheus.NewDesc("access_password_checks_in_use",
		"Password checks (Argon2id) running now.", nil, nil)
	passwordCapacity = prometheus.NewDesc("access_password_checks_capacity",
		"The most password checks that run at once (one per core).", nil, nil)
	passwordWaiting = prometheus.NewDesc("access_password_checks_waiting",
		"Password checks queued for a slot now.", nil, nil)
	passwordWaitingCapacity = prometheus.NewDesc("access_password_checks_waiting_capacity",
		"The most password checks that may queue; beyond it they are refused at once.", nil, nil)
	passwordChecks = prometheus.NewDesc("access_password_checks_total",
		"Password checks asked for (hashes and verifications).", nil, nil)
	passwordRefused = prometheus.NewDesc("access_password_checks_refused_total",
		"Password checks refused because too many were running and queued (the caller got 503).", nil, nil)

	auditQueued = prometheus.NewDesc("access_audit_queue_depth",
		"Audit records waiting to be stored.", nil, nil)
	auditCapacity = prometheus.NewDesc("access_audit_queue_capacity",
		"The most audit records that may wait; beyond it a request waits for room until its deadline.", nil, nil)
	auditWritten = prometheus.NewDesc("access_audit_records_written_total",
		"Audit records stored.", nil, nil)
	auditDropped = prometheus.NewDesc("access_audit_records_dropped_total",
		"Audit records that never reached the database: not queued in time, or not written after a retry (each is logged instead).", nil, nil)

	revocationEntries = prometheus.NewDesc("access_revocation_index_entries",
		"Entries of the in-memory index of revoked tokens, by kind (token, pair, client, user).", []string{"kind"}, nil)
	revocationAge = prometheus.NewDesc("access_revocation_index_age_seconds",
		"Seconds since the start of the revocation index's last successful poll of the database; absent before the first.", nil, nil)
)

// stateCollector reads the sources' Stats at each scrape.
type stateCollector struct {
	src Sources
	now func() time.Time
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	if c.src.Passwords != nil {
		for _, d := range []*prometheus.Desc{passwordInUse, passwordCapacity, passwordWaiting, passwordWaitingCapacity, passwordChecks, passwordRefused} {
			ch <- d
		}
	}
	if c.src.Audit != nil {
		for _, d := range []*prometheus.Desc{auditQueued, auditCapacity, auditWritten, auditDropped} {
			ch <- d
		}
	}
	if c.src.Revocations != nil {
		ch <- revocationEntries
		ch <- revocationAge
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	if p := c.src.Passwords; p != nil {
		s := p.Stats()
		gauge(passwordInUse, float64(s.InUse))
		gauge(passwordCapacity, float64(s.Capacity))
		gauge(passwordWaiting, float64(s.Waiting))
		gauge(passwordWaitingCapacity, float64(s.MaxWaiting))
		counter(passwordChecks, float64(s.Checks))
		counter(passwordRefused, float64(s.Refused))
	}
	if a := c.src.Audit; a != nil {
		s := a.Stats()
		gauge(auditQueued, float64(s.Queued))
		gauge(auditCapacity, float64(s.Capacity))
		counter(auditWritten, float64(s.Written))
		counter(auditDropped, float64(s.Dropped))
	}
	if x := c.src.Revocations; x != nil {
		s := x.Stats()
		gauge(revocationEntries, float64(s.Tokens), "token")
		gauge(revocationEntries, float64(s.Pairs), "pair")
		gauge(revocationEntries, float64(s.Clients), "client")
		gauge(revocationEntries, float64(s.Users), "user")
		if !s.Polled.IsZero() {
			gauge(revocationAge, max(0, c.now().Sub(s.Polled).Seconds()))
		}
	}
}
