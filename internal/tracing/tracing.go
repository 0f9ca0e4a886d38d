// Package tracing builds the service's OpenTelemetry tracer provider from the standard OTEL_*
// variables. Tracing is off unless an exporter is configured: then nothing is built, the HTTP layer and
// the store install no instrumentation, and a request costs what it did without tracing.
//
// An exporter is configured by OTEL_TRACES_EXPORTER=otlp, or by an OTLP endpoint
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) with OTEL_TRACES_EXPORTER unset;
// OTEL_TRACES_EXPORTER=none and OTEL_SDK_DISABLED=true turn it off whatever else is set. The OTLP
// exporter speaks http/protobuf unless OTEL_EXPORTER_OTLP_TRACES_PROTOCOL (or OTEL_EXPORTER_OTLP_PROTOCOL)
// says grpc, and reads its own variables (endpoint, headers, timeout, TLS, compression) as the
// specification names them; the SDK reads the sampler's (OTEL_TRACES_SAMPLER, ..._ARG) and the batch
// processor's (OTEL_BSP_*), and the resource takes OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
package tracing

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/cocoondata/access-service/internal/version"
)

// DefaultServiceName is the service.name of the spans unless OTEL_SERVICE_NAME (or
// OTEL_RESOURCE_ATTRIBUTES) names another.
const DefaultServiceName = "access-service"

// Propagator reads and writes the trace context of a request: W3C traceparent/tracestate and baggage.
var Propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(
	propagation.TraceContext{}, propagation.Baggage{})

// Error is a tracing variable whose value the service cannot use.
type Error struct{ Variable, Problem string }

func (e *Error) Error() string { return e.Variable + ": " + e.Problem }

// Protocols of the OTLP exporter.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// Settings are what the environment says about tracing.
type Settings struct {
	// Enabled: an exporter is configured.
	Enabled bool
	// Protocol is the OTLP exporter's (ProtocolHTTP or ProtocolGRPC), when Enabled.
	Protocol string
}

// SettingsFrom reads the tracing variables through lookup (os.LookupEnv in the binary). A value the
// service cannot use is an *Error naming its variable.
func SettingsFrom(lookup func(string) (string, bool)) (Settings, error) {
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	if strings.EqualFold(get("OTEL_SDK_DISABLED"), "true") {
		return Settings{}, nil
	}
	var on bool
	switch exporters := strings.ToLower(get("OTEL_TRACES_EXPORTER")); exporters {
	case "":
		on = get("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
	case "none":
		return Settings{}, nil
	case "otlp":
		on = true
	default:
		return Settings{}, &Error{"OTEL_TRACES_EXPORTER", fmt.Sprintf("%q is not supported: otlp or none", exporters)}
	}
	if !on {
		return Settings{}, nil
	}
	variable, protocol := "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		variable, protocol = "OTEL_EXPORTER_OTLP_PROTOCOL", get("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch protocol {
	case "", ProtocolHTTP:
		protocol = ProtocolHTTP
	case ProtocolGRPC:
	default:
		return Settings{}, &Error{variable, fmt.Sprintf("%q is not supported: http/protobuf or grpc", protocol)}
	}
	return Settings{Enabled: true, Protocol: protocol}, nil
}

// FromEnv builds the tracer provider the process's environment configures, or returns nil when tracing
// is off. The provider batches spans to the exporter; Shutdown flushes them.
func FromEnv(ctx context.Context) (*sdktrace.TracerProvider, error) {
	s, err := SettingsFrom(os.LookupEnv)
	if err != nil || !s.Enabled {
		return nil, err
	}
	var exp sdktrace.SpanExporter
	if s.Protocol == ProtocolGRPC {
		exp, err = otlptracegrpc.New(ctx)
	} else {
		exp, err = otlptracehttp.New(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("the OTLP trace exporter (OTEL_EXPORTER_OTLP_*): %w", err)
	}
	res, err := Resource(ctx)
	if err != nil {
		_ = exp.Shutdown(ctx)
		return nil, err
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// Resource describes the service in every span: service.name (DefaultServiceName unless the
// environment names another), service.version (internal/version), the SDK's own attributes and what
// OTEL_RESOURCE_ATTRIBUTES adds.
func Resource(ctx context.Context) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(DefaultServiceName), semconv.ServiceVersion(version.String())),
		// Last, so the environment wins over the defaults above.
		resource.WithFromEnv(),
	)
	if err != nil {
		return nil, &Error{"OTEL_RESOURCE_ATTRIBUTES", err.Error()}
	}
	return res, nil
}
