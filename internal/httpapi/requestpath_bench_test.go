package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/testutil"
)

// BenchmarkRequestPath serves requests in-process (no sockets), through the whole handler with a JSON
// access log, so a CPU profile shows what the service itself spends per request:
//
//	go test -run XXX -bench RequestPath -benchmem -cpuprofile /tmp/cpu.out ./internal/httpapi/
//
// bench/ measures the same paths over HTTP against a baseline server.
func BenchmarkRequestPath(b *testing.B) {
	svc := testutil.Start(b, testutil.WithOptions(app.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}))
	appID := ids.Format(svc.RegisterClient(b, clientID).ID)
	svc.CreateUser(b, root1, true)
	tok := svc.Token(b, clientID, root1)
	// A year of daily sign-in counts, for the dashboard's read of them (bench/README.md, issue 19).
	if _, err := openSQL(b, svc).Exec(`INSERT INTO sign_in_days (day, successes, failures, unique_successes, unique_failures)
		SELECT to_char(now() AT TIME ZONE 'UTC' - make_interval(days => g), 'YYYY-MM-DD'), 2700, 300, 2500, 280
		FROM generate_series(1, 364) g`); err != nil {
		b.Fatal(err)
	}
	servePaths(b, svc, []benchPath{
		{"no-read", "/api/v1", tok},
		{"clientapp", "/api/v1/clientapps/" + appID, tok},
		{"activity-year", "/api/v1/dashboard/users/activity?lastDays=365", tok},
	})
}

// benchPath is one GET a benchmark serves: its sub-benchmark's name, the path, and the bearer token
// ("" for none).
type benchPath struct{ name, path, token string }

// servePaths runs a sub-benchmark per path, each serving the GET in process through the whole handler
// and failing on anything but 200.
func servePaths(b *testing.B, svc *testutil.Service, paths []benchPath) {
	b.Helper()
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p.path, nil)
			if p.token != "" {
				req.Header.Set("Authorization", "Bearer "+p.token)
			}
			req.RemoteAddr = "127.0.0.1:40000"
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				svc.Handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", p.path, w.Code, w.Body)
				}
			}
		})
	}
}
