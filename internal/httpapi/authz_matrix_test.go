package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/testutil"
)

// Who may call an operation, as the reference documents it.
type access int

const (
	signedIn            access = iota // any signed-in user
	safeShareAdminOnly                // SafeShare administrators
	orgReader                         // members of the organisation other than Ad hoc ones, and SafeShare administrators
	orgAdminOnly                      // administrators of the organisation
	orgAdminOrSafeShare               // administrators of the organisation, and SafeShare administrators
	notBearer                         // not a bearer-token operation: public, client-authenticated or a page
)

// accessClasses are the values of an operation's x-access in openapi.yaml, as the matrix reads them.
var accessClasses = map[string]access{
	"public": notBearer, "client": notBearer,
	"signed-in": signedIn, "safeshare-admin": safeShareAdminOnly, "org-reader": orgReader,
	"org-admin": orgAdminOnly, "org-admin-or-safeshare-admin": orgAdminOrSafeShare,
}

// narrowedByBody: operations whose permissions are per member of the body, with the class the
// matrix's body falls in. updateOrganisation's body (see fill) names a setting only the organisation's
// administrators may change; SafeShare administrators, in its declared class, change name and quota.
//
// updateUser's permission depends on the body and on whom the path names: generateNewAuthenticatorKey
// (the spec's example) on a member of the organisation (the matrix's userId is its Collaborator) is for
// that organisation's administrators; a SafeShare administrator renews SafeShare administrators' keys
// only (TestUpdateUserMFA covers the rest).
var narrowedByBody = map[string]access{"updateOrganisation": orgAdminOnly, "updateUser": orgAdminOnly}

// accessOf is who may call the operation, from its x-access (and narrowedByBody). Every operation of the
// spec has one (gen.TestSpec), so none escapes the matrix.
func accessOf(t *testing.T, op *openapi3.Operation) access {
	t.Helper()
	raw, _ := op.Extensions["x-access"].(string)
	a, ok := accessClasses[raw]
	if !ok {
		t.Fatalf("operation %s: x-access %q is not an access class", op.OperationID, raw)
	}
	if n, ok := narrowedByBody[op.OperationID]; ok {
		for _, role := range matrixRoles {
			if allowed(n, role) && !allowed(a, role) {
				t.Fatalf("operation %s: narrowed by its body, it would let %s in, whom x-access %s keeps out", op.OperationID, role, raw)
			}
		}
		a = n
	}
	return a
}

// The roles of the matrix. The organisation acted on is the world's org ("A"); orgAdminB administers
// another organisation only; nobody belongs to none.
const (
	roleAnonymous  = "anonymous"
	roleNobody     = "nobody@platform.example"
	roleOrgAdminB  = outsider
	roleSafeShare  = root1
	roleOrgAdminA  = orgAdmin
	roleOriginator = originator
	roleCollab     = collab
	roleAdHoc      = adhoc
)

var matrixRoles = []string{roleAnonymous, roleNobody, roleAdHoc, roleCollab, roleOriginator, roleOrgAdminB, roleSafeShare, roleOrgAdminA}

func allowed(a access, role string) bool {
	switch a {
	case signedIn:
		return role != roleAnonymous
	case safeShareAdminOnly:
		return role == roleSafeShare
	case orgReader:
		return role == roleCollab || role == roleOriginator || role == roleOrgAdminA || role == roleSafeShare
	case orgAdminOnly:
		return role == roleOrgAdminA
	case orgAdminOrSafeShare:
		return role == roleOrgAdminA || role == roleSafeShare
	}
	return false
}

// matrixWorld is a world with a second organisation (B), a rule in each, a third-party app, and an
// account with no membership; ids names the objects the paths take.
type matrixWorld struct {
	*world
	orgB    string
	ruleA   string
	ruleB   string
	app     string
	memberB string
	labelA  string // a classification of A
	groupA  string // a clearance of A
}

func newMatrixWorld(t *testing.T) *matrixWorld {
	t.Helper()
	w := newWorld(t)
	m := &matrixWorld{world: w}
	m.orgB = w.createOrg(t, "Org B", roleOrgAdminB)
	m.ruleA = w.addRules(t, w.org, orgAdmin, "xy-company.com")[0]
	m.ruleB = w.addRules(t, m.orgB, roleOrgAdminB, "b.example")[0]
	m.memberB = w.id[roleOrgAdminB]
	m.labelA = w.createLabel(t, w.org, orgAdmin, "Secret")
	m.groupA = w.createGroup(t, w.org, "Staff")
	u := w.svc.CreateUser(t, roleNobody, false)
	w.id[roleNobody] = itoa(u.ID)
	w.tok[roleNobody] = w.svc.Token(t, clientID, roleNobody)
	app := w.svc.RegisterClient(t, "third-party", clientapp.GrantAuthorizationCode)
	m.app = itoa(app.ID)
	return m
}

// fill builds an operation's request for the organisation org, from the spec: path ids of that
// organisation's objects, required query parameters, and the body's documented example.
func (m *matrixWorld) fill(t *testing.T, path string, op *openapi3.Operation, org, rule, member string) (string, string, string) {
	ids := map[string]string{
		"orgGroupId": org, "organisationId": org, "orgId": org, "whitelistId": rule, "objectId": rule,
		"userId": member, "clientInfoId": m.app, "approvalId": "765456269464346624",
		"planId":  m.planID, // the world's plan, in organisation A
		"labelId": m.labelA, "groupId": m.groupA,
		"configId": "1", "property": "supportLink", "localeCode": "da",
		"contactId": "765456269464346624", // nobody's contact: a role allowed gets 404, never 403
	}
	for name, v := range ids {
		path = strings.ReplaceAll(path, "{"+name+"}", v)
	}
	if strings.Contains(path, "{") {
		t.Fatalf("no value for a path parameter of %s", path)
	}
	query := url.Values{}
	for _, p := range op.Parameters {
		if p.Value.In == "query" && p.Value.Required {
			query.Set(p.Value.Name, fmt.Sprint(p.Value.Schema.Value.Enum[0]))
		}
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	if op.RequestBody == nil {
		return path, "", ""
	}
	for ct, mt := range op.RequestBody.Value.Content {
		ex := mt.Example
		if ex == nil && mt.Schema != nil {
			ex = mt.Schema.Value.Example
		}
		if ex == nil {
			t.Fatalf("%s: the %s body has no example", op.OperationID, ct)
		}
		if op.OperationID == "updateOrganisation" {
			ex = map[string]any{"description": "changed by the matrix"}
		}
		if ct == "application/x-www-form-urlencoded" {
			form := url.Values{}
			for k, v := range ex.(map[string]any) {
				form.Set(k, fmt.Sprint(v))
			}
			return path, ct, form.Encode()
		}
		if ct == "text/plain" {
			return path, ct, fmt.Sprint(ex)
		}
		if ct == "multipart/form-data" {
			// One part per property of the example, each a file part (the import's file).
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, v := range ex.(map[string]any) {
				fw, err := mw.CreateFormFile(k, k)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprint(fw, v)
			}
			if err := mw.Close(); err != nil {
				t.Fatal(err)
			}
			return path, mw.FormDataContentType(), buf.String()
		}
		b, err := json.Marshal(ex)
		if err != nil {
			t.Fatal(err)
		}
		return path, ct, string(b)
	}
	return path, "", ""
}

// state is a digest of every table a refused request must not change (the audit trail and the token
// bookkeeping change by design).
func (m *matrixWorld) state(t *testing.T) string {
	t.Helper()
	return tableDigest(t, m.svc, "users", "client_apps", "organisations", "plans", "memberships",
		"organisation_removal_requests", "approvals", "whitelist_rules", "properties",
		"classifications", "clearances", "clearance_classifications", "clearance_members", "contacts", "theme_properties",
		"i18n_settings", "i18n_bundles", "password_links")
}

// tableDigest is a digest of every row of each table, to show that a refused request changed none.
func tableDigest(t *testing.T, svc *testutil.Service, tables ...string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, svc.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var parts []string
	for _, table := range tables {
		var digest *string
		q := fmt.Sprintf("SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM %s t", table)
		if err := conn.QueryRow(ctx, q).Scan(&digest); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, table+"="+fmt.Sprint(deref(digest)))
	}
	return strings.Join(parts, " ")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

type matrixOp struct {
	path, method string
	op           *openapi3.Operation
}

func specOperations(t *testing.T) []matrixOp {
	t.Helper()
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	var ops []matrixOp
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, matrixOp{path, method, op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].op.OperationID < ops[j].op.OperationID })
	return ops
}

// TestAuthorizationMatrix calls every bearer-token operation of the spec as every role: a role the
// reference does not allow gets 403 (401 without a token) and changes nothing; a role it allows is not
// refused. Built from the spec, so an operation added later is in the matrix or fails it.
func TestAuthorizationMatrix(t *testing.T) {
	for _, o := range specOperations(t) {
		a := accessOf(t, o.op)
		if a == notBearer {
			continue
		}
		t.Run(o.op.OperationID, func(t *testing.T) {
			t.Parallel()
			m := newMatrixWorld(t)
			path, ct, body := m.fill(t, o.path, o.op, m.org, m.ruleA, m.id[collab])
			// A role the operation allows, with a token that carries every scope but the operation's.
			scope := o.op.Security
			if scope == nil || len(*scope) != 1 || len((*scope)[0]["bearerAuth"]) != 1 {
				t.Fatalf("%s: no scope in its security requirement", o.op.OperationID)
			}
			m.refusedWithoutScope(t, a, (*scope)[0]["bearerAuth"][0], testutil.Request{Method: o.method, Path: path, ContentType: ct, Body: []byte(body)})
			// Refused roles first, so the allowed ones' changes cannot hide a refused one's.
			roles := append([]string{}, matrixRoles...)
			sort.SliceStable(roles, func(i, j int) bool { return !allowed(a, roles[i]) && allowed(a, roles[j]) })
			opScope := (*scope)[0]["bearerAuth"][0]
			withScope := func(role string) string { return m.tok[role] }
			if !slices.Contains([]string{"read", "write", "admin"}, opScope) {
				// A scope the world's app is not registered with (openid): the roles' tokens come from an
				// app registered with it too.
				m.svc.RegisterClientScoped(t, "with-"+opScope, []string{"read", "write", "admin", opScope})
				withScope = func(role string) string {
					if m.tok[role] == "" {
						return ""
					}
					return m.svc.Token(t, "with-"+opScope, role)
				}
			}
			for _, role := range roles {
				before := m.state(t)
				req := testutil.Request{Method: o.method, Path: path, Token: withScope(role), ContentType: ct, Body: []byte(body)}
				r := m.svc.Client.Do(t, req)
				switch {
				case role == roleAnonymous:
					if r.Status != 401 {
						t.Errorf("%s %s without a token: %d %s", o.method, path, r.Status, r.Body)
					}
				case allowed(a, role):
					if r.Status == 401 || r.Status == 403 {
						t.Errorf("%s %s as %s: refused %d %s", o.method, path, role, r.Status, r.Body)
					}
					continue
				default:
					if r.Status != 403 {
						t.Errorf("%s %s as %s: %d, want 403: %s", o.method, path, role, r.Status, r.Body)
					}
				}
				if after := m.state(t); after != before {
					t.Errorf("%s %s as %s (%d) changed the data:\n%s\n%s", o.method, path, role, r.Status, before, after)
				}
			}
		})
	}
}

// refusedWithoutScope: the request, made by a role the operation allows with a token from an app
// registered with every scope but the operation's, gets 403 with the insufficient_scope challenge
// naming the scope, and changes nothing.
func (m *matrixWorld) refusedWithoutScope(t *testing.T, a access, scope string, req testutil.Request) {
	t.Helper()
	var role string
	for _, r := range matrixRoles {
		if r != roleAnonymous && allowed(a, r) {
			role = r
			break
		}
	}
	if role == "" {
		t.Fatal("no role may call it")
	}
	var others []string
	for _, s := range []string{"read", "write", "admin"} {
		if s != scope {
			others = append(others, s)
		}
	}
	m.svc.RegisterClientScoped(t, "without-"+scope, others)
	req.Token = m.svc.Token(t, "without-"+scope, role)
	before := m.state(t)
	r := m.svc.Client.Do(t, req)
	want := `Bearer realm="access-service", error="insufficient_scope", scope="` + scope + `"`
	if r.Status != 403 || r.Header.Get("WWW-Authenticate") != want {
		t.Errorf("%s %s as %s without %s: %d %q %s", req.Method, req.Path, role, scope, r.Status, r.Header.Get("WWW-Authenticate"), r.Body)
	}
	if after := m.state(t); after != before {
		t.Errorf("%s %s as %s without %s changed the data:\n%s\n%s", req.Method, req.Path, role, scope, before, after)
	}
}

// TestCrossOrganisationObjects: an administrator of organisation A names, under A's path, the objects
// of organisation B (a member, a whitelist rule, a plan, a classification, a clearance): 404, and
// nothing changes in either organisation.
func TestCrossOrganisationObjects(t *testing.T) {
	for _, o := range specOperations(t) {
		takesObject := false
		for _, p := range o.op.Parameters {
			takesObject = takesObject || p.Value.Name == "userId" || p.Value.Name == "whitelistId"
		}
		for _, p := range []string{"{userId}", "{whitelistId}", "{planId}", "{labelId}", "{groupId}"} {
			takesObject = takesObject || strings.Contains(o.path, p)
		}
		// Every organisation class lets A's administrator in, so the answer is about the object alone.
		// An operation whose path names no organisation (updateUser, narrowed to organisation
		// administrators by its body) has no "another organisation's object": the matrix covers it.
		if a := accessOf(t, o.op); !takesObject || !strings.HasPrefix(o.path, "/api/v1/organisations/") || (a != orgAdminOnly && a != orgReader && a != orgAdminOrSafeShare) {
			continue
		}
		t.Run(o.op.OperationID, func(t *testing.T) {
			t.Parallel()
			m := newMatrixWorld(t)
			// fill names the world's plan, classification and clearance: from here on, organisation B's.
			m.planID = m.addPlan(t, m.orgB, roleOrgAdminB, "B's plan", 1, false)
			m.labelA = m.createLabel(t, m.orgB, roleOrgAdminB, "B's label")
			m.groupA = m.createGroupAs(t, m.orgB, roleOrgAdminB, "B's clearance")
			path, ct, body := m.fill(t, o.path, o.op, m.org, m.ruleB, m.memberB)
			before := m.state(t)
			r := m.svc.Client.Do(t, testutil.Request{Method: o.method, Path: path, Token: m.tok[roleOrgAdminA], ContentType: ct, Body: []byte(body)})
			if r.Status != 404 {
				t.Errorf("%s %s with organisation B's object: %d, want 404: %s", o.method, path, r.Status, r.Body)
			}
			if after := m.state(t); after != before {
				t.Errorf("changed the data:\n%s\n%s", before, after)
			}
			// And B's administrator, on B's path, still finds them.
			bPath, _, _ := m.fill(t, o.path, o.op, m.orgB, m.ruleB, m.memberB)
			if o.method == "GET" || strings.HasSuffix(o.path, "{whitelistId}") && o.method == "PUT" {
				r := m.svc.Client.Do(t, testutil.Request{Method: o.method, Path: bPath, Token: m.tok[roleOrgAdminB], ContentType: ct, Body: []byte(body)})
				if r.Status != 200 {
					t.Errorf("%s %s as B's administrator: %d %s", o.method, bPath, r.Status, r.Body)
				}
			}
		})
	}
}
