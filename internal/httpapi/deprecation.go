package httpapi

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"
)

// deprecatedOperations maps "METHOD /echo/:path" of every operation the spec marks deprecated to its
// successor's path (the operation's `x-successor`).
func deprecatedOperations(spec *openapi3.T) map[string]string {
	out := map[string]string{}
	for path, item := range spec.Paths.Map() {
		echoPath := strings.NewReplacer("{", ":", "}", "").Replace(path)
		for method, op := range item.Operations() {
			if !op.Deprecated {
				continue
			}
			successor, _ := op.Extensions["x-successor"].(string)
			out[method+" "+echoPath] = successor
		}
	}
	return out
}

// deprecationHeaders marks every response of a deprecated operation, errors included (contract §8):
// `Deprecation: true` and a Link to the successor. It runs before the validator so refusals carry them.
func (s *Server) deprecationHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if successor, ok := s.deprecated[c.Request().Method+" "+c.Path()]; ok {
			h := c.Response().Header()
			h.Set("Deprecation", "true")
			if successor != "" {
				h.Set("Link", "<"+successor+`>; rel="successor-version"`)
			}
		}
		return next(c)
	}
}
