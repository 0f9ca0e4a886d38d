package httpapi

import (
	"github.com/labstack/echo/v4"
)

// deprecationHeaders marks every response of a deprecated operation, errors included (contract §8):
// `Deprecation: true` and a Link to the successor. It runs before the validator so refusals carry them.
func (s *Server) deprecationHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if op := s.ops.of(c); op != nil && op.deprecated {
			h := c.Response().Header()
			h.Set("Deprecation", "true")
			if op.successor != "" {
				h.Set("Link", "<"+op.successor+`>; rel="successor-version"`)
			}
		}
		return next(c)
	}
}
