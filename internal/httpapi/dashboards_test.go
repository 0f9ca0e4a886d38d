package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

func dash(path string) string { return "/api/v1/dashboard/" + path }

// answers: the answer's body is the JSON want.
func answers(t *testing.T, r *testutil.Response, want string) {
	t.Helper()
	if !sameJSON(t, r.Body, []byte(want)) {
		t.Errorf("%s, want %s", r.Body, want)
	}
}

// dashboardPage is a page of the organisations dashboard.
type dashboardPage struct {
	Items []struct {
		ID                string `json:"id"`
		Name              string `json:"name"`
		Quota             int64  `json:"quota"`
		StorageUsed       int64  `json:"storageUsed"`
		OriginatorCount   int64  `json:"originatorCount"`
		CollaboratorCount int64  `json:"collaboratorCount"`
	} `json:"items"`
	Count  int `json:"count"`
	Offset int `json:"offset"`
}

// orgDashboard reads the organisations dashboard with the query as root1: its lines as
// "name:quota:storageUsed:originators:collaborators", and its count.
func (w *world) orgDashboard(t *testing.T, query string) ([]string, int) {
	t.Helper()
	r := w.mustDo(t, http.StatusOK, "GET", dash("organisations")+query, root1, "")
	var p dashboardPage
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatal(err)
	}
	lines := []string{}
	for _, it := range p.Items {
		lines = append(lines, fmt.Sprintf("%s:%d:%d:%d:%d", it.Name, it.Quota, it.StorageUsed, it.OriginatorCount, it.CollaboratorCount))
	}
	return lines, p.Count
}

func (w *world) createOrgWithQuota(t *testing.T, name string, quota int64, admin string) string {
	t.Helper()
	return w.mustDo(t, http.StatusOK, "POST", "/api/v1/organisations", root1,
		fmt.Sprintf(`{"name":%q,"quota":%d,"adminEmail":%q,"contactEmail":"contact@dash.example"}`, name, quota, admin)).JSON(t)["id"].(string)
}

// TestDashboards: the three platform dashboards give exact figures for organisations and client apps
// made through the API: client apps counted enabled or not, quotas summed, each organisation's quota,
// storage (0 without files) and the kept counts of its Originators and Collaborators (its administrator,
// a Collaborator from creation, among them; Ad hoc members nowhere).
func TestDashboards(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	answers(t, w.mustDo(t, 200, "GET", dash("clients"), root1, ""), `{"totalClientApps":1}`)
	answers(t, w.mustDo(t, 200, "GET", dash("quotas"), root1, ""), `{"sumOfAllQuota":2048}`)
	for i := range 2 {
		w.mustDo(t, 200, "POST", "/api/v1/clientapps", root1, fmt.Sprintf(`{"appName":"Dash %d","clientId":"dash-%d",
			"clientSecret":"dashboard-secret-123456-long-enough-for-32","accessTokenValiditySeconds":3600,
			"refreshTokenValiditySeconds":86400,"authorizedGrantTypes":["authorization_code"],
			"registeredRedirectUris":["https://app.example/cb"]}`, i, i))
	}
	answers(t, w.mustDo(t, 200, "GET", dash("clients"), root1, ""), `{"totalClientApps":3}`)

	beta := w.createOrgWithQuota(t, "Beta", 100, outsider)
	alpha := w.createOrgWithQuota(t, "alpha", 5000, orgAdmin)
	plan := w.addPlan(t, beta, outsider, "Small", 10, true)
	for _, m := range []string{`"one@beta.example","role":"Originator","planId":"` + plan + `"`,
		`"two@beta.example","role":"Originator"`, `"three@beta.example","role":"Collaborator"`} {
		w.mustDo(t, 200, "POST", "/api/v1/organisations/"+beta+"/users", outsider, `{"email":`+m+`}`)
	}
	w.addAdHoc(t, beta, "guest@elsewhere.example")
	answers(t, w.mustDo(t, 200, "GET", dash("quotas"), root1, ""), `{"sumOfAllQuota":7148}`)

	xy, b, a := "XY Company:2048:0:1:2", "Beta:100:0:2:2", "alpha:5000:0:0:1"
	for _, tc := range []struct {
		query string
		want  []string
		count int
	}{
		{"", []string{a, b, xy}, 3}, // by name, case-insensitively
		{"?orderBy=DESC", []string{xy, b, a}, 3},
		{"?sortBy=quota&orderBy=DESC", []string{a, xy, b}, 3},
		{"?sortBy=originatorCount", []string{a, xy, b}, 3},
		{"?sortBy=collaboratorCount", []string{a, xy, b}, 3}, // XY and Beta tie: by id
		{"?sortBy=collaboratorCount&orderBy=DESC", []string{b, xy, a}, 3},
		{"?sortBy=id", []string{xy, b, a}, 3},
		{"?sortBy=id&limit=1&offset=1", []string{b}, 3},
		{"?offset=2", []string{xy}, 3},
		{"?searchText=ALP", []string{a}, 1},
		{"?searchText=a&searchColumn=name&sortBy=quota", []string{b, xy, a}, 3},
		{"?searchText=" + q("%"), []string{}, 0}, // wildcards are literal
		{"?searchText=" + beta + "&searchColumn=id", []string{b}, 1},
		{"?searchText=" + alpha[:len(alpha)-1] + "&searchColumn=id", []string{}, 0}, // an id is equal, not contained
		{"?searchText=beta&searchColumn=id", []string{}, 0},                         // no id: nothing, not an error
		{"?searchText=" + beta, []string{}, 0},                                      // a name search for an id
	} {
		got, count := w.orgDashboard(t, tc.query)
		if !slices.Equal(got, tc.want) || count != tc.count {
			t.Errorf("%s: %q (count %d), want %q (count %d)", tc.query, got, count, tc.want, tc.count)
		}
	}
	for _, sort := range []string{"name", "quota", "originatorCount", "collaboratorCount&orderBy=DESC"} {
		path := dash("organisations?sortBy=" + sort)
		if all, paged := w.list(t, path, root1, 0), w.list(t, path, root1, 1); !slices.Equal(all, paged) || len(all) != 3 {
			t.Errorf("%s: paging one by one %v, all at once %v", sort, paged, all)
		}
	}

	// Membership changes show at once: the kept counts move with them.
	w.mustDo(t, 200, "PUT", "/api/v1/organisations/"+beta+"/users/"+w.id[outsider], outsider, `{"role":"Originator","planId":"`+plan+`"}`)
	if got, _ := w.orgDashboard(t, "?searchText=beta"); !slices.Equal(got, []string{"Beta:100:0:3:1"}) {
		t.Errorf("after a role change: %q", got)
	}
}

// TestDashboardsRefused: a bad list parameter is a 400, no token a 401, and an administrator of an
// organisation who is not a SafeShare administrator a 403 (a token without the admin scope: the matrix).
func TestDashboardsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, query := range []string{"sortBy=members", "sortBy=NAME", "limit=101", "limit=-1", "offset=-1", "orderBy=UP",
		"searchColumn=email", "searchText=" + strings.Repeat("x", 256), "limit=ten"} {
		r := w.mustDo(t, http.StatusBadRequest, "GET", dash("organisations?"+query), root1, "")
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: %s", query, ct)
		}
	}
	for _, path := range []string{"clients", "quotas", "organisations"} {
		w.mustDo(t, http.StatusUnauthorized, "GET", dash(path), "", "")
		for _, who := range []string{orgAdmin, outsider, originator} {
			w.mustDo(t, http.StatusForbidden, "GET", dash(path), who, "")
		}
		w.mustDo(t, http.StatusOK, "GET", dash(path), root2, "")
	}
}

// TestDashboardsOnEmbeddedStore: the quota sum and the organisations' page on SQLite, whose SUM and
// LIKE differ from PostgreSQL's.
func TestDashboardsOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	w.createOrgWithQuota(t, "Bravo_1", 100, outsider)
	answers(t, w.mustDo(t, 200, "GET", dash("quotas"), root1, ""), `{"sumOfAllQuota":2148}`)
	if got, n := w.orgDashboard(t, "?searchText="+q("_")); !slices.Equal(got, []string{"Bravo_1:100:0:0:1"}) || n != 1 {
		t.Errorf("%q %d", got, n)
	}
	if got, n := w.orgDashboard(t, "?sortBy=quota&orderBy=DESC&offset=1"); !slices.Equal(got, []string{"Bravo_1:100:0:0:1"}) || n != 2 {
		t.Errorf("%q %d", got, n)
	}
}
