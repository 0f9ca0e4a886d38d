package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// composedOnce builds its chain once, runs it around whichever handler Echo matched (a route's, the
// not-found and the method-not-allowed handlers), in order, with route middleware still inside it.
func TestComposedOnce(t *testing.T) {
	built := 0
	var trace []string
	mark := func(name string) echo.MiddlewareFunc {
		return func(next echo.HandlerFunc) echo.HandlerFunc {
			built++
			return func(c echo.Context) error {
				trace = append(trace, name)
				return next(c)
			}
		}
	}
	e := echo.New()
	e.Use(composedOnce(mark("outer"), mark("inner")))
	e.GET("/a", func(c echo.Context) error { trace = append(trace, "a"); return c.NoContent(http.StatusNoContent) })
	e.GET("/b", func(c echo.Context) error { trace = append(trace, "b"); return c.NoContent(http.StatusAccepted) }, mark("route"))
	for _, tc := range []struct {
		method, path string
		status       int
		trace        []string
	}{
		{http.MethodGet, "/a", http.StatusNoContent, []string{"outer", "inner", "a"}},
		{http.MethodGet, "/b", http.StatusAccepted, []string{"outer", "inner", "route", "b"}},
		{http.MethodGet, "/a", http.StatusNoContent, []string{"outer", "inner", "a"}},
		{http.MethodGet, "/nowhere", http.StatusNotFound, []string{"outer", "inner"}},
		{http.MethodPost, "/a", http.StatusMethodNotAllowed, []string{"outer", "inner"}},
	} {
		trace = nil
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status || len(trace) != len(tc.trace) {
			t.Fatalf("%s %s: %d %v, want %d %v", tc.method, tc.path, w.Code, trace, tc.status, tc.trace)
		}
		for i := range trace {
			if trace[i] != tc.trace[i] {
				t.Fatalf("%s %s: ran %v, want %v", tc.method, tc.path, trace, tc.trace)
			}
		}
	}
	// The two global middlewares once; the route middleware, composed by Echo, once per request to /b.
	if built != 3 {
		t.Fatalf("middleware built %d times, want 3", built)
	}
}
