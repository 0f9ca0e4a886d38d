package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/testutil"
)

// BenchmarkPublicConfig serves GET /api/v1/config (no token, from the properties held in memory) in
// process through the whole handler, beside GET /api/v1 (a bearer token, no read: the cheapest
// authenticated path) and GET /healthz (no token, no read), so its cost shows against the paths that do
// the least:
//
//	go test -run XXX -bench PublicConfig -benchmem ./internal/httpapi/
func BenchmarkPublicConfig(b *testing.B) {
	svc := testutil.Start(b, testutil.WithOptions(app.Options{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}))
	svc.RegisterClient(b, clientID)
	svc.CreateUser(b, root1, true)
	tok := svc.Token(b, clientID, root1)
	for _, p := range []struct{ name, path, token string }{
		{"config", "/api/v1/config", ""},
		{"no-read", "/api/v1", tok},
		{"healthz", "/healthz", ""},
	} {
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
