package httpapi_test

import (
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestOrganisationsOnEmbeddedStore runs the organisation flows on SQLite, where the SQL could differ:
// LIKE with ESCAPE, OFFSET without LIMIT, ON CONFLICT, cascades, time comparisons in the export.
func TestOrganisationsOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	for _, n := range []string{"alpha_1", "Bravo%", "charlie"} {
		w.createOrg(t, n, orgAdmin)
	}
	w.mustDo(t, 409, "POST", "/api/v1/organisations", root1, `{"name":"ALPHA_1","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`)
	if s := w.mustDo(t, 200, "GET", "/api/v1/organisations?search="+q("_"), root1, "").JSON(t); s["count"] != float64(1) {
		t.Fatalf("_ must match literally: %v", s)
	}
	if s := w.mustDo(t, 200, "GET", "/api/v1/organisations?offset=2", root1, "").JSON(t); len(s["items"].([]any)) != 2 || s["count"] != float64(4) {
		t.Fatalf("offset without limit: %v", s)
	}
	all := w.list(t, "/api/v1/organisations?sortBy=createdAt&orderBy=DESC", root1, 0)
	if paged := w.list(t, "/api/v1/organisations?sortBy=createdAt&orderBy=DESC", root1, 1); strings.Join(all, ",") != strings.Join(paged, ",") {
		t.Fatalf("%v vs %v", all, paged)
	}
	users := "/api/v1/organisations/" + w.org + "/users"
	w.mustDo(t, 200, "POST", users, orgAdmin, `{"email":"new@xy-company.com","role":"Originator"}`)
	w.mustDo(t, 409, "POST", users, orgAdmin, `{"email":"NEW@xy-company.com","role":"Collaborator"}`)
	w.mustDo(t, 409, "DELETE", users+"/"+w.id[orgAdmin], orgAdmin, "")
	if s := w.mustDo(t, 200, "GET", users+"?search="+q("COLL"), orgAdmin, "").JSON(t); s["count"] != float64(1) {
		t.Fatalf("%v", s)
	}
	w.mustDo(t, 200, "PUT", "/api/v1/users", root1, `{"email":"someone@platform.example","safeShareAdmin":true}`)
	if n := len(w.list(t, "/api/v1/users?search=platform", root1, 2)); n != 4 {
		t.Fatalf("%d administrators", n)
	}

	org := "/api/v1/organisations/" + w.org
	w.mustDo(t, 201, "POST", org+"/removalRequest", root1, `{"notifyContact":false}`)
	w.mustDo(t, 409, "POST", org+"/removalRequest", root2, `{"notifyContact":false}`)
	w.mustDo(t, 403, "DELETE", org, root1, "")
	export := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: org + "/audit/exportReport", Token: w.tok[orgAdmin],
		ContentType: "application/x-www-form-urlencoded", Body: []byte("category=ORGANISATIONS&action=CREATED&exportFormat=json")})
	if export.Status != 200 || strings.Count(string(export.Body), `"operation":"requestOrganisationRemoval"`) != 2 {
		t.Fatalf("%d %s", export.Status, export.Body)
	}
	w.mustDo(t, 200, "DELETE", org, root2, "")
	w.mustDo(t, 404, "GET", org, root1, "")
	me := w.mustDo(t, 200, "GET", "/api/v1/users/me", orgAdmin, "").JSON(t)["organisations"].([]any)
	if len(me) != 3 {
		t.Fatalf("memberships of the removed organisation remain: %v", me)
	}
	if page, err := w.svc.Audit.List(t.Context(), mustID(t, w.org), listingAll); err != nil || page.Count == 0 {
		t.Fatalf("audit records went with the organisation: %d %v", page.Count, err)
	}
	// The world's sign-ins are counted per UTC day on SQLite as on PostgreSQL, and the dashboard reads them.
	checkSignInCounts(t, w.svc)
	signedIn := 0
	for _, d := range w.mustDo(t, 200, "GET", "/api/v1/dashboard/users/activity?lastDays=2", root1, "").JSON(t)["items"].([]any) {
		signedIn += int(d.(map[string]any)["successfulLogins"].(float64))
	}
	if signedIn < 8 {
		t.Errorf("the dashboard counts %d sign-ins, want the world's 8 at least", signedIn)
	}
}
