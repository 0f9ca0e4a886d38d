package report_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/plan"
	"github.com/cocoondata/access-service/internal/report"
	"github.com/cocoondata/access-service/internal/testutil"
)

// known is an organisation whose figures are known: its administrator (a Collaborator, from creation),
// two Originators of whom one administers too, two Collaborators, two Ad hoc members of whom one was
// made an administrator, on plans Basic (the default) and Large, with Empty holding nobody. Another
// organisation's members must not count.
type known struct {
	d                   *testutil.Domain
	org                 organisation.Organisation
	basic, large, empty plan.Plan
}

func newKnown(t *testing.T) *known {
	t.Helper()
	d, ctx := testutil.NewDomain(t), context.Background()
	k := &known{d: d, org: d.Org(t, "acme")}
	mustPlan := func(name string) plan.Plan {
		p, err := d.Plans.Create(ctx, k.org.ID, plan.NewPlan{Name: name, Quota: 10})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	k.large, k.basic, k.empty = mustPlan("large"), mustPlan("Basic"), mustPlan("Empty")
	if _, err := d.Plans.Update(ctx, k.org.ID, k.basic.ID, plan.Changes{Default: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	add := func(orgID int64, email string, role organisation.Role, admin bool, planID *int64) organisation.Member {
		m, err := d.Orgs.AddMember(ctx, orgID, email, role, admin, planID)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	add(k.org.ID, "zed@acme.example", organisation.RoleOriginator, true, nil)
	add(k.org.ID, "amy@acme.example", organisation.RoleOriginator, false, &k.large.ID)
	add(k.org.ID, "carl@acme.example", organisation.RoleCollaborator, false, nil)
	add(k.org.ID, "cora@acme.example", organisation.RoleCollaborator, false, nil)
	if _, err := d.Orgs.AddAdHocMember(ctx, k.org.ID, "guest@elsewhere.example"); err != nil {
		t.Fatal(err)
	}
	adhocAdmin, err := d.Orgs.AddAdHocMember(ctx, k.org.ID, "guest2@elsewhere.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Orgs.UpdateMember(ctx, k.org.ID, adhocAdmin.User.ID, organisation.MemberChange{IsOrgAdmin: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	other := d.Org(t, "other")
	if _, err := d.Plans.Create(ctx, other.ID, plan.NewPlan{Name: "Basic", Quota: 1}); err != nil {
		t.Fatal(err)
	}
	add(other.ID, "amy@acme.example", organisation.RoleOriginator, true, nil)
	add(other.ID, "zed@acme.example", organisation.RoleCollaborator, false, nil)
	return k
}

func ptr[T any](v T) *T { return &v }

// The user statistics: Ad hoc members count nowhere (an Ad hoc administrator not even as an
// administrator); an Originator who administers counts among the Originators and the administrators.
func TestUserCounts(t *testing.T) {
	t.Parallel()
	k := newKnown(t)
	got, err := k.d.Reports.Users(context.Background(), k.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Originators zed (admin) and amy; Collaborators admin@acme (admin), carl, cora.
	want := report.UserCounts{Originators: 2, Collaborators: 3, OrganisationAdmins: 2}
	if got != want {
		t.Fatalf("%+v, want %+v", got, want)
	}
	empty := k.d.Org(t, "empty")
	if got, err := k.d.Reports.Users(context.Background(), empty.ID); err != nil || got != (report.UserCounts{Collaborators: 1, OrganisationAdmins: 1}) {
		t.Fatalf("a new organisation: %+v, %v", got, err)
	}
	if _, err := k.d.Reports.Users(context.Background(), 4242); !errors.Is(err, report.ErrOrganisationNotFound) {
		t.Fatalf("an organisation that does not exist: %v", err)
	}
}

// describe writes a page of plan statistics as "name*:email,email" (* for the default).
func describe(page listing.Page[report.PlanUsage]) []string {
	var out []string
	for _, u := range page.Items {
		var emails []string
		for _, o := range u.Originators {
			if o.PlanID != u.Plan.ID {
				emails = append(emails, "WRONG PLAN")
			}
			emails = append(emails, o.Email)
		}
		mark := ""
		if u.Plan.Default {
			mark = "*"
		}
		out = append(out, fmt.Sprintf("%s%s:%s", u.Plan.Name, mark, strings.Join(emails, ",")))
	}
	return out
}

// The plan statistics: every plan by name (then id) with its Originators by email, paged by limit and
// offset, count being how many plans there are.
func TestPlanBreakdown(t *testing.T) {
	t.Parallel()
	k := newKnown(t)
	ctx := context.Background()
	for _, tc := range []struct {
		q    listing.Query
		want []string
	}{
		{listing.Query{}, []string{"Basic*:zed@acme.example", "Empty:", "large:amy@acme.example"}},
		{listing.Query{Limit: 1, Offset: 2}, []string{"large:amy@acme.example"}},
		{listing.Query{Limit: 2}, []string{"Basic*:zed@acme.example", "Empty:"}},
		{listing.Query{Offset: 1}, []string{"Empty:", "large:amy@acme.example"}},
		{listing.Query{Offset: 3}, nil},
		// Sorting and searching are not the statistics' to choose.
		{listing.Query{SortBy: "quota", Desc: true, Search: "x"}, []string{"Basic*:zed@acme.example", "Empty:", "large:amy@acme.example"}},
	} {
		page, err := k.d.Reports.Plans(ctx, k.org.ID, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := describe(page); !slices.Equal(got, tc.want) || page.Count != 3 || page.Offset != tc.q.Offset {
			t.Errorf("%+v: %q (count %d, offset %d), want %q", tc.q, got, page.Count, page.Offset, tc.want)
		}
	}
	// Originators within a plan are by email; a Collaborator on no plan is no one's.
	for _, e := range []string{"bob@acme.example", "aaron@acme.example"} {
		if _, err := k.d.Orgs.AddMember(ctx, k.org.ID, e, organisation.RoleOriginator, false, &k.large.ID); err != nil {
			t.Fatal(err)
		}
	}
	page, err := k.d.Reports.Plans(ctx, k.org.ID, listing.Query{Limit: 1, Offset: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := describe(page); !slices.Equal(got, []string{"large:aaron@acme.example,amy@acme.example,bob@acme.example"}) {
		t.Fatalf("%q", got)
	}
	if _, err := k.d.Reports.Plans(ctx, 4242, listing.Query{}); !errors.Is(err, report.ErrOrganisationNotFound) {
		t.Fatalf("an organisation that does not exist: %v", err)
	}
	if page, err := k.d.Reports.Plans(ctx, k.d.Org(t, "noplans").ID, listing.Query{}); err != nil || page.Count != 0 || len(page.Items) != 0 {
		t.Fatalf("an organisation without plans: %+v, %v", page, err)
	}
}

// The organisations dashboard: kept counts per organisation, storage 0 without files, and a search by
// id that only an id can satisfy: another text finds nothing, without an error.
func TestOrganisationsDashboard(t *testing.T) {
	t.Parallel()
	k, ctx := newKnown(t), context.Background()
	figures := func(column report.SearchColumn, q listing.Query) []string {
		t.Helper()
		p, err := k.d.Reports.Organisations(ctx, column, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > p.Count {
			t.Fatalf("count %d for %d items", p.Count, len(p.Items))
		}
		return listing.Map(p.Items, func(f report.OrganisationFigures) string {
			return fmt.Sprintf("%s:%d:%d:%d", f.Name, f.StorageUsed, f.Originators, f.Collaborators)
		})
	}
	// acme: two Originators, its first administrator and two Collaborators; other: one of each.
	all := []string{"acme:0:2:3", "other:0:1:2"}
	if got := figures(report.SearchByName, listing.Query{}); !slices.Equal(got, all) {
		t.Errorf("%q, want %q", got, all)
	}
	if got := figures(report.SearchByName, listing.Query{Search: "ACM"}); !slices.Equal(got, all[:1]) {
		t.Errorf("by name: %q", got)
	}
	if got := figures(report.SearchByID, listing.Query{Search: fmt.Sprint(k.org.ID)}); !slices.Equal(got, all[:1]) {
		t.Errorf("by id: %q", got)
	}
	for _, text := range []string{"acme", "-1", "0", "99999999999999999999", fmt.Sprint(k.org.ID)[1:]} {
		if got := figures(report.SearchByID, listing.Query{Search: text}); len(got) != 0 {
			t.Errorf("by id %q: %q", text, got)
		}
	}
	if got := figures(report.SearchByName, listing.Query{SortBy: "originatorCount", Desc: true, Limit: 1, Offset: 1}); !slices.Equal(got, all[1:]) {
		t.Errorf("a page: %q", got)
	}
	sum, err := k.d.Reports.Quotas(ctx)
	if err != nil || sum != 2*1024 {
		t.Errorf("quotas: %d %v, want two organisations' 1024 MiB", sum, err)
	}
}
