package httpapi_test

import (
	"strings"
	"testing"
)

func TestSafeShareAdministrators(t *testing.T) {
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
	t.Run("the role is re-read per request", func(t *testing.T) {
		// collab's token was issued before the grant, root2's before the revoke below.
		w.mustDo(t, 200, "GET", "/api/v1/organisations", collab, "")
		w.mustDo(t, 200, "PUT", "/api/v1/users", root1, `{"email":"`+root2+`","safeShareAdmin":false}`)
		w.mustDo(t, 403, "GET", "/api/v1/organisations", root2, "")
	})
}
