package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/trace"

	"github.com/cocoondata/access-service/internal/oauth"
)

type ctxKey int

// stateKey holds the request's *requestState.
const stateKey ctxKey = 0

// requestState is what the middleware learns of a request and the strict handlers (which only see the
// request's context) need: one context value, filled in as the request goes through the chain.
//
// Its invariant: requestContext puts exactly one in every request's context, first; after that each
// field is written once, by the one step named beside it, in the chain's order (server.go), and read
// only by the steps after it and the handler, through the methods below. So what a method answers never
// changes once a later step can see it, and a request refused by a step carries nothing that step or a
// later one would have added (a request refused by the validator has no validated principal; one
// refused by the access step has no resolved caller). Every method is safe on a nil state (code run
// outside the chain, e.g. in tests) and answers "nothing known".
type requestState struct {
	// requestContext: the request id (X-Request-Id; the logger that names it is made only when
	// something is logged), the client's address, and the HTTP Basic credentials if any.
	id       string
	remote   string
	basic    [2]string
	hasBasic bool
	// requestContext: the browser's Accept-Language, for the pages' language (pageTexts).
	acceptLang string
	// authenticate (inside the validator): the caller whose bearer token verified (hasVerified), kept
	// here rather than on the Echo context (a map and a copy of the principal per request).
	principal   oauth.Principal
	hasVerified bool
	// principalToRequest: the validator has also accepted the request, so handlers may act for the
	// principal.
	authenticated bool
	// access: who the caller is as far as the operation's x-access goes (resolved), on operations whose
	// class takes more than a valid token.
	caller   accessCaller
	resolved bool
}

// verified is the principal whose token verified, whether or not the request went on to pass the
// validator (the audit trail records refused requests' callers too).
func (st *requestState) verified() (*oauth.Principal, bool) {
	if st == nil || !st.hasVerified {
		return nil, false
	}
	return &st.principal, true
}

// validatedPrincipal is the caller of an authenticated operation, once the validator has accepted the
// request.
func (st *requestState) validatedPrincipal() (oauth.Principal, bool) {
	if st == nil || !st.authenticated {
		return oauth.Principal{}, false
	}
	return st.principal, true
}

// resolvedCaller is the caller as the access step found them, on operations whose class takes more than
// a valid token.
func (st *requestState) resolvedCaller() (*accessCaller, bool) {
	if st == nil || !st.resolved {
		return nil, false
	}
	return &st.caller, true
}

// basicCredentials are the request's HTTP Basic credentials, as sent (not yet form-decoded).
func (st *requestState) basicCredentials() (user, pass string, ok bool) {
	if st == nil || !st.hasBasic {
		return "", "", false
	}
	return st.basic[0], st.basic[1], true
}

// acceptLanguage is the request's Accept-Language header.
func (st *requestState) acceptLanguage() string {
	if st == nil {
		return ""
	}
	return st.acceptLang
}

// remoteAddr is the client's address.
func (st *requestState) remoteAddr() string {
	if st == nil {
		return ""
	}
	return st.remote
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey).(*requestState)
	return st
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestContext gives every request a fresh id (X-Request-Id; one sent by the client is not trusted, so
// logs cannot be forged), a logger that names it, and what the strict handlers need from the raw request.
func (s *Server) requestContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		id := newRequestID()
		c.Response().Header()[echo.HeaderXRequestID] = []string{id} // the canonical key: no Set needed
		// The request's deadline (see Deps.RequestTimeout): database calls and password checks end with
		// context.DeadlineExceeded past it, which the error mapper answers with 503.
		ctx, cancel := context.WithTimeout(req.Context(), s.RequestTimeout)
		defer cancel()
		st := &requestState{id: id, remote: c.RealIP(), acceptLang: req.Header.Get("Accept-Language")}
		if user, pass, ok := req.BasicAuth(); ok {
			st.basic, st.hasBasic = [2]string{user, pass}, true
		}
		ctx = context.WithValue(ctx, stateKey, st)
		c.SetRequest(req.WithContext(ctx))
		return next(c)
	}
}

// accessLog writes one line per request.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req := c.Request()
		var id, remote string
		if st := stateFrom(req.Context()); st != nil {
			id, remote = st.id, st.remote
		} else {
			remote = c.RealIP()
		}
		// The record is handed to the handler directly: Logger.LogAttrs would also walk the stack for
		// the caller's position, which the log does not show.
		ctx := req.Context()
		if !s.log.Enabled(ctx, slog.LevelInfo) {
			return nil
		}
		end := time.Now()
		r := slog.NewRecord(end, slog.LevelInfo, "request", 0)
		r.AddAttrs(slog.String("request_id", id),
			slog.String("method", req.Method), slog.String("path", req.URL.Path), slog.Int("status", c.Response().Status),
			slog.Int64("duration_us", end.Sub(start).Microseconds()), slog.String("remote", remote))
		if s.TracerProvider != nil {
			if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
				r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
			}
		}
		_ = s.log.Handler().Handle(ctx, r)
		return nil
	}
}

func loggerFrom(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if st := stateFrom(ctx); st != nil {
		return fallback.With("request_id", st.id)
	}
	return fallback
}

// principalToRequest gives strict handlers the principal the authentication function found (see
// requestState.validatedPrincipal). It runs after the validator, so only a validated request has one.
func principalToRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if st := stateFrom(c.Request().Context()); st != nil && st.hasVerified {
			st.authenticated = true
		}
		return next(c)
	}
}
