// Package testutil builds the real service for tests: a fresh PostgreSQL database per test, the real
// HTTP stack on a loopback listener, real tokens from the token endpoint, and a client that checks every
// response against openapi.yaml.
package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// AdminDatabaseURLEnv names the PostgreSQL database tests connect to in order to create their own.
const AdminDatabaseURLEnv = "ACCESS_TEST_DATABASE_URL"

const defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminDatabaseURL is the PostgreSQL server tests create their databases on.
func AdminDatabaseURL() string {
	if v := os.Getenv(AdminDatabaseURLEnv); v != "" {
		return v
	}
	return defaultAdminURL
}

// NewPostgres creates an empty database for one test and drops it when the test ends. A test that
// cannot reach PostgreSQL fails; it never skips.
func NewPostgres(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := AdminDatabaseURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable at %s (set %s, or run `make test`, which starts it): %v", admin, AdminDatabaseURLEnv, err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "access_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("creating test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("dropping %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("dropping %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", AdminDatabaseURLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// NewSQLite returns a sqlite: URL for a fresh embedded store in the test's temporary folder.
func NewSQLite(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("sqlite:%s", filepath.Join(t.TempDir(), "access-service.db"))
}
