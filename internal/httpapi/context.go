package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cocoondata/access-service/internal/oauth"
)

type ctxKey int

const (
	loggerKey ctxKey = iota
	principalKey
	remoteAddrKey
	basicAuthKey
)

// principalEchoKey is where the authentication function leaves the principal on the Echo context.
const principalEchoKey = "access-service/principal"

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
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		// The request's deadline (see Deps.RequestTimeout): database calls and password checks end with
		// context.DeadlineExceeded past it, which the error mapper answers with 503.
		ctx, cancel := context.WithTimeout(req.Context(), s.RequestTimeout)
		defer cancel()
		ctx = context.WithValue(ctx, loggerKey, requestID(id))
		ctx = context.WithValue(ctx, remoteAddrKey, c.RealIP())
		if user, pass, ok := req.BasicAuth(); ok {
			ctx = context.WithValue(ctx, basicAuthKey, [2]string{user, pass})
		}
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
		id, _ := req.Context().Value(loggerKey).(requestID)
		s.log.LogAttrs(req.Context(), slog.LevelInfo, "request", slog.String("request_id", string(id)),
			slog.String("method", req.Method), slog.String("path", req.URL.Path), slog.Int("status", c.Response().Status),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000), slog.String("remote", c.RealIP()))
		return nil
	}
}

// requestID is the request's id on its context; the logger that names it is made only when something
// is logged.
type requestID string

func loggerFrom(ctx context.Context, fallback *slog.Logger) *slog.Logger {
	if id, ok := ctx.Value(loggerKey).(requestID); ok {
		return fallback.With("request_id", string(id))
	}
	return fallback
}

// principalToRequest copies the principal the authentication function found into the request context,
// where strict handlers can read it. It runs after the validator, so the request it replaces has already
// been validated.
func principalToRequest(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p, ok := c.Get(principalEchoKey).(oauth.Principal); ok {
			c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), principalKey, p)))
		}
		return next(c)
	}
}

// principalFrom returns the caller of an authenticated endpoint.
func principalFrom(ctx context.Context) (oauth.Principal, bool) {
	p, ok := ctx.Value(principalKey).(oauth.Principal)
	return p, ok
}

func basicAuthFrom(ctx context.Context) (user, pass string, ok bool) {
	v, ok := ctx.Value(basicAuthKey).([2]string)
	return v[0], v[1], ok
}
