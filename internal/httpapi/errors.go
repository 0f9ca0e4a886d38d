package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/password"
)

// problem is an error that knows how it appears over HTTP (RFC 9457).
type problem struct {
	status int
	title  string
	detail string
	fields []gen.FieldError
	header http.Header
}

func (p *problem) Error() string { return fmt.Sprintf("%d %s: %s", p.status, p.title, p.detail) }

func newProblem(status int, detail string) *problem {
	return &problem{status: status, title: http.StatusText(status), detail: detail}
}

// kindStatus is the one table from a kind of domain error to its status: a new domain error needs no
// row anywhere, only its kind (internal/errs).
var kindStatus = map[errs.Kind]int{
	errs.Invalid:      http.StatusBadRequest,
	errs.NotFound:     http.StatusNotFound,
	errs.Conflict:     http.StatusConflict,
	errs.Forbidden:    http.StatusForbidden,
	errs.Precondition: http.StatusConflict,
	errs.Unavailable:  http.StatusServiceUnavailable,
}

const validationTitle = "Request validation failed"

// retryAfterSeconds is what a 503 tells clients to wait.
const retryAfterSeconds = "1"

// toProblem is the package's toProblem, plus the errors that mean "not now": the database cannot be
// reached or did not answer within the request's deadline, or too many password checks are waiting.
// Those are 503 with Retry-After.
func (s *Server) toProblem(err error) *problem {
	var (
		p  *problem
		he *echo.HTTPError // the validator's and Echo's own refusals, which can wrap a body's io.ErrUnexpectedEOF
	)
	if !errors.As(err, &p) && !errors.As(err, &he) && (errors.Is(err, password.ErrBusy) || s.Unavailable(err) || errors.Is(err, context.DeadlineExceeded)) {
		p = newProblem(http.StatusServiceUnavailable, "The service cannot answer now; try again shortly.")
		if errors.Is(err, password.ErrBusy) {
			p.detail = "Too many sign-ins are being checked; try again shortly."
		}
		p.header = http.Header{"Retry-After": {retryAfterSeconds}}
		return p
	}
	return toProblem(err)
}

// toProblem classifies any error a request can end with. Unknown errors are 500s: bugs.
func toProblem(err error) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	var items errs.Items
	if errors.As(err, &items) && len(items) > 0 {
		return itemsProblem(items)
	}
	if k, ok := errs.As(err); ok {
		if status, known := kindStatus[k.Kind()]; known {
			p := &problem{status: status, title: k.Title(), detail: upperFirst(k.Error()) + "."}
			if status == http.StatusServiceUnavailable {
				p.header = http.Header{"Retry-After": {retryAfterSeconds}} // as every 503 of the service
			}
			return p
		}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return fromHTTPError(he)
	}
	return &problem{status: http.StatusInternalServerError, title: http.StatusText(http.StatusInternalServerError),
		detail: "An unexpected error occurred. It has been logged with this request's id."}
}

func fromHTTPError(he *echo.HTTPError) *problem {
	if he.Internal != nil {
		var me openapi3.MultiError
		if errors.As(he.Internal, &me) {
			return validationProblem(me)
		}
		var re *openapi3filter.RequestError
		if errors.As(he.Internal, &re) {
			return validationProblem(openapi3.MultiError{re})
		}
	}
	p := newProblem(he.Code, "")
	switch he.Code {
	case http.StatusNotFound:
		p.detail = "No endpoint has this path."
	case http.StatusMethodNotAllowed:
		p.detail = "This endpoint does not take this method."
	case http.StatusRequestEntityTooLarge:
		p.detail = "The request body is larger than 1 MiB."
	default:
		if msg, ok := he.Message.(string); ok {
			p.detail = upperFirst(msg)
		}
	}
	return p
}

// itemsProblem answers a multi-item request some of whose items were refused: with the status of the
// most serious kind among them (errs.Items.Worst), naming in `errors` each item refused for it (others
// wait for the next attempt). Nothing of the request was done.
func itemsProblem(items errs.Items) *problem {
	k, named := items.Worst()
	if k == nil {
		return toProblem(errors.New(items.Error())) // items without a kind: a bug, a 500
	}
	p := &problem{status: kindStatus[k.Kind()], title: k.Title(),
		detail: fmt.Sprintf("%s; nothing was changed.", upperFirst(named[0].Err.Error()))}
	if len(named) > 1 {
		p.detail = fmt.Sprintf("%d items refused (%s, ...); nothing was changed.", len(named), named[0].Err.Error())
	}
	for _, e := range named {
		p.fields = append(p.fields, gen.FieldError{Field: e.Name(), Message: upperFirst(e.Err.Error())})
	}
	return p
}

// validationProblem turns the validator's findings into a 400 naming each offending member, or a 415
// when it is the body's media type that is wrong.
func validationProblem(me openapi3.MultiError) *problem {
	p := &problem{status: http.StatusBadRequest, title: validationTitle,
		detail: "The request does not match the API's schema; see errors."}
	for _, err := range flatten(me) {
		var re *openapi3filter.RequestError
		if !errors.As(err, &re) {
			p.fields = append(p.fields, gen.FieldError{Field: "request", Message: err.Error()})
			continue
		}
		if re.RequestBody != nil && strings.HasPrefix(re.Reason, "header Content-Type has unexpected value") {
			return &problem{status: http.StatusUnsupportedMediaType, title: http.StatusText(http.StatusUnsupportedMediaType),
				detail: "This endpoint takes " + mediaTypes(re.RequestBody) + " bodies."}
		}
		p.fields = append(p.fields, requestErrorFields(re)...)
	}
	return p
}

func mediaTypes(rb *openapi3.RequestBody) string {
	var names []string
	for name := range rb.Content {
		names = append(names, name)
	}
	return strings.Join(names, " or ")
}

func flatten(me openapi3.MultiError) []error {
	var out []error
	for _, err := range me {
		if inner, ok := err.(openapi3.MultiError); ok {
			out = append(out, flatten(inner)...)
			continue
		}
		out = append(out, err)
	}
	return out
}

func requestErrorFields(re *openapi3filter.RequestError) []gen.FieldError {
	field := "body"
	if re.Parameter != nil {
		field = re.Parameter.Name
	}
	if re.Err == nil {
		return []gen.FieldError{{Field: field, Message: re.Reason}}
	}
	var schemaErrs []*openapi3.SchemaError
	var inner openapi3.MultiError
	if errors.As(re.Err, &inner) {
		for _, e := range flatten(inner) {
			var se *openapi3.SchemaError
			if errors.As(e, &se) {
				schemaErrs = append(schemaErrs, se)
			}
		}
	} else {
		var se *openapi3.SchemaError
		if errors.As(re.Err, &se) {
			schemaErrs = append(schemaErrs, se)
		}
	}
	if len(schemaErrs) == 0 {
		msg := re.Err.Error()
		if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
			msg = "is required"
		}
		return []gen.FieldError{{Field: field, Message: firstLine(msg)}}
	}
	out := make([]gen.FieldError, 0, len(schemaErrs))
	for _, se := range schemaErrs {
		f := field
		if re.Parameter == nil {
			if path := memberPath(se.JSONPointer()); path != "" {
				f = path
			}
		}
		out = append(out, gen.FieldError{Field: f, Message: se.Reason})
	}
	return out
}

// memberPath writes a JSON pointer as `items[0].pattern`.
func memberPath(ptr []string) string {
	var b strings.Builder
	for _, part := range ptr {
		if _, err := strconv.Atoi(part); err == nil {
			b.WriteString("[" + part + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
	}
	return b.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// handleError is Echo's error handler: every failed request ends here and is answered once, as problem
// details on /api/v1 and as an RFC 6749 error on the OAuth endpoints.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := s.toProblem(err)
	log := loggerFrom(c.Request().Context(), s.log)
	switch {
	case p.status == http.StatusServiceUnavailable:
		log.Warn("request refused: service unavailable", "error", err.Error())
	case p.status >= 500:
		log.Error("request failed", "error", err.Error())
	case errors.Is(err, context.Canceled):
		log.Info("request cancelled by the client")
	default:
		log.Debug("request refused", "status", p.status, "error", err.Error())
	}
	for k, vs := range p.header {
		for _, v := range vs {
			c.Response().Header().Add(k, v)
		}
	}
	path := c.Request().URL.Path
	if s.pagePaths[path] {
		t := s.pageTexts(c.Request().Context())
		title, msg := t.Text("error.server.title"), t.Text("error.server.text")
		if p.status < 500 {
			detail := p.detail
			if len(p.fields) > 0 {
				detail = p.fields[0].Field + ": " + p.fields[0].Message
			}
			title, msg = t.Text("error.request.title"), t.Format("error.request.invalid", "detail", detail)
		}
		_ = s.themed(c.Request().Context(), errorPage(t, p.status, title, msg)).visit(c.Response())
		return
	}
	// The OAuth endpoints' errors are RFC 6749's; a bearer operation among them (UserInfo) answers a
	// problem with its WWW-Authenticate challenge (RFC 6750) like every bearer operation.
	op := s.ops.of(c)
	if strings.HasPrefix(path, "/api/oauth/") && (op == nil || !op.access.bearer()) && (p.status == http.StatusBadRequest || p.status == http.StatusUnauthorized) {
		code := "invalid_request"
		if p.status == http.StatusUnauthorized {
			code = "invalid_client"
		}
		desc := p.detail
		if len(p.fields) > 0 {
			desc = p.fields[0].Field + ": " + p.fields[0].Message
		}
		_ = c.JSON(p.status, gen.OAuthError{Error: gen.OAuthErrorError(code), ErrorDescription: &desc})
		return
	}
	if p.status == http.StatusUnauthorized && c.Response().Header().Get(echo.HeaderWWWAuthenticate) == "" {
		c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="access-service"`)
	}
	body := gen.Problem{Type: "about:blank", Title: p.title, Status: p.status, Instance: &path}
	if p.detail != "" {
		body.Detail = &p.detail
	}
	if len(p.fields) > 0 {
		body.Errors = &p.fields
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.status)
		return
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.status)
	_ = jsonEncode(c.Response(), body)
}
