package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cocoondata/access-service/internal/app"
)

// serveMetrics serves the Prometheus metrics on ACCESS_METRICS_ADDR, apart from the API; the function it
// returns stops that listener (after the API's drain, with the rest of the service).
func serveMetrics(a *app.App, addr string, log *slog.Logger) (stop func(), err error) {
	m, err := a.ServeMetrics(addr)
	if err != nil {
		return nil, fmt.Errorf("ACCESS_METRICS_ADDR: cannot listen on %s: %w", addr, err)
	}
	log.Info("serving metrics", "addr", m.Addr().String(), "path", "/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = m.Shutdown(ctx)
	}, nil
}
