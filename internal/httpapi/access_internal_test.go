package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/user"
)

// The access step on the measured hot paths: a signed-in operation, and a SafeShare administrator's
// operation called with a token that carries the role, neither reads the database (the server here
// has none: a read would panic) nor allocates.
func TestAccessStepHotPaths(t *testing.T) {
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	ops, err := operationsOf(spec)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{ops: ops}
	reached := 0
	h := s.access(func(echo.Context) error { reached++; return nil })
	e := echo.New()
	for _, tc := range []struct {
		name, path, value string
		authorities       []string
	}{
		{"signed-in", "/api/v1", "", []string{user.AuthorityUser}},
		{"safeshare-admin", "/api/v1/clientapps/:clientInfoId", "42", []string{user.AuthoritySafeShareAdmin, user.AuthorityUser}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &requestState{hasVerified: true, authenticated: true,
				principal: oauth.Principal{UserID: 7, Email: "root@platform.example", Authorities: tc.authorities,
					Scope: []string{"read", "write", "admin"}}}
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req = req.WithContext(context.WithValue(req.Context(), stateKey, st))
			c := e.NewContext(req, httptest.NewRecorder())
			c.SetPath(tc.path)
			if tc.value != "" {
				c.SetParamNames(strings.TrimPrefix(tc.path[strings.LastIndexByte(tc.path, '/')+1:], ":"))
				c.SetParamValues(tc.value)
			}
			reached = 0
			allocs := testing.AllocsPerRun(100, func() {
				if err := h(c); err != nil {
					t.Fatal(err)
				}
			})
			if reached == 0 || allocs != 0 {
				t.Fatalf("reached the handler %d times, %.0f allocations per request", reached, allocs)
			}
		})
	}
}

// A spec the access step cannot follow stops the start.
func TestOperationsNeedAnAccessClass(t *testing.T) {
	for _, tc := range []struct {
		name, path, method string
		breakIt            func(map[string]any)
	}{
		{"no x-access", "/api/v1/users/me", http.MethodGet, func(x map[string]any) { delete(x, "x-access") }},
		{"unknown class", "/api/v1/users/me", http.MethodGet, func(x map[string]any) { x["x-access"] = "admin" }},
		{"organisation class, no organisation in the path", "/api/v1/clientapps", http.MethodGet, func(x map[string]any) { x["x-access"] = "org-reader" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := gen.Spec()
			if err != nil {
				t.Fatal(err)
			}
			tc.breakIt(spec.Paths.Value(tc.path).GetOperation(tc.method).Extensions)
			if _, err := operationsOf(spec); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
