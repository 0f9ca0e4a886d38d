//go:build tools

// Package tools pins the code generators in go.mod so `go generate` uses the versions the module names.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
