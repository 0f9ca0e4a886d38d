package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/organisation"
	"github.com/cocoondata/access-service/internal/user"
)

// accessClass is who may call an operation: its `x-access` in openapi.yaml (documented in the spec's
// info.description). The zero value is no class: operationsOf refuses a spec with one.
type accessClass uint8

const (
	accessPublic   accessClass = iota + 1 // no credentials
	accessClient                          // the client's credentials, checked by the grant itself
	accessSignedIn                        // any valid bearer token; the classes below take one too
	accessSafeShareAdmin
	accessOrgReader // members of the organisation other than Ad hoc ones, and SafeShare administrators
	accessOrgAdmin
	accessOrgAdminOrSafeShareAdmin
)

var accessClasses = map[string]accessClass{
	"public": accessPublic, "client": accessClient, "signed-in": accessSignedIn,
	"safeshare-admin": accessSafeShareAdmin, "org-reader": accessOrgReader, "org-admin": accessOrgAdmin,
	"org-admin-or-safeshare-admin": accessOrgAdminOrSafeShareAdmin,
}

// bearer: the class takes a bearer token, so the validator has authenticated the caller before the
// access step runs.
func (a accessClass) bearer() bool { return a >= accessSignedIn }

// inOrganisation: the class is about the organisation the path names.
func (a accessClass) inOrganisation() bool { return a >= accessOrgReader }

// orgPathParams are the names an organisation's id goes by in the spec's paths.
var orgPathParams = []string{"orgGroupId", "organisationId", "orgId"}

var (
	errNotSafeShareAdmin = newProblem(http.StatusForbidden, "Only SafeShare administrators may do this.")
	errNotOrgAdmin       = newProblem(http.StatusForbidden, "Only administrators of this organisation may do this.")
	errCannotRead        = newProblem(http.StatusForbidden, "Only members of this organisation and SafeShare administrators may read it.")
	errNotOrgOrPlatform  = newProblem(http.StatusForbidden, "Only administrators of this organisation and SafeShare administrators may do this.")
)

// deniedDetail names what was refused more precisely than the class's own text, for the operations
// that have said so since before the access step.
var deniedDetail = map[string]string{
	"updateOrganisation": "Only administrators of this organisation and SafeShare administrators may change it.",
	"listMembers":        "Only administrators of this organisation and SafeShare administrators may list its members.",
}

// Scopes (RFC 6749 section 3.3) a bearer operation may require; its security requirement names one
// (the spec's info.description says which operations take which).
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
	ScopeAdmin = "admin"
)

// knownScopes: with OpenID Connect's openid, which the UserInfo operations take.
var knownScopes = []string{ScopeRead, ScopeWrite, ScopeAdmin, oauth.ScopeOpenID}

// scopeOf reads the scope a bearer operation's token must carry from its security requirement.
func scopeOf(spec *openapi3.T, op *openapi3.Operation) (string, error) {
	security := spec.Security
	if op.Security != nil {
		security = *op.Security
	}
	var named []string
	for _, req := range security {
		named = append(named, req["bearerAuth"]...)
	}
	if len(named) != 1 || !slices.Contains(knownScopes, named[0]) {
		return "", fmt.Errorf("operation %s: bearerAuth must name one scope of %v, names %v", op.OperationID, knownScopes, named)
	}
	return named[0], nil
}

// insufficientScope is the answer to a valid token that lacks the operation's scope (RFC 6750
// section 3.1).
func insufficientScope(scope string) *problem {
	p := newProblem(http.StatusForbidden, "The access token was not issued for this: the operation needs the "+scope+
		" scope. Sign in again through an application registered with it.")
	p.header = http.Header{echo.HeaderWWWAuthenticate: {`Bearer realm="access-service", error="insufficient_scope", scope="` + scope + `"`}}
	return p
}

// accessOf reads an operation's x-access, and for an organisation class which path parameter names the
// organisation, and the problem a caller outside the class gets.
func accessOf(item *openapi3.PathItem, op *openapi3.Operation) (accessClass, string, *problem, error) {
	raw, _ := op.Extensions["x-access"].(string)
	class, ok := accessClasses[raw]
	if !ok {
		return 0, "", nil, fmt.Errorf("operation %s: x-access %q is not an access class", op.OperationID, raw)
	}
	var orgParam string
	if class.inOrganisation() {
		for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
			for _, p := range ps {
				if p.Value != nil && p.Value.In == openapi3.ParameterInPath && slices.Contains(orgPathParams, p.Value.Name) {
					if orgParam != "" {
						return 0, "", nil, fmt.Errorf("operation %s: two organisation path parameters", op.OperationID)
					}
					orgParam = p.Value.Name
				}
			}
		}
		if orgParam == "" {
			return 0, "", nil, fmt.Errorf("operation %s: x-access %s but no organisation path parameter", op.OperationID, raw)
		}
	}
	denied := map[accessClass]*problem{
		accessSafeShareAdmin: errNotSafeShareAdmin, accessOrgReader: errCannotRead, accessOrgAdmin: errNotOrgAdmin,
		accessOrgAdminOrSafeShareAdmin: errNotOrgOrPlatform,
	}[class]
	if detail, ok := deniedDetail[op.OperationID]; ok {
		denied = newProblem(http.StatusForbidden, detail)
	}
	return class, orgParam, denied, nil
}

// accessCaller is the caller as the access step found them, kept in the request's state for the
// handlers: their platform role (see platformCaller) and, on an organisation's operations, their
// membership of it, read once for the request. Organisation roles are never taken from the token.
type accessCaller struct {
	user user.User
	// account: user is the whole account, read during this request (not only the token's word).
	account bool
	// inOrg: the operation is about an organisation; orgID is 0 when the path id cannot name one (it
	// overflows 64 bits).
	inOrg    bool
	orgID    int64
	member   organisation.Membership
	isMember bool
}

func (c *accessCaller) isOrgAdmin() bool { return c.isMember && c.member.IsOrgAdmin }

// allows tells whether the caller is in the class.
func (c *accessCaller) allows(a accessClass) bool {
	switch a {
	case accessSafeShareAdmin:
		return c.user.SafeShareAdmin
	case accessOrgReader:
		return c.user.SafeShareAdmin || (c.isMember && (c.member.IsOrgAdmin || c.member.Role != organisation.RoleAdHoc))
	case accessOrgAdmin:
		return c.isOrgAdmin()
	case accessOrgAdminOrSafeShareAdmin:
		return c.isOrgAdmin() || c.user.SafeShareAdmin
	}
	return a == accessSignedIn
}

// access is the one access step: it lets through only tokens that carry the operation's scope, then
// only callers of the operation's x-access class, and
// leaves who they are in the request's state (orgCallerFrom, safeShareAdminCaller). It runs after the
// validator, so a bearer operation's caller is authenticated (401 came first) and the request is valid
// (400 came first); and before the handler, which is where the target is looked up, so a caller who may
// not act gets 403 whether or not the target exists. It never reads the organisation itself.
func (s *Server) access(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		op := s.ops.of(c)
		if op == nil || !op.access.bearer() {
			return next(c)
		}
		ctx := c.Request().Context()
		st := stateFrom(ctx)
		p, ok := st.validatedPrincipal()
		if !ok {
			// Not reached: the validator answers 401 first on every bearer operation.
			return unauthorized(`Bearer realm="access-service"`, "An access token is required.")
		}
		if !slices.Contains(p.Scope, op.scope) {
			return op.insufficientScope
		}
		if op.access == accessSignedIn {
			return next(c) // the token is enough: no read
		}
		u, account, err := s.platformCaller(ctx, &p)
		if err != nil {
			return err
		}
		st.caller = accessCaller{user: u, account: account}
		if op.access.inOrganisation() {
			if err := s.membershipIn(ctx, &st.caller, c.Param(op.orgParam)); err != nil {
				return err
			}
		}
		if !st.caller.allows(op.access) {
			return op.denied
		}
		st.resolved = true
		return next(c)
	}
}

// membershipIn reads the caller's membership of the organisation the path names. The spec has checked
// the id's shape; one that overflows 64 bits names no organisation. A path id arrives escaped when the
// request's path was (Echo matches URL.RawPath then), and is unescaped as the handler's binding does.
func (s *Server) membershipIn(ctx context.Context, c *accessCaller, rawID string) error {
	c.inOrg = true
	if strings.IndexByte(rawID, '%') >= 0 {
		if v, err := url.PathUnescape(rawID); err == nil {
			rawID = v
		}
	}
	id, err := ids.Parse(rawID)
	if err != nil {
		return nil
	}
	c.orgID = id
	m, err := s.Orgs.Membership(ctx, id, c.user.ID)
	switch {
	case err == nil:
		c.member, c.isMember = m, true
	case !errors.Is(err, organisation.ErrNotMember):
		return err
	}
	return nil
}

// platformCaller is the caller's account as far as platform roles go (id, email, SafeShare
// administrator). The role is an authority the access token carries, and an account that loses it has
// its tokens revoked in the same transaction (user.Service.SetSafeShareAdmin), so a token that carries it
// is believed without reading the account. A token that does not carry it may predate a grant, so the
// account is read then (account: true), and a grant takes effect at once.
func (s *Server) platformCaller(ctx context.Context, p *oauth.Principal) (u user.User, account bool, err error) {
	if slices.Contains(p.Authorities, user.AuthoritySafeShareAdmin) {
		return user.User{ID: p.UserID, Email: p.Email, SafeShareAdmin: true}, false, nil
	}
	u, err = s.accountOf(ctx, p.UserID)
	return u, err == nil, err
}

// orgCallerFrom is the caller of an organisation's operation, as the access step found them.
func orgCallerFrom(ctx context.Context) (*accessCaller, error) {
	c, ok := stateFrom(ctx).resolvedCaller()
	if !ok || !c.inOrg {
		return nil, errNoOrgCaller
	}
	return c, nil
}

var errNoOrgCaller = errors.New("no organisation caller: the operation's x-access is not an organisation class")

// safeShareAdminCaller returns the caller's whole account, read during this request, if it holds the
// platform role: for the changes that record who made them (the two-person rule, role changes). The
// access step has let only SafeShare administrators through; this reads the account now (unless the
// access step just did) so a role revoked since the token was issued counts.
func (s *Server) safeShareAdminCaller(ctx context.Context) (user.User, error) {
	if c, ok := stateFrom(ctx).resolvedCaller(); ok && c.account {
		return c.user, nil // read by the access step, which checked the role
	}
	u, err := s.currentUser(ctx)
	if err != nil {
		return user.User{}, err
	}
	if !u.SafeShareAdmin {
		return user.User{}, errNotSafeShareAdmin
	}
	return u, nil
}
