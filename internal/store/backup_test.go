package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/store"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestBackupOfTheEmbeddedStore: a backup taken while the store is open (and written to, through the
// write-ahead log) is a database of its own holding what the store held; it never overwrites a file, and
// PostgreSQL is refused with the pointer to pg_dump.
func TestBackupOfTheEmbeddedStore(t *testing.T) {
	ctx := context.Background()
	url := testutil.NewSQLite(t)
	s := store.OpenMigrated(t, url)
	before, err := s.Properties().All(ctx)
	if err != nil || len(before) == 0 {
		t.Fatalf("no properties: %v", err)
	}
	// A write that sits in the write-ahead log (no checkpoint yet): a copy of the main file alone would miss it.
	p := before[0]
	if err := s.Properties().SetValue(ctx, p.ID, p.Value+"-changed", time.Now()); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := s.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(ctx, "sqlite:"+dest)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	after, err := b.Properties().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("backup has %d properties, the store %d", len(after), len(before))
	}
	found := false
	for _, q := range after {
		if q.Name == p.Name {
			found = q.Value == p.Value+"-changed"
		}
	}
	if !found {
		t.Fatal("the backup misses the last write")
	}
	if err := s.Backup(ctx, dest); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("overwrote a file: %v", err)
	}
	if fi, err := os.Stat(dest); err != nil || fi.Size() == 0 {
		t.Fatalf("the first backup is gone: %v", err)
	}

	pg, err := store.Open(ctx, testutil.NewEmptyPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	if err := pg.Backup(ctx, filepath.Join(t.TempDir(), "x.db")); !errors.Is(err, store.ErrNotEmbedded) {
		t.Fatalf("PostgreSQL backup: %v", err)
	}
}
