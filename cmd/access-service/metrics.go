package main

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/cocoondata/access-service/internal/app"
)

// serveMetrics serves the Prometheus metrics on the listener of ACCESS_METRICS_ADDR, apart from the API;
// the function it returns stops that listener (after the API's drain, with the rest of the service).
func serveMetrics(a *app.App, ln net.Listener, log *slog.Logger) (stop func(), err error) {
	m, err := a.ServeMetrics(ln)
	if err != nil {
		return nil, err
	}
	log.Info("serving metrics", "addr", m.Addr().String(), "path", "/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = m.Shutdown(ctx)
	}, nil
}
