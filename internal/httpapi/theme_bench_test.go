package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/testutil"
)

// BenchmarkHotReads serves the public reads every web client makes on every page load, GET /theme and
// GET /api/v1/config, in-process beside the no-read path GET /api/v1 (authenticated) and GET /healthz
// (no token, no read), as BenchmarkRequestPath does; bench/ (BENCH_ONLY=hot) measures them over HTTP.
// Both should cost no more than the no-read path: they are answered from memory and skip the bearer
// token's verification.
//
//	go test -run XXX -bench HotReads -benchmem ./internal/httpapi/
func BenchmarkHotReads(b *testing.B) {
	svc := testutil.Start(b, testutil.WithOptions(app.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}))
	svc.RegisterClient(b, clientID)
	svc.CreateUser(b, root1, true)
	tok := svc.Token(b, clientID, root1)
	for name, value := range map[string]string{"companyName": "Bench Ltd", "supportLink": "https://bench.example/support"} {
		req := httptest.NewRequest(http.MethodPut, "/api/v1/config/theme/"+name, strings.NewReader(value))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "text/plain")
		w := httptest.NewRecorder()
		svc.Handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("setting %s: %d %s", name, w.Code, w.Body)
		}
	}
	servePaths(b, svc, []benchPath{
		{"no-read", "/api/v1", tok},
		{"theme", "/theme", ""},
		{"config", "/api/v1/config", ""},
		{"healthz", "/healthz", ""},
	})
}
