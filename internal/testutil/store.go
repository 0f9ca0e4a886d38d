package testutil

import (
	"context"
	"testing"

	"github.com/cocoondata/access-service/internal/store"
)

// OpenStore opens the store at databaseURL, migrated, and closes it when the test ends: for domain
// tests, which need a real database but not the HTTP stack.
func OpenStore(t testing.TB, databaseURL string) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}
