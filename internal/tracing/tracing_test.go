package tracing_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/cocoondata/access-service/internal/tracing"
	"github.com/cocoondata/access-service/internal/version"
)

// Tracing is off unless an exporter is configured; none and OTEL_SDK_DISABLED win; values the service
// cannot use are errors naming their variable.
func TestSettingsFrom(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    tracing.Settings
		wantErr string // the variable the error names
	}{
		{"nothing set: off", nil, tracing.Settings{}, ""},
		{"only unrelated OTEL variables: off", map[string]string{"OTEL_SERVICE_NAME": "x", "OTEL_EXPORTER_OTLP_HEADERS": "a=b"}, tracing.Settings{}, ""},
		{"an endpoint: OTLP over HTTP", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			tracing.Settings{Enabled: true, Protocol: tracing.ProtocolHTTP}, ""},
		{"a traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"},
			tracing.Settings{Enabled: true, Protocol: tracing.ProtocolHTTP}, ""},
		{"otlp without an endpoint: the default one", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"},
			tracing.Settings{Enabled: true, Protocol: tracing.ProtocolHTTP}, ""},
		{"grpc", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			tracing.Settings{Enabled: true, Protocol: tracing.ProtocolGRPC}, ""},
		{"the traces protocol wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
			"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"}, tracing.Settings{Enabled: true, Protocol: tracing.ProtocolGRPC}, ""},
		{"none wins over an endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"},
			tracing.Settings{}, ""},
		{"the SDK disabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, tracing.Settings{}, ""},
		{"an exporter the service lacks", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, tracing.Settings{}, "OTEL_TRACES_EXPORTER"},
		{"a protocol the service lacks", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
			tracing.Settings{}, "OTEL_EXPORTER_OTLP_PROTOCOL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tracing.SettingsFrom(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			var te *tracing.Error
			switch {
			case tc.wantErr != "":
				if !errors.As(err, &te) || te.Variable != tc.wantErr {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case got != tc.want:
				t.Fatalf("%+v, want %+v", got, tc.want)
			}
		})
	}
}

// The tests below set the process's environment (the exporters read it themselves): not parallel.

// With nothing configured FromEnv builds nothing.
func TestFromEnvOff(t *testing.T) {
	for _, k := range []string{"OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED"} {
		t.Setenv(k, "")
	}
	tp, err := tracing.FromEnv(context.Background())
	if err != nil || tp != nil {
		t.Fatalf("%v %v, want no provider", tp, err)
	}
}

// With an endpoint, spans go there over OTLP/HTTP, named by the service, and Shutdown flushes the ones
// still batched.
func TestFromEnvExportsOnShutdown(t *testing.T) {
	var posts atomic.Int32
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/traces" {
			posts.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()
	t.Setenv("OTEL_TRACES_EXPORTER", "")
	t.Setenv("OTEL_SDK_DISABLED", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "3600000") // nothing is sent before Shutdown
	tp, err := tracing.FromEnv(context.Background())
	if err != nil || tp == nil {
		t.Fatalf("%v %v, want a provider", tp, err)
	}
	_, span := tp.Tracer("test").Start(context.Background(), "work")
	span.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if posts.Load() == 0 {
		t.Fatal("Shutdown exported nothing to the collector")
	}
}

// The resource names the service (access-service unless OTEL_SERVICE_NAME says otherwise) and its version.
func TestResource(t *testing.T) {
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	for _, tc := range []struct{ env, want string }{{"", tracing.DefaultServiceName}, {"access-eu", "access-eu"}} {
		t.Setenv("OTEL_SERVICE_NAME", tc.env)
		res, err := tracing.Resource(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		set := res.Set()
		if v, _ := set.Value(semconv.ServiceNameKey); v.AsString() != tc.want {
			t.Errorf("OTEL_SERVICE_NAME=%q: service.name %q, want %q", tc.env, v.AsString(), tc.want)
		}
		if v, _ := set.Value(semconv.ServiceVersionKey); v.AsString() != version.String() {
			t.Errorf("service.version %q, want %q", v.AsString(), version.String())
		}
	}
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=staging,broken")
	if _, err := tracing.Resource(context.Background()); err == nil {
		t.Error("a malformed OTEL_RESOURCE_ATTRIBUTES was accepted")
	}
}
