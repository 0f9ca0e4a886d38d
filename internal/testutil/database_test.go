package testutil_test

import (
	"context"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/testutil"
)

func migrations(t *testing.T, url string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'goose_db_version'").Scan(&n); err != nil || n == 0 {
		return 0
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// NewPostgres gives each caller, even many at once, a database of its own with every migration applied,
// so the service's own migration at start has nothing to do; NewEmptyPostgres gives an empty one.
func TestDatabases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if n := migrations(t, testutil.NewEmptyPostgres(t)); n != 0 {
		t.Fatalf("empty database has %d migrations applied", n)
	}
	urls := make([]string, 4)
	var wg sync.WaitGroup
	for i := range urls {
		wg.Add(1)
		go func() { defer wg.Done(); urls[i] = testutil.NewPostgres(t) }()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, u := range urls {
		if seen[u] {
			t.Fatalf("two callers got %s", u)
		}
		seen[u] = true
		if n := migrations(t, u); n == 0 {
			t.Fatalf("%s has no migration applied", u)
		}
	}
	s := testutil.NewStore(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if props, err := s.Properties().All(ctx); err != nil || len(props) == 0 {
		t.Fatalf("store on a fresh database: %d properties, %v", len(props), err)
	}
}
