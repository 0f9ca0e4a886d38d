package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// lbl is the classifications' path of an organisation.
func lbl(org string) string { return "/api/v1/organisations/" + org + "/labels" }

// createLabel creates a classification as who and returns its id.
func (w *world) createLabel(t *testing.T, org, who, name string) string {
	t.Helper()
	return w.mustDo(t, 200, "POST", lbl(org), who, `{"name":{"value":"`+name+`"},"description":"about `+name+`"}`).JSON(t)["id"].(string)
}

// labelRanking is the organisation's classification names in priority order, as a SafeShare
// administrator reads them, checking that the priorities are "1".."n" and that the list leaves
// descriptions out.
func (w *world) labelRanking(t *testing.T, org string) string {
	t.Helper()
	var names []string
	for i, it := range w.mustDo(t, 200, "GET", lbl(org), root1, "").JSON(t)["items"].([]any) {
		c := it.(map[string]any)
		if c["priority"] != fmt.Sprint(i+1) {
			t.Fatalf("place %d has priority %v: %v", i+1, c["priority"], c)
		}
		if _, ok := c["description"]; ok {
			t.Fatalf("a list item has a description: %v", c)
		}
		names = append(names, c["name"].(map[string]any)["value"].(string))
	}
	return strings.Join(names, " ")
}

func TestCreateClassification(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	w.createLabel(t, other, outsider, "Theirs")
	ok := `{"name":{"value":"Secret"}}`
	cases := []struct {
		name, who, org, ct, body string
		status                   int
		field                    string // a member the problem must name
		after                    string // the organisation's classifications afterwards
	}{
		{"no token", "", w.org, "", ok, 401, "", ""},
		{"a Collaborator", collab, w.org, "", ok, 403, "", ""},
		{"an Originator", originator, w.org, "", ok, 403, "", ""},
		{"an Ad hoc member", adhoc, w.org, "", ok, 403, "", ""},
		{"a SafeShare administrator who is not the organisation's", root1, w.org, "", ok, 403, "", ""},
		{"another organisation's administrator", outsider, w.org, "", ok, 403, "", ""},
		{"an organisation that does not exist", orgAdmin, "765456269464346624", "", ok, 403, "", ""},
		{"an id that is not one", orgAdmin, "x1", "", ok, 400, "orgId", ""},
		{"no name", orgAdmin, w.org, "", `{"description":"x"}`, 400, "", ""},
		{"a name that is a string", orgAdmin, w.org, "", `{"name":"Secret"}`, 400, "name", ""},
		{"an empty name", orgAdmin, w.org, "", `{"name":{"value":""}}`, 400, "name.value", ""},
		{"a name of spaces", orgAdmin, w.org, "", `{"name":{"value":"   "}}`, 400, "name.value", ""},
		{"a name too long", orgAdmin, w.org, "", `{"name":{"value":"` + strings.Repeat("x", 256) + `"}}`, 400, "name.value", ""},
		{"an unknown member", orgAdmin, w.org, "", `{"name":{"value":"Secret"},"priority":"1"}`, 400, "", ""},
		{"a description too long", orgAdmin, w.org, "", `{"name":{"value":"Secret"},"description":"` + strings.Repeat("x", 1001) + `"}`, 400, "description", ""},
		{"not JSON", orgAdmin, w.org, "text/plain", ok, 415, "", ""},
		{"creates the first at priority 1", orgAdmin, w.org, "", `{"name":{"value":" Secret "},"description":"Staff only","applyI18n":false}`, 200, "", "Secret"},
		{"the next one goes below", orgAdmin, w.org, "", `{"name":{"value":"label.public"},"applyI18n":true}`, 200, "", "Secret label.public"},
		{"a name the organisation has, in another case", orgAdmin, w.org, "", `{"name":{"value":"SECRET"}}`, 409, "", "Secret label.public"},
		{"a name another organisation has", orgAdmin, w.org, "", `{"name":{"value":"theirs"}}`, 200, "", "Secret label.public theirs"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: lbl(tc.org), Token: w.tok[tc.who],
				ContentType: or(tc.ct, "application/json"), Body: []byte(tc.body)})
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.field != "" && !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Errorf("the problem does not name %s: %s", tc.field, r.Body)
			}
			if got := w.labelRanking(t, w.org); got != tc.after {
				t.Fatalf("classifications afterwards %q, want %q", got, tc.after)
			}
			if tc.status != 200 {
				return
			}
			c := r.JSON(t)
			if _, ok := c["description"]; !ok || c["createdAt"] == nil || c["priority"] != fmt.Sprint(strings.Count(tc.after, " ")+1) {
				t.Fatalf("%s", r.Body)
			}
			if strings.Contains(tc.body, "applyI18n\":true") != (c["applyI18n"] == true) {
				t.Fatalf("applyI18n: %s", r.Body)
			}
			if got := w.mustDo(t, 200, "GET", lbl(w.org)+"/"+c["id"].(string), orgAdmin, ""); !sameJSON(t, got.Body, r.Body) {
				t.Fatalf("read back %s, created %s", got.Body, r.Body)
			}
		})
	}
	if got := w.mustDo(t, 200, "GET", lbl(w.org)+"/"+w.list(t, lbl(w.org), orgAdmin, 0)[0], orgAdmin, "").JSON(t); got["description"] != "Staff only" || got["name"].(map[string]any)["value"] != "Secret" {
		t.Fatalf("the first classification: %v", got)
	}
	if got := w.labelRanking(t, other); got != "Theirs" {
		t.Fatalf("the other organisation's classifications: %q", got)
	}
}

func TestListAndGetClassifications(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirs := w.createLabel(t, other, outsider, "Theirs")
	var ids []string
	for _, n := range []string{"Charlie", "alpha", "Bravo", "delta", "Echo"} {
		ids = append(ids, w.createLabel(t, w.org, orgAdmin, n))
	}
	// Every reader of the organisation sees them: its members but Ad hoc ones, and SafeShare administrators.
	for _, who := range []string{orgAdmin, collab, originator, root1} {
		if got := w.list(t, lbl(w.org), who, 2); strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Fatalf("%s pages %v, want %v", who, got, ids)
		}
		if c := w.mustDo(t, 200, "GET", lbl(w.org)+"/"+ids[2], who, "").JSON(t); c["description"] != "about Bravo" || c["priority"] != "3" {
			t.Fatalf("%s reads %v", who, c)
		}
	}
	names := func(query string) string {
		var out []string
		for _, it := range w.mustDo(t, 200, "GET", lbl(w.org)+query, orgAdmin, "").JSON(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["name"].(map[string]any)["value"].(string))
		}
		return strings.Join(out, " ")
	}
	for query, want := range map[string]string{
		"":                              "Charlie alpha Bravo delta Echo",
		"?sortBy=priority&orderBy=DESC": "Echo delta Bravo alpha Charlie",
		"?sortBy=name":                  "alpha Bravo Charlie delta Echo",
		"?sortBy=name&orderBy=DESC":     "Echo delta Charlie Bravo alpha",
		"?sortBy=createdAt&limit=2":     "Charlie alpha",
		"?sortBy=createdAt&offset=3":    "delta Echo",
		"?limit=2&offset=4":             "Echo",
	} {
		if got := names(query); got != want {
			t.Errorf("%q: %q, want %q", query, got, want)
		}
	}
	cases := []struct {
		name, who, path string
		status          int
	}{
		{"list: no token", "", lbl(w.org), 401},
		{"list: an Ad hoc member", adhoc, lbl(w.org), 403},
		{"list: another organisation's administrator", outsider, lbl(w.org), 403},
		{"list: an unknown sort", orgAdmin, lbl(w.org) + "?sortBy=description", 400},
		{"list: a limit too large", orgAdmin, lbl(w.org) + "?limit=101", 400},
		{"list: an organisation id that is not one", orgAdmin, lbl("abc"), 400},
		{"list: an organisation that does not exist, as a SafeShare administrator", root1, lbl("765456269464346624"), 404},
		{"get: no token", "", lbl(w.org) + "/" + ids[0], 401},
		{"get: an Ad hoc member", adhoc, lbl(w.org) + "/" + ids[0], 403},
		{"get: another organisation's administrator", outsider, lbl(w.org) + "/" + ids[0], 403},
		{"get: an id that is not one", orgAdmin, lbl(w.org) + "/1.5", 400},
		{"get: an unknown classification", orgAdmin, lbl(w.org) + "/765456269464346624", 404},
		{"get: past 64 bits", orgAdmin, lbl(w.org) + "/9999999999999999999", 404},
		{"get: another organisation's classification under this one", orgAdmin, lbl(w.org) + "/" + theirs, 404},
		{"get: another organisation's classification, as a SafeShare administrator", root1, lbl(w.org) + "/" + theirs, 404},
		{"get: its own organisation's, as its administrator", outsider, lbl(other) + "/" + theirs, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.do(t, "GET", tc.path, tc.who, ""); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
}

// A classification can never be edited: there is no PUT on one, and the router says so.
func TestClassificationsAreNeverEdited(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.createLabel(t, w.org, orgAdmin, "Secret")
	before := w.labelRanking(t, w.org)
	for _, method := range []string{"PUT", "PATCH"} {
		r := w.do(t, method, lbl(w.org)+"/"+id, orgAdmin, `{"name":{"value":"Public"}}`)
		if r.Status != 405 || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s: %d %s", method, r.Status, r.Body)
		}
	}
	if after := w.labelRanking(t, w.org); after != before {
		t.Fatalf("%q became %q", before, after)
	}
}

func TestDeleteClassification(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirs := w.createLabel(t, other, outsider, "Theirs")
	ids := map[string]string{}
	for _, n := range []string{"a", "b", "c", "d"} {
		ids[n] = w.createLabel(t, w.org, orgAdmin, n)
	}
	group := w.createGroup(t, w.org, "Staff")
	w.mustDo(t, 200, "PUT", grp(w.org)+"/"+group, orgAdmin, `{"addLabels":["`+ids["a"]+`","`+ids["b"]+`"]}`)
	cases := []struct {
		name, who, path string
		status          int
		after           string
	}{
		{"no token", "", lbl(w.org) + "/" + ids["b"], 401, "a b c d"},
		{"a Collaborator", collab, lbl(w.org) + "/" + ids["b"], 403, "a b c d"},
		{"an Originator", originator, lbl(w.org) + "/" + ids["b"], 403, "a b c d"},
		{"a SafeShare administrator", root1, lbl(w.org) + "/" + ids["b"], 403, "a b c d"},
		{"another organisation's administrator", outsider, lbl(w.org) + "/" + ids["b"], 403, "a b c d"},
		{"an id that is not one", orgAdmin, lbl(w.org) + "/b", 400, "a b c d"},
		{"an unknown classification", orgAdmin, lbl(w.org) + "/765456269464346624", 404, "a b c d"},
		{"another organisation's classification", orgAdmin, lbl(w.org) + "/" + theirs, 404, "a b c d"},
		{"deletes one in the middle: those below move up", orgAdmin, lbl(w.org) + "/" + ids["b"], 200, "a c d"},
		{"gone", orgAdmin, lbl(w.org) + "/" + ids["b"], 404, "a c d"},
		{"deletes the first", orgAdmin, lbl(w.org) + "/" + ids["a"], 200, "c d"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.do(t, "DELETE", tc.path, tc.who, ""); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if got := w.labelRanking(t, w.org); got != tc.after {
				t.Fatalf("afterwards %q, want %q", got, tc.after)
			}
		})
	}
	t.Run("deleted classifications left the clearance", func(t *testing.T) {
		if n := w.mustDo(t, 200, "GET", grp(w.org)+"/"+group, orgAdmin, "").JSON(t)["labelCount"]; n != float64(0) {
			t.Fatalf("labelCount %v", n)
		}
	})
	if got := w.labelRanking(t, other); got != "Theirs" {
		t.Fatalf("the other organisation's: %q", got)
	}
}

func TestMoveClassification(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	theirs := w.createLabel(t, other, outsider, "Theirs")
	w.createLabel(t, other, outsider, "Theirs too")
	ids := map[string]string{}
	for _, n := range []string{"a", "b", "c"} {
		ids[n] = w.createLabel(t, w.org, orgAdmin, n)
	}
	move := func(id string) string { return lbl(w.org) + "/" + id + "/priority" }
	up, down := `{"direction":"up"}`, `{"direction":"down"}`
	cases := []struct {
		name, who, path, ct, body string
		status                    int
		priority                  string // of the moved classification, on success
		after                     string
	}{
		{"no token", "", move(ids["b"]), "", up, 401, "", "a b c"},
		{"a Collaborator", collab, move(ids["b"]), "", up, 403, "", "a b c"},
		{"an Originator", originator, move(ids["b"]), "", up, 403, "", "a b c"},
		{"a SafeShare administrator", root1, move(ids["b"]), "", up, 403, "", "a b c"},
		{"another organisation's administrator", outsider, move(ids["b"]), "", up, 403, "", "a b c"},
		{"a direction that is not one", orgAdmin, move(ids["b"]), "", `{"direction":"top"}`, 400, "", "a b c"},
		{"no direction", orgAdmin, move(ids["b"]), "", `{}`, 400, "", "a b c"},
		{"a priority instead", orgAdmin, move(ids["b"]), "", `{"direction":"up","priority":"1"}`, 400, "", "a b c"},
		{"not JSON", orgAdmin, move(ids["b"]), "text/plain", up, 415, "", "a b c"},
		{"an id that is not one", orgAdmin, move("-1"), "", up, 400, "", "a b c"},
		{"an unknown classification", orgAdmin, move("765456269464346624"), "", up, 404, "", "a b c"},
		{"another organisation's classification", orgAdmin, move(theirs), "", down, 404, "", "a b c"},
		{"the first cannot move up", orgAdmin, move(ids["a"]), "", up, 409, "", "a b c"},
		{"the last cannot move down", orgAdmin, move(ids["c"]), "", down, 409, "", "a b c"},
		{"moves up", orgAdmin, move(ids["c"]), "", up, 200, "2", "a c b"},
		{"moves down", orgAdmin, move(ids["a"]), "", down, 200, "2", "c a b"},
		{"moves to the top", orgAdmin, move(ids["a"]), "", up, 200, "1", "a c b"},
		{"the new first cannot move up", orgAdmin, move(ids["a"]), "", up, 409, "", "a c b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.svc.Client.Do(t, testutil.Request{Method: "PUT", Path: tc.path, Token: w.tok[tc.who],
				ContentType: or(tc.ct, "application/json"), Body: []byte(tc.body)})
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status == 200 && (r.JSON(t)["priority"] != tc.priority || r.JSON(t)["description"] == nil) {
				t.Fatalf("moved to %s", r.Body)
			}
			if got := w.labelRanking(t, w.org); got != tc.after {
				t.Fatalf("afterwards %q, want %q", got, tc.after)
			}
		})
	}
	if got := w.labelRanking(t, other); got != "Theirs Theirs too" {
		t.Fatalf("the other organisation's: %q", got)
	}
}

// TestConcurrentClassificationChanges: creates and moves of one organisation's classifications, many at
// once through HTTP on PostgreSQL, all succeed (or meet an edge) and leave the priorities 1..n.
func TestConcurrentClassificationChanges(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first := w.createLabel(t, w.org, orgAdmin, "first")
	done := make(chan int)
	for i := range 16 {
		go func() {
			var r *testutil.Response
			if i%2 == 0 {
				r = w.do(t, "POST", lbl(w.org), orgAdmin, fmt.Sprintf(`{"name":{"value":"concurrent %d"}}`, i))
			} else {
				r = w.do(t, "PUT", lbl(w.org)+"/"+first+"/priority", orgAdmin, `{"direction":"down"}`)
			}
			done <- r.Status
		}()
	}
	for range 16 {
		if s := <-done; s != 200 && s != 409 {
			t.Errorf("answered %d", s)
		}
	}
	w.labelRanking(t, w.org) // priorities 1..n
	if n := w.mustDo(t, 200, "GET", lbl(w.org), orgAdmin, "").JSON(t)["count"]; n != float64(9) {
		t.Fatalf("%v classifications, want 9", n)
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}
