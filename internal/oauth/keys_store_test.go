package oauth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestAutomaticRotationOnTheStores: two instances (two connections to one database) whose reloads find
// the newest key too old at the same moment add exactly one key between them, on PostgreSQL and on the
// embedded SQLite store; retirement is marked and read back.
func TestAutomaticRotationOnTheStores(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{"postgres": testutil.NewPostgres, "sqlite": testutil.NewSQLite} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := url(t)
			var mu sync.Mutex
			now := time.Now().UTC()
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			opts := oauth.KeyOptions{Rotation: time.Hour, Now: clock}
			var instances []*oauth.Keys
			for range 2 {
				k, err := oauth.LoadKeys(ctx, testutil.OpenStore(t, db).OAuth(), opts)
				if err != nil {
					t.Fatal(err)
				}
				instances = append(instances, k)
			}
			first := instances[0].Signer().KeyID()
			if instances[1].Signer().KeyID() != first {
				t.Fatal("the second instance made a key of its own")
			}
			mu.Lock()
			now = now.Add(time.Hour)
			mu.Unlock()
			var wg sync.WaitGroup
			for _, k := range instances {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := k.Tick(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			st := testutil.OpenStore(t, db).OAuth()
			stored, err := st.SigningKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(stored) != 2 || stored[0].KID != first || stored[1].Generation != stored[0].Generation+1 {
				t.Fatalf("after two rotations at once: %+v", stored)
			}
			if d := stored[1].SignsFrom.Sub(stored[1].CreatedAt); d != oauth.DefaultSigningDelay {
				t.Fatalf("the automatic rotation's key signs %s after its creation", d)
			}
			for _, k := range instances {
				if k.Public().Len() != 2 {
					t.Fatalf("an instance publishes %d keys", k.Public().Len())
				}
			}
			if longest, err := st.LongestAccessTokenValidity(ctx); err != nil || longest != 0 {
				t.Fatalf("longest validity without apps: %s %v", longest, err)
			}
			// The first key retires once the second has signed for longer than any token lives.
			mu.Lock()
			now = now.Add(oauth.DefaultSigningDelay + oauth.RestrictiveLifetime + oauth.RetirementMargin)
			mu.Unlock()
			if err := instances[1].Reload(ctx); err != nil {
				t.Fatal(err)
			}
			states, err := oauth.KeyStates(ctx, st, clock())
			if err != nil {
				t.Fatal(err)
			}
			if states[0].State != oauth.KeyRetired || states[1].State != oauth.KeySigning {
				t.Fatalf("%+v", states)
			}
			if stored, _ := st.SigningKeys(ctx); stored[0].RetiredAt == nil || !stored[0].RetiredAt.Equal(*states[0].RetiresAt) {
				t.Fatalf("retirement not marked: %v", stored[0].RetiredAt)
			}
		})
	}
}
