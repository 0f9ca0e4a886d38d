package app

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/cocoondata/access-service/internal/tracing"
)

// tracingShutdownTimeout bounds how long Close waits for the last spans to reach the collector.
const tracingShutdownTimeout = 5 * time.Second

// startTracing picks the tracer provider: the options' (tests: theirs to shut down), else the one the
// OTEL_* variables configure (tracing.FromEnv), else none (tracing off). With one, the store's
// statements inside requests become spans.
func (a *App) startTracing(ctx context.Context, opts Options) error {
	var tp trace.TracerProvider = opts.TracerProvider
	if tp == nil {
		sdk, err := tracing.FromEnv(ctx)
		if err != nil {
			return err
		}
		if sdk == nil {
			return nil
		}
		a.ownTracer, tp = sdk, sdk
		a.Log.Info("tracing: exporting spans over OTLP")
	}
	a.Tracer = tp
	return a.Store.Trace(tp)
}

// stopTracing flushes the spans still batched and stops the exporter of the provider startTracing made.
func (a *App) stopTracing() {
	if a.ownTracer == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), tracingShutdownTimeout)
	defer cancel()
	if err := a.ownTracer.Shutdown(ctx); err != nil {
		a.Log.Warn("tracing: the last spans were not exported", "error", err.Error())
	}
	a.ownTracer = nil
}
