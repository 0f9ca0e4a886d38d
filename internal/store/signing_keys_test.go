package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestMigrationNumbersExistingSigningKeys: 00019 numbers the keys a database already holds by their
// creation (generations 1, 2, ...), has them sign from their creation, retires none; a key of a taken
// generation is then refused as a conflict, on PostgreSQL and SQLite alike.
func TestMigrationNumbersExistingSigningKeys(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{"postgres": testutil.NewEmptyPostgres, "sqlite": testutil.NewSQLite} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ts := func(s string) string {
				if name == "sqlite" {
					return "'" + s + "'"
				}
				return "TIMESTAMPTZ '" + s + "'"
			}
			s, _ := migratedFrom(t, url(t), "00019",
				"INSERT INTO signing_keys (kid, private_pem, created_at) VALUES ('b', 'pem-b', "+ts("2026-02-01 10:00:00+00:00")+")",
				"INSERT INTO signing_keys (kid, private_pem, created_at) VALUES ('a', 'pem-a', "+ts("2026-01-01 10:00:00+00:00")+")",
				"INSERT INTO signing_keys (kid, private_pem, created_at) VALUES ('c', 'pem-c', "+ts("2026-03-01 10:00:00+00:00")+")")
			keys, err := s.OAuth().SigningKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 3 {
				t.Fatalf("%d keys", len(keys))
			}
			for i, want := range []string{"a", "b", "c"} {
				k := keys[i]
				if k.KID != want || k.Generation != int64(i+1) || !k.SignsFrom.Equal(k.CreatedAt) || k.RetiredAt != nil {
					t.Errorf("key %d: %+v, want %s of generation %d signing from its creation", i, k, want, i+1)
				}
			}
			err = s.OAuth().AddSigningKey(ctx, oauth.SigningKey{KID: "d", PrivatePEM: "pem-d", CreatedAt: time.Now(), Generation: 3, SignsFrom: time.Now()})
			if !errors.Is(err, oauth.ErrKeyConflict) {
				t.Fatalf("a taken generation: %v", err)
			}
		})
	}
}
