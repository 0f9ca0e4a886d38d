package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/cocoondata/access-service/internal/store"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestMigrateConcurrently: instances starting together against one empty database each apply the schema
// safely; afterwards it is complete and applying it again is a no-op.
func TestMigrateConcurrently(t *testing.T) {
	for name, url := range map[string]string{"postgres": testutil.NewEmptyPostgres(t), "sqlite": testutil.NewSQLite(t)} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := store.Open(ctx, url)
					if err != nil {
						errs <- err
						return
					}
					defer s.Close()
					errs <- s.Migrate(ctx)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("concurrent migrate: %v", err)
				}
			}
			s := store.OpenMigrated(t, url)
			props, err := s.Properties().All(ctx)
			if err != nil || len(props) == 0 {
				t.Fatalf("schema incomplete: %v %d", err, len(props))
			}
		})
	}
}
