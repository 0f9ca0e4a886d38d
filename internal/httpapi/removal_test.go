package httpapi_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/cocoondata/access-service/internal/testutil"
)

func TestRemovalRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	path := "/api/v1/organisations/" + w.org + "/removalRequest"
	cases := []struct {
		name, who, org, body string
		status               int
	}{
		{"not a SafeShare administrator", orgAdmin, w.org, `{"notifyContact":true}`, 403},
		{"not a SafeShare administrator, unknown organisation", outsider, "4242", `{"notifyContact":true}`, 403},
		{"no notifyContact", root1, w.org, `{}`, 400},
		{"notifyContact not a boolean", root1, w.org, `{"notifyContact":"yes"}`, 400},
		{"unknown member", root1, w.org, `{"notifyContact":true,"reason":"x"}`, 400},
		{"unknown organisation", root1, "4242", `{"notifyContact":true}`, 404},
		{"no token", "", w.org, `{"notifyContact":true}`, 401},
		{"opened", root1, w.org, `{"notifyContact":true}`, 201},
		{"one pending at a time", root2, w.org, `{"notifyContact":false}`, 409},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.snapshot(t, w.org)
			r := w.do(t, "POST", "/api/v1/organisations/"+tc.org+"/removalRequest", tc.who, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status != 201 {
				if w.snapshot(t, w.org) != before {
					t.Fatal("a refused request changed the organisation")
				}
				return
			}
			b := r.JSON(t)
			if b["notifyContact"] != true || b["requestedBy"].(map[string]any)["id"] != w.id[root1] || r.Header.Get("Location") != path {
				t.Fatalf("%v %v", b, r.Header)
			}
			o := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org, orgAdmin, "").JSON(t)
			rr := o["organisationRemovalRequest"].(map[string]any)
			if rr["id"] != b["id"] || rr["requestedAt"] != b["requestedAt"] {
				t.Fatalf("organisation shows %v, request was %v", rr, b)
			}
			msgs := w.mail.Messages()
			if len(msgs) != 1 || msgs[0].To != "contact@xycompany.example" || !strings.Contains(msgs[0].Body, root1) {
				t.Fatalf("contact not told: %+v", msgs)
			}
		})
	}
}

func TestWithdrawRemovalRequest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	path := "/api/v1/organisations/" + w.org + "/removalRequest"
	for _, tc := range []struct {
		name, who, org string
		status         int
	}{
		{"nothing pending", root1, w.org, 404},
		{"unknown organisation", root1, "4242", 404},
		{"not a SafeShare administrator", orgAdmin, w.org, 403},
		{"no token", "", w.org, 401},
		{"not an id", root1, "x1", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.do(t, "DELETE", "/api/v1/organisations/"+tc.org+"/removalRequest", tc.who, ""); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
	w.mustDo(t, 201, "POST", path, root1, `{"notifyContact":true}`)
	t.Run("others may not withdraw it", func(t *testing.T) {
		w.mustDo(t, 403, "DELETE", path, orgAdmin, "")
		if w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org, orgAdmin, "").JSON(t)["organisationRemovalRequest"] == nil {
			t.Fatal("a refused withdrawal removed the request")
		}
	})
	t.Run("the requester cancels", func(t *testing.T) {
		b := w.mustDo(t, 200, "DELETE", path, root1, "").JSON(t)
		if b["outcome"] != "cancelled" {
			t.Fatalf("%v", b)
		}
		if w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org, orgAdmin, "").JSON(t)["organisationRemovalRequest"] != nil {
			t.Fatal("still pending")
		}
		w.mustDo(t, 404, "DELETE", path, root1, "")
	})
	t.Run("another administrator declines", func(t *testing.T) {
		w.mustDo(t, 201, "POST", path, root1, `{"notifyContact":false}`)
		if b := w.mustDo(t, 200, "DELETE", path, root2, "").JSON(t); b["outcome"] != "declined" {
			t.Fatalf("%v", b)
		}
	})
	t.Run("the audit trail tells cancel from decline, with who did it", func(t *testing.T) {
		var got []string
		for _, it := range w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org+"/audit?orderBy=ASC", orgAdmin, "").JSON(t)["items"].([]any) {
			m := it.(map[string]any)
			if s := m["status"].(float64); strings.Contains(m["path"].(string), "/removalRequest") && s >= 200 && s < 300 {
				got = append(got, fmt.Sprintf("%s %s %s %v %v", m["operation"], m["action"], m["category"], m["userEmail"], m["status"]))
			}
		}
		want := []string{
			"requestOrganisationRemoval CREATED ORGANISATIONS " + root1 + " 201",
			"cancelOrganisationRemoval DELETED ORGANISATIONS " + root1 + " 200",
			"requestOrganisationRemoval CREATED ORGANISATIONS " + root1 + " 201",
			"declineOrganisationRemoval DELETED ORGANISATIONS " + root2 + " 200",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("the contact hears of the cancel", func(t *testing.T) {
		msgs := w.mail.Messages()
		if len(msgs) != 2 || !strings.Contains(msgs[1].Subject, "cancelled") {
			t.Fatalf("%+v", msgs)
		}
	})
}

// TestDeleteOrganisation: the two-person rule, and what goes and what stays.
func TestDeleteOrganisation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	path := "/api/v1/organisations/" + w.org
	other := w.createOrg(t, "Bystander", orgAdmin)
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+other+"/users", orgAdmin, `{"email":"`+collab+`","role":"Collaborator"}`)
	for _, tc := range []struct {
		name, who, org string
		status         int
	}{
		{"no request pending", root2, w.org, 409},
		{"unknown organisation", root2, "4242", 404},
		{"id beyond 64 bits", root2, "9999999999999999999", 404},
		{"organisation administrator", orgAdmin, w.org, 403},
		{"not an id", root2, "abc", 400},
		{"no token", "", w.org, 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.do(t, "DELETE", "/api/v1/organisations/"+tc.org, tc.who, ""); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			w.mustDo(t, 200, "GET", path, orgAdmin, "")
		})
	}
	w.mustDo(t, 201, "POST", path+"/removalRequest", root1, `{"notifyContact":true}`)
	t.Run("the requester may not also remove", func(t *testing.T) {
		r := w.mustDo(t, 403, "DELETE", path, root1, "")
		if !strings.Contains(string(r.Body), "different") {
			t.Errorf("%s", r.Body)
		}
		w.mustDo(t, 200, "GET", path, orgAdmin, "")
	})
	t.Run("an organisation administrator may not remove even with a request pending", func(t *testing.T) {
		w.mustDo(t, 403, "DELETE", path, orgAdmin, "")
	})
	t.Run("a second administrator removes", func(t *testing.T) {
		w.mustDo(t, 200, "DELETE", path, root2, "")
		w.mustDo(t, 404, "GET", path, root1, "")
		w.mustDo(t, 403, "GET", path, orgAdmin, "") // no longer a member of anything by that id
		w.mustDo(t, 404, "DELETE", path, root2, "")
		w.mustDo(t, 404, "DELETE", path+"/removalRequest", root1, "")
		// Accounts stay, with their other memberships; the removed organisation leaves users/me.
		me := w.mustDo(t, 200, "GET", "/api/v1/users/me", orgAdmin, "").JSON(t)["organisations"].([]any)
		if len(me) != 1 || me[0].(map[string]any)["id"] != other {
			t.Fatalf("%v", me)
		}
		w.mustDo(t, 200, "GET", "/api/v1/users/me", originator, "")
		if n := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+other+"/users", orgAdmin, "").JSON(t)["count"]; n != float64(2) {
			t.Fatalf("bystander's members: %v", n)
		}
		msgs := w.mail.Messages()
		if last := msgs[len(msgs)-1]; !strings.Contains(last.Subject, "removed") || !strings.Contains(last.Body, root2) {
			t.Fatalf("%+v", msgs)
		}
	})
	t.Run("nothing of it is left in the database but the audit records", func(t *testing.T) {
		db := openSQL(t, w.svc)
		id := mustID(t, w.org)
		for table, column := range map[string]string{"organisations": "id", "memberships": "organisation_id", "plans": "organisation_id", "organisation_removal_requests": "organisation_id"} {
			var n int
			if err := db.QueryRow("SELECT count(*) FROM "+table+" WHERE "+column+" = $1", id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Errorf("%s keeps %d rows of the removed organisation", table, n)
			}
		}
		if err := w.svc.Audit.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		var audits int
		if err := db.QueryRow("SELECT count(*) FROM audit_records WHERE organisation_id = $1 AND operation = 'deleteOrganisation' AND action = 'DELETED' AND category = 'ORGANISATIONS' AND status = 200 AND user_email = $2", id, root2).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		if audits != 1 {
			t.Errorf("the removal is not in the audit trail with the acting administrator (%d)", audits)
		}
	})
}

func openSQL(t testing.TB, svc *testutil.Service) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", svc.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestConcurrentRemoval: two administrators removing at once, a removal racing the requester's
// cancel, and the organisation's administrator changing a clearance (members and classifications) at the
// same time, on PostgreSQL. Every round ends in exactly one outcome, and never in a half-removed
// organisation: no classification, clearance or link of it outlives it, and the clearance change either
// happened before the removal or failed.
func TestConcurrentRemoval(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	db := openSQL(t, w.svc)
	state := func(org string) (orgs, members, requests int) {
		id := mustID(t, org)
		for q, into := range map[string]*int{
			"SELECT count(*) FROM organisations WHERE id = $1":                              &orgs,
			"SELECT count(*) FROM memberships WHERE organisation_id = $1":                   &members,
			"SELECT count(*) FROM organisation_removal_requests WHERE organisation_id = $1": &requests,
		} {
			if err := db.QueryRow(q, id).Scan(into); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	// The organisation's classifications, clearances and their links (they name their organisation).
	orgData := func(org string) (n int) {
		for _, table := range []string{"classifications", "clearances", "clearance_classifications", "clearance_members"} {
			var c int
			if err := db.QueryRow("SELECT count(*) FROM "+table+" WHERE organisation_id = $1", mustID(t, org)).Scan(&c); err != nil {
				t.Fatal(err)
			}
			n += c
		}
		return n
	}
	const rounds = 12
	removedRounds, cancelledRounds := 0, 0
	changeAnswers := map[int]int{} // the clearance change's statuses
	for round := range rounds {
		org := w.createOrg(t, fmt.Sprintf("Race %d", round), orgAdmin)
		for _, e := range []string{originator, collab} {
			w.mustDo(t, 200, "POST", "/api/v1/organisations/"+org+"/users", orgAdmin, `{"email":"`+e+`","role":"Collaborator"}`)
		}
		l1, l2 := w.createLabel(t, org, orgAdmin, "Public"), w.createLabel(t, org, orgAdmin, "Secret")
		group := w.createGroup(t, org, "Staff")
		w.mustDo(t, 200, "PUT", grp(org)+"/"+group, orgAdmin, `{"addLabels":["`+l1+`"],"addUsers":["`+w.id[orgAdmin]+`","`+w.id[collab]+`"]}`)
		w.mustDo(t, 201, "POST", "/api/v1/organisations/"+org+"/removalRequest", root1, `{"notifyContact":false}`)
		// root2 and root3 remove; root1 (the requester) cancels; the organisation's administrator
		// changes the clearance; all at once.
		type call struct{ who, method, path, body string }
		calls := []call{
			{root2, "DELETE", "/api/v1/organisations/" + org, ""},
			{root3, "DELETE", "/api/v1/organisations/" + org, ""},
			{root1, "DELETE", "/api/v1/organisations/" + org + "/removalRequest", ""},
			{orgAdmin, "PUT", grp(org) + "/" + group, `{"addLabels":["` + l2 + `"],"addUsers":["` + w.id[originator] + `"],"removeUsers":["` + w.id[collab] + `"]}`},
		}
		statuses := make([]int, len(calls))
		var start, done sync.WaitGroup
		start.Add(1)
		for i, c := range calls {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				if i == round%len(calls) {
					time.Sleep(time.Millisecond) // vary who is first
				}
				statuses[i] = w.do(t, c.method, c.path, c.who, c.body).Status
			}()
		}
		start.Done()
		done.Wait()
		removals := 0
		for _, s := range statuses[:2] {
			switch s {
			case 200:
				removals++
			case 404, 409: // gone already, or the request was cancelled first
			default:
				t.Fatalf("round %d: removal answered %d (%v)", round, s, statuses)
			}
		}
		cancelled := statuses[2] == 200
		if statuses[2] != 200 && statuses[2] != 404 {
			t.Fatalf("round %d: cancel answered %d", round, statuses[2])
		}
		// The clearance change happened (200), or came after the removal: the access step found no
		// membership (403), or the organisation went while it waited for its lock (404).
		changed := statuses[3] == 200
		changeAnswers[statuses[3]]++
		if !changed && statuses[3] != 403 && statuses[3] != 404 {
			t.Fatalf("round %d: the clearance change answered %d (%v)", round, statuses[3], statuses)
		}
		orgs, members, requests := state(org)
		switch {
		case removals == 1 && !cancelled:
			removedRounds++
			if orgs+members+requests != 0 {
				t.Fatalf("round %d: removed, but %d organisation, %d memberships, %d requests remain", round, orgs, members, requests)
			}
			if n := orgData(org); n != 0 {
				t.Fatalf("round %d: removed, but %d rows of its classifications, clearances and links remain", round, n)
			}
		case removals == 0 && cancelled:
			cancelledRounds++
			if orgs != 1 || members != 3 || requests != 0 {
				t.Fatalf("round %d: cancelled, but %d organisation, %d memberships, %d requests", round, orgs, members, requests)
			}
			// 2 classifications, 1 clearance, and its 2 classifications and 2 members after the change.
			if !changed || orgData(org) != 7 {
				t.Fatalf("round %d: the organisation stayed, but the clearance change answered %d, leaving %d rows", round, statuses[3], orgData(org))
			}
		default:
			t.Fatalf("round %d: %d removals and cancelled=%v (%v): not exactly one outcome", round, removals, cancelled, statuses)
		}
	}
	t.Logf("%d rounds: %d removed, %d cancelled; the clearance change answered %v", rounds, removedRounds, cancelledRounds, changeAnswers)
	_ = context.Background()
}
