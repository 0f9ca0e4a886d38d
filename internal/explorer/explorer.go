// Package explorer holds the interactive API explorer served at /docs: a page that runs Swagger UI
// (vendored from the pinned swagger-ui-dist npm package by scripts/vendor-swagger-ui.sh) on the
// service's own OpenAPI document. Everything is embedded in the binary: the page needs no other site.
package explorer

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
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

type asset struct {
	body        []byte
	etag        string
	contentType string
}

// Explorer is the page and its assets, read from the binary once.
type Explorer struct {
	page  []byte
	files map[string]asset
}

// New reads the embedded page and indexes its assets.
func New() (*Explorer, error) {
	page, err := static.ReadFile("static/" + pageFile)
	if err != nil {
		return nil, fmt.Errorf("explorer: the embedded page: %w", err)
	}
	x := &Explorer{page: page, files: map[string]asset{}}
	err = fs.WalkDir(static, "static", func(p string, d fs.DirEntry, err error) error {
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
		x.files[name] = asset{body: body, etag: `"` + hex.EncodeToString(sum[:16]) + `"`, contentType: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("explorer: the embedded assets: %w", err)
	}
	return x, nil
}

// Page is the explorer's HTML page, meant to be served at /docs: it refers to its assets as docs/NAME
// and to the spec as openapi.json, relative to itself.
func (x *Explorer) Page() []byte { return x.page }

// AssetNames lists the assets, by their path below /docs/.
func (x *Explorer) AssetNames() []string {
	out := make([]string, 0, len(x.files))
	for n := range x.files {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Serve answers a GET or HEAD for the asset called name (its path below /docs/). Each answer carries
// an ETag and asks caches to revalidate, so an upgraded binary is picked up at once and an unchanged
// file costs a 304. It reports false, and writes nothing, when there is no such asset.
func (x *Explorer) Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	f, ok := x.files[name]
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
