package testutil_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/store"
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
	var mu sync.Mutex
	seen := map[string]bool{}
	t.Run("copies", func(t *testing.T) {
		for i := range 4 {
			t.Run(strconv.Itoa(i), func(t *testing.T) {
				t.Parallel()
				u := testutil.NewPostgres(t)
				mu.Lock()
				dup := seen[u]
				seen[u] = true
				mu.Unlock()
				if dup {
					t.Fatalf("two callers got %s", u)
				}
				n := migrations(t, u)
				if n == 0 {
					t.Fatalf("%s has no migration applied", u)
				}
				s, err := store.Open(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				if err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				if after := migrations(t, u); after != n {
					t.Fatalf("the copy had %d migrations applied, the store applied %d more", n, after-n)
				}
			})
		}
	})
	s := testutil.NewStore(t)
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if props, err := s.Properties().All(ctx); err != nil || len(props) == 0 {
		t.Fatalf("store on a fresh database: %d properties, %v", len(props), err)
	}
}
