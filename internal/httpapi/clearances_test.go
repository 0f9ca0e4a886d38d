package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// grp is the clearances' path of an organisation.
func grp(org string) string { return "/api/v1/organisations/" + org + "/groups" }

// createGroup creates a clearance as the organisation's administrator (orgAdmin) and returns its id.
func (w *world) createGroup(t *testing.T, org, name string) string {
	t.Helper()
	return w.createGroupAs(t, org, orgAdmin, name)
}

func (w *world) createGroupAs(t *testing.T, org, who, name string) string {
	t.Helper()
	return w.mustDo(t, 200, "POST", grp(org), who, `{"name":"`+name+`"}`).JSON(t)["id"].(string)
}

// clearanceState is everything the organisation's administrator can read of its classifications and
// clearances, members included: to show that a refused request changed nothing.
func (w *world) clearanceState(t *testing.T, org string) string {
	t.Helper()
	var b strings.Builder
	b.Write(w.mustDo(t, 200, "GET", lbl(org), orgAdmin, "").Body)
	groups := w.mustDo(t, 200, "GET", grp(org), orgAdmin, "")
	b.Write(groups.Body)
	for _, it := range groups.JSON(t)["items"].([]any) {
		b.Write(w.mustDo(t, 200, "GET", grp(org)+"/"+it.(map[string]any)["id"].(string)+"/users", orgAdmin, "").Body)
	}
	return b.String()
}

func TestCreateClearance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	w.createGroupAs(t, other, outsider, "Theirs")
	ok := `{"name":"Staff"}`
	cases := []struct {
		name, who, org, ct, body string
		status                   int
		field                    string
		count                    int // the organisation's clearances afterwards
	}{
		{"no token", "", w.org, "", ok, 401, "", 0},
		{"a Collaborator", collab, w.org, "", ok, 403, "", 0},
		{"an Originator", originator, w.org, "", ok, 403, "", 0},
		{"a SafeShare administrator", root1, w.org, "", ok, 403, "", 0},
		{"another organisation's administrator", outsider, w.org, "", ok, 403, "", 0},
		{"an organisation id that is not one", orgAdmin, "o1", "", ok, 400, "orgId", 0},
		{"no name", orgAdmin, w.org, "", `{"description":"x"}`, 400, "", 0},
		{"an empty name", orgAdmin, w.org, "", `{"name":""}`, 400, "name", 0},
		{"a name of spaces", orgAdmin, w.org, "", `{"name":"  "}`, 400, "name", 0},
		{"a name of 256 characters", orgAdmin, w.org, "", `{"name":"` + strings.Repeat("é", 256) + `"}`, 400, "name", 0},
		{"an unknown member", orgAdmin, w.org, "", `{"name":"Staff","addUsers":[]}`, 400, "", 0},
		{"not JSON", orgAdmin, w.org, "text/plain", ok, 415, "", 0},
		{"creates", orgAdmin, w.org, "", `{"name":" Staff ","description":"All staff"}`, 200, "", 1},
		{"a name of 255 characters", orgAdmin, w.org, "", `{"name":"` + strings.Repeat("é", 255) + `"}`, 200, "", 2},
		{"a name it has, in another case", orgAdmin, w.org, "", `{"name":"STAFF"}`, 409, "", 2},
		{"a name another organisation has", orgAdmin, w.org, "", `{"name":"theirs"}`, 200, "", 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: grp(tc.org), Token: w.tok[tc.who],
				ContentType: or(tc.ct, "application/json"), Body: []byte(tc.body)})
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.field != "" && !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Errorf("the problem does not name %s: %s", tc.field, r.Body)
			}
			if n := w.mustDo(t, 200, "GET", grp(w.org), orgAdmin, "").JSON(t)["count"]; n != float64(tc.count) {
				t.Fatalf("%v clearances afterwards, want %d", n, tc.count)
			}
		})
	}
	first := w.mustDo(t, 200, "GET", grp(w.org)+"?search=staff", orgAdmin, "").JSON(t)["items"].([]any)[0].(map[string]any)
	if first["name"] != "Staff" || first["description"] != "All staff" || first["labelCount"] != float64(0) || first["memberCount"] != float64(0) {
		t.Fatalf("%v", first)
	}
	if n := w.mustDo(t, 200, "GET", grp(other), outsider, "").JSON(t)["count"]; n != float64(1) {
		t.Fatalf("the other organisation has %v clearances", n)
	}
}

func TestListAndGetClearances(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirs := w.createGroupAs(t, other, outsider, "Theirs")
	label := w.createLabel(t, w.org, orgAdmin, "Secret")
	ids := map[string]string{}
	for _, n := range []string{"Staff", "board", "Legal_team", "100% cleared"} {
		ids[n] = w.createGroup(t, w.org, n)
	}
	w.mustDo(t, 200, "PUT", grp(w.org)+"/"+ids["board"], orgAdmin,
		`{"addLabels":["`+label+`"],"addUsers":["`+w.id[orgAdmin]+`","`+w.id[originator]+`"]}`)
	names := func(query string) string {
		var out []string
		for _, it := range w.mustDo(t, 200, "GET", grp(w.org)+query, orgAdmin, "").JSON(t)["items"].([]any) {
			c := it.(map[string]any)
			out = append(out, fmt.Sprintf("%s:%v/%v", c["name"], c["labelCount"], c["memberCount"]))
		}
		return strings.Join(out, " ")
	}
	for query, want := range map[string]string{
		"":                  "100% cleared:0/0 board:1/2 Legal_team:0/0 Staff:0/0",
		"?orderBy=DESC":     "Staff:0/0 Legal_team:0/0 board:1/2 100% cleared:0/0",
		"?sortBy=createdAt": "Staff:0/0 board:1/2 Legal_team:0/0 100% cleared:0/0",
		"?sortBy=createdAt&orderBy=DESC&limit=1&offset=1": "Legal_team:0/0",
		"?search=" + q("BOARD"):                           "board:1/2",
		"?search=" + q("%"):                               "100% cleared:0/0",
		"?search=" + q("_"):                               "Legal_team:0/0",
		"?search=nothing":                                 "",
	} {
		if got := names(query); got != want {
			t.Errorf("%q: %q, want %q", query, got, want)
		}
	}
	if all := w.list(t, grp(w.org), orgAdmin, 1); len(all) != 4 {
		t.Fatalf("paged %v", all)
	}
	if got := w.mustDo(t, 200, "GET", grp(w.org)+"/"+ids["board"], orgAdmin, "").JSON(t); got["labelCount"] != float64(1) || got["memberCount"] != float64(2) || got["name"] != "board" {
		t.Fatalf("%v", got)
	}
	one := grp(w.org) + "/" + ids["Staff"]
	cases := []struct {
		name, who, path string
		status          int
	}{
		{"list: no token", "", grp(w.org), 401},
		{"list: a Collaborator", collab, grp(w.org), 403},
		{"list: an Originator", originator, grp(w.org), 403},
		{"list: a SafeShare administrator", root1, grp(w.org), 403},
		{"list: another organisation's administrator", outsider, grp(w.org), 403},
		{"list: an unknown sort", orgAdmin, grp(w.org) + "?sortBy=labelCount", 400},
		{"list: a negative offset", orgAdmin, grp(w.org) + "?offset=-1", 400},
		{"get: no token", "", one, 401},
		{"get: a Collaborator", collab, one, 403},
		{"get: an Originator", originator, one, 403},
		{"get: a SafeShare administrator", root1, one, 403},
		{"get: another organisation's administrator", outsider, one, 403},
		{"get: an id that is not one", orgAdmin, grp(w.org) + "/x", 400},
		{"get: an unknown clearance", orgAdmin, grp(w.org) + "/765456269464346624", 404},
		{"get: another organisation's clearance", orgAdmin, grp(w.org) + "/" + theirs, 404},
		{"get: its own organisation's, as its administrator", outsider, grp(other) + "/" + theirs, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.do(t, "GET", tc.path, tc.who, ""); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
}

func TestUpdateClearance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirGroup := w.createGroupAs(t, other, outsider, "Theirs")
	theirLabel := w.createLabel(t, other, outsider, "Theirs")
	l1, l2 := w.createLabel(t, w.org, orgAdmin, "Public"), w.createLabel(t, w.org, orgAdmin, "Secret")
	staff, board := w.createGroup(t, w.org, "Staff"), w.createGroup(t, w.org, "Board")
	path := grp(w.org) + "/" + staff
	nobody := w.svc.CreateUser(t, "nobody@nowhere.example", false)
	ids := func(v ...string) string { return `["` + strings.Join(v, `","`) + `"]` }
	cases := []struct {
		name, who, path, ct, body string
		status                    int
		fields                    []string // the members the problem must name, exactly
		want                      string   // the clearance afterwards, name:labelCount/memberCount
	}{
		{"no token", "", path, "", `{"name":"x"}`, 401, nil, "Staff:0/0"},
		{"a Collaborator", collab, path, "", `{"name":"x"}`, 403, nil, "Staff:0/0"},
		{"an Originator", originator, path, "", `{"name":"x"}`, 403, nil, "Staff:0/0"},
		{"a SafeShare administrator", root1, path, "", `{"name":"x"}`, 403, nil, "Staff:0/0"},
		{"another organisation's administrator", outsider, path, "", `{"name":"x"}`, 403, nil, "Staff:0/0"},
		{"nothing to change", orgAdmin, path, "", `{}`, 400, nil, "Staff:0/0"},
		{"an empty name", orgAdmin, path, "", `{"name":""}`, 400, []string{"name"}, "Staff:0/0"},
		{"an unknown member", orgAdmin, path, "", `{"name":"x","members":[]}`, 400, nil, "Staff:0/0"},
		{"an id that is not one", orgAdmin, path, "", `{"addUsers":["12a"]}`, 400, []string{"addUsers[0]"}, "Staff:0/0"},
		{"ids that are numbers", orgAdmin, path, "", `{"addUsers":[` + w.id[collab] + `]}`, 400, []string{"addUsers[0]"}, "Staff:0/0"},
		{"1,001 ids", orgAdmin, path, "", `{"addUsers":` + ids(repeat(w.id[collab], 1001)...) + `}`, 400, []string{"addUsers"}, "Staff:0/0"},
		{"not JSON", orgAdmin, path, "text/plain", `{"name":"x"}`, 415, nil, "Staff:0/0"},
		{"a clearance id that is not one", orgAdmin, grp(w.org) + "/x", "", `{"name":"x"}`, 400, nil, "Staff:0/0"},
		{"an unknown clearance", orgAdmin, grp(w.org) + "/765456269464346624", "", `{"name":"x"}`, 404, nil, "Staff:0/0"},
		{"another organisation's clearance", orgAdmin, grp(w.org) + "/" + theirGroup, "", `{"addUsers":` + ids(w.id[collab]) + `}`, 404, nil, "Staff:0/0"},
		{"another clearance's name", orgAdmin, path, "", `{"name":"BOARD","addUsers":` + ids(w.id[collab]) + `}`, 409, nil, "Staff:0/0"},
		{"users who are not members and another organisation's classification, each named", orgAdmin, path, "",
			`{"name":"Renamed","addUsers":` + ids(w.id[collab], w.id[outsider], itoa(nobody.ID), w.id[root1], w.id[originator]) +
				`,"addLabels":` + ids(l1, "765456269464346624") + `,"removeLabels":` + ids(theirLabel) + `}`,
			400, []string{"addUsers[1]", "addUsers[2]", "addUsers[3]", "addLabels[1]", "removeLabels[0]"}, "Staff:0/0"},
		{"an id past 64 bits", orgAdmin, path, "", `{"addUsers":["9999999999999999999"]}`, 400, []string{"addUsers[0]"}, "Staff:0/0"},
		{"the same user added and removed", orgAdmin, path, "", `{"addUsers":` + ids(w.id[collab], w.id[originator]) + `,"removeUsers":` + ids(w.id[originator]) + `}`,
			400, []string{"addUsers[1]", "removeUsers[0]"}, "Staff:0/0"},
		{"adds, renames and describes", orgAdmin, path, "",
			`{"name":" Staff members ","description":"everyone","addUsers":` + ids(w.id[collab], w.id[originator], w.id[adhoc], w.id[collab]) + `,"addLabels":` + ids(l1, l2) + `}`,
			200, nil, "Staff members:2/3"},
		{"adding what is there and removing what is not", orgAdmin, path, "",
			`{"addUsers":` + ids(w.id[collab]) + `,"removeUsers":` + ids(w.id[orgAdmin]) + `,"addLabels":` + ids(l2) + `}`, 200, nil, "Staff members:2/3"},
		{"removes", orgAdmin, path, "", `{"removeUsers":` + ids(w.id[adhoc], w.id[originator]) + `,"removeLabels":` + ids(l1) + `}`, 200, nil, "Staff members:1/1"},
		{"its own name in another case", orgAdmin, path, "", `{"name":"STAFF MEMBERS"}`, 200, nil, "STAFF MEMBERS:1/1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.clearanceState(t, w.org)
			r := w.svc.Client.Do(t, testutil.Request{Method: "PUT", Path: tc.path, Token: w.tok[tc.who],
				ContentType: or(tc.ct, "application/json"), Body: []byte(tc.body)})
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.fields != nil {
				// Each field named, in order; the validator may name one field for several reasons.
				var got []string
				for _, e := range r.JSON(t)["errors"].([]any) {
					if f := e.(map[string]any)["field"].(string); len(got) == 0 || got[len(got)-1] != f {
						got = append(got, f)
					}
				}
				if strings.Join(got, " ") != strings.Join(tc.fields, " ") {
					t.Fatalf("the problem names %v, want %v: %s", got, tc.fields, r.Body)
				}
			}
			c := w.mustDo(t, 200, "GET", path, orgAdmin, "").JSON(t)
			if got := fmt.Sprintf("%s:%v/%v", c["name"], c["labelCount"], c["memberCount"]); got != tc.want {
				t.Fatalf("afterwards %s, want %s", got, tc.want)
			}
			if tc.status != 200 {
				if after := w.clearanceState(t, w.org); after != before {
					t.Fatalf("a refused request changed:\n%s\n%s", before, after)
				}
				return
			}
			if !sameJSON(t, r.Body, w.mustDo(t, 200, "GET", path, orgAdmin, "").Body) {
				t.Fatalf("answered %s", r.Body)
			}
		})
	}
	if c := w.mustDo(t, 200, "GET", path, orgAdmin, "").JSON(t); c["description"] != "everyone" {
		t.Fatalf("%v", c)
	}
	if c := w.mustDo(t, 200, "GET", grp(w.org)+"/"+board, orgAdmin, "").JSON(t); c["memberCount"] != float64(0) || c["labelCount"] != float64(0) {
		t.Fatalf("another clearance changed: %v", c)
	}
}

func TestDeleteClearance(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirs := w.createGroupAs(t, other, outsider, "Theirs")
	label := w.createLabel(t, w.org, orgAdmin, "Secret")
	staff, board := w.createGroup(t, w.org, "Staff"), w.createGroup(t, w.org, "Board")
	for _, g := range []string{staff, board} {
		w.mustDo(t, 200, "PUT", grp(w.org)+"/"+g, orgAdmin, `{"addLabels":["`+label+`"],"addUsers":["`+w.id[collab]+`"]}`)
	}
	path := grp(w.org) + "/" + staff
	cases := []struct {
		name, who, path string
		status          int
		count           int
	}{
		{"no token", "", path, 401, 2},
		{"a Collaborator", collab, path, 403, 2},
		{"an Originator", originator, path, 403, 2},
		{"a SafeShare administrator", root1, path, 403, 2},
		{"another organisation's administrator", outsider, path, 403, 2},
		{"an id that is not one", orgAdmin, grp(w.org) + "/%20", 400, 2},
		{"an unknown clearance", orgAdmin, grp(w.org) + "/765456269464346624", 404, 2},
		{"another organisation's clearance", orgAdmin, grp(w.org) + "/" + theirs, 404, 2},
		{"deletes", orgAdmin, path, 200, 1},
		{"gone", orgAdmin, path, 404, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.do(t, "DELETE", tc.path, tc.who, ""); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if n := w.mustDo(t, 200, "GET", grp(w.org), orgAdmin, "").JSON(t)["count"]; n != float64(tc.count) {
				t.Fatalf("%v clearances, want %d", n, tc.count)
			}
		})
	}
	// Its links went with it; the member and the classification stay, with the other clearance's links.
	db := openSQL(t, w.svc)
	for _, table := range []string{"clearance_members", "clearance_classifications"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM "+table+" WHERE clearance_id = $1", mustID(t, staff)).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s keeps %d rows of the deleted clearance (%v)", table, n, err)
		}
	}
	if c := w.mustDo(t, 200, "GET", grp(w.org)+"/"+board, orgAdmin, "").JSON(t); c["labelCount"] != float64(1) || c["memberCount"] != float64(1) {
		t.Fatalf("%v", c)
	}
	w.mustDo(t, 200, "GET", grp(other)+"/"+theirs, outsider, "")
}

func TestListClearanceMembers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirs := w.createGroupAs(t, other, outsider, "Theirs")
	// The administrator of this organisation is in another one too: only this one's entry is listed.
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+other+"/users", outsider, `{"email":"`+orgAdmin+`","role":"Collaborator"}`)
	w.mustDo(t, 200, "PUT", "/api/v1/users/me", originator, `{"firstName":"Zoe","lastName":"Adams"}`)
	w.mustDo(t, 200, "PUT", "/api/v1/users/me", collab, `{"firstName":"Amy","lastName":"Young"}`)
	staff := w.createGroup(t, w.org, "Staff")
	w.mustDo(t, 200, "PUT", grp(w.org)+"/"+staff, orgAdmin, `{"addUsers":["`+w.id[orgAdmin]+`","`+w.id[originator]+`","`+w.id[collab]+`"]}`)
	path := grp(w.org) + "/" + staff + "/users"
	emails := func(query string) string {
		var out []string
		for _, it := range w.mustDo(t, 200, "GET", path+query, orgAdmin, "").JSON(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["email"].(string))
		}
		return strings.Join(out, " ")
	}
	for query, want := range map[string]string{
		"":                          "admin@xy-company.com collab@xy-company.com orig@xy-company.com",
		"?orderBy=DESC":             "orig@xy-company.com collab@xy-company.com admin@xy-company.com",
		"?sortBy=firstName&limit=2": "collab@xy-company.com orig@xy-company.com",
		"?sortBy=lastName":          "orig@xy-company.com collab@xy-company.com admin@xy-company.com",
		"?sortBy=email&offset=2":    "orig@xy-company.com",
	} {
		if got := emails(query); got != want {
			t.Errorf("%q: %q, want %q", query, got, want)
		}
	}
	items := w.mustDo(t, 200, "GET", path, orgAdmin, "").JSON(t)["items"].([]any)
	admin := items[0].(map[string]any)
	orgs := admin["organisations"].([]any)
	if admin["id"] != w.id[orgAdmin] || admin["accountType"] != "local" || admin["mfaEnabled"] != false || len(orgs) != 1 {
		t.Fatalf("%v", admin)
	}
	if m := orgs[0].(map[string]any); m["id"] != w.org || m["name"] != "XY Company" || m["role"] != "Collaborator" || m["isOrgAdmin"] != true {
		t.Fatalf("%v", m)
	}
	if m := items[2].(map[string]any); m["firstName"] != "Zoe" || m["organisations"].([]any)[0].(map[string]any)["role"] != "Originator" {
		t.Fatalf("%v", m)
	}
	cases := []struct {
		name, who, path string
		status          int
	}{
		{"no token", "", path, 401},
		{"a Collaborator", collab, path, 403},
		{"an Originator", originator, path, 403},
		{"a SafeShare administrator", root1, path, 403},
		{"another organisation's administrator", outsider, path, 403},
		{"an unknown sort", orgAdmin, path + "?sortBy=role", 400},
		{"an id that is not one", orgAdmin, grp(w.org) + "/0x1/users", 400},
		{"an unknown clearance", orgAdmin, grp(w.org) + "/765456269464346624/users", 404},
		{"another organisation's clearance", orgAdmin, grp(w.org) + "/" + theirs + "/users", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.do(t, "GET", tc.path, tc.who, ""); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
}

// TestRemovedMembersLeaveTheirClearances: removing a member from the organisation takes them out of
// every clearance of it, and of no other organisation's.
func TestRemovedMembersLeaveTheirClearances(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+other+"/users", outsider, `{"email":"`+collab+`","role":"Collaborator"}`)
	theirs := w.createGroupAs(t, other, outsider, "Theirs")
	w.mustDo(t, 200, "PUT", grp(other)+"/"+theirs, outsider, `{"addUsers":["`+w.id[collab]+`"]}`)
	staff, board := w.createGroup(t, w.org, "Staff"), w.createGroup(t, w.org, "Board")
	for _, g := range []string{staff, board} {
		w.mustDo(t, 200, "PUT", grp(w.org)+"/"+g, orgAdmin, `{"addUsers":["`+w.id[collab]+`","`+w.id[originator]+`"]}`)
	}
	w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org+"/users/"+w.id[collab], orgAdmin, "")
	for _, g := range []string{staff, board} {
		users := w.mustDo(t, 200, "GET", grp(w.org)+"/"+g+"/users", orgAdmin, "")
		if strings.Contains(string(users.Body), collab) || users.JSON(t)["count"] != float64(1) {
			t.Fatalf("the removed member is still in the clearance: %s", users.Body)
		}
	}
	if n := w.mustDo(t, 200, "GET", grp(other)+"/"+theirs, outsider, "").JSON(t)["memberCount"]; n != float64(1) {
		t.Fatalf("the other organisation's clearance lost its member: %v", n)
	}
	// Back in the organisation, they are in no clearance until one adds them.
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+collab+`","role":"Collaborator"}`)
	if n := w.mustDo(t, 200, "GET", grp(w.org)+"/"+staff, orgAdmin, "").JSON(t)["memberCount"]; n != float64(1) {
		t.Fatalf("memberCount %v", n)
	}
}

// TestClassificationsAndClearancesOnEmbeddedStore runs the flows on SQLite, where the SQL differs: the
// ids passed as one JSON array, INSERT ... SELECT ... ON CONFLICT, the renumbering through negative
// priorities, composite foreign keys and their cascades.
func TestClassificationsAndClearancesOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	a, b, c := w.createLabel(t, w.org, orgAdmin, "a"), w.createLabel(t, w.org, orgAdmin, "b"), w.createLabel(t, w.org, orgAdmin, "c")
	w.mustDo(t, 409, "POST", lbl(w.org), orgAdmin, `{"name":{"value":"A"}}`)
	w.mustDo(t, 200, "PUT", lbl(w.org)+"/"+c+"/priority", orgAdmin, `{"direction":"up"}`)
	w.mustDo(t, 409, "PUT", lbl(w.org)+"/"+a+"/priority", orgAdmin, `{"direction":"up"}`)
	if got := w.labelRanking(t, w.org); got != "a c b" {
		t.Fatalf("%q", got)
	}
	staff := w.createGroup(t, w.org, "Staff")
	w.mustDo(t, 409, "POST", grp(w.org), orgAdmin, `{"name":"STAFF"}`)
	path := grp(w.org) + "/" + staff
	r := w.mustDo(t, 400, "PUT", path, orgAdmin, `{"addUsers":["`+w.id[collab]+`","`+w.id[outsider]+`"]}`)
	if !strings.Contains(string(r.Body), `"field":"addUsers[1]"`) {
		t.Fatalf("%s", r.Body)
	}
	w.mustDo(t, 200, "PUT", path, orgAdmin, `{"addUsers":["`+w.id[collab]+`","`+w.id[originator]+`","`+w.id[collab]+`"],"addLabels":["`+a+`","`+b+`"]}`)
	w.mustDo(t, 200, "PUT", path, orgAdmin, `{"addUsers":["`+w.id[collab]+`"],"removeLabels":["`+b+`","`+c+`"]}`)
	if got := w.mustDo(t, 200, "GET", path, orgAdmin, "").JSON(t); got["labelCount"] != float64(1) || got["memberCount"] != float64(2) {
		t.Fatalf("%v", got)
	}
	w.mustDo(t, 200, "DELETE", lbl(w.org)+"/"+a, orgAdmin, "")
	w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org+"/users/"+w.id[collab], orgAdmin, "")
	if got := w.mustDo(t, 200, "GET", path, orgAdmin, "").JSON(t); got["labelCount"] != float64(0) || got["memberCount"] != float64(1) {
		t.Fatalf("the links did not go with what they link: %v", got)
	}
	if got := w.labelRanking(t, w.org); got != "c b" {
		t.Fatalf("%q", got)
	}
	if users := w.mustDo(t, 200, "GET", path+"/users?sortBy=lastName&orderBy=DESC&offset=0", orgAdmin, "").JSON(t); users["count"] != float64(1) {
		t.Fatalf("%v", users)
	}
	if got := w.mustDo(t, 200, "GET", grp(w.org)+"?search="+q("sta"), orgAdmin, "").JSON(t); got["count"] != float64(1) {
		t.Fatalf("%v", got)
	}
	w.mustDo(t, 200, "DELETE", path, orgAdmin, "")
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
