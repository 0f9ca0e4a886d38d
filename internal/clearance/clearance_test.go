package clearance_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/classification"
	"github.com/cocoondata/access-service/internal/clearance"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/testutil"
)

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

// org is an organisation with members and classifications, for the clearance tests.
type org struct {
	organisation.Organisation
	members []int64 // user ids
	labels  []int64 // classification ids
}

func newOrg(t testing.TB, d *testutil.Domain, name string, members, labels int) org {
	t.Helper()
	ctx := context.Background()
	o := org{Organisation: d.Org(t, name)}
	for i := range members {
		m, err := d.Orgs.AddMember(ctx, o.ID, fmt.Sprintf("m%d@%s.example", i, name), organisation.RoleCollaborator, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		o.members = append(o.members, m.User.ID)
	}
	for i := range labels {
		c, err := d.Classifications.Create(ctx, o.ID, classification.New{Name: fmt.Sprintf("label %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		o.labels = append(o.labels, c.ID)
	}
	return o
}

func newClearance(t testing.TB, d *testutil.Domain, orgID int64, name string) clearance.Clearance {
	t.Helper()
	c, err := d.Clearances.Create(context.Background(), orgID, name, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// links is what the database holds of the clearance: its classifications' and members' ids, sorted.
func links(t testing.TB, d *testutil.Domain, id int64) (labels, users []int64) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), d.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	read := func(q string) []int64 {
		rows, err := conn.Query(context.Background(), q, id)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	return read("SELECT classification_id FROM clearance_classifications WHERE clearance_id = $1 ORDER BY 1"),
		read("SELECT user_id FROM clearance_members WHERE clearance_id = $1 ORDER BY 1")
}

func sorted(ids ...int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func wantLinks(t testing.TB, d *testutil.Domain, id int64, labels, users []int64) {
	t.Helper()
	gotL, gotU := links(t, d, id)
	if !slices.Equal(gotL, sorted(labels...)) || !slices.Equal(gotU, sorted(users...)) {
		t.Fatalf("links: classifications %v users %v, want %v %v", gotL, gotU, sorted(labels...), sorted(users...))
	}
	if d.Count(t, "SELECT count(*) FROM clearances WHERE id = $1", id) == 0 {
		return // deleted: no links is all there is to check
	}
	c, err := d.Clearances.Get(context.Background(), clearanceOrg(t, d, id), id)
	if err != nil {
		t.Fatal(err)
	}
	if c.LabelCount != len(labels) || c.MemberCount != len(users) {
		t.Fatalf("counts %d/%d, want %d/%d", c.LabelCount, c.MemberCount, len(labels), len(users))
	}
}

func clearanceOrg(t testing.TB, d *testutil.Domain, id int64) int64 {
	t.Helper()
	return int64(d.Count(t, "SELECT organisation_id FROM clearances WHERE id = $1", id))
}

func ptr(s string) *string { return &s }

// name is a refused item as a request names it: the list and the place in it.
func name(e *errs.ItemError) string { return fmt.Sprintf("%s[%d]", e.Field, e.Index) }

// Names are 1–255 characters, unique in the organisation whatever their case and surrounding spaces
// (on create and on rename), and free across organisations.
func TestClearanceNamesAreUniquePerOrganisation(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme, other := newOrg(t, d, "acme", 0, 0), newOrg(t, d, "other", 0, 0)
	staff := newClearance(t, d, acme.ID, " Staff ")
	if staff.Name != "Staff" || staff.LabelCount != 0 || staff.MemberCount != 0 {
		t.Fatalf("%+v", staff)
	}
	_, err := d.Clearances.Create(ctx, acme.ID, "STAFF", "")
	wantErr(t, err, clearance.ErrNameTaken)
	if !errs.Is(err, errs.Conflict) {
		t.Fatalf("kind of %v", err)
	}
	newClearance(t, d, other.ID, "staff")
	board := newClearance(t, d, acme.ID, "Board")
	_, err = d.Clearances.Update(ctx, acme.ID, board.ID, clearance.Change{Name: ptr("staff ")})
	wantErr(t, err, clearance.ErrNameTaken)
	// Its own name in another case is no clash.
	got, err := d.Clearances.Update(ctx, acme.ID, board.ID, clearance.Change{Name: ptr("BOARD"), Description: ptr("the board")})
	if err != nil || got.Name != "BOARD" || got.Description != "the board" {
		t.Fatalf("%+v %v", got, err)
	}
	_, err = d.Clearances.Create(ctx, 765456269464346624, "x", "")
	wantErr(t, err, clearance.ErrOrganisationGone)
}

// TestUpdateRefusesEachBadIDAndChangesNothing: a user who is not a member of the organisation (another
// organisation's, or nobody's) and a classification that is not the organisation's refuse the whole
// change, each named by its list and place; the name and description named beside them stay as they
// were. An id both added and removed is refused too, named in both lists.
func TestUpdateRefusesEachBadIDAndChangesNothing(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme, other := newOrg(t, d, "acme", 3, 2), newOrg(t, d, "other", 1, 1)
	nobody, err := d.Users.Ensure(ctx, "nobody@nowhere.example")
	if err != nil {
		t.Fatal(err)
	}
	c := newClearance(t, d, acme.ID, "Staff")
	if _, err := d.Clearances.Update(ctx, acme.ID, c.ID, clearance.Change{AddUsers: acme.members[:1], AddLabels: acme.labels[:1]}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change clearance.Change
		want   []string // the refused items, as Field[Index]: reason
	}{
		{"users and classifications of another organisation, and nobody's", clearance.Change{
			Name:      ptr("Renamed"),
			AddUsers:  []int64{acme.members[1], other.members[0], nobody.ID, acme.members[2], 0},
			AddLabels: []int64{acme.labels[1], other.labels[0]},
		}, []string{"addUsers[1]: not a member", "addUsers[2]: not a member", "addUsers[4]: not a member", "addLabels[1]: classification"}},
		{"removing another organisation's", clearance.Change{
			RemoveUsers: []int64{acme.members[0], other.members[0]}, RemoveLabels: []int64{other.labels[0]},
		}, []string{"removeUsers[1]: not a member", "removeLabels[0]: classification"}},
		{"the same user added and removed", clearance.Change{
			Description: ptr("x"), AddUsers: []int64{acme.members[1], acme.members[2]}, RemoveUsers: []int64{acme.members[0], acme.members[2]},
		}, []string{"addUsers[1]: both", "removeUsers[1]: both"}},
		{"the same classification added and removed", clearance.Change{
			AddLabels: []int64{acme.labels[1]}, RemoveLabels: []int64{acme.labels[1]},
		}, []string{"addLabels[0]: both", "removeLabels[0]: both"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Clearances.Update(ctx, acme.ID, c.ID, tc.change)
			var items errs.Items
			if !errors.As(err, &items) {
				t.Fatalf("got %v, want refused items", err)
			}
			var got []string
			for _, it := range items {
				if !errs.Is(it, errs.Invalid) {
					t.Errorf("%s: kind %v", name(it), it.Err)
				}
				got = append(got, name(it)+": "+it.Err.Error())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("refused %q, want %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], strings.SplitN(tc.want[i], ":", 2)[0]+":") || !strings.Contains(got[i], strings.SplitN(tc.want[i], ": ", 2)[1]) {
					t.Fatalf("refused %q, want %q", got, tc.want)
				}
			}
			after, err := d.Clearances.Get(ctx, acme.ID, c.ID)
			if err != nil || after.Name != "Staff" || after.Description != "" {
				t.Fatalf("the clearance changed: %+v %v", after, err)
			}
			wantLinks(t, d, c.ID, acme.labels[:1], acme.members[:1])
		})
	}
}

// Adding what is there already, removing what is not there, and naming an id twice are no errors: the
// change is applied as if each id were named once.
func TestUpdateAddsAndRemovesIdempotently(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme := newOrg(t, d, "acme", 4, 3)
	c := newClearance(t, d, acme.ID, "Staff")
	m, l := acme.members, acme.labels
	steps := []struct {
		change       clearance.Change
		labels, user []int64
	}{
		{clearance.Change{AddUsers: []int64{m[0], m[1], m[0]}, AddLabels: []int64{l[0], l[0]}}, []int64{l[0]}, []int64{m[0], m[1]}},
		{clearance.Change{AddUsers: []int64{m[1], m[2]}, RemoveUsers: []int64{m[3]}, AddLabels: []int64{l[1]}, RemoveLabels: []int64{l[2]}}, []int64{l[0], l[1]}, []int64{m[0], m[1], m[2]}},
		{clearance.Change{RemoveUsers: []int64{m[0], m[0], m[3]}, RemoveLabels: []int64{l[0]}}, []int64{l[1]}, []int64{m[1], m[2]}},
		{clearance.Change{Description: ptr("only a description")}, []int64{l[1]}, []int64{m[1], m[2]}},
	}
	for i, st := range steps {
		got, err := d.Clearances.Update(ctx, acme.ID, c.ID, st.change)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got.LabelCount != len(st.labels) || got.MemberCount != len(st.user) {
			t.Fatalf("step %d: answered counts %d/%d", i, got.LabelCount, got.MemberCount)
		}
		wantLinks(t, d, c.ID, st.labels, st.user)
	}
	page, err := d.Clearances.Members(ctx, acme.ID, c.ID, listing.Query{})
	if err != nil || page.Count != 2 || page.Items[0].User.ID != m[1] || page.Items[0].OrganisationName != "acme" || page.Items[0].Role != organisation.RoleCollaborator {
		t.Fatalf("%+v %v", page, err)
	}
}

// Another organisation's clearance is not found under this one, for any operation.
func TestAnotherOrganisationsClearanceIsNotFound(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme, other := newOrg(t, d, "acme", 1, 1), newOrg(t, d, "other", 1, 1)
	theirs := newClearance(t, d, other.ID, "Theirs")
	_, err := d.Clearances.Get(ctx, acme.ID, theirs.ID)
	wantErr(t, err, clearance.ErrNotFound)
	_, err = d.Clearances.Update(ctx, acme.ID, theirs.ID, clearance.Change{AddUsers: acme.members})
	wantErr(t, err, clearance.ErrNotFound)
	_, err = d.Clearances.Members(ctx, acme.ID, theirs.ID, listing.Query{})
	wantErr(t, err, clearance.ErrNotFound)
	wantErr(t, d.Clearances.Delete(ctx, acme.ID, theirs.ID), clearance.ErrNotFound)
	wantLinks(t, d, theirs.ID, nil, nil)
}

// The links go with what they link: a member removed from the organisation leaves its clearances, a
// deleted classification leaves them, a deleted clearance takes its links, and a removed organisation
// takes its classifications, clearances and links, in the same transaction.
func TestLinksGoWithWhatTheyLink(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme, other := newOrg(t, d, "acme", 3, 3), newOrg(t, d, "other", 2, 2)
	staff, board := newClearance(t, d, acme.ID, "Staff"), newClearance(t, d, acme.ID, "Board")
	for _, c := range []clearance.Clearance{staff, board} {
		if _, err := d.Clearances.Update(ctx, acme.ID, c.ID, clearance.Change{AddUsers: acme.members, AddLabels: acme.labels}); err != nil {
			t.Fatal(err)
		}
	}
	theirs := newClearance(t, d, other.ID, "Theirs")
	if _, err := d.Clearances.Update(ctx, other.ID, theirs.ID, clearance.Change{AddUsers: other.members, AddLabels: other.labels}); err != nil {
		t.Fatal(err)
	}

	if err := d.Orgs.RemoveMember(ctx, acme.ID, acme.members[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Classifications.Delete(ctx, acme.ID, acme.labels[0]); err != nil {
		t.Fatal(err)
	}
	for _, c := range []clearance.Clearance{staff, board} {
		wantLinks(t, d, c.ID, acme.labels[1:], []int64{acme.members[0], acme.members[2]})
	}
	if err := d.Clearances.Delete(ctx, acme.ID, staff.ID); err != nil {
		t.Fatal(err)
	}
	wantLinks(t, d, staff.ID, nil, nil)
	wantLinks(t, d, board.ID, acme.labels[1:], []int64{acme.members[0], acme.members[2]})

	alice, _ := d.Users.Ensure(ctx, "alice@platform.example")
	bob, _ := d.Users.Ensure(ctx, "bob@platform.example")
	if _, err := d.Orgs.RequestRemoval(ctx, acme.ID, alice, false); err != nil {
		t.Fatal(err)
	}
	if err := d.Orgs.Remove(ctx, acme.ID, bob); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"classifications", "clearances", "clearance_classifications", "clearance_members"} {
		q := "SELECT count(*) FROM " + table + " WHERE organisation_id = $1"
		if n := d.Count(t, q, acme.ID); n != 0 {
			t.Errorf("%d rows of %s left of the removed organisation", n, table)
		}
		if n := d.Count(t, q, other.ID); n == 0 {
			t.Errorf("the other organisation lost its %s", table)
		}
	}
	wantLinks(t, d, theirs.ID, other.labels, other.members)
}

// bulkWorld is an organisation of 1,001 members and 100 classifications with two empty clearances, and
// the ids of 1,000 of those members.
func bulkWorld(t testing.TB) (*testutil.Domain, org, []int64, clearance.Clearance, clearance.Clearance) {
	d, ctx := testutil.NewDomain(t), context.Background()
	acme := newOrg(t, d, "acme", 0, 100)
	// A thousand members, inserted directly: adding them one by one through the service would take the
	// test's time, and how they came is not what is tested.
	conn, err := pgx.Connect(ctx, d.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	const base = 900_000_000_000
	if _, err := conn.Exec(ctx, `INSERT INTO users (id, email, created_at, updated_at)
		SELECT $1::bigint + g, 'bulk' || g || '@acme.example', now(), now() FROM generate_series(1, 1001) g`, base); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO memberships (organisation_id, user_id, role, created_at)
		SELECT $1, $2::bigint + g, 'Collaborator', now() FROM generate_series(1, 1001) g`, acme.ID, base); err != nil {
		t.Fatal(err)
	}
	users := make([]int64, 1001)
	for i := range users {
		users[i] = base + 1 + int64(i)
	}
	return d, acme, users, newClearance(t, d, acme.ID, "small"), newClearance(t, d, acme.ID, "large")
}

// TestUpdateIsBatched: a change naming 1,000 users and 100 classifications sends as many statements as
// one naming one of each (its cost beside a one-member change is BenchmarkUpdate's).
func TestUpdateIsBatched(t *testing.T) {
	t.Parallel()
	d, acme, all, small, large := bulkWorld(t)
	users, extra := all[:1000], all[1000]
	run := func(c clearance.Clearance, ch clearance.Change) int64 {
		before := d.Store.Statements()
		if _, err := d.Clearances.Update(context.Background(), acme.ID, c.ID, ch); err != nil {
			t.Fatal(err)
		}
		return d.Store.Statements() - before
	}
	one := run(small, clearance.Change{AddUsers: []int64{extra}, AddLabels: acme.labels[:1]})
	many := run(large, clearance.Change{AddUsers: users, AddLabels: acme.labels})
	wantLinks(t, d, large.ID, acme.labels, users)
	remove := run(large, clearance.Change{RemoveUsers: users, RemoveLabels: acme.labels})
	wantLinks(t, d, large.ID, nil, nil)
	if many != one || remove != one {
		t.Fatalf("adding 1,000 users and 100 classifications: %d statements, removing them %d; adding one of each: %d",
			many, remove, one)
	}
}

// BenchmarkUpdate: adding (then removing) one member and one classification, against 1,000 members and
// 100 classifications; the target is at most 20 times the cost (compare the two in one run).
func BenchmarkUpdate(b *testing.B) {
	d, acme, all, small, large := bulkWorld(b)
	ctx := context.Background()
	for _, bc := range []struct {
		name   string
		c      clearance.Clearance
		add    clearance.Change
		remove clearance.Change
	}{
		{"one-member-one-label", small, clearance.Change{AddUsers: all[1000:], AddLabels: acme.labels[:1]},
			clearance.Change{RemoveUsers: all[1000:], RemoveLabels: acme.labels[:1]}},
		{"1000-members-100-labels", large, clearance.Change{AddUsers: all[:1000], AddLabels: acme.labels},
			clearance.Change{RemoveUsers: all[:1000], RemoveLabels: acme.labels}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := d.Clearances.Update(ctx, acme.ID, bc.c.ID, bc.add); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if _, err := d.Clearances.Update(ctx, acme.ID, bc.c.ID, bc.remove); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
