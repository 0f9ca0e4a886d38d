package httpapi

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/cocoondata/access-service/internal/tracing"
	"github.com/cocoondata/access-service/internal/version"
)

// traceRequests gives every request one server span, named by the spec's operation id of the route
// Echo matched (a request no operation matches: its method and "unmatched"), a child of the trace the
// request's traceparent header names if it names one. The span is the request context's, so the store's
// statements are its children and the access log names its trace. Without a tracer provider
// (Deps.TracerProvider nil: tracing off) it is not in the chain at all.
func (s *Server) traceRequests(next echo.HandlerFunc) echo.HandlerFunc {
	if s.TracerProvider == nil {
		return next
	}
	tracer := s.TracerProvider.Tracer("github.com/cocoondata/access-service/internal/httpapi",
		trace.WithInstrumentationVersion(version.String()))
	return func(c echo.Context) error {
		req := c.Request()
		ctx := tracing.Propagator.Extract(req.Context(), propagation.HeaderCarrier(req.Header))
		attrs := []attribute.KeyValue{
			semconv.HTTPRequestMethodKey.String(req.Method),
			semconv.URLPath(req.URL.Path),
			semconv.URLScheme(c.Scheme()),
			semconv.ClientAddress(c.RealIP()),
			semconv.NetworkPeerAddress(echo.ExtractIPDirect()(req)),
		}
		if ua := req.UserAgent(); ua != "" {
			attrs = append(attrs, semconv.UserAgentOriginal(ua))
		}
		name := req.Method + " unmatched"
		if op := s.ops.of(c); op != nil {
			name = op.id
			attrs = append(attrs, semconv.HTTPRoute(op.route.Path))
		} else if isExplorerAsset(c) {
			name = req.Method + " " + explorerAssetPrefix + "*"
			attrs = append(attrs, semconv.HTTPRoute(explorerAssetPrefix+"*"))
		}
		ctx, span := tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		defer span.End()
		c.SetRequest(req.WithContext(ctx))
		err := next(c)
		if err != nil {
			// Only the steps inside the access log can fail, and it answers their errors; this keeps the
			// status right should the chain ever change.
			c.Error(err)
		}
		status := c.Response().Status
		span.SetAttributes(semconv.HTTPResponseStatusCode(status))
		if id := c.Response().Header().Get(echo.HeaderXRequestID); id != "" {
			span.SetAttributes(semconv.HTTPResponseHeader("x-request-id", id))
		}
		if status >= http.StatusInternalServerError {
			span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(status)))
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		return nil
	}
}
