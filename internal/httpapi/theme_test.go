package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

const themePath = "/api/v1/config/theme/"

// setTheme sets a theme property as root1 (a SafeShare administrator) with a text/plain body.
func (w *world) setTheme(t *testing.T, name, value string) {
	t.Helper()
	r := w.svc.Client.Do(t, testutil.Request{Method: "PUT", Path: themePath + name, Token: w.tok[root1], ContentType: "text/plain", Body: []byte(value)})
	if r.Status != 200 {
		t.Fatalf("setting %s to %q: %d %s", name, value, r.Status, r.Body)
	}
}

// themeOf reads GET /theme from the service.
func themeOf(t *testing.T, svc *testutil.Service) map[string]any {
	t.Helper()
	r := svc.Client.Get(t, "/theme", "")
	if r.Status != 200 {
		t.Fatalf("GET /theme: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)
}

// TestThemeEndpoints: a case per status of getTheme, getThemeProperty and setThemeProperty (503 is
// TestThemeWhenTheStoreIsDown's), each property's rule, and clearing back to the defaults.
func TestThemeEndpoints(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	t.Run("defaults", func(t *testing.T) {
		th := themeOf(t, w.svc)
		if len(th) != 15 {
			t.Fatalf("%d properties: %v", len(th), th)
		}
		for name, v := range th {
			want := any(nil)
			switch name {
			case "applicationName":
				want = "SafeShare"
			case "orgRemovalActionDays":
				want = "7"
			}
			if v != want {
				t.Errorf("%s = %v, want %v", name, v, want)
			}
		}
	})

	get := []struct {
		name, path string
		status     int
		want       string // the answer's value, "null" for none
	}{
		{"a property", "/theme/applicationName", 200, `"SafeShare"`},
		{"a property never set", "/theme/supportLink", 200, "null"},
		{"a name the pattern refuses", "/theme/support-link", 400, ""},
		{"a name too long", "/theme/a" + strings.Repeat("b", 64), 400, ""},
		{"an unknown property", "/theme/favouriteColour", 404, ""},
		{"a property's name in another case", "/theme/SupportLink", 404, ""},
	}
	for _, tc := range get {
		t.Run("GET "+tc.name, func(t *testing.T) {
			r := w.svc.Client.Get(t, tc.path, "")
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status == 200 {
				var p struct {
					Name  string          `json:"name"`
					Value json.RawMessage `json:"value"`
				}
				if err := json.Unmarshal(r.Body, &p); err != nil || "/theme/"+p.Name != tc.path || string(p.Value) != tc.want {
					t.Fatalf("%s (%v)", r.Body, err)
				}
			}
		})
	}

	put := []struct {
		name, who, property, ct string
		body                    []byte
		status                  int
		want                    any // the value after, nil for null ("-": no check)
	}{
		{"a support link", root1, "supportLink", "text/plain", []byte("https://support.example.com/help?q=1"), 200, "https://support.example.com/help?q=1"},
		{"text with a charset", root1, "companyName", "text/plain; charset=utf-8", []byte("Ünïcode & Co <Ltd>"), 200, "Ünïcode & Co <Ltd>"},
		{"white space around it is trimmed", root1, "copyright", "text/plain", []byte("  © 2026 Example Ltd \n"), 200, "© 2026 Example Ltd"},
		{"an address, lower-cased", root1, "adminEmail", "text/plain", []byte("Help@Example.com"), 200, "help@example.com"},
		{"days as a number", root1, "orgRemovalActionDays", "text/plain", []byte("030"), 200, "30"},
		{"an http URL", root1, "versionUrl", "text/plain", []byte("http://version.example/v"), 200, "http://version.example/v"},
		{"not a URL", root1, "legalUrl", "text/plain", []byte("legal page"), 400, nil},
		{"a relative URL", root1, "legalUrl", "text/plain", []byte("/legal"), 400, nil},
		{"not http", root1, "privacyUrl", "text/plain", []byte("javascript:alert(1)"), 400, nil},
		{"ftp", root1, "adminHelpUrl", "text/plain", []byte("ftp://files.example/help"), 400, nil},
		{"not an address", root1, "adminEmail", "text/plain", []byte("help at example.com"), 400, "help@example.com"},
		{"zero days", root1, "orgRemovalActionDays", "text/plain", []byte("0"), 400, "30"},
		{"366 days", root1, "orgRemovalActionDays", "text/plain", []byte("366"), 400, "30"},
		{"days not a number", root1, "orgRemovalActionDays", "text/plain", []byte("a week"), 400, "30"},
		{"a line break inside", root1, "applicationName", "text/plain", []byte("Safe\nShare"), 400, "SafeShare"},
		{"a tab inside", root1, "companyName", "text/plain", []byte("A\tB"), 400, "Ünïcode & Co <Ltd>"},
		{"a NUL", root1, "companyName", "text/plain", []byte("A\x00B"), 400, "Ünïcode & Co <Ltd>"},
		{"broken UTF-8", root1, "companyName", "text/plain", []byte("A\xffB"), 400, "Ünïcode & Co <Ltd>"},
		{"an empty body", root1, "supportLink", "text/plain", nil, 400, "https://support.example.com/help?q=1"},
		{"white space only", root1, "supportLink", "text/plain", []byte("   "), 400, "https://support.example.com/help?q=1"},
		{"1,025 characters", root1, "copyright", "text/plain", []byte(strings.Repeat("c", 1025)), 400, "© 2026 Example Ltd"},
		{"JSON other than {}", root1, "supportLink", "application/json", []byte(`{"value":"https://x.example"}`), 400, "https://support.example.com/help?q=1"},
		{"a JSON string", root1, "supportLink", "application/json", []byte(`"https://x.example"`), 400, "https://support.example.com/help?q=1"},
		{"no token", "", "supportLink", "text/plain", []byte("https://x.example"), 401, "https://support.example.com/help?q=1"},
		{"an organisation's administrator", orgAdmin, "supportLink", "text/plain", []byte("https://x.example"), 403, "https://support.example.com/help?q=1"},
		{"an unknown property", root1, "favouriteColour", "text/plain", []byte("blue"), 404, "-"},
		{"an unknown property cleared", root1, "favouriteColour", "application/json", []byte(`{}`), 404, "-"},
		{"a name the pattern refuses", root1, "support-link", "text/plain", []byte("https://x.example"), 400, "-"},
		{"a body over 1 MiB", root1, "copyright", "text/plain", []byte(strings.Repeat("c", 1<<20+1)), 413, "© 2026 Example Ltd"},
		{"XML", root1, "supportLink", "application/xml", []byte("<v>https://x.example</v>"), 415, "https://support.example.com/help?q=1"},
		{"a form", root1, "supportLink", "application/x-www-form-urlencoded", []byte("v=https://x.example"), 415, "https://support.example.com/help?q=1"},
		{"cleared with {}", root1, "supportLink", "application/json", []byte(`{}`), 200, nil},
		{"cleared again", root1, "supportLink", "application/json", []byte(`{}`), 200, nil},
		{"the name cleared: its default", root1, "applicationName", "application/json", []byte(`{}`), 200, "SafeShare"},
		{"the days cleared: 7", root1, "orgRemovalActionDays", "application/json", []byte(` { } `), 200, "7"},
	}
	for _, tc := range put {
		t.Run("PUT "+tc.name, func(t *testing.T) {
			r := w.svc.Client.Do(t, testutil.Request{Method: "PUT", Path: themePath + tc.property, Token: w.tok[tc.who], ContentType: tc.ct, Body: tc.body})
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status == 200 {
				p := r.JSON(t)
				if p["name"] != tc.property || p["value"] != tc.want {
					t.Fatalf("answer %v, want %v", p, tc.want)
				}
			} else if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("a refusal as %q", r.Header.Get("Content-Type"))
			}
			if tc.want == "-" {
				return
			}
			// The instance that answered sees the change (or that nothing changed) at once.
			if got := themeOf(t, w.svc)[tc.property]; got != tc.want {
				t.Fatalf("GET /theme has %s = %v, want %v", tc.property, got, tc.want)
			}
		})
	}
}

// TestThemeWhenTheStoreIsDown: with nothing read yet and a database that does not answer within the
// request's deadline (here every deadline has passed before the request reaches the store), the theme's
// reads answer 503 with Retry-After, never a 500.
func TestThemeWhenTheStoreIsDown(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t, testutil.WithEnv("ACCESS_REQUEST_TIMEOUT", "1ns"))
	for _, path := range []string{"/theme", "/theme/applicationName"} {
		r := svc.Client.Get(t, path, "")
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: %d %v %s", path, r.Status, r.Header, r.Body)
		}
	}
}

// TestThemeReachesOtherInstances: two instances on one database. The one a change is made on shows it
// at once; the other, which read the theme before, shows it after its copy in memory ages out
// (theme.CacheFor).
func TestThemeReachesOtherInstances(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := testutil.Start(t, testutil.WithDatabase(w.svc.Config.DatabaseURL), testutil.WithEnv("ACCESS_ISSUER", w.svc.Config.Issuer))
	if got := themeOf(t, other)["companyName"]; got != nil {
		t.Fatalf("companyName before: %v", got)
	}
	start := time.Now()
	w.setTheme(t, "companyName", "Example Ltd")
	if got := themeOf(t, w.svc)["companyName"]; got != "Example Ltd" {
		t.Fatalf("the instance that made the change shows %v", got)
	}
	for themeOf(t, other)["companyName"] != "Example Ltd" {
		if time.Since(start) > 30*time.Second { // a bound for a broken cache, not the property tested
			t.Fatal("the other instance never showed the change")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the other instance showed the change after %v", time.Since(start).Round(time.Millisecond))
	// The single property is read from the same memory.
	if r := other.Client.Get(t, "/theme/companyName", ""); r.Status != 200 || r.JSON(t)["value"] != "Example Ltd" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// TestThemeOnEmbeddedStore: the theme's table and its upsert on SQLite.
func TestThemeOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	w.setTheme(t, "legalUrl", "https://example.com/legal")
	w.setTheme(t, "legalUrl", "https://example.com/legal/v2")
	if got := themeOf(t, w.svc)["legalUrl"]; got != "https://example.com/legal/v2" {
		t.Fatalf("%v", got)
	}
	w.mustDo(t, 200, "PUT", themePath+"legalUrl", root1, `{}`)
	if got := themeOf(t, w.svc)["legalUrl"]; got != nil {
		t.Fatalf("%v", got)
	}
}
