// Package version names the build: `access-service version`, GET /healthz and the metrics show it.
package version

import (
	"runtime/debug"
	"sync"
)

// version is set at build time: go build -ldflags "-X github.com/cocoondata/access-service/internal/version.version=v1.2.3".
var version string

var computed = sync.OnceValue(func() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-dirty"
			}
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return "devel-" + rev + modified
})

// String is the build's version: the one set at build time, else the module's, else "devel" with the
// commit the binary was built from when Go recorded it.
func String() string { return computed() }
