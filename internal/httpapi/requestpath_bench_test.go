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
	for _, p := range []struct{ name, path string }{
		{"no-read", "/api/v1"},
		{"clientapp", "/api/v1/clientapps/" + appID},
	} {
		b.Run(p.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p.path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
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
