package httpapi_test

import (
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// deprecated checks the headers every response of a deprecated operation carries.
func deprecated(t *testing.T, r *testutil.Response, successor string) {
	t.Helper()
	if r.Header.Get("Deprecation") != "true" || r.Header.Get("Link") != "<"+successor+`>; rel="successor-version"` {
		t.Errorf("%d without the deprecation headers: %v", r.Status, r.Header)
	}
}

func TestWhitelistDeprecatedGet(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	id := w.addRules(t, w.org, orgAdmin, "xy-company.com")[0]
	const successor = "/api/v1/organisations/{orgId}/userwhitelist"
	cases := []struct {
		name, who, id string
		status        int
	}{
		{"a SafeShare administrator reads any organisation's rule", root2, id, 200},
		{"no token", "", id, 401},
		{"the organisation's own administrator", orgAdmin, id, 403},
		{"an unknown rule", root1, "765456269464346624", 404},
		{"an id past 64 bits", root1, "9999999999999999999", 404},
		{"not an id", root1, "pattern", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do(t, "GET", "/api/v1/userwhitelist/"+tc.id, tc.who, "")
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			deprecated(t, r, successor)
			if tc.status == 200 {
				b := r.JSON(t)
				if b["id"] != id || b["pattern"] != "xy-company.com" || b["description"] != "for xy-company.com" || len(b) != 3 {
					t.Fatalf("%s", r.Body)
				}
			}
		})
	}
	if r := w.do(t, "GET", wl(w.org), orgAdmin, ""); r.Header.Get("Deprecation") != "" {
		t.Error("a current operation is marked deprecated")
	}
}

func TestWhitelistBulkDelete(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Org", outsider)
	mine := w.addRules(t, w.org, orgAdmin, "xy-company.com", "partner.example")
	theirs := w.addRules(t, other, outsider, "other.example")
	const successor = "/api/v1/organisations/{orgId}/userwhitelist/{whitelistId}"
	bulk := func(who, query, body string) *testutil.Response {
		return w.do(t, "POST", "/api/v1/userwhitelist/bulk"+query, who, body)
	}
	state := func() string {
		a, _ := w.rules(t, w.org)
		b := string(w.mustDo(t, 200, "GET", wl(other), outsider, "").Body)
		return a + "|" + map[bool]string{true: "other.example", false: ""}[strings.Contains(b, "other.example")]
	}
	before := state()
	cases := []struct {
		name, who, query, body string
		status                 int
		field                  string
		after                  string
	}{
		{"no token", "", "?action=delete", `{"ids":["` + mine[0] + `"]}`, 401, "", before},
		{"an organisation administrator", orgAdmin, "?action=delete", `{"ids":["` + mine[0] + `"]}`, 403, "", before},
		{"no action", root1, "", `{"ids":["` + mine[0] + `"]}`, 400, "action", before},
		{"another action", root1, "?action=purge", `{"ids":["` + mine[0] + `"]}`, 400, "action", before},
		{"no ids", root1, "?action=delete", `{"ids":[]}`, 400, "ids", before},
		{"an id that is not one", root1, "?action=delete", `{"ids":["abc"]}`, 400, "ids[0]", before},
		{"one unknown id: nothing is deleted", root1, "?action=delete", `{"ids":["` + mine[0] + `","765456269464346624","` + theirs[0] + `"]}`, 404, "ids[1]", before},
		{"rules of two organisations at once", root1, "?action=delete", `{"ids":["` + mine[0] + `","` + theirs[0] + `"]}`, 200, "", "partner.example|"},
		{"already deleted", root2, "?action=delete", `{"ids":["` + mine[0] + `"]}`, 404, "ids[0]", "partner.example|"},
		{"the last rule turns the whitelist off", root2, "?action=delete", `{"ids":["` + mine[1] + `","` + mine[1] + `"]}`, 200, "", "|"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := bulk(tc.who, tc.query, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			deprecated(t, r, successor)
			if tc.field != "" && !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
				t.Errorf("problem does not name %s: %s", tc.field, r.Body)
			}
			if got := state(); got != tc.after {
				t.Fatalf("state %q, want %q", got, tc.after)
			}
		})
	}
	for org, who := range map[string]string{w.org: orgAdmin, other: outsider} {
		if on := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+org, who, "").JSON(t)["whitelistEnabled"]; on != false {
			t.Errorf("organisation %s: whitelistEnabled %v with no rules", org, on)
		}
	}
}

// TestWhitelistAudit: every rule added, re-described and deleted is in its organisation's trail with
// the acting user, through the deprecated endpoints too.
func TestWhitelistAudit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ids := w.addRules(t, w.org, orgAdmin, "xy-company.com", "partner.example")
	w.mustDo(t, 200, "PUT", wl(w.org)+"/"+ids[0], orgAdmin, `{"description":"staff"}`)
	w.mustDo(t, 200, "DELETE", wl(w.org)+"/"+ids[0], orgAdmin, "")
	w.mustDo(t, 200, "GET", "/api/v1/userwhitelist/"+ids[1], root1, "")
	w.mustDo(t, 200, "POST", "/api/v1/userwhitelist/bulk?action=delete", root2, `{"ids":["`+ids[1]+`"]}`)
	w.mustDo(t, 409, "POST", wl(w.org), orgAdmin, `{"items":[{"pattern":"a.example"},{"pattern":"a.example"}]}`)

	r := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org+"/audit?limit=100&orderBy=DESC", orgAdmin, "")
	var got []string
	for _, it := range r.JSON(t)["items"].([]any) {
		rec := it.(map[string]any)
		if rec["category"] != "WHITELIST" {
			continue
		}
		got = append(got, rec["operation"].(string)+" "+rec["action"].(string)+" "+str(rec["userEmail"])+" "+jsonNum(rec["status"])+" "+rec["path"].(string))
	}
	want := []string{ // newest first; a rule deleted through the bulk POST is DELETED all the same
		"whitelistRuleDeleted DELETED " + root2 + " 200 " + wl(w.org) + "/" + ids[1],
		"whitelistRuleRead RETRIEVED " + root1 + " 200 " + wl(w.org) + "/" + ids[1],
		"whitelistRuleDeleted DELETED " + orgAdmin + " 200 " + wl(w.org) + "/" + ids[0],
		"whitelistRuleDescribed UPDATED " + orgAdmin + " 200 " + wl(w.org) + "/" + ids[0],
		"whitelistRuleAdded CREATED " + orgAdmin + " 200 " + wl(w.org) + "/" + ids[1],
		"whitelistRuleAdded CREATED " + orgAdmin + " 200 " + wl(w.org) + "/" + ids[0],
	}
	// The requests themselves are recorded too (under their operation), interleaved; keep the rule records.
	var rules []string
	for _, g := range got {
		if strings.HasPrefix(g, "whitelistRule") {
			rules = append(rules, g)
		}
	}
	if strings.Join(rules, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rule records:\n%s\nwant:\n%s\nall:\n%s", strings.Join(rules, "\n"), strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	refused := false
	for _, g := range got {
		if strings.HasPrefix(g, "addWhitelistRules CREATED "+orgAdmin+" 409") {
			refused = true
		}
	}
	if !refused {
		t.Errorf("the refused request is not in the trail:\n%s", strings.Join(got, "\n"))
	}
}

// TestWhitelistOnEmbeddedStore runs the whitelist on SQLite, where the SQL could differ: the EXISTS
// behind whitelistEnabled, the all-or-nothing deletes, the unique index.
func TestWhitelistOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	ids := w.addRules(t, w.org, orgAdmin, "xy-company.com", "*.elsewhere.example")
	w.mustDo(t, 409, "POST", wl(w.org), orgAdmin, `{"items":[{"pattern":"XY-company.com"}]}`)
	if on := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org, orgAdmin, "").JSON(t)["whitelistEnabled"]; on != true {
		t.Fatalf("whitelistEnabled %v", on)
	}
	r := w.mustDo(t, 200, "POST", wl(w.org)+"/check", orgAdmin, `{"action":"delete","items":[{"id":"`+ids[0]+`"}]}`)
	if r.JSON(t)["count"] != float64(3) {
		t.Fatalf("check: %s", r.Body)
	}
	w.mustDo(t, 404, "POST", "/api/v1/userwhitelist/bulk?action=delete", root1, `{"ids":["`+ids[0]+`","765456269464346624"]}`)
	if got, _ := w.rules(t, w.org); got != "*.elsewhere.example xy-company.com" {
		t.Fatalf("a refused bulk delete deleted: %q", got)
	}
	w.mustDo(t, 200, "POST", "/api/v1/userwhitelist/bulk?action=delete", root1, `{"ids":["`+ids[0]+`","`+ids[1]+`"]}`)
	if on := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org, orgAdmin, "").JSON(t)["whitelistEnabled"]; on != false {
		t.Fatalf("whitelistEnabled %v after the last rule", on)
	}
}
