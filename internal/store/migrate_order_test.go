package store_test

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/cocoondata/access-service/internal/store"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestMigrateAppliesAMissedMigration: a database that applied every migration but 00002 (it was
// migrated by a build from before 00002 was merged) gets 00002 on the next start instead of refusing it.
func TestMigrateAppliesAMissedMigration(t *testing.T) {
	ctx := context.Background()
	url := testutil.NewEmptyPostgres(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all := os.DirFS("migrations")
	entries, err := fs.ReadDir(all, ".")
	if err != nil {
		t.Fatal(err)
	}
	older := fstest.MapFS{}
	for _, e := range entries {
		// That build had 00001 and 00003; later migrations may depend on 00002.
		if strings.HasPrefix(e.Name(), "00002_") || e.Name() >= "00004" {
			continue
		}
		data, err := fs.ReadFile(all, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		older[e.Name()] = &fstest.MapFile{Data: data}
	}
	if len(older) < 2 {
		t.Skip("no migration after 00002 yet")
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, older)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("a missed migration is refused: %v", err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM organisations").Scan(&n); err != nil {
		t.Fatalf("00002 was not applied: %v", err)
	}
}

// TestMigrationGivesFirstPartyAppsTheAdminScope: 00007 adds admin to the scopes of the auto-approved
// (first-party) apps a database already holds, once, and to no third-party app.
func TestMigrationGivesFirstPartyAppsTheAdminScope(t *testing.T) {
	ctx := context.Background()
	url := testutil.NewEmptyPostgres(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all := os.DirFS("migrations")
	entries, err := fs.ReadDir(all, ".")
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	for _, e := range entries {
		if e.Name() >= "00007" {
			continue
		}
		data, err := fs.ReadFile(all, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		before[e.Name()] = &fstest.MapFile{Data: data}
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, before)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	apps := map[string]struct {
		scope       string
		autoApprove bool
		want        string
	}{
		"first-party":          {"read write", true, "read write admin"},
		"first-party-admin":    {"read admin write", true, "read admin write"},
		"first-party-no-scope": {"", true, "admin"},
		"third-party":          {"read write", false, "read write"},
	}
	id := 1
	for clientID, a := range apps {
		if _, err := db.Exec(`INSERT INTO client_apps (id, client_id, app_name, access_token_validity, refresh_token_validity,
			grant_types, scope, auto_approve, created_at, updated_at) VALUES ($1, $2, $2, 3600, 3600, 'password', $3, $4, now(), now())`,
			id, clientID, a.scope, a.autoApprove); err != nil {
			t.Fatal(err)
		}
		id++
	}
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for clientID, a := range apps {
		var got string
		if err := db.QueryRow("SELECT scope FROM client_apps WHERE client_id = $1", clientID).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != a.want {
			t.Errorf("%s: scope %q, want %q", clientID, got, a.want)
		}
	}
}
