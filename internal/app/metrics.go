package app

// The metrics (internal/metrics): the App's registry and its own listener (ACCESS_METRICS_ADDR).

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cocoondata/access-service/internal/metrics"
)

// buildMetrics makes the App's registry, watching the password checks, the audit trail, the revocation
// index and the database pool (PostgreSQL's, and database/sql's view of it). It is built whether or not ACCESS_METRICS_ADDR is set: recording costs
// little, and tests read it without a listener.
func (a *App) buildMetrics() *metrics.Registry {
	m := metrics.New()
	m.Watch(metrics.Sources{Passwords: a.Hasher, Audit: a.Audit, Revocations: a.Revocations, DB: a.Store.DB(), Pool: a.Store.Pool()})
	return m
}

// MetricsServer serves GET /metrics apart from the API.
type MetricsServer struct {
	srv *http.Server
	ln  net.Listener
}

// ServeMetrics serves the App's metrics at GET /metrics on ln (the binary listens on ACCESS_METRICS_ADDR
// before it creates anything, like on the API's address), until Shutdown. Any other path is 404.
func (a *App) ServeMetrics(ln net.Listener) (*MetricsServer, error) {
	if a.Metrics == nil {
		return nil, errors.New("no metrics: the App was opened without its HTTP side (OpenStore)")
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	m := &MetricsServer{ln: ln, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("the metrics listener stopped", "addr", ln.Addr().String(), "error", err.Error())
		}
	}()
	return m, nil
}

// Addr is the address the metrics are served on.
func (m *MetricsServer) Addr() net.Addr { return m.ln.Addr() }

// Shutdown stops the listener, letting a scrape in progress finish until ctx ends.
func (m *MetricsServer) Shutdown(ctx context.Context) error { return m.srv.Shutdown(ctx) }
