package store_test

import (
	"context"
	"testing"

	"github.com/cocoondata/access-service/internal/store"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestHotReadsMatchGORM: PostgreSQL's hot reads give the rows GORM gives (store.CheckHotReads).
func TestHotReadsMatchGORM(t *testing.T) { store.CheckHotReads(t, testutil.NewPostgres(t)) }

// TestHotReadColumnsMatchSchema: the hot reads' column lists are derived from, and checked against,
// GORM's schema of their rows (store.CheckHotReadColumns).
func TestHotReadColumnsMatchSchema(t *testing.T) { store.CheckHotReadColumns(t) }

// TestHotReadsInTransaction: a hot read inside a transaction reads through it, on both stores.
func TestHotReadsInTransaction(t *testing.T) {
	t.Run("postgres", func(t *testing.T) { store.CheckHotReadsInTx(t, testutil.NewPostgres(t)) })
	t.Run("sqlite", func(t *testing.T) { store.CheckHotReadsInTx(t, testutil.NewSQLite(t)) })
}

// The pool opens up to 20 connections unless the URL says otherwise with pgx's pool_max_conns.
func TestPoolSize(t *testing.T) {
	url := testutil.NewPostgres(t)
	for _, tc := range []struct {
		extra string
		want  int32
	}{
		{"", 20},
		{"&pool_max_conns=3", 3},
	} {
		s, err := store.Open(context.Background(), url+tc.extra)
		if err != nil {
			t.Fatal(err)
		}
		if got := store.PoolSize(s); got != tc.want {
			t.Errorf("URL ending %q: pool of %d, want %d", tc.extra, got, tc.want)
		}
		_ = s.Close()
	}
}
