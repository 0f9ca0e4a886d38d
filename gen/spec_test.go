package gen

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// accessClasses are the values of an operation's x-access (documented in info.description): who may
// call it. Those that take a bearer token are true.
var accessClasses = map[string]bool{
	"public": false, "client": false,
	"signed-in": true, "safeshare-admin": true,
	"org-reader": true, "org-admin": true, "org-admin-or-safeshare-admin": true,
}

// orgPathParams are the names an organisation's id goes by in paths; an organisation class needs
// exactly one of them, to know which organisation it is about.
var orgPathParams = []string{"orgGroupId", "organisationId", "orgId"}

// TestSpec is the spec's lint: valid OpenAPI 3.0, and our house rules for every operation.
func TestSpec(t *testing.T) {
	doc, err := Spec()
	if err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI: %v", err)
	}
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := seen[op.OperationID]; dup {
				t.Errorf("%s: operationId %s is also used by %s", where, op.OperationID, other)
			}
			seen[op.OperationID] = where
			if len(op.Tags) == 0 {
				t.Errorf("%s: no tag", where)
			}
			if op.Summary == "" {
				t.Errorf("%s: no summary", where)
			}
			secured := op.Security == nil || len(*op.Security) > 0
			if secured && strings.HasPrefix(path, "/api/v1") && op.Responses.Status(http.StatusUnauthorized) == nil {
				t.Errorf("%s: bearer-secured but documents no 401", where)
			}
			for _, problem := range accessProblems(doc, method, path, item, op) {
				t.Errorf("%s: %s", where, problem)
			}
			if op.RequestBody != nil {
				if op.Responses.Status(http.StatusBadRequest) == nil {
					t.Errorf("%s: takes a body but documents no 400", where)
				}
				for mt, c := range op.RequestBody.Value.Content {
					s := c.Schema.Value
					if mt == "application/json" && s.Type.Is("object") && (s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has) {
						t.Errorf("%s: JSON request body must close additionalProperties", where)
					}
				}
			}
		}
	}
}

// accessProblems: the operation says who may call it (x-access), in a way its security agrees with.
func accessProblems(doc *openapi3.T, method, path string, item *openapi3.PathItem, op *openapi3.Operation) []string {
	class, ok := op.Extensions["x-access"].(string)
	if !ok {
		return []string{"no x-access (one of public, client, signed-in, safeshare-admin, org-reader, org-admin, org-admin-or-safeshare-admin)"}
	}
	bearerClass, known := accessClasses[class]
	if !known {
		return []string{fmt.Sprintf("x-access %q is not an access class", class)}
	}
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	var bearer, basic bool
	for _, req := range security {
		_, b := req["bearerAuth"]
		_, c := req["clientBasic"]
		bearer, basic = bearer || b, basic || c
	}
	var out []string
	switch {
	case bearerClass && (!bearer || len(security) != 1 || len(security[0]) != 1):
		out = append(out, "x-access "+class+" takes a bearer token, so its security must be bearerAuth alone")
	case !bearerClass && bearer:
		out = append(out, "x-access "+class+" must not be bearer-secured")
	case class == "public" && len(security) != 0:
		out = append(out, "x-access public takes no credentials: security must be []")
	case class == "client" && !basic:
		out = append(out, "x-access client takes the client's credentials: security must name clientBasic")
	}
	out = append(out, scopeProblems(method, class, bearerClass, security, op)...)
	if strings.HasPrefix(class, "org-") {
		var named []string
		for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
			for _, p := range ps {
				if p.Value.In == openapi3.ParameterInPath && slices.Contains(orgPathParams, p.Value.Name) {
					named = append(named, p.Value.Name)
				}
			}
		}
		if len(named) != 1 || !strings.Contains(path, "{"+named[0]+"}") {
			out = append(out, fmt.Sprintf("x-access %s needs exactly one organisation path parameter (one of %v), has %v", class, orgPathParams, named))
		}
	}
	return out
}

// scopes are the OAuth scopes an operation may require (documented in info.description).
var scopes = []string{"read", "write", "admin", "openid"}

// openIDOps are OpenID Connect's UserInfo operations: openid is their scope, and no other operation's.
var openIDOps = []string{"getUserInfo", "postUserInfo"}

// dryRuns are the operations that take a body by POST but change nothing, so read is their scope.
var dryRuns = []string{"checkWhitelistChange", "exportAuditReport"}

// scopeProblems: a bearer operation names exactly one scope in its security requirement, the one its
// class and method call for: admin for the SafeShare administrators' operations, read for those that
// change nothing, write for the others. Other operations name none.
func scopeProblems(method, class string, bearerClass bool, security openapi3.SecurityRequirements, op *openapi3.Operation) []string {
	var named []string
	for _, req := range security {
		named = append(named, req["bearerAuth"]...)
		if len(req["clientBasic"]) != 0 {
			return []string{"clientBasic takes no scopes"}
		}
	}
	if !bearerClass {
		if len(named) != 0 {
			return []string{"x-access " + class + " takes no bearer token, so no scopes"}
		}
		return nil
	}
	if len(named) != 1 || !slices.Contains(scopes, named[0]) {
		return []string{fmt.Sprintf("bearerAuth must name exactly one scope of %v, names %v", scopes, named)}
	}
	want := "write"
	switch {
	case slices.Contains(openIDOps, op.OperationID):
		want = "openid"
	case class == "safeshare-admin":
		want = "admin"
	case method == http.MethodGet || slices.Contains(dryRuns, op.OperationID):
		want = "read"
	}
	if named[0] != want {
		return []string{fmt.Sprintf("x-access %s, %s: its scope is %s, not %s", class, method, want, named[0])}
	}
	return nil
}

// TestSpecAccessCheck: the check above catches what it is for, on copies of the spec broken one way
// at a time.
func TestSpecAccessCheck(t *testing.T) {
	for _, tc := range []struct {
		name, path, method string
		breakIt            func(*openapi3.Operation)
	}{
		{"no x-access", "/api/v1/users/me", "GET", func(op *openapi3.Operation) { delete(op.Extensions, "x-access") }},
		{"not a string", "/api/v1/users/me", "GET", func(op *openapi3.Operation) { op.Extensions["x-access"] = []any{"signed-in"} }},
		{"unknown class", "/api/v1/users/me", "GET", func(op *openapi3.Operation) { op.Extensions["x-access"] = "admin" }},
		{"bearer-secured public", "/api/v1/users/me", "GET", func(op *openapi3.Operation) { op.Extensions["x-access"] = "public" }},
		{"bearer-secured client", "/api/v1/clientapps", "GET", func(op *openapi3.Operation) { op.Extensions["x-access"] = "client" }},
		{"signed-in without bearerAuth", "/healthz", "GET", func(op *openapi3.Operation) { op.Extensions["x-access"] = "signed-in" }},
		{"bearer class opened to anyone", "/api/v1/organisations/{orgGroupId}", "GET", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements()
		}},
		{"bearer class also taking Basic", "/api/v1/clientapps", "GET", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("bearerAuth")).
				With(openapi3.NewSecurityRequirement().Authenticate("clientBasic"))
		}},
		{"public taking Basic", "/api/oauth/token", "POST", func(op *openapi3.Operation) { op.Extensions["x-access"] = "public" }},
		{"client without Basic", "/healthz", "GET", func(op *openapi3.Operation) { op.Extensions["x-access"] = "client" }},
		{"bearer operation without a scope", "/api/v1/users/me", "GET", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("bearerAuth"))
		}},
		{"two scopes", "/api/v1/users/me", "PUT", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("bearerAuth", "read", "write"))
		}},
		{"a change with read", "/api/v1/users/me", "PUT", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("bearerAuth", "read"))
		}},
		{"an administrators' operation without admin", "/api/v1/clientapps", "GET", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("bearerAuth", "read"))
		}},
		{"admin on a member's operation", "/api/v1/organisations/{orgGroupId}", "PUT", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("bearerAuth", "admin"))
		}},
		{"openid on another operation", "/api/v1/users/me", "GET", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("bearerAuth", "openid"))
		}},
		{"UserInfo without openid", "/api/oauth/userinfo", "GET", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("bearerAuth", "read"))
		}},
		{"an unknown scope", "/api/v1/users/me", "GET", func(op *openapi3.Operation) {
			op.Security = openapi3.NewSecurityRequirements().With(openapi3.NewSecurityRequirement().Authenticate("bearerAuth", "everything"))
		}},
		{"organisation class without an organisation", "/api/v1/clientapps", "GET", func(op *openapi3.Operation) { op.Extensions["x-access"] = "org-admin" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := Spec()
			if err != nil {
				t.Fatal(err)
			}
			item := doc.Paths.Value(tc.path)
			op := item.GetOperation(tc.method)
			if got := accessProblems(doc, tc.method, tc.path, item, op); len(got) != 0 {
				t.Fatalf("the spec as it is: %v", got)
			}
			tc.breakIt(op)
			if got := accessProblems(doc, tc.method, tc.path, item, op); len(got) == 0 {
				t.Fatalf("not caught")
			}
		})
	}
}
