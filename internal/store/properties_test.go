package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/property"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestMigrationRenamesProperties: 00015 gives the properties their documented dotted names, their
// grouping and public flag, keeps the values a database holds (and the ids), adds the properties it
// lacked and drops orgRemovalActionDays (a theme property now), on PostgreSQL and SQLite alike.
func TestMigrationRenamesProperties(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{"postgres": testutil.NewEmptyPostgres, "sqlite": testutil.NewSQLite} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, db := migratedFrom(t, url(t), "00015",
				`UPDATE properties SET value = '16' WHERE name = 'passwordMinLength'`,
				`UPDATE properties SET value = '3' WHERE name = 'maxPasswordRetries'`,
				`UPDATE properties SET value = 'https://content.example.com' WHERE name = 'contentServiceURL'`,
			)
			want := []string{
				"1=password.min.length integer 16 security public",
				"2=password.max.length integer 1024 security public",
				"3=password.max.retries integer 3 security server",
				"5=content.service.url url https://content.example.com services public",
				"6=webapp.service.url url  services public",
				"7=temporary.password.expiry.hours integer 72 security server",
				"8=analytics.google.trackingCode string  analytics public",
				"9=analytics.google.trackingDomain string  analytics public",
				"10=require.login.on.launch boolean false client public",
				"11=document.viewer.enabled boolean true client public",
			}
			q := `SELECT id, name || ' ' || kind || ' ' || value || ' ' || grouping || ' ' || CASE WHEN public THEN 'public' ELSE 'server' END
				FROM properties ORDER BY id`
			if got := pairs(t, db, q); !slices.Equal(got, want) {
				t.Errorf("%q\nwant %q", got, want)
			}
			// The store reads them all, and the service can act on each.
			all, err := s.Properties().All(ctx)
			if err != nil || len(all) != len(want) {
				t.Fatal(len(all), err)
			}
			svc := property.NewService(s.Properties())
			snap, err := svc.Current(ctx)
			if err != nil || snap.PasswordPolicy.MinLength != 16 || snap.MaxPasswordRetries != 3 || !snap.DocumentViewerEnabled {
				t.Fatalf("%+v %v", snap, err)
			}
			for _, p := range all {
				if p.Description == "" || p.Modified.IsZero() {
					t.Errorf("%s: %+v", p.Name, p)
				}
				if _, err := property.Check(all, p, p.Value); err != nil && p.Kind != property.Integer && p.Kind != property.Boolean {
					t.Errorf("%s: its migrated value %q is refused: %v", p.Name, p.Value, err)
				}
			}
		})
	}
}

var setAt = time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC)

// TestPropertiesStore: the list pages, sorts and searches the names in any case; a value is set with
// its time, under the lock of every row.
func TestPropertiesStore(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{"postgres": testutil.NewPostgres, "sqlite": testutil.NewSQLite} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := testutil.OpenStore(t, url(t))
			x := s.Properties()
			names := func(p listing.Page[property.Property]) []string {
				var out []string
				for _, it := range p.Items {
					out = append(out, it.Name)
				}
				return out
			}
			p, err := x.List(ctx, listing.Query{Search: "password"})
			if err != nil || p.Count != 4 || !slices.Equal(names(p), []string{property.PasswordMinLength, property.PasswordMaxLength,
				property.PasswordMaxRetries, property.TemporaryPasswordExpiryHours}) {
				t.Fatalf("%v %d %v", names(p), p.Count, err)
			}
			p, err = x.List(ctx, listing.Query{Search: "google.track", SortBy: "propertyName", Desc: true, Limit: 1, Offset: 1})
			if err != nil || p.Count != 2 || !slices.Equal(names(p), []string{property.GoogleAnalyticsTrackingCode}) {
				t.Fatalf("%v %d %v", names(p), p.Count, err)
			}
			if p, err := x.List(ctx, listing.Query{Search: "_"}); err != nil || p.Count != 0 {
				t.Fatalf("a wildcard matched: %v %v", names(p), err)
			}
			err = s.InTx(ctx, func(ctx context.Context) error {
				if _, err := x.LockAll(ctx); err != nil {
					return err
				}
				return x.SetValue(ctx, 3, "7", setAt)
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := x.ByID(ctx, 3)
			if err != nil || got.Value != "7" || !got.Modified.Equal(setAt) || got.Grouping != "security" || got.Public {
				t.Fatalf("%+v %v", got, err)
			}
			if _, err := x.ByID(ctx, 4); err != property.ErrNotFound {
				t.Fatalf("removed property: %v", err)
			}
			if err := x.SetValue(ctx, 99, "x", setAt); err != property.ErrNotFound {
				t.Fatalf("unknown property: %v", err)
			}
		})
	}
}
