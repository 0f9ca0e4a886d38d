package httpapi_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/testutil"
)

// Every request gets one access-log line naming it: its id (the X-Request-Id answered), method, path,
// status, duration and the client's address.
func TestAccessLogLine(t *testing.T) {
	t.Parallel()
	logs := &testutil.LockedBuffer{}
	svc := testutil.Start(t, testutil.WithOptions(app.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))}))
	svc.CreateUser(t, root1, true)
	tok := svc.Token(t, svc.RegisterClient(t, clientID).ClientID, root1)
	for _, tc := range []struct {
		name, token string
		status      int
	}{
		{"signed in", tok, http.StatusOK},
		{"no token", "", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/users/me", nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			req.RemoteAddr = "192.0.2.7:40000"
			w := httptest.NewRecorder()
			svc.Handler.ServeHTTP(w, req)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			id := w.Header().Get("X-Request-Id")
			var line map[string]any
			for _, l := range logs.JSONLines() {
				if l["msg"] == "request" && l["request_id"] == id {
					line = l
				}
			}
			if line == nil {
				t.Fatalf("no access-log line for request %q", id)
			}
			if line["level"] != "INFO" || line["method"] != "GET" || line["path"] != "/api/v1/users/me" ||
				line["status"] != float64(tc.status) || line["remote"] != "192.0.2.7" || line["time"] == nil {
				t.Fatalf("access-log line %v", line)
			}
			if d, ok := line["duration_us"].(float64); !ok || d < 0 || d != float64(int64(d)) {
				t.Fatalf("duration_us %v: want a whole number of microseconds", line["duration_us"])
			}
		})
	}
}
