package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/version"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// TestServeWithMetrics: with ACCESS_METRICS_ADDR set, serve answers GET /metrics on that address, apart
// from the API (which has no /metrics), counting the API's requests by operation; the listener stops
// with the service.
func TestServeWithMetrics(t *testing.T) {
	t.Setenv("ACCESS_DATABASE_URL", testutil.NewSQLite(t))
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	t.Setenv("ACCESS_HTTP_ADDR", addr)
	t.Setenv("ACCESS_METRICS_ADDR", metricsAddr)
	logs := &testutil.LockedBuffer{}
	codeCh := make(chan int, 1)
	go func() { codeCh <- run(nil, strings.NewReader(""), io.Discard, logs) }()
	waitReady(t, "http://"+addr+"/readyz", make(chan error), &bytes.Buffer{})

	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the API's address: %d, want 404", resp.StatusCode)
	}
	resp, err = http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatalf("the metrics listener does not answer: %v\n%s", err, logs.String())
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`access_build_info{goversion="`, `version="` + version.String() + `"} 1`,
		`access_http_request_duration_seconds_count{method="GET",operation="getReadiness",status="200"}`,
		`access_http_request_duration_seconds_count{method="GET",operation="unmatched",status="404"} 1`,
		`access_oauth_grants_total{grant_type="password",outcome="issued"} 0`,
		"access_password_checks_capacity ", "access_audit_queue_depth ", "access_revocation_index_age_seconds ",
		`go_sql_max_open_connections{db_name="access"} 1`, // the embedded store: one connection
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the metrics lack %q", want)
		}
	}
	if strings.Contains(string(body), "access_db_pool_") {
		t.Error("the embedded store has no PostgreSQL pool, yet its metrics are there")
	}

	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	if code := <-codeCh; code != 0 {
		t.Fatalf("exit %d after SIGTERM\n%s", code, logs.String())
	}
	if c, err := net.Dial("tcp", metricsAddr); err == nil {
		c.Close()
		t.Error("the metrics listener outlived the service")
	}
	if !strings.Contains(logs.String(), `"msg":"serving metrics","addr":"`+metricsAddr+`"`) {
		t.Errorf("no log line names the metrics address:\n%s", logs.String())
	}
}

// TestServeRefusesABusyMetricsAddress: a metrics address already taken stops the start with a line
// naming the variable.
func TestServeRefusesABusyMetricsAddress(t *testing.T) {
	dbURL := testutil.NewSQLite(t)
	t.Setenv("ACCESS_DATABASE_URL", dbURL)
	t.Setenv("ACCESS_HTTP_ADDR", freeAddr(t))
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	t.Setenv("ACCESS_METRICS_ADDR", taken.Addr().String())
	code, _, stderr := runCLI(t, "", "serve")
	if code != 1 || !strings.Contains(stderr, "ACCESS_METRICS_ADDR: cannot listen on "+taken.Addr().String()) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	// Refused before anything is made: no store, so the first-start secrets are made (and shown) by the
	// start that can serve.
	if _, err := os.Stat(strings.TrimPrefix(dbURL, "sqlite:")); !os.IsNotExist(err) {
		t.Fatalf("the store was created before the metrics address was checked: %v", err)
	}
}
