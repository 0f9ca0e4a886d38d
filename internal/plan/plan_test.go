package plan_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/plan"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

// wantField checks that err refuses the request naming the member field, with want.
func wantField(t *testing.T, err error, field string, want error) {
	t.Helper()
	var items errs.Items
	if !errors.As(err, &items) || len(items) != 1 || items[0].Name() != field || !errors.Is(items[0], want) {
		t.Fatalf("got %v, want %s refused with %v", err, field, want)
	}
}

func create(t *testing.T, d *testutil.Domain, orgID int64, name string, quota int64, isDefault bool) plan.Plan {
	t.Helper()
	p, err := d.Plans.Create(context.Background(), orgID, plan.NewPlan{Name: name, Description: name + " plan", Quota: quota, Default: isDefault})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// defaults are the names of the organisation's default plans, as committed.
func defaults(t *testing.T, d *testutil.Domain, orgID int64) []string {
	t.Helper()
	page, err := d.Plans.List(context.Background(), orgID, listing.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range page.Items {
		if p.Default {
			out = append(out, p.Name)
		}
	}
	if n := d.Count(t, "SELECT count(*) FROM plans WHERE organisation_id = $1 AND is_default", orgID); n != len(out) {
		t.Fatalf("%d defaults stored, %d listed", n, len(out))
	}
	return out
}

func wantDefault(t *testing.T, d *testutil.Domain, orgID int64, name string) {
	t.Helper()
	if got := defaults(t, d, orgID); !slices.Equal(got, []string{name}) {
		t.Fatalf("default plans %q, want only %q", got, name)
	}
}

func originator(t *testing.T, d *testutil.Domain, orgID int64, email string, planID *int64) organisation.Member {
	t.Helper()
	m, err := d.Orgs.AddMember(context.Background(), orgID, email, organisation.RoleOriginator, false, planID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// planOf is the plan the member is on, as committed (0 for none).
func planOf(t *testing.T, d *testutil.Domain, orgID int64, m organisation.Member) int64 {
	t.Helper()
	return int64(d.Count(t, "SELECT COALESCE(plan_id, 0) FROM memberships WHERE organisation_id = $1 AND user_id = $2", orgID, m.User.ID))
}

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

// The organisation's first plan is its default whatever the request says; a later one becomes it only
// when asked, and then the previous default stops being it. There is never more than one.
func TestFirstPlanIsTheDefaultAndDefaultMoves(t *testing.T) {
	t.Parallel()
	d := testutil.NewDomain(t)
	org := d.Org(t, "acme")
	if got := defaults(t, d, org.ID); len(got) != 0 {
		t.Fatalf("a new organisation has default plans %q", got)
	}
	first := create(t, d, org.ID, "Basic", 10, false)
	if !first.Default {
		t.Fatal("the first plan, created with default false, is not the default")
	}
	wantDefault(t, d, org.ID, "Basic")
	if p := create(t, d, org.ID, "Large", 100, false); p.Default {
		t.Fatal("a second plan created with default false is the default")
	}
	wantDefault(t, d, org.ID, "Basic")
	if p := create(t, d, org.ID, "Huge", 1000, true); !p.Default {
		t.Fatal("a plan created with default true is not the default")
	}
	wantDefault(t, d, org.ID, "Huge")
	// Another organisation's default is its own business.
	other := d.Org(t, "other")
	create(t, d, other.ID, "Other", 1, true)
	wantDefault(t, d, org.ID, "Huge")
	wantDefault(t, d, other.ID, "Other")
}

// Updating: default: true moves the flag (in one transaction: never two, never none); default: false on
// the default plan is refused and changes nothing; default: false on another plan, or true on the default,
// is no change.
func TestUpdateKeepsExactlyOneDefault(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme")
	basic, large := create(t, d, org.ID, "Basic", 10, false), create(t, d, org.ID, "Large", 100, false)

	_, err := d.Plans.Update(ctx, org.ID, basic.ID, plan.Changes{Default: no(), Quota: ptr(int64(5))})
	wantErr(t, err, plan.ErrDefaultRequired)
	if got, _ := d.Plans.Plan(ctx, org.ID, basic.ID); got.Quota != 10 || !got.Default {
		t.Fatalf("a refused change was stored: %+v", got)
	}
	wantDefault(t, d, org.ID, "Basic")

	got, err := d.Plans.Update(ctx, org.ID, large.ID, plan.Changes{Default: yes()})
	if err != nil || !got.Default {
		t.Fatalf("making Large the default: %+v, %v", got, err)
	}
	wantDefault(t, d, org.ID, "Large")
	for _, c := range []plan.Changes{{Default: no()}, {Default: yes()}} {
		id := basic.ID
		if *c.Default {
			id = large.ID
		}
		if _, err := d.Plans.Update(ctx, org.ID, id, c); err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		wantDefault(t, d, org.ID, "Large")
	}
}

func ptr[T any](v T) *T { return &v }

// Names are 1–255 characters (trimmed) and unique in the organisation whatever their case; the same
// name in another organisation is fine, and a plan may be renamed to its own name in another case.
func TestPlanNamesAreUniqueCaseInsensitively(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org, other := d.Org(t, "acme"), d.Org(t, "other")
	std := create(t, d, org.ID, "  Standard  ", 10, false)
	if std.Name != "Standard" {
		t.Fatalf("name stored as %q, want it trimmed", std.Name)
	}
	_, err := d.Plans.Create(ctx, org.ID, plan.NewPlan{Name: "STANDARD", Quota: 1})
	wantErr(t, err, plan.ErrNameTaken)
	create(t, d, other.ID, "standard", 10, false)
	large := create(t, d, org.ID, "Large", 10, false)
	_, err = d.Plans.Update(ctx, org.ID, large.ID, plan.Changes{Name: ptr("standard ")})
	wantErr(t, err, plan.ErrNameTaken)
	if got, err := d.Plans.Update(ctx, org.ID, std.ID, plan.Changes{Name: ptr("STANDARD")}); err != nil || got.Name != "STANDARD" {
		t.Fatalf("renaming a plan to its own name in capitals: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("n", plan.MaxNameLength+1), "\xff"} {
		_, err := d.Plans.Create(ctx, org.ID, plan.NewPlan{Name: bad, Quota: 1})
		wantField(t, err, "name", plan.ErrInvalidName)
		_, err = d.Plans.Update(ctx, org.ID, large.ID, plan.Changes{Name: &bad})
		wantField(t, err, "name", plan.ErrInvalidName)
	}
	if p := create(t, d, org.ID, strings.Repeat("é", plan.MaxNameLength), 1, false); len([]rune(p.Name)) != plan.MaxNameLength {
		t.Fatal("a name of 255 characters (510 bytes) was not kept whole")
	}
	_, err = d.Plans.Create(ctx, org.ID, plan.NewPlan{Name: "Long", Description: strings.Repeat("d", plan.MaxDescriptionLength+1)})
	wantField(t, err, "description", plan.ErrInvalidDescription)
	if n := d.Count(t, "SELECT count(*) FROM plans WHERE organisation_id = $1", org.ID); n != 3 {
		t.Fatalf("%d plans, want 3: a refused one was stored", n)
	}
}

// A plan's quota is 0 or more and never above the organisation's (400 naming quota), on create and on
// update; a change that does not name the quota does not check it again.
func TestQuotaNeverAboveTheOrganisations(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme") // quota 1024
	_, err := d.Plans.Create(ctx, org.ID, plan.NewPlan{Name: "Too big", Quota: org.Quota + 1})
	wantField(t, err, "quota", plan.ErrQuotaAboveOrganisation)
	_, err = d.Plans.Create(ctx, org.ID, plan.NewPlan{Name: "Negative", Quota: -1})
	wantField(t, err, "quota", plan.ErrInvalidQuota)
	if n := d.Count(t, "SELECT count(*) FROM plans"); n != 0 {
		t.Fatalf("%d plans stored by refused requests", n)
	}
	whole := create(t, d, org.ID, "Whole", org.Quota, false)
	_, err = d.Plans.Update(ctx, org.ID, whole.ID, plan.Changes{Quota: ptr(org.Quota + 1), Name: ptr("Renamed")})
	wantField(t, err, "quota", plan.ErrQuotaAboveOrganisation)
	if got, _ := d.Plans.Plan(ctx, org.ID, whole.ID); got.Name != "Whole" || got.Quota != org.Quota {
		t.Fatalf("a refused change was stored: %+v", got)
	}
	// The organisation's quota is lowered (a SafeShare administrator's setting); the plan keeps its own
	// until a change names one.
	lower := int64(100)
	if _, err := d.Orgs.Update(ctx, organisation.Actor{SafeShareAdmin: true}, org.ID, organisation.Changes{Quota: &lower}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Plans.Update(ctx, org.ID, whole.ID, plan.Changes{Description: ptr("still whole")}); err != nil {
		t.Fatal(err)
	}
	_, err = d.Plans.Update(ctx, org.ID, whole.ID, plan.Changes{Quota: ptr(lower + 1)})
	wantField(t, err, "quota", plan.ErrQuotaAboveOrganisation)
	if got, err := d.Plans.Update(ctx, org.ID, whole.ID, plan.Changes{Quota: ptr(lower)}); err != nil || got.Quota != lower {
		t.Fatalf("%+v, %v", got, err)
	}
}

// Deleting a plan moves its Originators to the default plan; other plans' Originators stay where they
// are.
func TestDeleteMovesOriginatorsToTheDefault(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme")
	basic, large, huge := create(t, d, org.ID, "Basic", 10, false), create(t, d, org.ID, "Large", 100, false), create(t, d, org.ID, "Huge", 1000, false)
	a, b := originator(t, d, org.ID, "a@acme.example", &large.ID), originator(t, d, org.ID, "b@acme.example", &large.ID)
	c, e := originator(t, d, org.ID, "c@acme.example", &huge.ID), originator(t, d, org.ID, "e@acme.example", nil)
	if got, _ := d.Plans.Plan(ctx, org.ID, large.ID); got.OriginatorCount != 2 {
		t.Fatalf("Large has %d Originators, want 2", got.OriginatorCount)
	}
	if err := d.Plans.Delete(ctx, org.ID, large.ID); err != nil {
		t.Fatal(err)
	}
	for _, m := range []organisation.Member{a, b, e} {
		if got := planOf(t, d, org.ID, m); got != basic.ID {
			t.Errorf("%s is on plan %d, want the default %d", m.User.Email, got, basic.ID)
		}
	}
	if got := planOf(t, d, org.ID, c); got != huge.ID {
		t.Errorf("%s moved off their own plan to %d", c.User.Email, got)
	}
	_, err := d.Plans.Plan(ctx, org.ID, large.ID)
	wantErr(t, err, plan.ErrNotFound)
	wantErr(t, d.Plans.Delete(ctx, org.ID, large.ID), plan.ErrNotFound)
	if got, _ := d.Plans.Plan(ctx, org.ID, basic.ID); got.OriginatorCount != 3 {
		t.Fatalf("the default has %d Originators, want 3", got.OriginatorCount)
	}
}

// The default plan can be deleted only when it is the organisation's last plan and no Originator is on
// it; then the organisation has no plan, and its next plan is the default again.
func TestDefaultPlanDeletedOnlyWhenLastAndEmpty(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme")
	basic, large := create(t, d, org.ID, "Basic", 10, false), create(t, d, org.ID, "Large", 100, false)
	wantErr(t, d.Plans.Delete(ctx, org.ID, basic.ID), plan.ErrDefaultInUse) // another plan exists
	m := originator(t, d, org.ID, "a@acme.example", nil)
	if err := d.Plans.Delete(ctx, org.ID, large.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, d.Plans.Delete(ctx, org.ID, basic.ID), plan.ErrDefaultInUse) // an Originator is on it
	wantDefault(t, d, org.ID, "Basic")
	collab := organisation.RoleCollaborator
	if _, err := d.Orgs.UpdateMember(ctx, org.ID, m.User.ID, organisation.MemberChange{Role: &collab}); err != nil {
		t.Fatal(err)
	}
	if err := d.Plans.Delete(ctx, org.ID, basic.ID); err != nil {
		t.Fatalf("the last, empty default plan: %v", err)
	}
	if n := d.Count(t, "SELECT count(*) FROM plans WHERE organisation_id = $1", org.ID); n != 0 {
		t.Fatalf("%d plans left", n)
	}
	_, err := d.Orgs.AddMember(ctx, org.ID, "b@acme.example", organisation.RoleOriginator, false, nil)
	wantErr(t, err, organisation.ErrNoDefaultPlan)
	if p := create(t, d, org.ID, "Again", 1, false); !p.Default {
		t.Fatal("the first plan after the last was deleted is not the default")
	}
}

// A plan of another organisation, named under this one, is not found by any operation, and nothing of
// it changes.
func TestPlansOfAnotherOrganisationAreNotFound(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org, other := d.Org(t, "acme"), d.Org(t, "other")
	create(t, d, org.ID, "Mine", 1, false)
	theirs := create(t, d, other.ID, "Theirs", 1, false)
	_, err := d.Plans.Plan(ctx, org.ID, theirs.ID)
	wantErr(t, err, plan.ErrNotFound)
	_, err = d.Plans.Update(ctx, org.ID, theirs.ID, plan.Changes{Name: ptr("Taken over")})
	wantErr(t, err, plan.ErrNotFound)
	wantErr(t, d.Plans.Delete(ctx, org.ID, theirs.ID), plan.ErrNotFound)
	if got, err := d.Plans.Plan(ctx, other.ID, theirs.ID); err != nil || got.Name != "Theirs" {
		t.Fatalf("%+v, %v", got, err)
	}
	// An organisation that does not exist: no plan is created there, and listing its plans says so.
	_, err = d.Plans.Create(ctx, 4242, plan.NewPlan{Name: "Orphan", Quota: 0})
	wantErr(t, err, plan.ErrOrganisationNotFound)
	_, err = d.Plans.List(ctx, 4242, listing.Query{})
	wantErr(t, err, plan.ErrOrganisationNotFound)
	if page, err := d.Plans.List(ctx, d.Org(t, "empty").ID, listing.Query{}); err != nil || page.Count != 0 {
		t.Fatalf("an existing organisation without plans: %+v, %v", page, err)
	}
}

// Lists are ordered by name (case-insensitively), quota or creation time, ties by id, and carry each
// plan's Originator count.
func TestListOrdersAndCounts(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme")
	c, a, b := create(t, d, org.ID, "charlie", 5, false), create(t, d, org.ID, "Alpha", 5, false), create(t, d, org.ID, "bravo", 1, false)
	originator(t, d, org.ID, "x@acme.example", &b.ID)
	originator(t, d, org.ID, "y@acme.example", &b.ID)
	collab, err := d.Orgs.AddMember(ctx, org.ID, "z@acme.example", organisation.RoleCollaborator, false, nil)
	if err != nil || collab.PlanID != nil {
		t.Fatal(err)
	}
	names := func(q listing.Query) []string {
		t.Helper()
		page, err := d.Plans.List(ctx, org.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		if page.Count != 3 {
			t.Fatalf("count %d", page.Count)
		}
		var out []string
		for _, p := range page.Items {
			out = append(out, fmt.Sprintf("%s:%d", p.Name, p.OriginatorCount))
		}
		return out
	}
	// a and c have the same quota: the tie is broken by id (c was created first).
	tie := []string{"charlie:0", "Alpha:0"}
	if a.ID < c.ID {
		tie = []string{"Alpha:0", "charlie:0"}
	}
	for _, tc := range []struct {
		q    listing.Query
		want []string
	}{
		{listing.Query{}, []string{"Alpha:0", "bravo:2", "charlie:0"}},
		{listing.Query{SortBy: "name", Desc: true}, []string{"charlie:0", "bravo:2", "Alpha:0"}},
		{listing.Query{SortBy: "quota"}, append([]string{"bravo:2"}, tie...)},
		{listing.Query{SortBy: "createdAt"}, []string{"charlie:0", "Alpha:0", "bravo:2"}},
		{listing.Query{Limit: 1, Offset: 1}, []string{"bravo:2"}},
		{listing.Query{Offset: 2}, []string{"charlie:0"}},
	} {
		if got := names(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.q, got, tc.want)
		}
	}
}

// Two administrators create plans at once in an organisation with none, each asking for the default:
// every plan is stored and exactly one is the default (the organisation's lock orders them).
func TestConcurrentCreatesMakeOneDefault(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme")
	const n = 8
	var wg sync.WaitGroup
	failures := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, failures[i] = d.Plans.Create(ctx, org.ID, plan.NewPlan{Name: fmt.Sprintf("Plan %d", i), Quota: 1, Default: i%2 == 0})
		}()
	}
	wg.Wait()
	for _, err := range failures {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := defaults(t, d, org.ID); len(got) != 1 {
		t.Fatalf("default plans %q, want exactly one", got)
	}
	if n := d.Count(t, "SELECT count(*) FROM plans WHERE organisation_id = $1", org.ID); n != 8 {
		t.Fatalf("%d plans stored, want 8", n)
	}
}

// failingDelete is the real store whose plan deletion fails, as a lost connection would, after the
// Originators have been moved.
type failingDelete struct{ plan.Store }

var errLost = errors.New("connection lost")

func (failingDelete) Delete(context.Context, int64, int64) error { return errLost }

// Moving a deleted plan's Originators is part of the deletion's transaction: when the deletion fails,
// they are still on their plan.
func TestDeleteMovesOriginatorsInTheSameTransaction(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme")
	create(t, d, org.ID, "Basic", 10, false)
	large := create(t, d, org.ID, "Large", 100, false)
	m := originator(t, d, org.ID, "a@acme.example", &large.ID)
	broken := plan.NewService(failingDelete{d.Store.Plans()}, d.IDs)
	wantErr(t, broken.Delete(ctx, org.ID, large.ID), errLost)
	if got := planOf(t, d, org.ID, m); got != large.ID {
		t.Fatalf("after the failed deletion the Originator is on plan %d, want still %d", got, large.ID)
	}
	if got, err := d.Plans.Plan(ctx, org.ID, large.ID); err != nil || got.OriginatorCount != 1 {
		t.Fatalf("%+v, %v", got, err)
	}
}

// Removing the organisation takes its plans with it; an account that was an Originator there stays.
func TestRemovingTheOrganisationRemovesItsPlans(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org, other := d.Org(t, "acme"), d.Org(t, "other")
	for _, o := range []organisation.Organisation{org, other} {
		create(t, d, o.ID, "Basic", 10, false)
		large := create(t, d, o.ID, "Large", 100, false)
		originator(t, d, o.ID, "a@"+o.Name+".example", &large.ID)
	}
	alice, bob := account(t, d, "alice@platform.example"), account(t, d, "bob@platform.example")
	if _, err := d.Orgs.RequestRemoval(ctx, org.ID, alice, false); err != nil {
		t.Fatal(err)
	}
	if err := d.Orgs.Remove(ctx, org.ID, bob); err != nil {
		t.Fatal(err)
	}
	if n := d.Count(t, "SELECT count(*) FROM plans WHERE organisation_id = $1", org.ID); n != 0 {
		t.Fatalf("%d plans of the removed organisation left", n)
	}
	if n := d.Count(t, "SELECT count(*) FROM plans WHERE organisation_id = $1", other.ID); n != 2 {
		t.Fatalf("the other organisation has %d plans, want 2", n)
	}
	_, err := d.Plans.List(ctx, org.ID, listing.Query{})
	wantErr(t, err, plan.ErrOrganisationNotFound)
	if n := d.Count(t, "SELECT count(*) FROM users WHERE email = 'a@acme.example'"); n != 1 {
		t.Fatal("the Originator's account went with the organisation")
	}
}

func account(t *testing.T, d *testutil.Domain, email string) user.User {
	t.Helper()
	u, err := d.Users.Ensure(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
