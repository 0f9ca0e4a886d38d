// Package httpapi is the HTTP face of the service: the Echo server, request validation against the
// embedded OpenAPI spec, bearer authentication, the error mapper, and the handlers of the generated
// strict server interface. It is the only package that imports gen and echo.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	echomiddleware "github.com/oapi-codegen/echo-middleware"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/classification"
	"github.com/cocoondata/access-service/internal/clearance"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/contact"
	"github.com/cocoondata/access-service/internal/explorer"
	"github.com/cocoondata/access-service/internal/i18n"
	"github.com/cocoondata/access-service/internal/metrics"
	"github.com/cocoondata/access-service/internal/mfa"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/passwordlink"
	"github.com/cocoondata/access-service/internal/plan"
	"github.com/cocoondata/access-service/internal/property"
	"github.com/cocoondata/access-service/internal/report"
	"github.com/cocoondata/access-service/internal/theme"
	"github.com/cocoondata/access-service/internal/user"
	"github.com/cocoondata/access-service/internal/whitelist"
)

// Pinger tells whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// RateLimit is the token endpoint's limit for one key (a client id, or a remote address).
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// The token, revocation and introspection endpoints' default limits.
var (
	DefaultPerClientLimit  = RateLimit{PerSecond: 50, Burst: 100}
	DefaultPerAddressLimit = RateLimit{PerSecond: 20, Burst: 50}
)

// NewRateLimiter returns a token bucket per key, each with the limit l, forgotten after three minutes
// unused: what oauth.Grants limits each client with (oauth.Limiter).
func NewRateLimiter(l RateLimit) oauth.Limiter {
	return middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(l.PerSecond), Burst: l.Burst, ExpiresIn: 3 * time.Minute,
	})
}

// Deps is what the server needs.
type Deps struct {
	Logger     *slog.Logger
	DB         Pinger
	Users      *user.Service
	Apps       *clientapp.Service
	Grants     *oauth.Grants
	Tokens     *oauth.Tokens
	Keys       *oauth.Keys
	Properties *property.Service
	Orgs       *organisation.Service
	Audit      *audit.Service
	Whitelist  *whitelist.Service
	Plans      *plan.Service
	Reports    *report.Service
	// Activity is the sign-in dashboard.
	Activity *report.Activity
	MFA      *mfa.Service
	Issuer   string

	// Theme is the platform's theme, shown on the sign-in pages and served at GET /theme.
	Theme *theme.Service

	// Classifications and Clearances are the organisations' labels and groups.
	Classifications *classification.Service
	Clearances      *clearance.Service
	// I18n is the languages of the pages and emails.
	I18n *i18n.Service

	// Contacts are the users' own address books.
	Contacts *contact.Service
	// PasswordLinks are the emailed invitations and password resets.
	PasswordLinks *passwordlink.Service

	// PerAddressLimit limits the token, revocation and introspection endpoints per remote address, here.
	// PerClientLimit is the limit Grants applies per client (its limiter is built with NewRateLimiter
	// where Grants is); here it only sets the Retry-After of Grants' refusals (oauth.ErrSlowDown). Zero
	// values take the defaults.
	PerClientLimit, PerAddressLimit RateLimit
	// RequestTimeout bounds each request's time (the database's and queued password checks' included);
	// zero: config.DefaultRequestTimeout.
	RequestTimeout time.Duration
	// Unavailable tells the errors that mean the database cannot be reached now (503, Retry-After).
	Unavailable func(error) bool
	// ImportTimeout bounds one member import, all its rows (importMembers); zero: DefaultImportTimeout.
	ImportTimeout time.Duration
	// Metrics records the requests and grants (metrics.go); nil: no metrics.
	Metrics *metrics.Registry
	// TracerProvider makes each request's span (tracing.go); nil: tracing off.
	TracerProvider trace.TracerProvider
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client (proxies.go).
	TrustedProxies []netip.Prefix
}

// Server implements the generated strict server interface.
type Server struct {
	Deps
	log      *slog.Logger
	services []gen.ServiceLink
	// pagePaths are the sign-in pages' paths, whose errors are HTML pages (pagePathsOf).
	pagePaths map[string]bool
	specJSON  map[string]any
	explorer  *explorer.Explorer
	ops       operationTable
	// directory is GET /api/v1's answer, encoded (see GetServices).
	directory atomic.Pointer[encodedDirectory]
	// publicConfig is GET /api/v1/config's answer, encoded (see GetPublicConfig).
	publicConfig atomic.Pointer[encodedPublicConfig]
	// anonymousAudit limits, per organisation, how many anonymous requests its trail records.
	anonymousAudit *middleware.RateLimiterMemoryStore
}

var _ gen.StrictServerInterface = (*Server)(nil)

// MaxBodyBytes is the largest request body the service reads.
const MaxBodyBytes = 1 << 20

// New builds the HTTP handler.
func New(d Deps) (*echo.Echo, error) {
	spec, err := gen.Spec()
	if err != nil {
		return nil, fmt.Errorf("loading the embedded spec: %w", err)
	}
	specJSON, err := specAsJSON(gen.SpecYAML())
	if err != nil {
		return nil, fmt.Errorf("converting the embedded spec to JSON: %w", err)
	}
	x, err := explorer.New()
	if err != nil {
		return nil, err
	}
	ops, err := operationsOf(spec)
	if err != nil {
		return nil, fmt.Errorf("reading the embedded spec's operations: %w", err)
	}
	s := &Server{Deps: d, log: d.Logger, services: serviceLinks(spec), pagePaths: pagePathsOf(spec), specJSON: specJSON, explorer: x, ops: ops,
		anonymousAudit: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: anonymousAuditRate, Burst: anonymousAuditBurst, ExpiresIn: 3 * time.Minute,
		})}
	if s.PerClientLimit == (RateLimit{}) {
		s.PerClientLimit = DefaultPerClientLimit
	}
	if s.ImportTimeout == 0 {
		s.ImportTimeout = DefaultImportTimeout
	}
	if s.RequestTimeout == 0 {
		s.RequestTimeout = config.DefaultRequestTimeout
	}
	if s.Unavailable == nil {
		s.Unavailable = func(error) bool { return false }
	}
	if s.PerAddressLimit == (RateLimit{}) {
		s.PerAddressLimit = DefaultPerAddressLimit
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = clientAddress(s.TrustedProxies)
	validator, err := s.requestValidator(spec, &echomiddleware.Options{
		Skipper: isExplorerAsset,
		Options: openapi3filter.Options{
			AuthenticationFunc: s.authenticate,
			KeepValidatedValue: true,
			MultiError:         true,
		},
		MultiErrorHandler: s.validationErrors,
		ErrorHandler:      func(_ echo.Context, err *echo.HTTPError) error { return err },
	})
	if err != nil {
		return nil, err
	}
	// The request pipeline, outermost first. Each step's place matters; the order is the contract of
	// requestState (context.go): a step reads only what the steps before it wrote.
	e.Use(composedOnce(
		// 0. The request's span (tracing off: not there), around everything, so it times it all.
		s.traceRequests,
		// 1. Every request gets its state (id, address, Basic credentials) and its deadline; everything
		// after, the log and audit lines included, can name the request.
		s.requestContext,
		// 2. Deprecated operations' headers, set before anything can answer, so refusals carry them too.
		s.deprecationHeaders,
		// 3. One log line per request, written after the answer, whatever step gave it.
		s.accessLog,
		// 3b. The request metrics (metrics.go), by operation and status, refusals included, like the log.
		s.requestMetrics,
		// 4. The audit trail: outside everything that can refuse, so refusals (401, 403, 400) are
		// recorded with the status they got; inside the log, whose line it does not change.
		s.auditTrail,
		// 5. A panic below becomes a logged 500 for this request only; the steps above still record it.
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: s.logPanic}),
		// 6. Bodies over 1 MiB are refused (413) before anything reads them. A request without a body
		// (http.NoBody: most GETs) keeps it: wrapped, it would look like one to the validator, which
		// reads every body before authentication (an allocation and two copies per request).
		// The bulk import (importMembers) alone may send up to MaxImportBytes: its own limit, the
		// other's skipper.
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
			Limit:   fmt.Sprint(MaxBodyBytes),
			Skipper: func(c echo.Context) bool { return c.Request().Body == http.NoBody || s.isImport(c) },
		}),
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
			Limit:   fmt.Sprint(MaxImportBytes),
			Skipper: func(c echo.Context) bool { return c.Request().Body == http.NoBody || !s.isImport(c) },
		}),
		// 7. Headers every answer carries, refusals included.
		securityHeaders,
		// 8. The validator: bearer authentication first (401, authenticate), then the request against
		// the spec (400); then the verified principal becomes the handlers' (only for a valid request).
		validator, principalToRequest,
		// 9. Text no column can hold (NUL, broken UTF-8) is the client's 400, like the spec's refusals.
		s.refuseUnstorableText,
		// 10. The one access step: the operation's x-access (403), before any handler looks the target
		// up, so 403 comes before 404.
		s.access,
		// 11. The handler decodes the very value the validator checked, and a form parses once, here,
		// so a malformed one is a 400 rather than the generated code's 500.
		useValidatedBody, parseForm,
	))

	e.GET(explorerAssetPrefix+"*", s.serveExplorerAsset)
	e.HEAD(explorerAssetPrefix+"*", s.serveExplorerAsset)
	strict := gen.NewStrictHandler(s, []gen.StrictMiddlewareFunc{s.themePages})
	gen.RegisterHandlersWithOptions(e, strict, gen.RegisterHandlersOptions{
		// Per address here, before anything is read; per client in Grants.AuthenticateClient, once the
		// client is known (a limit keyed on the client id the caller merely claims is no limit: each
		// made-up id would get a bucket of its own).
		OperationMiddlewares: map[string][]echo.MiddlewareFunc{
			"issueToken":      {s.tokenRateLimit(s.PerAddressLimit, addressKey)},
			"revokeToken":     {s.tokenRateLimit(s.PerAddressLimit, addressKey)},
			"introspectToken": {s.tokenRateLimit(s.PerAddressLimit, addressKey)},
			"signIn":          {s.pageRateLimit(s.PerAddressLimit, addressKey)},
			// The code page and the set-up link's pages take guesses (a code, a link's token): limited
			// like the sign-in form.
			"verifySignInCode": {s.pageRateLimit(s.PerAddressLimit, addressKey)},
			"openMfaSetup":     {s.pageRateLimit(s.PerAddressLimit, addressKey)},
			"completeMfaSetup": {s.pageRateLimit(s.PerAddressLimit, addressKey)},
			// The account page's authenticator form takes a code too.
			"setUpAccountMfa": {s.pageRateLimit(s.PerAddressLimit, addressKey)},
			// The "Forgot password?" form sends emails; the password link's pages take guesses.
			"requestPasswordReset": {s.pageRateLimit(s.PerAddressLimit, addressKey)},
			"openPasswordLink":     {s.pageRateLimit(s.PerAddressLimit, addressKey)},
			"choosePassword":       {s.pageRateLimit(s.PerAddressLimit, addressKey)},
		},
	})
	return e, nil
}

// isImport tells whether the request is the bulk import, whose body limit is MaxImportBytes.
func (s *Server) isImport(c echo.Context) bool {
	op := s.ops.of(c)
	return op != nil && op.id == "importMembers"
}

// validationErrors: an authentication failure wins over everything else, so callers who are not signed
// in learn nothing about the request's shape.
func (s *Server) validationErrors(me openapi3.MultiError) *echo.HTTPError {
	for _, err := range me {
		if sre, ok := err.(*openapi3filter.SecurityRequirementsError); ok {
			for _, inner := range sre.Errors {
				if he, ok := inner.(*echo.HTTPError); ok {
					return he
				}
			}
			return &echo.HTTPError{Code: http.StatusUnauthorized, Message: "authentication required", Internal: err}
		}
	}
	return &echo.HTTPError{Code: http.StatusBadRequest, Message: "validation failed", Internal: me}
}

// useValidatedBody replaces the body the handler will decode with the value the validator checked, so
// the two can never read a body differently.
func useValidatedBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		vb, ok := req.Body.(interface{ ValidatedValue() any })
		if ok && strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
			data, err := json.Marshal(vb.ValidatedValue())
			if err != nil {
				return err
			}
			req.Body = io.NopCloser(strings.NewReader(string(data)))
			req.ContentLength = int64(len(data))
		}
		return next(c)
	}
}

// parseForm parses a form body and the query string once, before the handlers, so a malformed one
// (a bad %-escape, a semicolon separator) is the client's 400 rather than the generated code's 500: the
// validator reads query strings leniently, Go's form parser does not.
func parseForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEApplicationForm) {
			if err := req.ParseForm(); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return echo.ErrStatusRequestEntityTooLarge
				}
				return echo.NewHTTPError(http.StatusBadRequest, "the form or the query string is malformed")
			}
		}
		return next(c)
	}
}

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// Shared values, not a fresh slice per request: Header.Set and Add replace or append to a
		// slice (a full one, so append copies it); nothing writes into one.
		h := c.Response().Header()
		h["X-Content-Type-Options"] = noSniffValues
		h["Cache-Control"] = noStoreValues
		return next(c)
	}
}

var (
	noSniffValues = []string{"nosniff"}
	noStoreValues = []string{"no-store"}
)

// composedOnce composes middleware, outermost first, a single time, around the handler of the route
// Echo matched (c.Handler(): the route's, or the not-found or method-not-allowed handler). Echo v4
// composes what Use is given anew for every request, allocating every middleware's closure each time;
// given this one, it only runs the chain built here.
func composedOnce(mws ...echo.MiddlewareFunc) echo.MiddlewareFunc {
	h := func(c echo.Context) error { return c.Handler()(c) }
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return func(echo.HandlerFunc) echo.HandlerFunc { return h }
}

func (s *Server) logPanic(c echo.Context, err error, stack []byte) error {
	loggerFrom(c.Request().Context(), s.log).Error("panic", "error", err.Error(), "stack", string(stack))
	return err
}

// tokenRateLimit limits the token endpoint per key, answering 429 with Retry-After beyond it.
func (s *Server) tokenRateLimit(l RateLimit, key func(echo.Context) string) echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               NewRateLimiter(l),
		IdentifierExtractor: func(c echo.Context) (string, error) { return key(c), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			s.countRefusedGrant(c)
			r := slowDown(l)
			c.Response().Header().Set("Retry-After", fmt.Sprint(*r.Headers.RetryAfter))
			return c.JSON(http.StatusTooManyRequests, r.Body)
		},
	})
}

// slowDown is the answer beyond the rate limit l: 429, slow_down, with Retry-After (the time one
// request's worth of the bucket takes to refill, rounded up).
func slowDown(l RateLimit) gen.OAuthTooManyRequestsJSONResponse {
	retry := int(1/l.PerSecond) + 1
	desc := "Too many requests; retry later"
	return gen.OAuthTooManyRequestsJSONResponse{
		Body:    gen.OAuthError{Error: gen.SlowDown, ErrorDescription: &desc},
		Headers: gen.OAuthTooManyRequestsResponseHeaders{RetryAfter: &retry},
	}
}

func addressKey(c echo.Context) string { return "addr:" + c.RealIP() }

// serviceLinks lists every operation of the spec, for GET /api/v1.
func serviceLinks(spec *openapi3.T) []gen.ServiceLink {
	var out []gen.ServiceLink
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			if inDirectory(path, op) {
				out = append(out, gen.ServiceLink{Name: op.OperationID, HttpMethod: gen.ServiceLinkHttpMethod(method), Link: path})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Link != out[j].Link {
			return out[i].Link < out[j].Link
		}
		return out[i].HttpMethod < out[j].HttpMethod
	})
	return out
}

// inDirectory: GET /api/v1 lists "every callable API endpoint available to integrators" (the
// original's words): not the probes and the documentation (/healthz, /readyz, /docs, /openapi.*), nor
// the sign-in pages' own forms and pages (an operation with an HTML answer), which only those pages
// call. The authorization endpoint, where integrators send their users, stays.
func inDirectory(path string, op *openapi3.Operation) bool {
	switch {
	case path == "/healthz", path == "/readyz", strings.HasPrefix(path, "/docs"), strings.HasPrefix(path, "/openapi."):
		return false
	case op.OperationID == "authorize":
		return true
	}
	return !answersHTML(op)
}

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
