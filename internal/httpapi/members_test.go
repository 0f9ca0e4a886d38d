package httpapi_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/cocoondata/access-service/internal/user"
)

func TestAddMember(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	noPlans := w.createOrg(t, "No Plans", orgAdmin)
	foreign := w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.createOrg(t, "Foreign Plans", orgAdmin)+"/plans", orgAdmin,
		`{"name":"Foreign","description":"","quota":1}`).JSON(t)["id"].(string)
	users := "/api/v1/organisations/" + w.org + "/users"
	cases := []struct {
		name, who, org, body string
		status               int
		want                 map[string]any
	}{
		{"new account, Collaborator", orgAdmin, w.org, `{"email":"New.Person@XY-company.com","role":"Collaborator"}`, 200,
			map[string]any{"email": "new.person@xy-company.com", "role": "Collaborator", "isOrgAdmin": false, "planId": nil}},
		{"existing account, Originator on the default plan", orgAdmin, w.org, `{"email":"` + outsider + `","role":"Originator","isOrgAdmin":true}`, 200,
			map[string]any{"email": outsider, "role": "Originator", "isOrgAdmin": true, "planId": w.planID}},
		{"Originator on a named plan", orgAdmin, w.org, `{"email":"o2@xy-company.com","role":"Originator","planId":"` + w.planID + `"}`, 200,
			map[string]any{"planId": w.planID}},
		{"already a member", orgAdmin, w.org, `{"email":"` + collab + `","role":"Collaborator"}`, 409, nil},
		{"already a member, email in other case", orgAdmin, w.org, `{"email":"COLLAB@xy-company.com","role":"Originator"}`, 409, nil},
		{"Originator without any plan", orgAdmin, noPlans, `{"email":"o3@xy-company.com","role":"Originator"}`, 409, nil},
		{"plan of another organisation", orgAdmin, w.org, `{"email":"o4@xy-company.com","role":"Originator","planId":"` + foreign + `"}`, 400, nil},
		{"plan for a Collaborator", orgAdmin, w.org, `{"email":"c5@xy-company.com","role":"Collaborator","planId":"` + w.planID + `"}`, 400, nil},
		{"Ad hoc by hand", orgAdmin, w.org, `{"email":"a6@xy-company.com","role":"Ad hoc"}`, 400, nil},
		{"no role", orgAdmin, w.org, `{"email":"a7@xy-company.com"}`, 400, nil},
		{"bad email", orgAdmin, w.org, `{"email":"nobody","role":"Collaborator"}`, 400, nil},
		{"plan id not an id", orgAdmin, w.org, `{"email":"a8@xy-company.com","role":"Originator","planId":"p1"}`, 400, nil},
		{"Collaborator", collab, w.org, `{"email":"a9@xy-company.com","role":"Collaborator"}`, 403, nil},
		{"SafeShare administrator, not the organisation's", root1, w.org, `{"email":"a9@xy-company.com","role":"Collaborator"}`, 403, nil},
		{"administrator of another organisation, unknown organisation", orgAdmin, "4242", `{"email":"a9@xy-company.com","role":"Collaborator"}`, 403, nil},
		{"no token", "", w.org, `{"email":"a9@xy-company.com","role":"Collaborator"}`, 401, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.snapshot(t, tc.org)
			r := w.do(t, "POST", "/api/v1/organisations/"+tc.org+"/users", tc.who, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status != 200 {
				if w.snapshot(t, tc.org) != before {
					t.Fatal("a refused request changed the members")
				}
				return
			}
			m := r.JSON(t)
			for k, v := range tc.want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
			if r.Header.Get("Location") != users+"/"+m["id"].(string) {
				t.Errorf("Location %q", r.Header.Get("Location"))
			}
		})
	}
	// A refused addition of an unknown address made no account either.
	if _, err := w.svc.Store.Users().ByEmail(context.Background(), "o3@xy-company.com"); !errors.Is(err, user.ErrNotFound) {
		t.Fatalf("refused addition left an account: %v", err)
	}
	// The outsider, an Originator now, sees the membership.
	me := w.mustDo(t, 200, "GET", "/api/v1/users/me", outsider, "").JSON(t)["organisations"].([]any)
	if len(me) != 1 || me[0].(map[string]any)["role"] != "Originator" {
		t.Fatalf("%v", me)
	}
}

func TestListMembers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	users := "/api/v1/organisations/" + w.org + "/users"
	for i := range 6 {
		w.mustDo(t, 200, "POST", users, orgAdmin, `{"email":"member`+itoa(int64(i))+`@xy-company.com","role":"Collaborator"}`)
	}
	for _, sortBy := range []string{"email", "firstName", "lastName"} {
		for _, order := range []string{"ASC", "DESC"} {
			path := users + "?sortBy=" + sortBy + "&orderBy=" + order
			all := w.list(t, path, orgAdmin, 0)
			if len(all) != 10 {
				t.Fatalf("%s: %d members", path, len(all))
			}
			for _, size := range []int{1, 4} {
				if paged := w.list(t, path, root1, size); strings.Join(paged, ",") != strings.Join(all, ",") {
					t.Fatalf("%s: pages of %d differ: %v vs %v", path, size, paged, all)
				}
			}
		}
	}
	first := w.mustDo(t, 200, "GET", users+"?limit=1", orgAdmin, "").JSON(t)
	if it := first["items"].([]any)[0].(map[string]any); it["email"] != adhoc || it["role"] != "Ad hoc" || first["count"] != float64(10) {
		t.Fatalf("default order is by email, Ad hoc members included: %v", first)
	}
	w.mustDo(t, 200, "PUT", "/api/v1/users/me", collab, `{"firstName":"Zelda","lastName":"Quux"}`)
	for search, want := range map[string]float64{"zel": 1, "QUU": 1, "member": 6, "xy-company": 9, "_": 0, "nobody": 0} {
		if got := w.mustDo(t, 200, "GET", users+"?search="+q(search), orgAdmin, "").JSON(t)["count"]; got != want {
			t.Errorf("search %q: %v, want %v", search, got, want)
		}
	}
	for _, tc := range []struct {
		name, who, org, query string
		status                int
	}{
		{"SafeShare administrator", root2, w.org, "", 200},
		{"SafeShare administrator, unknown organisation", root2, "4242", "", 404},
		{"Collaborator", collab, w.org, "", 403},
		{"Originator", originator, w.org, "", 403},
		{"outsider, unknown organisation", outsider, "4242", "", 403},
		{"bad sortBy", orgAdmin, w.org, "?sortBy=role", 400},
		{"limit too big", orgAdmin, w.org, "?limit=101", 400},
		{"not an id", orgAdmin, "x", "", 400},
		{"no token", "", w.org, "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.do(t, "GET", "/api/v1/organisations/"+tc.org+"/users"+tc.query, tc.who, ""); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
}

func TestUpdateAndRemoveMember(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	noPlans := w.createOrg(t, "No Plans", orgAdmin)
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+noPlans+"/users", orgAdmin, `{"email":"`+collab+`","role":"Collaborator"}`)
	member := func(org, email string) string { return "/api/v1/organisations/" + org + "/users/" + w.id[email] }
	cases := []struct {
		name, who, method, path, body string
		status                        int
		want                          map[string]any
	}{
		{"promote to administrator", orgAdmin, "PUT", member(w.org, collab), `{"isOrgAdmin":true}`, 200, map[string]any{"isOrgAdmin": true, "role": "Collaborator"}},
		{"Collaborator becomes Originator on the default plan", orgAdmin, "PUT", member(w.org, collab), `{"role":"Originator"}`, 200, map[string]any{"role": "Originator", "planId": w.planID}},
		{"Originator becomes Collaborator, losing the plan", orgAdmin, "PUT", member(w.org, originator), `{"role":"Collaborator"}`, 200, map[string]any{"role": "Collaborator", "planId": nil}},
		{"Ad hoc member made a Collaborator", orgAdmin, "PUT", member(w.org, adhoc), `{"role":"Collaborator"}`, 200, map[string]any{"role": "Collaborator"}},
		{"Originator with no plan to be had", orgAdmin, "PUT", member(noPlans, collab), `{"role":"Originator"}`, 409, nil},
		{"plan for a Collaborator", orgAdmin, "PUT", member(w.org, adhoc), `{"planId":"` + w.planID + `"}`, 400, nil},
		{"unknown plan", orgAdmin, "PUT", member(w.org, collab), `{"planId":"4242"}`, 400, nil},
		{"demote the last administrator", orgAdmin, "PUT", member(noPlans, orgAdmin), `{"isOrgAdmin":false}`, 409, nil},
		{"remove the last administrator", orgAdmin, "DELETE", member(noPlans, orgAdmin), ``, 409, nil},
		{"not a member", orgAdmin, "PUT", member(w.org, outsider), `{"isOrgAdmin":true}`, 404, nil},
		{"no such user", orgAdmin, "PUT", "/api/v1/organisations/" + w.org + "/users/4242", `{"isOrgAdmin":true}`, 404, nil},
		{"user id beyond 64 bits", orgAdmin, "DELETE", "/api/v1/organisations/" + w.org + "/users/9999999999999999999", ``, 404, nil},
		{"remove a non-member", orgAdmin, "DELETE", member(w.org, outsider), ``, 404, nil},
		{"empty body", orgAdmin, "PUT", member(w.org, collab), `{}`, 400, nil},
		{"Ad hoc by hand", orgAdmin, "PUT", member(w.org, collab), `{"role":"Ad hoc"}`, 400, nil},
		{"user id not an id", orgAdmin, "PUT", "/api/v1/organisations/" + w.org + "/users/me", `{"isOrgAdmin":true}`, 400, nil},
		{"remove: user id not an id", orgAdmin, "DELETE", "/api/v1/organisations/" + w.org + "/users/me", ``, 400, nil},
		{"body not JSON", orgAdmin, "PUT", member(w.org, collab), `isOrgAdmin=true`, 400, nil},
		{"Originator may not", originator, "PUT", member(w.org, collab), `{"isOrgAdmin":false}`, 403, nil},
		{"SafeShare administrator may not", root1, "DELETE", member(w.org, collab), ``, 403, nil},
		{"unknown organisation", orgAdmin, "DELETE", "/api/v1/organisations/4242/users/" + w.id[collab], ``, 403, nil},
		{"no token", "", "DELETE", member(w.org, collab), ``, 401, nil},
		// With collab now an administrator too, orgAdmin may step down and even leave.
		{"demote an administrator who is not the last", orgAdmin, "PUT", member(w.org, orgAdmin), `{"isOrgAdmin":false}`, 200, map[string]any{"isOrgAdmin": false}},
		{"the demoted one has lost the right", orgAdmin, "DELETE", member(w.org, originator), ``, 403, nil},
		{"remove a member", collab, "DELETE", member(w.org, originator), ``, 200, nil},
		{"remove the former administrator", collab, "DELETE", member(w.org, orgAdmin), ``, 200, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.snapshot(t, w.org) + w.snapshot(t, noPlans)
			r := w.do(t, tc.method, tc.path, tc.who, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status != 200 {
				if w.snapshot(t, w.org)+w.snapshot(t, noPlans) != before {
					t.Fatal("a refused request changed the members")
				}
				return
			}
			if tc.method == "DELETE" {
				w.mustDo(t, 404, "PUT", tc.path, collab, `{"isOrgAdmin":false}`)
				return
			}
			m := r.JSON(t)
			for k, v := range tc.want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
		})
	}
	// Accounts outlive their memberships.
	w.mustDo(t, 200, "GET", "/api/v1/users/me", originator, "")
}

// TestLastAdministratorUnderConcurrency: two administrators demoting each other at once must leave one.
func TestLastAdministratorUnderConcurrency(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	base := "/api/v1/organisations/" + w.org + "/users/"
	holder := orgAdmin // the one administrator between rounds
	for round := range 8 {
		other := collab
		if holder == collab {
			other = orgAdmin
		}
		w.mustDo(t, 200, "PUT", base+w.id[other], holder, `{"isOrgAdmin":true}`)
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, pair := range [][2]string{{holder, other}, {other, holder}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = w.do(t, "PUT", base+w.id[pair[1]], pair[0], `{"isOrgAdmin":false}`).Status
			}()
		}
		wg.Wait()
		var admins []string
		for _, it := range w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org+"/users", root1, "").JSON(t)["items"].([]any) {
			if m := it.(map[string]any); m["isOrgAdmin"] == true {
				admins = append(admins, m["email"].(string))
			}
		}
		if len(admins) != 1 {
			t.Fatalf("round %d: administrators left: %v (%v)", round, admins, statuses)
		}
		holder = admins[0]
	}
}
