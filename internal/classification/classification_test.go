package classification_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/cocoondata/access-service/internal/classification"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/testutil"
)

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func create(t *testing.T, d *testutil.Domain, orgID int64, name string) classification.Classification {
	t.Helper()
	c, err := d.Classifications.Create(context.Background(), orgID, classification.New{Name: name})
	if err != nil {
		t.Fatalf("creating %q: %v", name, err)
	}
	return c
}

// ranking is the organisation's classification names in priority order, checking on the way that the
// priorities are exactly 1..n.
func ranking(t *testing.T, d *testutil.Domain, orgID int64) []string {
	t.Helper()
	page, err := d.Classifications.List(context.Background(), orgID, listing.Query{})
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(page.Items))
	for i, c := range page.Items {
		if c.Priority != i+1 {
			t.Fatalf("priorities are not 1..n: %q has %d at place %d", c.Name, c.Priority, i+1)
		}
		names[i] = c.Name
	}
	if page.Count != len(names) {
		t.Fatalf("count %d, %d items", page.Count, len(names))
	}
	return names
}

func wantRanking(t *testing.T, d *testutil.Domain, orgID int64, want ...string) {
	t.Helper()
	if got := ranking(t, d, orgID); !slices.Equal(got, want) {
		t.Fatalf("ranking %q, want %q", got, want)
	}
}

// A new classification goes to the bottom: the first gets 1, the next 2, per organisation. Names are
// unique in the organisation whatever their case and surrounding spaces, not across organisations.
func TestCreateRanksLowestAndNamesAreUniquePerOrganisation(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme, other := d.Org(t, "acme"), d.Org(t, "other")
	for i, name := range []string{"Public", "Internal", "Secret"} {
		c, err := d.Classifications.Create(ctx, acme.ID, classification.New{Name: "  " + name + " ", Description: "d" + name, ApplyI18n: i == 1})
		if err != nil {
			t.Fatal(err)
		}
		if c.Priority != i+1 || c.Name != name || c.OrganisationID != acme.ID || c.ApplyI18n != (i == 1) {
			t.Fatalf("%+v", c)
		}
		got, err := d.Classifications.Get(ctx, acme.ID, c.ID)
		if err != nil || got != c {
			t.Fatalf("read back %+v %v, created %+v", got, err, c)
		}
	}
	_, err := d.Classifications.Create(ctx, acme.ID, classification.New{Name: " sECRET"})
	wantErr(t, err, classification.ErrNameTaken)
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("kind of %v", err)
	}
	wantRanking(t, d, acme.ID, "Public", "Internal", "Secret")
	if c := create(t, d, other.ID, "Secret"); c.Priority != 1 {
		t.Fatalf("another organisation's first classification has priority %d", c.Priority)
	}
	_, err = d.Classifications.Create(ctx, 765456269464346624, classification.New{Name: "x"})
	wantErr(t, err, classification.ErrOrganisationGone)
	// A SafeShare administrator may list any organisation's: one that does not exist is not an empty list.
	_, err = d.Classifications.List(ctx, 765456269464346624, listing.Query{})
	wantErr(t, err, classification.ErrOrganisationGone)
}

// Another organisation's classification is not found under this one, for any operation.
func TestAnotherOrganisationsClassificationIsNotFound(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme, other := d.Org(t, "acme"), d.Org(t, "other")
	create(t, d, acme.ID, "A1")
	theirs := create(t, d, other.ID, "B1")
	create(t, d, other.ID, "B2")
	_, err := d.Classifications.Get(ctx, acme.ID, theirs.ID)
	wantErr(t, err, classification.ErrNotFound)
	_, err = d.Classifications.Move(ctx, acme.ID, theirs.ID, classification.Down)
	wantErr(t, err, classification.ErrNotFound)
	_, err = d.Classifications.Delete(ctx, acme.ID, theirs.ID)
	wantErr(t, err, classification.ErrNotFound)
	wantRanking(t, d, other.ID, "B1", "B2")
}

// Deleting one closes the gap: the classifications below it move up one place, wherever it was.
func TestDeleteKeepsThePriorities1ToN(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme := d.Org(t, "acme")
	byName := map[string]classification.Classification{}
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		byName[n] = create(t, d, acme.ID, n)
	}
	for _, step := range []struct {
		del  string
		want []string
	}{
		{"c", []string{"a", "b", "d", "e", "f"}}, // the middle
		{"a", []string{"b", "d", "e", "f"}},      // the first
		{"f", []string{"b", "d", "e"}},           // the last
		{"d", []string{"b", "e"}},
	} {
		if _, err := d.Classifications.Delete(ctx, acme.ID, byName[step.del].ID); err != nil {
			t.Fatal(err)
		}
		wantRanking(t, d, acme.ID, step.want...)
	}
	_, err := d.Classifications.Delete(ctx, acme.ID, byName["d"].ID)
	wantErr(t, err, classification.ErrNotFound)
	if c := create(t, d, acme.ID, "g"); c.Priority != 3 {
		t.Fatalf("after deletions a new one gets %d, want 3", c.Priority)
	}
	wantRanking(t, d, acme.ID, "b", "e", "g")
}

// Moving swaps with the neighbour; the first cannot move up nor the last down, and refusing changes
// nothing.
func TestMoveSwapsWithTheNeighbour(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme := d.Org(t, "acme")
	a, b, c := create(t, d, acme.ID, "a"), create(t, d, acme.ID, "b"), create(t, d, acme.ID, "c")
	moved, err := d.Classifications.Move(ctx, acme.ID, c.ID, classification.Up)
	if err != nil || moved.Priority != 2 || moved.ID != c.ID {
		t.Fatalf("%+v %v", moved, err)
	}
	wantRanking(t, d, acme.ID, "a", "c", "b")
	if moved, err = d.Classifications.Move(ctx, acme.ID, a.ID, classification.Down); err != nil || moved.Priority != 2 {
		t.Fatalf("%+v %v", moved, err)
	}
	wantRanking(t, d, acme.ID, "c", "a", "b")
	_, err = d.Classifications.Move(ctx, acme.ID, c.ID, classification.Up)
	wantErr(t, err, classification.ErrFirst)
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("kind of %v", err)
	}
	_, err = d.Classifications.Move(ctx, acme.ID, b.ID, classification.Down)
	wantErr(t, err, classification.ErrLast)
	wantRanking(t, d, acme.ID, "c", "a", "b")

	alone := d.Org(t, "alone")
	only := create(t, d, alone.ID, "only")
	for _, dir := range []classification.Direction{classification.Up, classification.Down} {
		if _, err := d.Classifications.Move(ctx, alone.ID, only.ID, dir); !errs.Is(err, errs.Conflict) {
			t.Fatalf("the only classification moved %v: %v", dir, err)
		}
	}
}

// TestConcurrentChangesKeepThePriorities1ToN: creates, moves and deletes of one organisation's
// classifications, many at once on PostgreSQL, leave the priorities exactly 1..n with no two alike,
// and every create, move and delete that was answered with success happened.
func TestConcurrentChangesKeepThePriorities1ToN(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme := d.Org(t, "acme")
	var seeded []classification.Classification
	for i := range 8 {
		seeded = append(seeded, create(t, d, acme.ID, fmt.Sprintf("seed-%d", i)))
	}
	const workers = 12
	var (
		wg               sync.WaitGroup
		mu               sync.Mutex
		created, deleted int
		failures         []error
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range 10 {
				var err error
				switch r.IntN(4) {
				case 0, 1:
					_, err = d.Classifications.Create(ctx, acme.ID, classification.New{Name: fmt.Sprintf("w%d-%d", w, i)})
					if err == nil {
						mu.Lock()
						created++
						mu.Unlock()
					}
				case 2:
					dir := classification.Up
					if r.IntN(2) == 0 {
						dir = classification.Down
					}
					_, err = d.Classifications.Move(ctx, acme.ID, seeded[r.IntN(len(seeded))].ID, dir)
					if errors.Is(err, classification.ErrFirst) || errors.Is(err, classification.ErrLast) || errors.Is(err, classification.ErrNotFound) {
						err = nil
					}
				case 3:
					_, err = d.Classifications.Delete(ctx, acme.ID, seeded[r.IntN(len(seeded))].ID)
					if err == nil {
						mu.Lock()
						deleted++
						mu.Unlock()
					} else if errors.Is(err, classification.ErrNotFound) {
						err = nil // deleted by another worker first
					}
				}
				if err != nil {
					mu.Lock()
					failures = append(failures, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d changes failed, the first: %v", len(failures), failures[0])
	}
	names := ranking(t, d, acme.ID) // fails unless 1..n
	if want := len(seeded) + created - deleted; len(names) != want {
		t.Fatalf("%d classifications, want %d (8 + %d created - %d deleted)", len(names), want, created, deleted)
	}
	if n := d.Count(t, "SELECT count(DISTINCT priority) FROM classifications WHERE organisation_id = $1 AND priority BETWEEN 1 AND $2", acme.ID, len(names)); n != len(names) {
		t.Fatalf("%d distinct priorities in 1..%d", n, len(names))
	}
	t.Logf("%d created, %d deleted, %d left", created, deleted, len(names))
}
