package whitelist_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/whitelist"
)

func add(t *testing.T, d *testutil.Domain, orgID int64, patterns ...string) []whitelist.Rule {
	t.Helper()
	items := make([]whitelist.NewRule, len(patterns))
	for i, p := range patterns {
		items[i] = whitelist.NewRule{Pattern: p}
	}
	rules, err := d.Whitelist.Add(context.Background(), orgID, items)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

// patterns are the organisation's patterns as stored, sorted.
func patterns(t *testing.T, d *testutil.Domain, orgID int64) []string {
	t.Helper()
	page, err := d.Whitelist.List(context.Background(), orgID, listing.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range page.Items {
		out = append(out, r.Pattern.Text)
	}
	slices.Sort(out)
	return out
}

func wantPatterns(t *testing.T, d *testutil.Domain, orgID int64, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := patterns(t, d, orgID); !slices.Equal(got, want) {
		t.Fatalf("the organisation's patterns: %q, want %q", got, want)
	}
}

// wantItems checks that err refuses exactly the items at these positions, each with want.
func wantItems(t *testing.T, err error, want error, positions ...int) {
	t.Helper()
	var items errs.Items
	if !errors.As(err, &items) {
		t.Fatalf("got %v, want items %v refused with %v", err, positions, want)
	}
	var got []int
	for _, it := range items {
		if !errors.Is(it, want) {
			t.Errorf("item %d refused with %v, want %v", it.Index, it.Err, want)
		}
		got = append(got, it.Index)
	}
	if !slices.Equal(got, positions) {
		t.Fatalf("refused items %v, want %v", got, positions)
	}
}

// Deleting rules is all or none: an id naming no rule of the organisation (missing, or another
// organisation's) refuses the whole request, naming it, and nothing is deleted.
func TestDeleteIsAllOrNone(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme, other := d.Org(t, "acme"), d.Org(t, "other")
	ours := add(t, d, acme.ID, "acme.example", "*.partner.example", "alice@friends.example")
	theirs := add(t, d, other.ID, "other.example")

	_, err := d.Whitelist.Delete(ctx, acme.ID, []int64{ours[0].ID, d.IDs.New(), ours[1].ID})
	wantItems(t, err, whitelist.ErrRuleNotFound, 1)
	_, err = d.Whitelist.Delete(ctx, acme.ID, []int64{ours[0].ID, ours[2].ID, theirs[0].ID})
	wantItems(t, err, whitelist.ErrRuleNotFound, 2)
	wantPatterns(t, d, acme.ID, "acme.example", "*.partner.example", "alice@friends.example")
	wantPatterns(t, d, other.ID, "other.example")

	deleted, err := d.Whitelist.Delete(ctx, acme.ID, []int64{ours[0].ID, ours[2].ID})
	if err != nil || len(deleted) != 2 {
		t.Fatalf("deleting two of the organisation's rules: %+v, %v", deleted, err)
	}
	wantPatterns(t, d, acme.ID, "*.partner.example")
	wantPatterns(t, d, other.ID, "other.example")
}

// Adding rules is all or none: a pattern the organisation has already (however it is written), or one
// the request names twice, refuses the whole request, naming it, and nothing is added. Another
// organisation's patterns do not count.
func TestAddIsAllOrNone(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme, other := d.Org(t, "acme"), d.Org(t, "other")
	add(t, d, acme.ID, "acme.example")

	_, err := d.Whitelist.Add(ctx, acme.ID, []whitelist.NewRule{{Pattern: "new.example"}, {Pattern: " ACME.example "}, {Pattern: "bob@new.example"}})
	wantItems(t, err, whitelist.ErrDuplicatePattern, 1)
	if !errs.Is(err, errs.Conflict) {
		t.Errorf("%v is not a conflict", err)
	}
	_, err = d.Whitelist.Add(ctx, acme.ID, []whitelist.NewRule{{Pattern: "twice.example"}, {Pattern: "new.example"}, {Pattern: "Twice.example"}})
	wantItems(t, err, whitelist.ErrDuplicatePattern, 2)
	wantPatterns(t, d, acme.ID, "acme.example")

	add(t, d, other.ID, "acme.example")
	add(t, d, acme.ID, "new.example", "bob@new.example")
	wantPatterns(t, d, acme.ID, "acme.example", "new.example", "bob@new.example")
}
