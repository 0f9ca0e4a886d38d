package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// plansPath is the plans path of an organisation.
func plansPath(org string) string { return "/api/v1/organisations/" + org + "/plans" }

// addPlan creates a plan as the organisation's administrator and returns its id.
func (w *world) addPlan(t *testing.T, org, who, name string, quota int64, isDefault bool) string {
	t.Helper()
	body := fmt.Sprintf(`{"name":%q,"description":"the %s plan","quota":%d,"default":%v}`, name, name, quota, isDefault)
	return w.mustDo(t, 200, "POST", plansPath(org), who, body).JSON(t)["id"].(string)
}

// planState is what a refused request must leave as it was: the organisation's plans (every member of
// each, Originator counts included) and its members with their plans, as a SafeShare administrator
// reads them.
func (w *world) planState(t *testing.T, org string) string {
	t.Helper()
	p := w.do(t, "GET", plansPath(org)+"?sortBy=createdAt", root1, "")
	m := w.do(t, "GET", "/api/v1/organisations/"+org+"/users", root1, "")
	return fmt.Sprintf("%d %s\n%d %s", p.Status, p.Body, m.Status, m.Body)
}

// plansByName are the organisation's plans as "name:quota:default:originatorCount", by name.
func (w *world) plansByName(t *testing.T, org string) []string {
	t.Helper()
	var out []string
	for _, it := range w.mustDo(t, 200, "GET", plansPath(org), orgAdmin, "").JSON(t)["items"].([]any) {
		p := it.(map[string]any)
		out = append(out, fmt.Sprintf("%s:%v:%v:%v", p["name"], p["quota"], p["default"], p["originatorCount"]))
	}
	return out
}

// memberPlan is the plan of the organisation's member with this id, from the member list.
func (w *world) memberPlan(t *testing.T, org, id string) any {
	t.Helper()
	for _, it := range w.mustDo(t, 200, "GET", "/api/v1/organisations/"+org+"/users", orgAdmin, "").JSON(t)["items"].([]any) {
		if m := it.(map[string]any); m["id"] == id {
			return m["planId"]
		}
	}
	t.Fatalf("%s is not a member", id)
	return nil
}

// planCase is one request to a plan endpoint and what it must answer. A refused one must change nothing.
type planCase struct {
	name, who, path, body string
	status                int
	field                 string         // a member the problem must name
	want                  map[string]any // members of the answer
	after                 []string       // the plans afterwards (plansByName), when checked
}

func (w *world) runPlanCases(t *testing.T, method string, cases []planCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.planState(t, w.org)
			r := w.do(t, method, tc.path, tc.who, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%s %s as %q: %d, want %d: %s", method, tc.path, tc.who, r.Status, tc.status, r.Body)
			}
			if tc.field != "" && !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Errorf("the problem does not name %s: %s", tc.field, r.Body)
			}
			if r.Status != 200 {
				if after := w.planState(t, w.org); after != before {
					t.Errorf("a refused request changed the plans or members:\n%s\n%s", before, after)
				}
			} else if len(tc.want) > 0 {
				got := r.JSON(t)
				for k, v := range tc.want {
					if got[k] != v {
						t.Errorf("%s = %v, want %v", k, got[k], v)
					}
				}
			}
			if tc.after != nil {
				if got := w.plansByName(t, w.org); !slices.Equal(got, tc.after) {
					t.Errorf("plans afterwards %q, want %q", got, tc.after)
				}
			}
		})
	}
}

// The world's organisation (quota 2048) starts with Standard (1024, the default, its Originator on it).
func TestCreatePlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	w.addPlan(t, other, outsider, "Elsewhere", 1, false)
	path := plansPath(w.org)
	ok := `{"name":"Large","description":"For heavy users","quota":2048}`
	w.runPlanCases(t, "POST", []planCase{
		{name: "no token", path: path, body: ok, status: 401},
		{name: "a Collaborator", who: collab, path: path, body: ok, status: 403},
		{name: "an Originator", who: originator, path: path, body: ok, status: 403},
		{name: "an Ad hoc member", who: adhoc, path: path, body: ok, status: 403},
		{name: "a SafeShare administrator who is not the organisation's", who: root1, path: path, body: ok, status: 403},
		{name: "another organisation's administrator", who: outsider, path: path, body: ok, status: 403},
		{name: "an organisation that does not exist", who: orgAdmin, path: plansPath("765456269464346624"), body: ok, status: 403},
		{name: "an organisation id that is not one", who: orgAdmin, path: plansPath("abc"), body: ok, status: 400, field: "orgGroupId"},
		{name: "no description", who: orgAdmin, path: path, body: `{"name":"Large","quota":1}`, status: 400},
		{name: "an empty name", who: orgAdmin, path: path, body: `{"name":"","description":"","quota":1}`, status: 400, field: "name"},
		{name: "a name of spaces", who: orgAdmin, path: path, body: `{"name":"   ","description":"","quota":1}`, status: 400, field: "name"},
		{name: "a name of 256 characters", who: orgAdmin, path: path, body: `{"name":"` + strings.Repeat("n", 256) + `","description":"","quota":1}`, status: 400, field: "name"},
		{name: "a negative quota", who: orgAdmin, path: path, body: `{"name":"Large","description":"","quota":-1}`, status: 400, field: "quota"},
		{name: "a quota that is not whole", who: orgAdmin, path: path, body: `{"name":"Large","description":"","quota":1.5}`, status: 400, field: "quota"},
		{name: "a member the schema does not name", who: orgAdmin, path: path, body: `{"name":"Large","description":"","quota":1,"isDefault":true}`, status: 400},
		{name: "a quota above the organisation's", who: orgAdmin, path: path, body: `{"name":"Large","description":"","quota":2049}`, status: 400, field: "quota"},
		{name: "the name of a plan it has, in other case", who: orgAdmin, path: path, body: `{"name":"STANDARD ","description":"","quota":1}`, status: 409},
		{name: "creates", who: orgAdmin, path: path, body: ok, status: 200,
			want:  map[string]any{"name": "Large", "description": "For heavy users", "quota": 2048.0, "default": false, "originatorCount": 0.0},
			after: []string{"Large:2048:false:0", "Standard:1024:true:1"}},
		{name: "creates the default", who: orgAdmin, path: path, body: `{"name":"Premium","description":"","quota":100,"default":true}`, status: 200,
			want:  map[string]any{"name": "Premium", "default": true},
			after: []string{"Large:2048:false:0", "Premium:100:true:0", "Standard:1024:false:1"}},
		{name: "the name of another organisation's plan", who: orgAdmin, path: path, body: `{"name":"Elsewhere","description":"","quota":1}`, status: 200,
			after: []string{"Elsewhere:1:false:0", "Large:2048:false:0", "Premium:100:true:0", "Standard:1024:false:1"}},
	})

	t.Run("not JSON", func(t *testing.T) {
		r := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: path, Token: w.tok[orgAdmin], ContentType: "text/plain", Body: []byte(ok)})
		if r.Status != 415 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("the first plan is the default whatever it says", func(t *testing.T) {
		third := w.createOrg(t, "Third Org", outsider)
		r := w.mustDo(t, 200, "POST", plansPath(third), outsider, `{"name":"Only","description":"","quota":5,"default":false}`).JSON(t)
		if r["default"] != true {
			t.Fatalf("%v", r)
		}
	})
}

// Before its first plan an organisation cannot have Originators (409 No default plan); afterwards a new
// Originator gets the default plan, and another plan when they name it.
func TestOriginatorsNeedAPlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	org := w.createOrg(t, "New Org", orgAdmin)
	users := "/api/v1/organisations/" + org + "/users"
	r := w.mustDo(t, 409, "POST", users, orgAdmin, `{"email":"first@new.example","role":"Originator"}`)
	if title := r.JSON(t)["title"]; title != "No default plan" {
		t.Fatalf("title %v", title)
	}
	basic := w.addPlan(t, org, orgAdmin, "Basic", 10, false)
	if got := w.mustDo(t, 200, "POST", users, orgAdmin, `{"email":"first@new.example","role":"Originator"}`).JSON(t)["planId"]; got != basic {
		t.Fatalf("the new Originator's plan is %v, want the default %s", got, basic)
	}
	large := w.addPlan(t, org, orgAdmin, "Large", 100, false)
	if got := w.mustDo(t, 200, "POST", users, orgAdmin, `{"email":"second@new.example","role":"Originator","planId":"`+large+`"}`).JSON(t)["planId"]; got != large {
		t.Fatalf("the Originator's plan is %v, want the one named, %s", got, large)
	}
	if got := w.mustDo(t, 200, "GET", plansPath(org)+"/"+large, orgAdmin, "").JSON(t)["originatorCount"]; got != 1.0 {
		t.Fatalf("Large's originatorCount %v", got)
	}
}

func TestGetPlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirs := w.addPlan(t, other, outsider, "Theirs", 1, false)
	one := plansPath(w.org) + "/" + w.planID
	standard := map[string]any{"id": w.planID, "name": "Standard", "description": "For most Originators", "quota": 1024.0,
		"default": true, "originatorCount": 1.0}
	w.runPlanCases(t, "GET", []planCase{
		{name: "the organisation's administrator", who: orgAdmin, path: one, status: 200, want: standard},
		{name: "a SafeShare administrator", who: root1, path: one, status: 200, want: standard},
		{name: "no token", path: one, status: 401},
		{name: "a Collaborator", who: collab, path: one, status: 403},
		{name: "an Originator", who: originator, path: one, status: 403},
		{name: "another organisation's administrator", who: outsider, path: one, status: 403},
		{name: "an id that is not one", who: orgAdmin, path: plansPath(w.org) + "/p1", status: 400, field: "planId"},
		{name: "no such plan", who: orgAdmin, path: plansPath(w.org) + "/765456269464346624", status: 404},
		{name: "another organisation's plan under this one's path", who: orgAdmin, path: plansPath(w.org) + "/" + theirs, status: 404},
		{name: "a SafeShare administrator, another organisation's plan", who: root1, path: plansPath(w.org) + "/" + theirs, status: 404},
		{name: "a SafeShare administrator, an organisation that does not exist", who: root1, path: plansPath("765456269464346624") + "/" + w.planID, status: 404},
		{name: "an administrator, an organisation that does not exist", who: orgAdmin, path: plansPath("765456269464346624") + "/" + w.planID, status: 403},
	})
	// Its own administrator still finds it under its own path.
	w.mustDo(t, 200, "GET", plansPath(other)+"/"+theirs, outsider, "")
}

func TestListPlans(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addPlan(t, w.org, orgAdmin, "basic", 10, false)
	w.addPlan(t, w.org, orgAdmin, "Zeta", 10, false)
	w.addPlan(t, w.org, orgAdmin, "Alpha", 2000, false)
	names := func(query, who string) []string {
		t.Helper()
		var out []string
		for _, it := range w.mustDo(t, 200, "GET", plansPath(w.org)+query, who, "").JSON(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["name"].(string))
		}
		return out
	}
	// basic and Zeta have the same quota: ties by id, in creation order.
	for query, want := range map[string][]string{
		"":                              {"Alpha", "basic", "Standard", "Zeta"},
		"?orderBy=DESC":                 {"Zeta", "Standard", "basic", "Alpha"},
		"?sortBy=quota":                 {"basic", "Zeta", "Standard", "Alpha"},
		"?sortBy=quota&orderBy=DESC":    {"Alpha", "Standard", "Zeta", "basic"},
		"?sortBy=createdAt":             {"Standard", "basic", "Zeta", "Alpha"},
		"?sortBy=createdAt&limit=2":     {"Standard", "basic"},
		"?sortBy=name&limit=2&offset=3": {"Zeta"},
	} {
		if got := names(query, orgAdmin); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", query, got, want)
		}
	}
	if got := names("", root1); len(got) != 4 {
		t.Errorf("a SafeShare administrator sees %q", got)
	}
	for _, limit := range []int{0, 1, 3} {
		if got := w.list(t, plansPath(w.org)+"?sortBy=quota", orgAdmin, limit); len(got) != 4 {
			t.Errorf("limit %d: paged %d plans", limit, len(got))
		}
	}
	if got := w.plansByName(t, w.org); !slices.Equal(got, []string{"Alpha:2000:false:0", "basic:10:false:0", "Standard:1024:true:1", "Zeta:10:false:0"}) {
		t.Errorf("originator counts: %q", got)
	}
	empty := w.createOrg(t, "Empty Org", outsider)
	w.runPlanCases(t, "GET", []planCase{
		{name: "no token", path: plansPath(w.org), status: 401},
		{name: "a Collaborator", who: collab, path: plansPath(w.org), status: 403},
		{name: "an Originator", who: originator, path: plansPath(w.org), status: 403},
		{name: "another organisation's administrator", who: outsider, path: plansPath(w.org), status: 403},
		{name: "an unknown sortBy", who: orgAdmin, path: plansPath(w.org) + "?sortBy=originatorCount", status: 400, field: "sortBy"},
		{name: "a limit above 100", who: orgAdmin, path: plansPath(w.org) + "?limit=101", status: 400, field: "limit"},
		{name: "a SafeShare administrator, an organisation that does not exist", who: root1, path: plansPath("765456269464346624"), status: 404},
		{name: "an organisation without plans", who: outsider, path: plansPath(empty), status: 200, want: map[string]any{"count": 0.0}},
	})
}

func TestUpdatePlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirs := w.addPlan(t, other, outsider, "Theirs", 1, false)
	large := w.addPlan(t, w.org, orgAdmin, "Large", 2000, false)
	std, lg := plansPath(w.org)+"/"+w.planID, plansPath(w.org)+"/"+large
	w.runPlanCases(t, "PUT", []planCase{
		{name: "no token", path: lg, body: `{"quota":1}`, status: 401},
		{name: "a Collaborator", who: collab, path: lg, body: `{"quota":1}`, status: 403},
		{name: "an Originator", who: originator, path: lg, body: `{"quota":1}`, status: 403},
		{name: "a SafeShare administrator who is not the organisation's", who: root1, path: lg, body: `{"quota":1}`, status: 403},
		{name: "another organisation's administrator", who: outsider, path: lg, body: `{"quota":1}`, status: 403},
		{name: "nothing named", who: orgAdmin, path: lg, body: `{}`, status: 400},
		{name: "a member the schema does not name", who: orgAdmin, path: lg, body: `{"originatorCount":3}`, status: 400},
		{name: "a name of spaces", who: orgAdmin, path: lg, body: `{"name":"  "}`, status: 400, field: "name"},
		{name: "a quota above the organisation's", who: orgAdmin, path: lg, body: `{"quota":2049,"name":"Larger"}`, status: 400, field: "quota"},
		{name: "no such plan", who: orgAdmin, path: plansPath(w.org) + "/765456269464346624", body: `{"quota":1}`, status: 404},
		{name: "another organisation's plan under this one's path", who: orgAdmin, path: plansPath(w.org) + "/" + theirs, body: `{"quota":1}`, status: 404},
		{name: "another plan's name, in other case", who: orgAdmin, path: lg, body: `{"name":"standard"}`, status: 409},
		{name: "default false on the default plan", who: orgAdmin, path: std, body: `{"default":false,"quota":5}`, status: 409},
		{name: "changes the quota, the rest stays", who: orgAdmin, path: lg, body: `{"quota":2048}`, status: 200,
			want:  map[string]any{"name": "Large", "description": "the Large plan", "quota": 2048.0, "default": false},
			after: []string{"Large:2048:false:0", "Standard:1024:true:1"}},
		{name: "renames to its own name in capitals", who: orgAdmin, path: lg, body: `{"name":"LARGE","description":""}`, status: 200,
			want: map[string]any{"name": "LARGE", "description": "", "quota": 2048.0}},
		{name: "default false on a plan that is not the default", who: orgAdmin, path: lg, body: `{"default":false}`, status: 200,
			after: []string{"LARGE:2048:false:0", "Standard:1024:true:1"}},
		{name: "makes it the default", who: orgAdmin, path: lg, body: `{"default":true}`, status: 200, want: map[string]any{"default": true},
			after: []string{"LARGE:2048:true:0", "Standard:1024:false:1"}},
	})
	t.Run("not JSON", func(t *testing.T) {
		r := w.svc.Client.Do(t, testutil.Request{Method: "PUT", Path: lg, Token: w.tok[orgAdmin], ContentType: "text/plain", Body: []byte(`{"quota":1}`)})
		if r.Status != 415 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	if got := w.mustDo(t, 200, "GET", plansPath(other)+"/"+theirs, outsider, "").JSON(t); got["quota"] != 1.0 {
		t.Fatalf("the other organisation's plan changed: %v", got)
	}
}

func TestDeletePlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirs := w.addPlan(t, other, outsider, "Theirs", 1, false)
	large := w.addPlan(t, w.org, orgAdmin, "Large", 2000, false)
	users := "/api/v1/organisations/" + w.org + "/users"
	moved := w.mustDo(t, 200, "POST", users, orgAdmin, `{"email":"big@xy-company.com","role":"Originator","planId":"`+large+`"}`).JSON(t)["id"].(string)
	std, lg := plansPath(w.org)+"/"+w.planID, plansPath(w.org)+"/"+large
	w.runPlanCases(t, "DELETE", []planCase{
		{name: "no token", path: lg, status: 401},
		{name: "a Collaborator", who: collab, path: lg, status: 403},
		{name: "an Originator", who: originator, path: lg, status: 403},
		{name: "a SafeShare administrator who is not the organisation's", who: root1, path: lg, status: 403},
		{name: "another organisation's administrator", who: outsider, path: lg, status: 403},
		{name: "an id that is not one", who: orgAdmin, path: plansPath(w.org) + "/1.5", status: 400, field: "planId"},
		{name: "no such plan", who: orgAdmin, path: plansPath(w.org) + "/765456269464346624", status: 404},
		{name: "another organisation's plan under this one's path", who: orgAdmin, path: plansPath(w.org) + "/" + theirs, status: 404},
		{name: "the default while another plan exists", who: orgAdmin, path: std, status: 409},
		{name: "deletes, its Originator moves to the default", who: orgAdmin, path: lg, status: 200,
			after: []string{"Standard:1024:true:2"}},
		{name: "again", who: orgAdmin, path: lg, status: 404},
		{name: "the last plan, the default, while Originators are on it", who: orgAdmin, path: std, status: 409},
	})
	if got := w.memberPlan(t, w.org, moved); got != w.planID {
		t.Fatalf("the deleted plan's Originator is on %v, want the default %s", got, w.planID)
	}
	// Once nobody is on it, the last plan goes, and the organisation has none.
	for _, id := range []string{moved, w.id[originator]} {
		w.mustDo(t, 200, "PUT", users+"/"+id, orgAdmin, `{"role":"Collaborator"}`)
	}
	w.mustDo(t, 200, "DELETE", std, orgAdmin, "")
	if got := w.plansByName(t, w.org); len(got) != 0 {
		t.Fatalf("plans left: %q", got)
	}
	w.mustDo(t, 200, "GET", plansPath(other)+"/"+theirs, outsider, "")
}

// statisticsWorld is the world's organisation made known: Originators orig (on Standard) and boss (an
// administrator too, on Large); Collaborators the administrator, collab and helper; Ad hoc adhoc and
// guest (made an administrator: still not counted).
func statisticsWorld(t *testing.T) (*world, string) {
	t.Helper()
	w := newWorld(t)
	large := w.addPlan(t, w.org, orgAdmin, "Large", 2000, false)
	w.addPlan(t, w.org, orgAdmin, "Empty", 1, false)
	users := "/api/v1/organisations/" + w.org + "/users"
	w.mustDo(t, 200, "POST", users, orgAdmin, `{"email":"boss@xy-company.com","role":"Originator","isOrgAdmin":true,"planId":"`+large+`"}`)
	w.mustDo(t, 200, "POST", users, orgAdmin, `{"email":"helper@xy-company.com","role":"Collaborator"}`)
	w.addAdHoc(t, w.org, "guest@elsewhere.example")
	guest := ""
	for _, it := range w.mustDo(t, 200, "GET", users+"?search=guest", orgAdmin, "").JSON(t)["items"].([]any) {
		guest = it.(map[string]any)["id"].(string)
	}
	w.mustDo(t, 200, "PUT", users+"/"+guest, orgAdmin, `{"isOrgAdmin":true}`)
	// Another organisation's members do not count.
	other := w.createOrg(t, "Other Org", outsider)
	w.addPlan(t, other, outsider, "Theirs", 1, false)
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+other+"/users", outsider, `{"email":"`+originator+`","role":"Originator"}`)
	return w, large
}

func TestUserStatistics(t *testing.T) {
	t.Parallel()
	w, _ := statisticsWorld(t)
	path := "/api/v1/organisations/" + w.org + "/statistics/users"
	w.runPlanCases(t, "GET", []planCase{
		{name: "the organisation's administrator", who: orgAdmin, path: path, status: 200,
			want: map[string]any{"originatorCount": 2.0, "collaboratorCount": 3.0, "organisationAdminCount": 2.0}},
		{name: "no token", path: path, status: 401},
		{name: "a Collaborator", who: collab, path: path, status: 403},
		{name: "an Originator", who: originator, path: path, status: 403},
		{name: "a SafeShare administrator who is not the organisation's", who: root1, path: path, status: 403},
		{name: "another organisation's administrator", who: outsider, path: path, status: 403},
		{name: "an organisation that does not exist", who: orgAdmin, path: "/api/v1/organisations/765456269464346624/statistics/users", status: 403},
		{name: "an organisation id that is not one", who: orgAdmin, path: "/api/v1/organisations/x/statistics/users", status: 400},
	})
}

func TestPlanStatistics(t *testing.T) {
	t.Parallel()
	w, large := statisticsWorld(t)
	path := "/api/v1/organisations/" + w.org + "/statistics/plans"
	type breakdown struct {
		PlanBreakdown []struct {
			PlanID          string `json:"planId"`
			Name            string
			Quota           int64
			Default         bool
			OriginatorCount int
			Originators     []struct {
				ID, Email           string
				FirstName, LastName *string
			}
		}
		Count, Offset int
	}
	get := func(query string) (string, breakdown) {
		t.Helper()
		var b breakdown
		if err := json.Unmarshal(w.mustDo(t, 200, "GET", path+query, orgAdmin, "").Body, &b); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, p := range b.PlanBreakdown {
			var emails []string
			for _, o := range p.Originators {
				emails = append(emails, o.Email)
			}
			parts = append(parts, fmt.Sprintf("%s/%d/%v/%d:%s", p.Name, p.Quota, p.Default, p.OriginatorCount, strings.Join(emails, ",")))
		}
		return strings.Join(parts, " "), b
	}
	all := "Empty/1/false/0: Large/2000/false/1:boss@xy-company.com Standard/1024/true/1:" + originator
	for query, want := range map[string]string{
		"":                   all,
		"?limit=0":           all,
		"?limit=1":           "Empty/1/false/0:",
		"?limit=1&offset=1":  "Large/2000/false/1:boss@xy-company.com",
		"?offset=2":          "Standard/1024/true/1:" + originator,
		"?limit=5&offset=3":  "",
		"?limit=2&offset=1":  "Large/2000/false/1:boss@xy-company.com Standard/1024/true/1:" + originator,
		"?offset=1&limit=99": "Large/2000/false/1:boss@xy-company.com Standard/1024/true/1:" + originator,
	} {
		got, b := get(query)
		if got != want || b.Count != 3 {
			t.Errorf("%q: %q (count %d), want %q (count 3)", query, got, b.Count, want)
		}
	}
	_, b := get("?offset=1&limit=1")
	if p := b.PlanBreakdown[0]; p.PlanID != large || len(p.Originators) != 1 || p.Originators[0].ID == "" || b.Offset != 1 {
		t.Errorf("%+v", b)
	}
	// Originators by email within a plan.
	users := "/api/v1/organisations/" + w.org + "/users"
	for _, e := range []string{"zed@xy-company.com", "abe@xy-company.com"} {
		w.mustDo(t, 200, "POST", users, orgAdmin, `{"email":"`+e+`","role":"Originator","planId":"`+large+`"}`)
	}
	if got, _ := get("?offset=1&limit=1"); got != "Large/2000/false/3:abe@xy-company.com,boss@xy-company.com,zed@xy-company.com" {
		t.Errorf("%q", got)
	}
	w.runPlanCases(t, "GET", []planCase{
		{name: "no token", path: path, status: 401},
		{name: "a Collaborator", who: collab, path: path, status: 403},
		{name: "an Originator", who: originator, path: path, status: 403},
		{name: "a SafeShare administrator who is not the organisation's", who: root1, path: path, status: 403},
		{name: "another organisation's administrator", who: outsider, path: path, status: 403},
		{name: "a negative offset", who: orgAdmin, path: path + "?offset=-1", status: 400, field: "offset"},
		{name: "a limit above 100", who: orgAdmin, path: path + "?limit=101", status: 400, field: "limit"},
	})
}

// TestPlansOnEmbeddedStore runs the plan rules and statistics on SQLite, where the SQL could differ:
// the migration's rewrites, the unique name key, the correlated counts, booleans in sums, IN lists.
func TestPlansOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	large := w.addPlan(t, w.org, orgAdmin, "Large", 2000, false)
	w.mustDo(t, 409, "POST", plansPath(w.org), orgAdmin, `{"name":"LARGE","description":"","quota":1}`)
	w.mustDo(t, 400, "POST", plansPath(w.org), orgAdmin, `{"name":"Huge","description":"","quota":4096}`)
	users := "/api/v1/organisations/" + w.org + "/users"
	w.mustDo(t, 200, "POST", users, orgAdmin, `{"email":"big@xy-company.com","role":"Originator","isOrgAdmin":true,"planId":"`+large+`"}`)
	if got := w.plansByName(t, w.org); !slices.Equal(got, []string{"Large:2000:false:1", "Standard:1024:true:1"}) {
		t.Fatalf("%q", got)
	}
	stats := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org+"/statistics/users", orgAdmin, "").JSON(t)
	if stats["originatorCount"] != 2.0 || stats["collaboratorCount"] != 2.0 || stats["organisationAdminCount"] != 2.0 {
		t.Fatalf("%v", stats)
	}
	breakdown := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org+"/statistics/plans?limit=1", orgAdmin, "").Body
	if !strings.Contains(string(breakdown), `"email":"big@xy-company.com"`) || strings.Contains(string(breakdown), originator) {
		t.Fatalf("%s", breakdown)
	}
	w.mustDo(t, 200, "PUT", plansPath(w.org)+"/"+large, orgAdmin, `{"default":true}`)
	w.mustDo(t, 409, "PUT", plansPath(w.org)+"/"+large, orgAdmin, `{"default":false}`)
	w.mustDo(t, 200, "DELETE", plansPath(w.org)+"/"+w.planID, orgAdmin, "")
	if got := w.memberPlan(t, w.org, w.id[originator]); got != large {
		t.Fatalf("the Originator of the deleted plan is on %v, want %s", got, large)
	}
	if got := w.plansByName(t, w.org); !slices.Equal(got, []string{"Large:2000:true:2"}) {
		t.Fatalf("%q", got)
	}
	w.mustDo(t, 409, "DELETE", plansPath(w.org)+"/"+large, orgAdmin, "")
}
