package metrics

import (
	"runtime"
	"testing"

	promtest "github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cocoondata/access-service/internal/password"
	"github.com/cocoondata/access-service/internal/revocation"
)

// A nil registry records nothing and does not panic: code built without metrics needs no checks.
func TestNilRegistry(t *testing.T) {
	var r *Registry
	r.Grant("password", "issued")
	r.InitGrants([]string{"password"}, "issued")
	r.Watch(Sources{})
	if r.Requests() != nil {
		t.Fatal("a nil registry has a request histogram")
	}
}

// Only the sources given are read; the revocation index's age is absent until it has polled once; and
// every metric passes Prometheus's naming lint (units, _total on counters).
func TestWatchedSources(t *testing.T) {
	r := New()
	r.Watch(Sources{Passwords: password.NewHasher(password.Cheap), Revocations: revocation.NewIndex(nil, nil)})
	r.InitGrants([]string{"password"}, "issued")
	families, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]float64{}
	for _, f := range families {
		if m := f.GetMetric(); len(m) > 0 && m[0].Gauge != nil {
			names[f.GetName()] = m[0].Gauge.GetValue()
		} else {
			names[f.GetName()] = -1
		}
	}
	if got := names["access_password_checks_capacity"]; got != float64(runtime.NumCPU()) {
		t.Errorf("access_password_checks_capacity = %v, want one per core (%d)", got, runtime.NumCPU())
	}
	for _, absent := range []string{"access_audit_queue_depth", "access_revocation_index_age_seconds", "go_sql_open_connections", "access_db_pool_max_connections"} {
		if _, ok := names[absent]; ok {
			t.Errorf("%s is there without its source", absent)
		}
	}
	for _, present := range []string{"access_build_info", "access_oauth_grants_total", "access_revocation_index_entries", "go_goroutines"} {
		if _, ok := names[present]; !ok {
			t.Errorf("%s is missing", present)
		}
	}
	problems, err := promtest.GatherAndLint(r.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}
