package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/explorer"
	"github.com/cocoondata/access-service/internal/testutil"
)

func TestServesItsOwnSpec(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)

	y := svc.Client.Get(t, "/openapi.yaml", "")
	if y.Status != 200 || !strings.HasPrefix(y.Header.Get("Content-Type"), "application/yaml") {
		t.Fatalf("/openapi.yaml: %d %s", y.Status, y.Header.Get("Content-Type"))
	}
	if string(y.Body) != string(gen.SpecYAML()) {
		t.Error("/openapi.yaml is not the embedded spec as written")
	}

	j := svc.Client.Get(t, "/openapi.json", "")
	if j.Status != 200 {
		t.Fatalf("/openapi.json: %d %s", j.Status, j.Body)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(j.Body, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(gen.SpecYAML(), &fromYAML); err != nil {
		t.Fatal(err)
	}
	// Same data model: compare through JSON, which is what a YAML reader's values become.
	normal, _ := json.Marshal(fromYAML)
	var want any
	_ = json.Unmarshal(normal, &want)
	if !reflect.DeepEqual(fromJSON, want) {
		t.Error("/openapi.json does not hold the same document as /openapi.yaml")
	}
}

func TestExplorerPage(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	r := svc.Client.Get(t, "/docs", "")
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	if csp := r.Header.Get("Content-Security-Policy"); csp != explorer.ContentSecurityPolicy {
		t.Errorf("CSP %q", csp)
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	// Every asset the page names is served.
	for _, ref := range []string{"docs/swagger-ui/swagger-ui-bundle.js", "docs/swagger-ui/swagger-ui.css", "docs/explorer.js", "docs/explorer.css"} {
		if !strings.Contains(string(r.Body), `"`+ref+`"`) {
			t.Errorf("the page does not refer to %s", ref)
		}
	}
}

func TestExplorerAssets(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	get := func(path string, header http.Header) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, svc.URL+path, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	x, err := explorer.New()
	if err != nil {
		t.Fatal(err)
	}
	names := x.AssetNames()
	if len(names) < 5 {
		t.Fatalf("assets: %v", names)
	}
	for _, name := range names {
		resp := get("/docs/"+name, nil)
		if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s: %d etag %q cache %q", name, resp.StatusCode, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
			continue
		}
		if again := get("/docs/"+name, http.Header{"If-None-Match": {resp.Header.Get("ETag")}}); again.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", name, again.StatusCode)
		}
	}
	js := get("/docs/swagger-ui/swagger-ui-bundle.js", nil)
	if ct := js.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("bundle content type %q", ct)
	}
	if r := get("/docs/", nil); r.StatusCode != http.StatusMovedPermanently || r.Header.Get("Location") != "../docs" {
		t.Errorf("/docs/: %d %q", r.StatusCode, r.Header.Get("Location"))
	}

	// Unknown assets, and methods other than GET, are refused as for any unknown route.
	for _, r := range []testutil.Request{
		{Method: http.MethodGet, Path: "/docs/nope.js"},
		{Method: http.MethodGet, Path: "/docs/../openapi.yaml/x"},
		{Method: http.MethodPost, Path: "/docs/explorer.js"},
	} {
		resp := svc.Client.Do(t, r)
		if resp.Status != http.StatusNotFound && resp.Status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d", r.Method, r.Path, resp.Status)
		}
	}
}
