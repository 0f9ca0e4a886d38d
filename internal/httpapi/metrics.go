package httpapi

// The request and grant metrics (internal/metrics): what the HTTP layer records itself.

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/password"
)

// The operation label of requests that have no operation of the spec.
const (
	// unmatchedOperation: no route (404, 405); the path is the client's text, so none of it is a label.
	unmatchedOperation = "unmatched"
	// explorerOperation: the API explorer's static files (GET /docs/...), a route outside the spec.
	explorerOperation = "explorerAsset"
)

// requestMetrics observes each request's duration in access_http_request_duration_seconds, labelled
// with its operation's id, its method and the status it got. Like the access log it stands outside
// every step that can refuse, so refusals (400, 401, 403, 413, 429) count with their status. Without a
// registry (Deps.Metrics nil) it is not in the chain at all. Built once, it also makes the grants'
// most common series (each grant type issued or refused) appear at zero.
func (s *Server) requestMetrics(next echo.HandlerFunc) echo.HandlerFunc {
	vec := s.Metrics.Requests()
	if vec == nil {
		return next
	}
	s.Metrics.InitGrants(knownGrants, outcomeIssued, oauth.CodeInvalidGrant, oauth.CodeInvalidClient)
	obs := newRequestObservers(vec, s.ops)
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		obs.of(s.ops.of(c), c).observer(c.Request().Method, c.Response().Status).Observe(time.Since(start).Seconds())
		return nil
	}
}

// requestObservers keeps, per operation, the histogram's observer of each (method, status) seen, so a
// request costs a map read and a short scan rather than hashing its label values.
type requestObservers struct {
	byOp               map[*operation]*opObservers
	unmatched, explore *opObservers
}

func newRequestObservers(vec *prometheus.HistogramVec, ops operationTable) *requestObservers {
	r := &requestObservers{byOp: map[*operation]*opObservers{},
		unmatched: &opObservers{vec: vec, operation: unmatchedOperation},
		explore:   &opObservers{vec: vec, operation: explorerOperation}}
	for _, methods := range ops {
		for _, op := range methods {
			r.byOp[op] = &opObservers{vec: vec, operation: op.id}
		}
	}
	return r
}

func (r *requestObservers) of(op *operation, c echo.Context) *opObservers {
	if o := r.byOp[op]; o != nil {
		return o
	}
	if isExplorerAsset(c) && c.Path() == explorerAssetPrefix+"*" {
		return r.explore
	}
	return r.unmatched
}

// opObservers are one operation's observers: a list read without a lock, copied to add one.
type opObservers struct {
	vec       *prometheus.HistogramVec
	operation string
	seen      atomic.Pointer[[]observerOf]
	mu        sync.Mutex
}

type observerOf struct {
	method string
	status int
	obs    prometheus.Observer
}

func (o *opObservers) observer(method string, status int) prometheus.Observer {
	method = methodLabel(method)
	if seen := o.seen.Load(); seen != nil {
		for _, s := range *seen {
			if s.status == status && s.method == method {
				return s.obs
			}
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var list []observerOf
	if seen := o.seen.Load(); seen != nil {
		for _, s := range *seen {
			if s.status == status && s.method == method {
				return s.obs
			}
		}
		list = append(list, *seen...)
	}
	obs := o.vec.WithLabelValues(o.operation, method, strconv.Itoa(status))
	list = append(list, observerOf{method: method, status: status, obs: obs})
	o.seen.Store(&list)
	return obs
}

// methodLabel bounds the method label: a request that matches no route may name any method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// countGrant counts a token request in access_oauth_grants_total by its grant type and what it came to.
func (s *Server) countGrant(grantType string, resp oauth.TokenResponse, err error) {
	s.Metrics.Grant(grantLabel(grantType), grantOutcomeLabel(resp, err))
}

// countRefusedGrant counts a token request the per-address limit refused (429) before the handler.
func (s *Server) countRefusedGrant(c echo.Context) {
	if op := s.ops.of(c); op != nil && op.id == "issueToken" {
		s.Metrics.Grant(grantLabel(c.Request().PostForm.Get("grant_type")), outcomeRateLimited)
	}
}

// The outcomes of a token request, besides the OAuth error codes (oauth.Code*).
const (
	outcomeIssued      = "issued"
	outcomeMFARequired = "mfa_required" // the password was right; the second factor's code is to come
	outcomeRateLimited = "rate_limited" // 429, per client or per address
	outcomeBusy        = "busy"         // 503: too many password checks
	outcomeError       = "error"        // anything else (the database, the deadline)
)

// knownGrants are the grant types the label names; any other is "other".
var knownGrants = []string{clientapp.GrantPassword, clientapp.GrantRefreshToken, clientapp.GrantAuthorizationCode, oauth.GrantMFA}

func grantLabel(g string) string {
	for _, k := range knownGrants {
		if g == k {
			return k
		}
	}
	return "other"
}

// grantOutcomeLabel is what a token request came to: issued, mfa_required, the OAuth error code
// (invalid_grant, invalid_client, invalid_request, unauthorized_client, unsupported_grant_type,
// invalid_scope), rate_limited, busy or error.
func grantOutcomeLabel(resp oauth.TokenResponse, err error) string {
	var oe *oauth.Error
	switch {
	case err == nil && resp.MFARequired:
		return outcomeMFARequired
	case err == nil:
		return outcomeIssued
	case errors.Is(err, oauth.ErrSlowDown):
		return outcomeRateLimited
	case errors.Is(err, password.ErrBusy):
		return outcomeBusy
	case errors.As(err, &oe):
		switch oe.Code {
		case oauth.CodeInvalidRequest, oauth.CodeInvalidClient, oauth.CodeInvalidGrant, oauth.CodeUnauthorizedClient,
			oauth.CodeUnsupportedGrantType, oauth.CodeInvalidScope:
			return oe.Code
		}
	}
	return outcomeError
}
