package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/cocoondata/access-service/gen"
)

// refuseUnstorableText answers 400 for text no database column can hold, NUL characters and invalid
// UTF-8, in the query or the (validated) body. PostgreSQL refuses both, which would otherwise surface
// as a 500. Passwords are exempt: they are only ever hashed.
func (s *Server) refuseUnstorableText(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		// Only the query parameters the operation takes reach a handler; others are ignored, so they
		// cannot make an operation that documents no 400 answer one.
		var declared map[string]bool
		if op := s.ops.of(c); op != nil {
			declared = op.queryParams
		}
		var query url.Values
		if req.URL.RawQuery != "" { // Query() makes a map even for none
			query = req.URL.Query()
		}
		for name, vs := range query {
			if !declared[name] {
				continue
			}
			for _, v := range vs {
				if !storable(v) {
					return unstorable(name)
				}
			}
		}
		if vb, ok := req.Body.(interface{ ValidatedValue() any }); ok {
			if field, bad := findUnstorable(vb.ValidatedValue(), ""); bad {
				return unstorable(field)
			}
		}
		return next(c)
	}
}

func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func findUnstorable(v any, path string) (string, bool) {
	switch t := v.(type) {
	case string:
		return path, !storable(t)
	case []any:
		for i, e := range t {
			if f, bad := findUnstorable(e, path+"["+strconv.Itoa(i)+"]"); bad {
				return f, true
			}
		}
	case []string:
		for i, e := range t {
			if !storable(e) {
				return path + "[" + strconv.Itoa(i) + "]", true
			}
		}
	case map[string]any:
		for k, e := range t {
			if k == "password" {
				continue
			}
			p := k
			if path != "" {
				p = path + "." + k
			}
			if !storable(k) {
				return path, true
			}
			if f, bad := findUnstorable(e, p); bad {
				return f, true
			}
		}
	}
	return "", false
}

func unstorable(field string) error {
	if field == "" {
		field = "body"
	}
	p := newProblem(http.StatusBadRequest, "The request does not match the API's schema; see errors.")
	p.title = validationTitle
	p.fields = []gen.FieldError{{Field: field, Message: "must not hold NUL characters or invalid UTF-8"}}
	return p
}
