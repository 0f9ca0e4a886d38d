package testutil

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Exec runs a statement on the service's PostgreSQL database, on a connection of its own, for what no
// API can do (ageing a code, say).
func (s *Service) Exec(t testing.TB, stmt string, args ...any) {
	t.Helper()
	s.withConn(t, func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, stmt, args...)
		return err
	})
}

// Count runs a query answering one number (SELECT COUNT(*) ..., SUM ...) on the service's PostgreSQL
// database, on a connection of its own: it sees only what is committed.
func (s *Service) Count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	s.withConn(t, func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, query, args...).Scan(&n)
	})
	return n
}

func (s *Service) withConn(t testing.TB, f func(context.Context, *pgx.Conn) error) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := f(ctx, conn); err != nil {
		t.Fatal(err)
	}
}
