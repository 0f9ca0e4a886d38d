package httpapi_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/testutil"
)

// An incoming W3C trace context: the caller's trace and span, sampled.
const (
	callerTrace       = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpan        = "00f067aa0ba902b7"
	callerTraceparent = "00-" + callerTrace + "-" + callerSpan + "-01"
)

// With a tracer provider, every request is one server span named by its operation, a child of the
// caller's traceparent; the statements it sends are its children, without the values bound to them;
// its access-log line names the trace and the span.
func TestTracing(t *testing.T) {
	t.Parallel()
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	logs := &testutil.LockedBuffer{}
	svc := testutil.Start(t, testutil.WithOptions(app.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil)), TracerProvider: tp}))
	svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	traced := http.Header{"Traceparent": {callerTraceparent}}

	// The password grant: reads (some straight to pgx, hotread.go) and writes (through GORM).
	grant := svc.Client.Do(t, testutil.Request{Method: http.MethodPost, Path: "/api/oauth/token", Basic: basic, Header: traced,
		ContentType: "application/x-www-form-urlencoded", Body: []byte("grant_type=password&username=" + alice + "&password=" + strings.ReplaceAll(testutil.Password, " ", "+"))})
	if grant.Status != http.StatusOK {
		t.Fatalf("grant: %d %s", grant.Status, grant.Body)
	}
	token := grant.JSON(t)["access_token"].(string)
	me := svc.Client.Do(t, testutil.Request{Method: http.MethodGet, Path: "/api/v1/users/me", Token: token, Header: traced})
	if me.Status != http.StatusOK {
		t.Fatalf("getMe: %d %s", me.Status, me.Body)
	}

	for _, tc := range []struct {
		op, method string
		resp       *testutil.Response
		route      string
		wantDB     []string // span names of statements the request must have sent, by prefix
		secrets    []string // values that must be in no span
	}{
		{"issueToken", http.MethodPost, grant, "/api/oauth/token", []string{"SELECT ", "INSERT "}, []string{alice, testutil.Password, testutil.ClientSecret}},
		{"getMe", http.MethodGet, me, "/api/v1/users/me", []string{"SELECT "}, []string{alice, token}},
	} {
		t.Run(tc.op, func(t *testing.T) {
			id := tc.resp.Header.Get("X-Request-Id")
			server := waitForSpan(t, recorder, func(s sdktrace.ReadOnlySpan) bool {
				return s.SpanKind() == trace.SpanKindServer && attr(s, "http.response.header.x-request-id") == id
			})
			if server.Name() != tc.op || server.SpanContext().TraceID().String() != callerTrace ||
				server.Parent().SpanID().String() != callerSpan || !server.Parent().IsRemote() {
				t.Fatalf("server span %q trace %s parent %s (remote %v); want %q in the caller's trace, its child",
					server.Name(), server.SpanContext().TraceID(), server.Parent().SpanID(), server.Parent().IsRemote(), tc.op)
			}
			for k, want := range map[string]string{"http.request.method": tc.method,
				"http.response.status_code": "200", "http.route": tc.route, "url.path": tc.route, "client.address": "127.0.0.1"} {
				if got := attr(server, attribute.Key(k)); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if server.Status().Code == codes.Error {
				t.Errorf("a 200's span has the error status")
			}
			var children []sdktrace.ReadOnlySpan
			for _, s := range recorder.Ended() {
				if s.Parent().SpanID() == server.SpanContext().SpanID() {
					children = append(children, s)
				}
			}
			for _, prefix := range tc.wantDB {
				found := false
				for _, s := range children {
					if strings.HasPrefix(s.Name(), prefix) && s.SpanKind() == trace.SpanKindClient &&
						attr(s, "db.system.name") == "postgresql" && attr(s, "db.query.text") != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("no database span %q… under the request's: %v", prefix, names(children))
				}
			}
			for _, s := range children {
				for _, kv := range s.Attributes() {
					for _, secret := range tc.secrets {
						if strings.Contains(kv.Value.Emit(), secret) {
							t.Errorf("span %q: %s carries a bound value: %s", s.Name(), kv.Key, kv.Value.Emit())
						}
					}
				}
			}
			line := accessLine(t, logs, id)
			if line["trace_id"] != callerTrace || line["span_id"] != server.SpanContext().SpanID().String() {
				t.Errorf("access-log line %v: want trace_id %s span_id %s", line, callerTrace, server.SpanContext().SpanID())
			}
		})
	}

	t.Run("a request no operation matches", func(t *testing.T) {
		r := svc.Client.Do(t, testutil.Request{Method: http.MethodGet, Path: "/api/v1/no-such-thing", Header: traced})
		if r.Status != http.StatusNotFound {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		id := r.Header.Get("X-Request-Id")
		s := waitForSpan(t, recorder, func(s sdktrace.ReadOnlySpan) bool {
			return attr(s, "http.response.header.x-request-id") == id
		})
		if s.Name() != "GET unmatched" || attr(s, "http.response.status_code") != "404" || s.Status().Code == codes.Error {
			t.Fatalf("span %q status %s %v", s.Name(), attr(s, "http.response.status_code"), s.Status())
		}
	})
	t.Run("without a traceparent, a trace of its own", func(t *testing.T) {
		r := svc.Client.Get(t, "/api/v1/config", "")
		id := r.Header.Get("X-Request-Id")
		s := waitForSpan(t, recorder, func(s sdktrace.ReadOnlySpan) bool {
			return attr(s, "http.response.header.x-request-id") == id
		})
		if s.Parent().IsValid() || s.SpanContext().TraceID().String() == callerTrace {
			t.Fatalf("span %q has parent %v", s.Name(), s.Parent())
		}
		if line := accessLine(t, logs, id); line["trace_id"] != s.SpanContext().TraceID().String() {
			t.Fatalf("access-log line %v, want trace_id %s", line, s.SpanContext().TraceID())
		}
	})
}

// Without tracing the access-log line is as it was: no trace, whatever the request sent.
func TestNoTracing(t *testing.T) {
	t.Parallel()
	logs := &testutil.LockedBuffer{}
	svc := testutil.Start(t, testutil.WithOptions(app.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))}))
	if svc.Tracer != nil {
		t.Skip("the environment configures an OTLP exporter (OTEL_*)")
	}
	r := svc.Client.Do(t, testutil.Request{Method: http.MethodGet, Path: "/api/v1/config", Header: http.Header{"Traceparent": {callerTraceparent}}})
	line := accessLine(t, logs, r.Header.Get("X-Request-Id"))
	if _, ok := line["trace_id"]; ok {
		t.Fatalf("access-log line %v names a trace", line)
	}
	if _, ok := line["span_id"]; ok {
		t.Fatalf("access-log line %v names a span", line)
	}
}

// waitForSpan waits for the ended span that match finds: a request's span ends after its answer is
// written, so the client may read the answer first.
func waitForSpan(t *testing.T, r *tracetest.SpanRecorder, match func(sdktrace.ReadOnlySpan) bool) sdktrace.ReadOnlySpan {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, s := range r.Ended() {
			if match(s) {
				return s
			}
		}
	}
	t.Fatalf("no such span among %v", names(r.Ended()))
	return nil
}

// accessLine waits for the access-log line of the request id (written after the answer, like the span).
func accessLine(t *testing.T, logs *testutil.LockedBuffer, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, l := range logs.JSONLines() {
			if l["msg"] == "request" && l["request_id"] == id {
				return l
			}
		}
	}
	t.Fatalf("no access-log line for request %q", id)
	return nil
}

func attr(s sdktrace.ReadOnlySpan, k attribute.Key) string {
	for _, kv := range s.Attributes() {
		if kv.Key == k {
			if kv.Value.Type() == attribute.STRINGSLICE {
				return strings.Join(kv.Value.AsStringSlice(), ",")
			}
			return kv.Value.Emit()
		}
	}
	return ""
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name()
	}
	return out
}

// On the embedded store the statements are spans too, named for SQLite.
func TestTracingEmbeddedStore(t *testing.T) {
	t.Parallel()
	recorder := tracetest.NewSpanRecorder()
	svc := testutil.Start(t, testutil.WithDatabase(testutil.NewSQLite(t)),
		testutil.WithOptions(app.Options{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))}))
	svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	r := svc.Client.Do(t, testutil.Request{Method: http.MethodPost, Path: "/api/oauth/token", Basic: basic, Header: http.Header{"Traceparent": {callerTraceparent}},
		ContentType: "application/x-www-form-urlencoded", Body: []byte("grant_type=password&username=" + alice + "&password=" + strings.ReplaceAll(testutil.Password, " ", "+"))})
	if r.Status != http.StatusOK {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	id := r.Header.Get("X-Request-Id")
	server := waitForSpan(t, recorder, func(s sdktrace.ReadOnlySpan) bool { return attr(s, "http.response.header.x-request-id") == id })
	var db []string
	for _, s := range recorder.Ended() {
		if s.Parent().SpanID() == server.SpanContext().SpanID() && attr(s, "db.system.name") == "sqlite" {
			db = append(db, s.Name())
		}
	}
	if len(db) == 0 {
		t.Fatalf("no SQLite statement under %q among %v", server.Name(), names(recorder.Ended()))
	}
}
