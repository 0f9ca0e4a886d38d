package httpapi

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/labstack/echo/v4"
	echomiddleware "github.com/oapi-codegen/echo-middleware"

	"github.com/cocoondata/access-service/internal/audit"
)

// operation is what the middleware needs to know of one operation of the spec.
type operation struct {
	id string
	// category is the audit category of the operation's spec tag (audit.CategoryOfTag).
	category string
	// deprecated operations name their successor's path (the operation's `x-successor`).
	deprecated bool
	successor  string
	// queryParams names the query parameters the operation takes.
	queryParams map[string]bool
	route       *routers.Route
	// access is who may call it (its x-access); for an organisation class, orgParam is the path
	// parameter that names the organisation; denied is what a caller outside the class gets.
	access   accessClass
	orgParam string
	denied   *problem
	// scope is the scope a bearer operation's token must carry, and insufficientScope the answer to one
	// that does not.
	scope             string
	insufficientScope *problem
}

// operationTable finds the operation of the route Echo matched: echo path ("/api/v1/x/:id") → method
// → operation. The generated code registers exactly the spec's paths, so every operation is here; the
// look-up is two map reads and allocates nothing.
type operationTable map[string]map[string]*operation

func operationsOf(spec *openapi3.T) (operationTable, error) {
	t := operationTable{}
	for path, item := range spec.Paths.Map() {
		echoPath := strings.NewReplacer("{", ":", "}", "").Replace(path)
		t[echoPath] = map[string]*operation{}
		for method, op := range item.Operations() {
			names := map[string]bool{}
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
					names[p.Value.Name] = true
				}
			}
			successor, _ := op.Extensions["x-successor"].(string)
			access, orgParam, denied, err := accessOf(item, op)
			if err != nil {
				return nil, err
			}
			o := &operation{
				id: op.OperationID, category: categoryOf(op), deprecated: op.Deprecated, successor: successor, queryParams: names,
				route:  &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: op},
				access: access, orgParam: orgParam, denied: denied,
			}
			if access.bearer() {
				if o.scope, err = scopeOf(spec, op); err != nil {
					return nil, err
				}
				o.insufficientScope = insufficientScope(o.scope)
			}
			t[echoPath][method] = o
		}
	}
	return t, nil
}

// categoryOf is the audit category of the operation's first tag.
func categoryOf(op *openapi3.Operation) string {
	if len(op.Tags) == 0 {
		return audit.CategoryOther
	}
	c, _ := audit.CategoryOfTag(op.Tags[0])
	return c
}

// of returns the operation of the request's matched route, or nil (no route matched: 404 or 405).
func (t operationTable) of(c echo.Context) *operation {
	return t[c.Path()][c.Request().Method]
}

// requestValidator is the kin-openapi request validator of echo-middleware, given the route Echo
// matched rather than matching the path a second time (echo-middleware's own middleware runs
// gorilla/mux, a regular expression per path of the spec, on every request). Requests that match no
// route go through gorilla/mux as before, so their answers do not change.
func (s *Server) requestValidator(spec *openapi3.T, opts *echomiddleware.Options) (echo.MiddlewareFunc, error) {
	fallback, err := gorillamux.NewRouter(spec)
	if err != nil {
		return nil, err
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if opts.Skipper != nil && opts.Skipper(c) {
				return next(c)
			}
			var router routers.Router = fallback
			if op := s.ops.of(c); op != nil {
				router = matchedRoute{route: op.route, c: c}
			}
			if err := echomiddleware.ValidateRequestFromContext(c, router, opts); err != nil {
				return opts.ErrorHandler(c, err)
			}
			return next(c)
		}
	}, nil
}

// matchedRoute is a router that knows its answer: the route Echo matched and its path parameters.
type matchedRoute struct {
	route *routers.Route
	c     echo.Context
}

// FindRoute implements routers.Router. Echo matches the escaped path when the request has one that
// differs from the default escaping (URL.RawPath), and then its values are unescaped here, as
// gorilla/mux's are; otherwise they come from the decoded path already.
func (m matchedRoute) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	escaped := req.URL.RawPath != ""
	names, values := m.c.ParamNames(), m.c.ParamValues()
	params := make(map[string]string, len(names))
	for i, name := range names {
		if i >= len(values) {
			break
		}
		v := values[i]
		if escaped {
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
		}
		params[name] = v
	}
	return m.route, params, nil
}

var _ routers.Router = matchedRoute{}
