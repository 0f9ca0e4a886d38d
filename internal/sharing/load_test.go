package sharing_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/cocoondata/access-service/internal/classification"
	"github.com/cocoondata/access-service/internal/clearance"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/sharing"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/whitelist"
)

// TestMayShareReadsTheOrganisationsPolicy: the decision over what Load reads from PostgreSQL (the
// organisation's whitelist and clearances, not another organisation's), in two statements whatever the
// number of classifications asked about.
func TestMayShareReadsTheOrganisationsPolicy(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	acme, other := d.Org(t, "acme"), d.Org(t, "other")
	member := func(orgID int64, email string) int64 {
		m, err := d.Orgs.AddMember(ctx, orgID, email, organisation.RoleCollaborator, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		return m.User.ID
	}
	label := func(orgID int64, name string) int64 {
		c, err := d.Classifications.Create(ctx, orgID, classification.New{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	clear := func(orgID int64, name string, labels, users []int64) {
		c, err := d.Clearances.Create(ctx, orgID, name, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Clearances.Update(ctx, orgID, c.ID, clearance.Change{AddLabels: labels, AddUsers: users}); err != nil {
			t.Fatal(err)
		}
	}
	alice, bob := member(acme.ID, "alice@xy-company.com"), member(acme.ID, "bob@xy-company.com")
	carol := member(acme.ID, "carol@partner.org")
	public, secret, orphan := label(acme.ID, "Public"), label(acme.ID, "Secret"), label(acme.ID, "Orphan")
	clear(acme.ID, "Everyone", []int64{public}, []int64{alice, bob, carol})
	clear(acme.ID, "Board", []int64{secret}, []int64{alice})
	// bob is cleared for the other organisation's classification there, which says nothing here.
	theirBob, theirs := member(other.ID, "bob@xy-company.com"), label(other.ID, "Theirs")
	clear(other.ID, "Theirs", []int64{theirs}, []int64{theirBob})

	check := func(email string, file []int64, want sharing.Reason, uncleared ...int64) {
		t.Helper()
		got, err := d.Sharing.MayShare(ctx, acme.ID, email, file)
		if err != nil {
			t.Fatal(err)
		}
		if got.Reason != want || got.Allowed != (want == sharing.Allowed) || !slices.Equal(got.Uncleared, uncleared) {
			t.Fatalf("%s, %v: %+v, want reason %d uncleared %v", email, file, got, want, uncleared)
		}
	}
	check("stranger@anywhere.example", nil, sharing.Allowed)
	check("ALICE@xy-company.com", []int64{public, secret}, sharing.Allowed)
	check("bob@xy-company.com", []int64{public, secret}, sharing.NotCleared, secret)
	check("bob@xy-company.com", []int64{theirs}, sharing.NotCleared, theirs)
	check("alice@xy-company.com", []int64{orphan}, sharing.NotCleared, orphan)
	check("stranger@anywhere.example", []int64{public}, sharing.NotCleared, public)
	check("not an address", []int64{public}, sharing.NotCleared, public)

	if _, err := d.Whitelist.Add(ctx, acme.ID, []whitelist.NewRule{{Pattern: "xy-company.com"}}); err != nil {
		t.Fatal(err)
	}
	check("carol@partner.org", []int64{public}, sharing.NotWhitelisted)
	check("carol@partner.org", nil, sharing.NotWhitelisted)
	check("alice@xy-company.com", []int64{public, secret}, sharing.Allowed)

	// Two statements, for one classification or fifty.
	many := []int64{public, secret}
	for i := range 48 {
		many = append(many, label(acme.ID, fmt.Sprintf("More %d", i)))
	}
	statements := func(file []int64) int64 {
		before := d.Store.Statements()
		if _, err := d.Sharing.Load(ctx, acme.ID, "alice@xy-company.com", file); err != nil {
			t.Fatal(err)
		}
		return d.Store.Statements() - before
	}
	if one, fifty := statements(many[:1]), statements(many); one != 2 || fifty != 2 {
		t.Fatalf("loading the facts: %d statements for one classification, %d for fifty; want 2", one, fifty)
	}
}
