package organisation_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/notify"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/plan"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
	"github.com/cocoondata/access-service/internal/whitelist"
)

// account returns the account of the address, creating it if there is none.
func account(t *testing.T, d *testutil.Domain, email string) user.User {
	t.Helper()
	u, err := d.Users.Ensure(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

// wantMessages: the notifications sent are these, by subject; the single-use links (invitations to
// the accounts the organisations made without a password) are not among what it checks.
func wantMessages(t *testing.T, d *testutil.Domain, subjects ...string) {
	t.Helper()
	var got []string
	for _, m := range d.Mail.Messages() {
		if m.Secret {
			continue
		}
		got = append(got, m.Subject)
	}
	if !slices.Equal(got, subjects) {
		t.Fatalf("notifications sent: %q, want %q", got, subjects)
	}
}

// committed is what other connections see of an organisation: whether it exists and whether a removal
// request is pending.
type committed struct{ orgs, requests int }

func seen(t *testing.T, d *testutil.Domain, orgID int64) committed {
	t.Helper()
	return committed{
		orgs:     d.Count(t, "SELECT count(*) FROM organisations WHERE id = $1", orgID),
		requests: d.Count(t, "SELECT count(*) FROM organisation_removal_requests WHERE organisation_id = $1", orgID),
	}
}

// removal is an organisation and two SafeShare administrators, alice and bob, to request, withdraw and
// remove its removal. As each notification goes out it records what other connections see: one sent
// before its change commits sees the state from before the change.
type removal struct {
	d          *testutil.Domain
	org        organisation.Organisation
	alice, bob user.User
	states     []committed
}

func newRemoval(t *testing.T) *removal {
	d := testutil.NewDomain(t)
	r := &removal{d: d, org: d.Org(t, "acme"), alice: account(t, d, "alice@platform.example"), bob: account(t, d, "bob@platform.example")}
	d.Mail.OnSend(func(m notify.Message) {
		if !m.Secret { // not the first administrator's invitation, sent in the background
			r.states = append(r.states, seen(t, d, r.org.ID))
		}
	})
	return r
}

func (r *removal) wantNotifiedAfterCommit(t *testing.T, want ...committed) {
	t.Helper()
	if !slices.Equal(r.states, want) {
		t.Fatalf("committed state as each notification went out: %+v, want %+v", r.states, want)
	}
}

// The two-person rule: removal needs a pending request, and someone other than its requester removes.
// Refused steps change nothing and notify no one; each notification goes out after its change commits.
func TestRemovalNeedsARequestAndASecondAdministrator(t *testing.T) {
	t.Parallel()
	r, ctx := newRemoval(t), context.Background()
	d, org, alice, bob := r.d, r.org, r.alice, r.bob

	wantErr(t, d.Orgs.Remove(ctx, org.ID, bob), organisation.ErrRemovalNotRequested)
	if _, err := d.Orgs.RequestRemoval(ctx, org.ID, alice, true); err != nil {
		t.Fatal(err)
	}
	_, err := d.Orgs.RequestRemoval(ctx, org.ID, bob, true)
	wantErr(t, err, organisation.ErrRemovalPending)
	wantErr(t, d.Orgs.Remove(ctx, org.ID, alice), organisation.ErrOwnRemovalRequest)
	got, err := d.Orgs.ByID(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RemovalRequest == nil || got.RemovalRequest.RequestedByID != alice.ID {
		t.Fatalf("pending request after the refusals: %+v, want alice's", got.RemovalRequest)
	}
	wantMessages(t, d, "Organisation removal requested")

	if err := d.Orgs.Remove(ctx, org.ID, bob); err != nil {
		t.Fatal(err)
	}
	_, err = d.Orgs.ByID(ctx, org.ID)
	wantErr(t, err, organisation.ErrNotFound)
	wantMessages(t, d, "Organisation removal requested", "Organisation removed")
	r.wantNotifiedAfterCommit(t, committed{orgs: 1, requests: 1}, committed{orgs: 0, requests: 0})
}

// Withdrawing a request: by its requester it is cancelled, by anyone else declined; either way it is
// gone (removal needs a new request), and the contact hears of it once it is.
func TestWithdrawalIsCancelledByTheRequesterAndDeclinedByOthers(t *testing.T) {
	t.Parallel()
	r, ctx := newRemoval(t), context.Background()
	d, org, alice, bob := r.d, r.org, r.alice, r.bob

	_, _, err := d.Orgs.WithdrawRemoval(ctx, org.ID, bob)
	wantErr(t, err, organisation.ErrNoRemovalRequest)
	for _, by := range []struct {
		who  user.User
		want organisation.Withdrawal
	}{{alice, organisation.Cancelled}, {bob, organisation.Declined}} {
		if _, err := d.Orgs.RequestRemoval(ctx, org.ID, alice, true); err != nil {
			t.Fatal(err)
		}
		r, outcome, err := d.Orgs.WithdrawRemoval(ctx, org.ID, by.who)
		if err != nil {
			t.Fatal(err)
		}
		if outcome != by.want || r.RequestedByID != alice.ID {
			t.Fatalf("%s withdrew alice's request: outcome %q of %d's request, want %q", by.who.Email, outcome, r.RequestedByID, by.want)
		}
	}
	wantErr(t, d.Orgs.Remove(ctx, org.ID, bob), organisation.ErrRemovalNotRequested)
	wantMessages(t, d, "Organisation removal requested", "Organisation removal cancelled",
		"Organisation removal requested", "Organisation removal declined")
	r.wantNotifiedAfterCommit(t, committed{1, 1}, committed{1, 0}, committed{1, 1}, committed{1, 0})
}

func setAdmin(t *testing.T, d *testutil.Domain, orgID, userID int64, admin bool) error {
	t.Helper()
	_, err := d.Orgs.UpdateMember(context.Background(), orgID, userID, organisation.MemberChange{IsOrgAdmin: &admin})
	return err
}

func admins(t *testing.T, d *testutil.Domain, orgID int64) int {
	t.Helper()
	return d.Count(t, "SELECT count(*) FROM memberships WHERE organisation_id = $1 AND is_org_admin", orgID)
}

// The last-administrator rule: an organisation always keeps an administrator, whether one would be
// demoted or removed; with two, either may go.
func TestTheLastAdministratorStays(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme")
	first := account(t, d, org.AdminEmail)

	wantErr(t, setAdmin(t, d, org.ID, first.ID, false), organisation.ErrLastAdmin)
	wantErr(t, d.Orgs.RemoveMember(ctx, org.ID, first.ID), organisation.ErrLastAdmin)
	if n := admins(t, d, org.ID); n != 1 {
		t.Fatalf("%d administrators after the refusals, want 1", n)
	}
	second, err := d.Orgs.AddMember(ctx, org.ID, "second@acme.example", organisation.RoleCollaborator, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := setAdmin(t, d, org.ID, first.ID, false); err != nil {
		t.Fatalf("demoting one of two administrators: %v", err)
	}
	wantErr(t, d.Orgs.RemoveMember(ctx, org.ID, second.User.ID), organisation.ErrLastAdmin)
	if err := setAdmin(t, d, org.ID, first.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := d.Orgs.RemoveMember(ctx, org.ID, second.User.ID); err != nil {
		t.Fatalf("removing one of two administrators: %v", err)
	}
	if n := admins(t, d, org.ID); n != 1 {
		t.Fatalf("%d administrators, want 1", n)
	}
}

// Two administrators demoting each other at the same moment: the organisation's row lock orders them,
// so exactly one succeeds and one administrator remains, every time.
func TestConcurrentDemotionsLeaveOneAdministrator(t *testing.T) {
	t.Parallel()
	d := testutil.NewDomain(t)
	for round := range 10 {
		org := d.Org(t, "acme"+string(rune('a'+round)))
		x := account(t, d, org.AdminEmail)
		y, err := d.Orgs.AddMember(context.Background(), org.ID, "second@"+org.Name+".example", organisation.RoleCollaborator, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		var (
			start   sync.WaitGroup
			done    sync.WaitGroup
			results [2]error
		)
		start.Add(1)
		for i, id := range []int64{x.ID, y.User.ID} {
			done.Go(func() {
				start.Wait()
				results[i] = setAdmin(t, d, org.ID, id, false)
			})
		}
		start.Done()
		done.Wait()
		ok, refused := 0, 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, organisation.ErrLastAdmin):
				refused++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 || refused != 1 || admins(t, d, org.ID) != 1 {
			t.Fatalf("round %d: %d demotions succeeded, %d refused, %d administrators left; want 1, 1, 1",
				round, ok, refused, admins(t, d, org.ID))
		}
	}
}

func wantPlan(t *testing.T, got *int64, want *plan.Plan) {
	t.Helper()
	switch {
	case want == nil && got != nil:
		t.Fatalf("plan %d, want none", *got)
	case want != nil && (got == nil || *got != want.ID):
		t.Fatalf("plan %v, want %s (%d)", got, want.Name, want.ID)
	}
}

func role(r organisation.Role) *organisation.Role { return &r }

// createPlan adds a plan to the organisation; its first plan is its default.
func createPlan(t *testing.T, d *testutil.Domain, orgID int64, name string, quota int64) plan.Plan {
	t.Helper()
	p, err := d.Plans.Create(context.Background(), orgID, plan.NewPlan{Name: name, Quota: quota})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The plan rule: only Originators have a plan; one named must be the organisation's; without one an
// Originator keeps theirs or gets the default, which must exist. A refusal creates nothing, not even the
// account of a new address.
func TestOnlyOriginatorsHaveAPlanOfTheirOrganisation(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org, other := d.Org(t, "acme"), d.Org(t, "other")
	accounts := func(email string) int { return d.Count(t, "SELECT count(*) FROM users WHERE email = $1", email) }
	plan := func(m organisation.Member, err error) *int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return m.PlanID
	}

	_, err := d.Orgs.AddMember(ctx, org.ID, "new@acme.example", organisation.RoleOriginator, false, nil)
	wantErr(t, err, organisation.ErrNoDefaultPlan)
	if accounts("new@acme.example") != 0 || d.Count(t, "SELECT count(*) FROM memberships WHERE organisation_id = $1", org.ID) != 1 {
		t.Fatal("a refused member was stored, or their account")
	}
	collab, err := d.Orgs.AddMember(ctx, org.ID, "collab@acme.example", organisation.RoleCollaborator, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Orgs.UpdateMember(ctx, org.ID, collab.User.ID, organisation.MemberChange{Role: role(organisation.RoleOriginator)})
	wantErr(t, err, organisation.ErrNoDefaultPlan)

	standard := createPlan(t, d, org.ID, "Standard", 100)
	large := createPlan(t, d, org.ID, "Large", 1000)
	foreign := createPlan(t, d, other.ID, "Foreign", 10)

	wantPlan(t, plan(d.Orgs.AddMember(ctx, org.ID, "new@acme.example", organisation.RoleOriginator, false, nil)), &standard)
	_, err = d.Orgs.AddMember(ctx, org.ID, "stranger@acme.example", organisation.RoleOriginator, false, &foreign.ID)
	wantErr(t, err, organisation.ErrUnknownPlan)
	_, err = d.Orgs.AddMember(ctx, org.ID, "planned@acme.example", organisation.RoleCollaborator, false, &standard.ID)
	wantErr(t, err, organisation.ErrPlanForbidden)
	if accounts("stranger@acme.example")+accounts("planned@acme.example") != 0 {
		t.Fatal("a refused member's account was stored")
	}

	big, err := d.Orgs.AddMember(ctx, org.ID, "big@acme.example", organisation.RoleOriginator, false, &large.ID)
	wantPlan(t, plan(big, err), &large)
	yes := true
	wantPlan(t, plan(d.Orgs.UpdateMember(ctx, org.ID, big.User.ID, organisation.MemberChange{IsOrgAdmin: &yes})), &large)
	wantPlan(t, plan(d.Orgs.UpdateMember(ctx, org.ID, collab.User.ID, organisation.MemberChange{Role: role(organisation.RoleOriginator)})), &standard)
	wantPlan(t, plan(d.Orgs.UpdateMember(ctx, org.ID, big.User.ID, organisation.MemberChange{Role: role(organisation.RoleCollaborator)})), nil)
	_, err = d.Orgs.UpdateMember(ctx, org.ID, big.User.ID, organisation.MemberChange{PlanID: &large.ID})
	wantErr(t, err, organisation.ErrPlanForbidden)
	_, err = d.Orgs.UpdateMember(ctx, org.ID, collab.User.ID, organisation.MemberChange{PlanID: &foreign.ID})
	wantErr(t, err, organisation.ErrUnknownPlan)
	m, err := d.Orgs.Membership(ctx, org.ID, collab.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantPlan(t, m.PlanID, &standard)
}

func wantRefused(t *testing.T, err error, settings ...string) {
	t.Helper()
	var items errs.Items
	if !errors.As(err, &items) {
		t.Fatalf("got %v, want the refused settings %q", err, settings)
	}
	var names []string
	for _, it := range items {
		if !errs.Is(it.Err, errs.Forbidden) || !errors.Is(it, organisation.ErrSettingForbidden) {
			t.Errorf("%s refused with %v, want %v", it.Name(), it.Err, organisation.ErrSettingForbidden)
		}
		names = append(names, it.Name())
	}
	if !slices.Equal(names, settings) {
		t.Fatalf("refused settings %q, want %q", names, settings)
	}
}

// The per-setting rule: name and quota are the platform's, every other setting the organisation's own
// administrators'. A change naming any setting the caller may not change is refused whole, naming each,
// whether or not the organisation exists.
func TestUpdateRefusesEachSettingTheCallerMayNotChange(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme")
	orgAdmin := organisation.Actor{UserID: 1, Email: org.AdminEmail, OrgAdmin: true}
	platform := organisation.Actor{UserID: 2, Email: "root@platform.example", SafeShareAdmin: true}
	name, quota, contact, message, yes := "Renamed", int64(7), "new-contact@acme.example", "hello", true

	_, err := d.Orgs.Update(ctx, orgAdmin, org.ID, organisation.Changes{Name: &name, Quota: &quota, ContactEmail: &contact})
	wantRefused(t, err, "name", "quota")
	_, err = d.Orgs.Update(ctx, platform, org.ID, organisation.Changes{Name: &name, EnforceMFA: &yes, UserMessage: &message})
	wantRefused(t, err, "enforceMfa", "userMessage")
	_, err = d.Orgs.Update(ctx, platform, org.ID+1, organisation.Changes{ContactEmail: &contact})
	wantRefused(t, err, "contactEmail")
	_, err = d.Orgs.Update(ctx, platform, org.ID+1, organisation.Changes{Name: &name})
	wantErr(t, err, organisation.ErrNotFound)
	got, err := d.Orgs.ByID(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != org.Name || got.Quota != org.Quota || got.ContactEmail != org.ContactEmail || got.EnforceMFA || got.UserMessage != nil {
		t.Fatalf("refused changes were stored: %+v", got)
	}

	if _, err := d.Orgs.Update(ctx, platform, org.ID, organisation.Changes{Name: &name, Quota: &quota}); err != nil {
		t.Fatal(err)
	}
	got, err = d.Orgs.Update(ctx, orgAdmin, org.ID, organisation.Changes{ContactEmail: &contact, EnforceMFA: &yes})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != name || got.Quota != quota || got.ContactEmail != contact || !got.EnforceMFA {
		t.Fatalf("allowed changes not stored: %+v", got)
	}
}

// Removing an organisation takes everything scoped to it (members, plans, whitelist rules) and nothing
// else: its members' accounts stay, and other organisations keep theirs.
func TestRemoveTakesTheOrganisationsDataButKeepsAccounts(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	orgs := []organisation.Organisation{d.Org(t, "acme"), d.Org(t, "other")}
	for _, o := range orgs {
		createPlan(t, d, o.ID, "Standard", 100)
		if _, err := d.Orgs.AddMember(ctx, o.ID, "member@"+o.Name+".example", organisation.RoleOriginator, false, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Whitelist.Add(ctx, o.ID, []whitelist.NewRule{{Pattern: o.Name + ".example"}, {Pattern: "*.partner.example"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Orgs.RequestRemoval(ctx, orgs[0].ID, account(t, d, "alice@platform.example"), false); err != nil {
		t.Fatal(err)
	}
	if err := d.Orgs.Remove(ctx, orgs[0].ID, account(t, d, "bob@platform.example")); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"organisations", "memberships", "plans", "whitelist_rules", "organisation_removal_requests"} {
		column := "organisation_id"
		if table == "organisations" {
			column = "id"
		}
		q := "SELECT count(*) FROM " + table + " WHERE " + column + " = $1"
		if n := d.Count(t, q, orgs[0].ID); n != 0 {
			t.Errorf("%d rows of %s left of the removed organisation", n, table)
		}
		if n := d.Count(t, q, orgs[1].ID); n == 0 && table != "organisation_removal_requests" {
			t.Errorf("the other organisation lost its %s", table)
		}
	}
	if n := d.Count(t, "SELECT count(*) FROM users WHERE email IN ('admin@acme.example', 'member@acme.example')"); n != 2 {
		t.Errorf("%d of the removed organisation's 2 accounts left, want both", n)
	}
	wantMessages(t, d)
}

// Ad hoc members are made by sharing, never by hand: neither adding a member nor changing one assigns
// the role.
func TestAdHocIsNeverAssignedByHand(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	org := d.Org(t, "acme")
	_, err := d.Orgs.AddMember(ctx, org.ID, "guest@acme.example", organisation.RoleAdHoc, false, nil)
	wantErr(t, err, organisation.ErrRoleNotAssignable)
	m, err := d.Orgs.AddMember(ctx, org.ID, "collab@acme.example", organisation.RoleCollaborator, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Orgs.UpdateMember(ctx, org.ID, m.User.ID, organisation.MemberChange{Role: role(organisation.RoleAdHoc)})
	wantErr(t, err, organisation.ErrRoleNotAssignable)
	if got, err := d.Orgs.Membership(ctx, org.ID, m.User.ID); err != nil || got.Role != organisation.RoleCollaborator {
		t.Fatalf("after the refusal: %+v, %v; want a Collaborator still", got, err)
	}

	guest, err := d.Orgs.AddAdHocMember(ctx, org.ID, "guest@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Orgs.UpdateMember(ctx, org.ID, guest.User.ID, organisation.MemberChange{Role: role(organisation.RoleCollaborator)})
	if err != nil || got.Role != organisation.RoleCollaborator {
		t.Fatalf("an Ad hoc member made a Collaborator: %+v, %v", got, err)
	}
}

// A request pending longer than the removal days has lapsed: reads show none and end it, removal is
// refused as with no request, a new request may be filed, and however many callers see the lapse at
// once, it is recorded once.
func TestARemovalRequestLapsesOnce(t *testing.T) {
	t.Parallel()
	r, ctx := newRemoval(t), context.Background()
	d, org, alice, bob := r.d, r.org, r.alice, r.bob
	var (
		mu     sync.Mutex
		lapsed []organisation.RemovalRequest
		now    = time.Now().UTC().Truncate(time.Microsecond)
	)
	d.Orgs.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	d.Orgs.SetRemovalLapse(func(context.Context) (int, error) { return 2, nil }, func(_ context.Context, rr organisation.RemovalRequest) {
		mu.Lock()
		defer mu.Unlock()
		lapsed = append(lapsed, rr)
	})
	first, err := d.Orgs.RequestRemoval(ctx, org.ID, alice, false)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(48*time.Hour + time.Second)
	mu.Unlock()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if o, err := d.Orgs.ByID(ctx, org.ID); err != nil || o.RemovalRequest != nil {
				t.Errorf("a read after the lapse: %+v %v", o.RemovalRequest, err)
			}
		}()
	}
	wg.Wait()
	wantErr(t, d.Orgs.Remove(ctx, org.ID, bob), organisation.ErrRemovalNotRequested)
	if s := seen(t, d, org.ID); s != (committed{orgs: 1, requests: 0}) {
		t.Fatalf("after the lapse: %+v", s)
	}
	mu.Lock()
	if len(lapsed) != 1 || lapsed[0].ID != first.ID {
		t.Fatalf("lapses recorded: %+v, want the first request once", lapsed)
	}
	mu.Unlock()
	if _, err := d.Orgs.RequestRemoval(ctx, org.ID, alice, false); err != nil {
		t.Fatalf("a new request after the lapse: %v", err)
	}
	if err := d.Orgs.Remove(ctx, org.ID, bob); err != nil {
		t.Fatal(err)
	}
}
