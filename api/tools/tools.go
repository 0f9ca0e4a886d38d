//go:build tools

// Package tools pins the spec's Go tools in a module of their own, so their dependencies never move the
// service's (oasdiff brings its own kin-openapi). Run them from this folder: `go run github.com/oasdiff/oasdiff`.
package tools

import (
	_ "github.com/oasdiff/oasdiff"
)
