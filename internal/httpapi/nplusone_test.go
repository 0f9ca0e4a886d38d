package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestListQueriesConstant: a list page costs the same number of statements whether it holds 1 item or
// 50 (no N+1). Every list endpoint of the admin API belongs here.
func TestListQueriesConstant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The fewest of three tries: the revocation poll's statement (every 2 s) may fall into one.
	statements := func(path string, want int) int64 {
		fewest := int64(-1)
		for range 3 {
			before := e.svc.Store.Statements()
			r := e.do(t, http.MethodGet, path, e.admin, nil)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			if n := len(r.JSON(t)["items"].([]any)); n != want {
				t.Fatalf("%s: %d items, want %d", path, n, want)
			}
			if n := e.svc.Store.Statements() - before; fewest < 0 || n < fewest {
				fewest = n
			}
		}
		return fewest
	}
	small := statements("/api/v1/clientapps?limit=1", 1)
	for i := range 55 {
		e.svc.RegisterClient(t, fmt.Sprintf("n-plus-one-%02d", i))
	}
	if large := statements("/api/v1/clientapps?limit=50", 50); large != small || small == 0 {
		t.Fatalf("listing client apps: %d statements for 1 item, %d for 50", small, large)
	}
}
