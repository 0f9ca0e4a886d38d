// Package testutil builds the real service for tests: a fresh PostgreSQL database per test, the real
// HTTP stack on a loopback listener, real tokens from the token endpoint, and a client that checks every
// response against openapi.yaml.
package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cocoondata/access-service/internal/store"
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

// NewPostgres creates a database for one test, with every migration applied (a copy of the migrated
// template, see template below), and drops it when the test ends. A test that cannot reach PostgreSQL
// fails; it never skips.
func NewPostgres(t testing.TB) string {
	t.Helper()
	return newDatabase(t, true)
}

// NewEmptyPostgres creates an empty database for one test (no migration applied), for tests of the
// migrations themselves, and drops it when the test ends.
func NewEmptyPostgres(t testing.TB) string {
	t.Helper()
	return newDatabase(t, false)
}

// NewStore opens the store on a fresh migrated database (NewPostgres) and closes it when the test ends.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	return OpenStore(t, NewPostgres(t))
}

// OpenStore opens the store at databaseURL, migrated, and closes it when the test ends: for domain
// tests, which need a real database but not the HTTP stack.
func OpenStore(t testing.TB, databaseURL string) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, databaseURL)
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating the store: %v", err)
	}
	return s
}

func newDatabase(t testing.TB, migrated bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := AdminDatabaseURL()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable at %s (set %s, or run `make test`, which starts it): %v", admin, AdminDatabaseURLEnv, err)
	}
	defer conn.Close(ctx)
	name := "access_test_" + randomHex(6)
	create := func() error {
		_, err := conn.Exec(ctx, "CREATE DATABASE "+name)
		return err
	}
	if migrated {
		create = func() error { return cloneTemplate(ctx, conn, admin, name) }
	}
	if err := create(); err != nil {
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
	u, err := databaseURL(admin, name)
	if err != nil {
		t.Fatalf("%s: %v", AdminDatabaseURLEnv, err)
	}
	return u
}

// NewSQLite returns a sqlite: URL for a fresh embedded store in the test's temporary folder.
func NewSQLite(t testing.TB) string {
	t.Helper()
	return fmt.Sprintf("sqlite:%s", filepath.Join(t.TempDir(), "access-service.db"))
}

// The migrated template. Applying every migration to each test's database costs more than copying a
// database that has them: each server gets one template database per set of migrations, named by a
// short hash of the migration files (a new or edited migration gives a new template), and each test's
// database is a copy of it (CREATE DATABASE ... TEMPLATE). The template is built at most once however
// many test binaries run at a time (go test runs packages in parallel; other checkouts may share the
// server): under an advisory lock, under a temporary name, renamed only once migrated and with nobody
// connected to it, so that no one ever sees a half-built template. Nobody may connect to it afterwards
// (copying fails while anyone is connected), so it does not allow connections.
const (
	templatePrefix = "access_template_"
	buildPrefix    = "access_template_build_"
	// templateLockKey is the advisory lock the template is built under; any number, shared by every
	// checkout of the service.
	templateLockKey = 0x61636365_73740001
	// templatesKept: a template for other migrations (another branch's, an older commit's) is dropped
	// once it is this old, so that checkouts sharing a server do not drop each other's templates while
	// they are in use.
	templatesKept = time.Hour
)

var (
	templateMu    sync.Mutex
	templateReady = map[string]bool{} // by admin URL: this process has seen the template exist
)

func templateName() string { return templatePrefix + store.MigrationsDigest()[:12] }

// cloneTemplate creates the database name as a copy of the migrated template, building the template
// first when the server does not have it yet.
func cloneTemplate(ctx context.Context, conn *pgx.Conn, admin, name string) error {
	tmpl := templateName()
	for attempt := 0; ; attempt++ {
		if err := ensureTemplate(ctx, conn, admin, tmpl); err != nil {
			return fmt.Errorf("building the migrated template %s: %w", tmpl, err)
		}
		_, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl)
		var pgErr *pgconn.PgError
		switch {
		case err == nil:
			return nil
		case attempt < 5 && errors.As(err, &pgErr) && pgErr.Code == "3D000":
			// The template is gone (dropped as an old one by a checkout with other migrations): build it again.
			templateMu.Lock()
			delete(templateReady, admin)
			templateMu.Unlock()
		case attempt < 5 && errors.As(err, &pgErr) && pgErr.Code == "55006":
			// Someone is connected to the template (PostgreSQL already waited 5 s for them to leave).
			time.Sleep(time.Second)
		default:
			return err
		}
	}
}

// ensureTemplate makes sure the server has the template tmpl.
func ensureTemplate(ctx context.Context, conn *pgx.Conn, admin, tmpl string) error {
	templateMu.Lock()
	defer templateMu.Unlock()
	if templateReady[admin] {
		return nil
	}
	exists := func() (bool, error) {
		var n int
		err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", tmpl).Scan(&n)
		return n > 0, err
	}
	if ok, err := exists(); err != nil || ok {
		templateReady[admin] = ok
		return err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(templateLockKey)); err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", int64(templateLockKey))
	}()
	// Another test binary may have built it while this one waited for the lock.
	if ok, err := exists(); err != nil || ok {
		templateReady[admin] = ok
		return err
	}
	dropOldTemplates(ctx, conn, tmpl)
	if err := buildTemplate(ctx, conn, admin, tmpl); err != nil {
		return err
	}
	templateReady[admin] = true
	return nil
}

// buildTemplate makes the template under a temporary name, applies the migrations, makes sure nobody
// is connected to it, and renames it. The caller holds the advisory lock.
func buildTemplate(ctx context.Context, conn *pgx.Conn, admin, tmpl string) (err error) {
	tmp := buildPrefix + randomHex(6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+tmp); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+tmp+" WITH (FORCE)")
		}
	}()
	tmpURL, err := databaseURL(admin, tmp)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, tmpURL)
	if err != nil {
		return err
	}
	err = s.Migrate(ctx)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// The store's connections are closed, but their server processes end a moment later.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+tmp+" ALLOW_CONNECTIONS false"); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", tmp); err != nil {
		return err
	}
	for {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", tmp).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d connections to %s do not end: %w", n, tmp, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	comment := fmt.Sprintf("access-service test template, migrations %s, built %s", store.MigrationsDigest(), time.Now().UTC().Format(time.RFC3339))
	for _, stmt := range []string{
		"COMMENT ON DATABASE " + tmp + " IS '" + comment + "'",
		"ALTER DATABASE " + tmp + " RENAME TO " + tmpl,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// dropOldTemplates drops, best effort, what failed builds left and the templates for other migrations
// that are older than templatesKept. The caller holds the advisory lock, so no build is under way.
func dropOldTemplates(ctx context.Context, conn *pgx.Conn, keep string) {
	rows, err := conn.Query(ctx, "SELECT datname, coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE starts_with(datname, $1)", templatePrefix)
	if err != nil {
		return
	}
	var drop []string
	for rows.Next() {
		var name, comment string
		if rows.Scan(&name, &comment) != nil || name == keep {
			continue
		}
		_, built, _ := strings.Cut(comment, ", built ")
		at, err := time.Parse(time.RFC3339, built)
		if strings.HasPrefix(name, buildPrefix) || err != nil || time.Since(at) > templatesKept {
			drop = append(drop, name)
		}
	}
	rows.Close()
	for _, name := range drop {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
}

// databaseURL is the admin URL with its database replaced by name.
func databaseURL(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
