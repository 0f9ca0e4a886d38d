package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestAccessStep: what the one access step answers a caller outside an operation's class (the detail
// says who may), and that it reads the organisation's id as the handler does, escaped or not.
func TestAccessStep(t *testing.T) {
	w := newWorld(t)
	org := "/api/v1/organisations/" + w.org
	for _, tc := range []struct {
		name, method, path, who, body, detail string
	}{
		{"safeshare-admin", "GET", "/api/v1/clientapps", orgAdmin, "", "Only SafeShare administrators may do this."},
		{"org-reader", "GET", org, adhoc, "", "Only members of this organisation and SafeShare administrators may read it."},
		{"org-admin", "GET", org + "/audit", root1, "", "Only administrators of this organisation may do this."},
		{"org-admin, unknown organisation", "GET", "/api/v1/organisations/4242/audit", orgAdmin, "", "Only administrators of this organisation may do this."},
		{"org-admin-or-safeshare-admin: updateOrganisation", "PUT", org, collab, `{"description":"x"}`,
			"Only administrators of this organisation and SafeShare administrators may change it."},
		{"org-admin-or-safeshare-admin: listMembers", "GET", org + "/users", originator, "",
			"Only administrators of this organisation and SafeShare administrators may list its members."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := w.mustDo(t, 403, tc.method, tc.path, tc.who, tc.body).JSON(t)
			if p["detail"] != tc.detail || p["title"] != "Forbidden" {
				t.Fatalf("%v", p)
			}
		})
	}
	t.Run("the organisation's id escaped in the path", func(t *testing.T) {
		var escaped strings.Builder
		for _, d := range w.org {
			fmt.Fprintf(&escaped, "%%%02X", d)
		}
		path := "/api/v1/organisations/" + escaped.String() + "/audit"
		if r := w.mustDo(t, 200, "GET", path, orgAdmin, ""); r.JSON(t)["count"].(float64) == 0 {
			t.Fatalf("%s", r.Body)
		}
		w.mustDo(t, 403, "GET", path, root1, "")
		w.mustDo(t, 200, "GET", "/api/v1/organisations/"+escaped.String(), collab, "")
	})
}
