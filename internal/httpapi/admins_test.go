package httpapi_test

import (
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

func TestSafeShareAdministrators(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	t.Run("list", func(t *testing.T) {
		all := w.list(t, "/api/v1/users", root1, 0)
		if strings.Join(all, ",") != strings.Join([]string{w.id[root1], w.id[root2], w.id[root3]}, ",") {
			t.Fatalf("%v", all)
		}
		for _, sortBy := range []string{"email", "firstName", "lastName", "id"} {
			for _, order := range []string{"ASC", "DESC"} {
				path := "/api/v1/users?sortBy=" + sortBy + "&orderBy=" + order
				whole := w.list(t, path, root2, 0)
				if paged := w.list(t, path, root2, 2); strings.Join(paged, ",") != strings.Join(whole, ",") || len(whole) != 3 {
					t.Fatalf("%s: %v vs %v", path, paged, whole)
				}
			}
		}
		if s := w.mustDo(t, 200, "GET", "/api/v1/users?search=ROOT2", root1, "").JSON(t); s["count"] != float64(1) {
			t.Fatalf("%v", s)
		}
		for _, tc := range []struct {
			query, who string
			status     int
		}{{"", orgAdmin, 403}, {"", "", 401}, {"?sortBy=role", root1, 400}, {"?limit=1000", root1, 400}} {
			if r := w.do(t, "GET", "/api/v1/users"+tc.query, tc.who, ""); r.Status != tc.status {
				t.Errorf("%q as %q: %d, want %d", tc.query, tc.who, r.Status, tc.status)
			}
		}
	})
	count := func() int { return len(w.list(t, "/api/v1/users", root1, 0)) }
	cases := []struct {
		name, who, body string
		status          int
		admins          int // afterwards
	}{
		{"grant to an existing account", root1, `{"email":"` + collab + `","safeShareAdmin":true}`, 200, 4},
		{"granting again changes nothing", root2, `{"email":"` + collab + `","safeShareAdmin":true}`, 200, 4},
		{"grant to an unknown email makes the account", root1, `{"email":"Fresh@Platform.example","safeShareAdmin":true}`, 200, 5},
		{"revoke", root2, `{"email":"fresh@platform.example","safeShareAdmin":false}`, 200, 4},
		{"own role", root1, `{"email":"` + root1 + `","safeShareAdmin":false}`, 403, 4},
		{"own role, other case", root1, `{"email":"ROOT1@platform.example","safeShareAdmin":false}`, 403, 4},
		{"not a SafeShare administrator", orgAdmin, `{"email":"` + orgAdmin + `","safeShareAdmin":true}`, 403, 4},
		{"bad email", root1, `{"email":"root","safeShareAdmin":true}`, 400, 4},
		{"no flag", root1, `{"email":"` + collab + `"}`, 400, 4},
		{"unknown member", root1, `{"email":"` + collab + `","safeShareAdmin":true,"mfa":true}`, 400, 4},
		{"no token", "", `{"email":"` + collab + `","safeShareAdmin":true}`, 401, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do(t, "PUT", "/api/v1/users", tc.who, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if n := count(); n != tc.admins {
				t.Fatalf("%d administrators, want %d", n, tc.admins)
			}
		})
	}
	t.Run("a grant takes effect at once", func(t *testing.T) {
		// collab's token was issued before the grant and does not carry the role.
		w.mustDo(t, 200, "GET", "/api/v1/organisations", collab, "")
	})
	t.Run("a revoke takes effect at once", func(t *testing.T) {
		// root3 signs in with a refresh token; the revoke below revokes the access tokens, which carry
		// the role, and the refresh token yields tokens that do not.
		r := w.svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret, map[string]string{
			"grant_type": "password", "username": root3, "password": testutil.Password})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		signIn := r.JSON(t)
		w.tok["root3-app"] = signIn["access_token"].(string)
		w.mustDo(t, 200, "GET", "/api/v1/clientapps", "root3-app", "")
		w.mustDo(t, 200, "PUT", "/api/v1/users", root1, `{"email":"`+root3+`","safeShareAdmin":false}`)
		for _, who := range []string{root3, "root3-app"} {
			for _, path := range []string{"/api/v1/clientapps", "/api/v1/organisations", "/api/v1/users/me"} {
				w.mustDo(t, 401, "GET", path, who, "")
			}
		}
		r = w.svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret, map[string]string{
			"grant_type": "refresh_token", "refresh_token": signIn["refresh_token"].(string)})
		if r.Status != 200 {
			t.Fatalf("refresh after the revoke: %d %s", r.Status, r.Body)
		}
		w.tok[root3] = r.JSON(t)["access_token"].(string)
		w.mustDo(t, 200, "GET", "/api/v1/users/me", root3, "")
		w.mustDo(t, 403, "GET", "/api/v1/clientapps", root3, "")
		w.mustDo(t, 403, "GET", "/api/v1/organisations", root3, "")
		// Others' tokens are untouched.
		w.mustDo(t, 200, "GET", "/api/v1/organisations", root2, "")
	})
}
