package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestListQueriesConstant: a list page costs the same number of statements whether it holds 1 item or
// 50 (no N+1). Every list endpoint of the admin API belongs here.
func TestListQueriesConstant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The fewest of three tries: the revocation poll's statement (every 2 s) may fall into one.
	statements := func(path string, want int) int64 {
		fewest := int64(-1)
		for range 3 {
			before := e.svc.Store.Statements()
			r := e.do(t, http.MethodGet, path, e.admin, nil)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			if n := len(r.JSON(t)["items"].([]any)); n != want {
				t.Fatalf("%s: %d items, want %d", path, n, want)
			}
			if n := e.svc.Store.Statements() - before; fewest < 0 || n < fewest {
				fewest = n
			}
		}
		return fewest
	}
	small := statements("/api/v1/clientapps?limit=1", 1)
	for i := range 55 {
		e.svc.RegisterClient(t, fmt.Sprintf("n-plus-one-%02d", i))
	}
	if large := statements("/api/v1/clientapps?limit=50", 50); large != small || small == 0 {
		t.Fatalf("listing client apps: %d statements for 1 item, %d for 50", small, large)
	}
}

// TestPlanQueriesConstant: the plan list (each plan with its Originator count) and both statistics cost
// the same number of statements for an organisation with one plan and one Originator as for one with
// thirty plans and sixty Originators.
func TestPlanQueriesConstant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	org := "/api/v1/organisations/" + w.org
	paths := []string{org + "/plans", org + "/plans?limit=20&sortBy=quota", org + "/statistics/users",
		org + "/statistics/plans", org + "/statistics/plans?limit=2"}
	statements := func(path string) int64 { return w.fewestStatements(t, path, orgAdmin) }
	small := make([]int64, len(paths))
	for i, p := range paths {
		small[i] = statements(p)
	}
	var plans []string
	for i := range 30 {
		plans = append(plans, w.addPlan(t, w.org, orgAdmin, fmt.Sprintf("Plan %02d", i), int64(i), false))
	}
	for i := range 60 {
		w.mustDo(t, http.StatusOK, http.MethodPost, org+"/users", orgAdmin,
			fmt.Sprintf(`{"email":"o%02d@xy-company.com","role":"Originator","planId":"%s"}`, i, plans[i%len(plans)]))
	}
	for i, p := range paths {
		large := statements(p)
		t.Logf("%s: %d statements (the access step's, the audit record's and the answer's)", p, large)
		if large != small[i] || small[i] == 0 {
			t.Errorf("%s: %d statements for 1 plan and 1 Originator, %d for 31 plans and 61 Originators", p, small[i], large)
		}
	}
}

// TestOrganisationListQueriesConstant: the lists of an organisation's classifications, clearances (with
// their counts of classifications and members) and a clearance's members cost the same number of
// statements for a page of 1 as for a page of 50.
func TestOrganisationListQueriesConstant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	var labels, users []string
	for i := range 55 {
		labels = append(labels, w.createLabel(t, w.org, orgAdmin, fmt.Sprintf("label %02d", i)))
		m, err := w.svc.Orgs.AddMember(ctx, mustID(t, w.org), fmt.Sprintf("member%02d@xy-company.com", i), "Collaborator", false, nil)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, itoa(m.User.ID))
	}
	var groups []string
	for i := range 55 {
		g := w.createGroup(t, w.org, fmt.Sprintf("group %02d", i))
		w.mustDo(t, 200, "PUT", grp(w.org)+"/"+g, orgAdmin,
			`{"addLabels":["`+strings.Join(labels[:i%5+1], `","`)+`"],"addUsers":["`+strings.Join(users[:i%7+1], `","`)+`"]}`)
		groups = append(groups, g)
	}
	w.mustDo(t, 200, "PUT", grp(w.org)+"/"+groups[0], orgAdmin, `{"addUsers":["`+strings.Join(users, `","`)+`"]}`)
	// The fewest of three tries: the revocation poll's statement (every 2 s) may fall into one. Each
	// request's audit record is written after the request, by the audit trail's writer: the count is
	// taken once the previous requests' records are written and this one's is (one statement each).
	settle := func() {
		time.Sleep(20 * time.Millisecond) // the record is queued as the request ends, maybe after its answer
		if err := w.svc.Audit.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	statements := func(path string, want int) int64 {
		fewest := int64(-1)
		for range 3 {
			settle()
			before := w.svc.Store.Statements()
			r := w.mustDo(t, http.StatusOK, http.MethodGet, path, orgAdmin, "")
			if n := len(r.JSON(t)["items"].([]any)); n != want {
				t.Fatalf("%s: %d items, want %d", path, n, want)
			}
			settle()
			if n := w.svc.Store.Statements() - before; fewest < 0 || n < fewest {
				fewest = n
			}
		}
		return fewest
	}
	for _, path := range []string{lbl(w.org), grp(w.org), grp(w.org) + "/" + groups[0] + "/users"} {
		small, large := statements(path+"?limit=1", 1), statements(path+"?limit=50", 50)
		if large != small || small == 0 {
			t.Errorf("%s: %d statements for 1 item, %d for 50", path, small, large)
		}
		t.Logf("%s: %d statements for a page of 1 or 50 (the request's own audit record included)", path, small)
	}
}

// TestDashboardQueriesConstant: the dashboards and the address book cost the same number of statements
// with one organisation (of a few members) and one contact as with thirty organisations, sixty more
// members and fifty contacts: the organisations' page reads their kept counts, never their members.
func TestDashboardQueriesConstant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	paths := []string{"/api/v1/dashboard/clients", "/api/v1/dashboard/quotas", "/api/v1/dashboard/organisations",
		"/api/v1/dashboard/organisations?limit=50&sortBy=collaboratorCount", "/api/v1/dashboard/organisations?searchText=o",
		"/api/v1/users/me/contacts", "/api/v1/users/me/contacts?limit=50&sortBy=lastName&search=example"}
	w.addContacts(t, root1, `{"contacts":[{"email":"first@example.org"}]}`)
	statements := func(path string) int64 { return w.fewestStatements(t, path, root1) }
	small := make([]int64, len(paths))
	for i, p := range paths {
		small[i] = statements(p)
	}
	var orgs []string
	for i := range 30 {
		orgs = append(orgs, w.createOrg(t, fmt.Sprintf("Org %02d", i), orgAdmin))
	}
	for i := range 60 {
		w.mustDo(t, http.StatusOK, http.MethodPost, "/api/v1/organisations/"+orgs[i%3]+"/users", orgAdmin,
			fmt.Sprintf(`{"email":"m%02d@xy-company.com","role":"Collaborator"}`, i))
	}
	contacts := make([]string, 50)
	for i := range contacts {
		contacts[i] = fmt.Sprintf(`{"email":"c%02d@example.org","lastName":"L%02d"}`, i, 50-i)
	}
	w.addContacts(t, root1, `{"contacts":[`+strings.Join(contacts, ",")+`]}`)
	for i, p := range paths {
		large := statements(p)
		t.Logf("%s: %d statements", p, large)
		if large != small[i] || small[i] == 0 {
			t.Errorf("%s: %d statements for 1 organisation and 1 contact, %d for 31 organisations and 51 contacts", p, small[i], large)
		}
	}
}

// fewestStatements is how many statements a GET of path by as costs: the fewest of three tries, since
// the revocation poll's statement (every 2 s) may fall into one. The audit trail is synced before and
// after each try, so a record the request writes (off its path: a request in an organisation's scope
// has one) is counted in its own try, and nobody else's is.
func (w *world) fewestStatements(t *testing.T, path, as string) int64 {
	t.Helper()
	fewest := int64(-1)
	for range 3 {
		if err := w.svc.Audit.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		before := w.svc.Store.Statements()
		w.mustDo(t, http.StatusOK, http.MethodGet, path, as, "")
		if err := w.svc.Audit.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n := w.svc.Store.Statements() - before; fewest < 0 || n < fewest {
			fewest = n
		}
	}
	return fewest
}
