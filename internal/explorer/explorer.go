// Package explorer holds the interactive API explorer served at /docs: a page that runs Swagger UI
// (vendored from the pinned swagger-ui-dist npm package by scripts/vendor-swagger-ui.sh) on the
// service's own OpenAPI document. Everything is embedded in the binary: the page needs no other site.
package explorer

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// ContentSecurityPolicy is the page's policy: its own scripts and styles only (Swagger UI sets inline
// style attributes, hence 'unsafe-inline' for styles but not for scripts), calls to this origin only,
// and no framing.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; form-action 'self'; " +
	"base-uri 'none'; frame-ancestors 'none'"

const pageFile = "index.html"

// Page returns the explorer's HTML page, meant to be served at /docs: it refers to its assets as
// docs/NAME and to the spec as openapi.json, relative to itself.
func Page() []byte {
	b, err := static.ReadFile("static/" + pageFile)
	if err != nil {
		panic("explorer: the embedded page is missing: " + err.Error())
	}
	return b
}

type asset struct {
	body        []byte
	etag        string
	contentType string
}

// Assets serves the page's scripts, styles and images by their path below /docs/. Each answer carries an ETag and asks caches to revalidate, so an upgraded binary is
// picked up at once and an unchanged file costs a 304.
type Assets struct {
	files map[string]asset
}

// NewAssets indexes the embedded assets.
func NewAssets() *Assets {
	a := &Assets{files: map[string]asset{}}
	err := fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		if name == pageFile {
			return nil
		}
		body, err := static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "text/plain; charset=utf-8" // VERSION
		}
		a.files[name] = asset{body: body, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, contentType: ct}
		return nil
	})
	if err != nil {
		panic("explorer: reading the embedded assets: " + err.Error())
	}
	return a
}

// Names lists the assets served, for tests.
func (a *Assets) Names() []string {
	out := make([]string, 0, len(a.files))
	for n := range a.files {
		out = append(out, n)
	}
	return out
}

// Serve answers a GET or HEAD for the asset called name (its path below /docs/). It reports false, and
// writes nothing, when there is no such asset.
func (a *Assets) Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	f, ok := a.files[name]
	if !ok {
		return false
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	return true
}
