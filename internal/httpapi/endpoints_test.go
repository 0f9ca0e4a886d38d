package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/gen"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/version"
)

func TestDiscoveryListsEveryOperation(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	tok := svc.Token(t, clientID, alice)

	if r := svc.Client.Get(t, "/api/v1", ""); r.Status != 401 {
		t.Fatalf("unauthenticated discovery: %d", r.Status)
	}
	r := svc.Client.Get(t, "/api/v1", tok)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	listed := map[string]bool{}
	for _, s := range r.JSON(t)["services"].([]any) {
		m := s.(map[string]any)
		listed[m["httpMethod"].(string)+" "+m["name"].(string)+" "+m["link"].(string)] = true
	}
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	// Every API operation, by its path without the base URL (platform.md: a client does base + link);
	// not the probes, the documentation, nor the sign-in pages' forms and pages.
	left := map[string]bool{"getHealth": true, "getReadiness": true, "getOpenApiYaml": true, "getOpenApiJson": true,
		"getApiExplorer": true, "signIn": true, "decideAuthorization": true, "verifySignInCode": true,
		"openMfaSetup": true, "completeMfaSetup": true,
		// issue 21's pages: sign-out, the account page, the password links
		"startSignOut": true, "signOut": true, "getAccountPage": true, "revokeAccountApp": true, "endAccountSessions": true,
		"setUpAccountMfa": true, "openForgotPassword": true, "requestPasswordReset": true, "openPasswordLink": true,
		"choosePassword": true}
	n := 0
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + op.OperationID + " " + path
			if left[op.OperationID] {
				if listed[key] {
					t.Errorf("discovery lists %s", key)
				}
				continue
			}
			n++
			if !listed[key] {
				t.Errorf("discovery lacks %s", key)
			}
		}
	}
	if n != len(listed) {
		t.Errorf("discovery lists %d services, the spec has %d API operations", len(listed), n)
	}
	for k := range listed {
		if !strings.Contains(k, " /") || strings.Contains(k, "://") {
			t.Errorf("a link with a base URL: %s", k)
		}
	}
}

func TestPublicEndpoints(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	cases := []struct {
		path   string
		status int
		check  func(t *testing.T, body map[string]any)
	}{
		{"/api/v1/config", 200, func(t *testing.T, b map[string]any) {
			if b["passwordMinLength"] != float64(12) || b["passwordMaxLength"] != float64(1024) {
				t.Errorf("password policy: %v", b)
			}
		}},
		{"/healthz", 200, func(t *testing.T, b map[string]any) {
			if b["status"] != "ok" || b["version"] != version.String() {
				t.Errorf("health: %v, want the version %s", b, version.String())
			}
		}},
		{"/readyz", 200, nil},
		{"/api/oauth/jwks", 200, func(t *testing.T, b map[string]any) {
			if len(b["keys"].([]any)) != 1 {
				t.Errorf("keys: %v", b)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			r := svc.Client.Get(t, tc.path, "")
			if r.Status != tc.status {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if r.Header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
			if tc.check != nil {
				tc.check(t, r.JSON(t))
			}
		})
	}
	t.Run("not ready when the database is gone", func(t *testing.T) {
		_ = svc.Store.Close()
		r := svc.Client.Get(t, "/readyz", "")
		if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
			t.Fatalf("%d %v %s", r.Status, r.Header, r.Body)
		}
		if r := svc.Client.Get(t, "/healthz", ""); r.Status != 200 {
			t.Fatalf("liveness depends on the database: %d", r.Status)
		}
	})
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	cases := []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/v1/nothing-here", 404},
		{"GET", "/", 404},
		{"DELETE", "/api/v1/users/me", 405},
		{"GET", "/api/oauth/token", 405},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := svc.Client.Do(t, testutil.Request{Method: tc.method, Path: tc.path})
			if r.Status != tc.status || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d %q %s", r.Status, r.Header.Get("Content-Type"), r.Body)
			}
		})
	}
}

func TestUpdateMe(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	tok := svc.Token(t, clientID, alice)
	put := func(token, contentType, body string) *testutil.Response {
		return svc.Client.Do(t, testutil.Request{Method: "PUT", Path: "/api/v1/users/me", Token: token, ContentType: contentType, Body: []byte(body)})
	}
	long := strings.Repeat("x", 256)
	cases := []struct {
		name, contentType, body string
		status                  int
		field                   string // the member the problem must name
		want                    map[string]any
	}{
		{"sets the profile", "application/json", `{"firstName":"Alice","lastName":"Smith","otherName":"Al","mobileNumber":"+61412345678"}`, 200, "",
			map[string]any{"firstName": "Alice", "lastName": "Smith", "otherName": "Al", "mobileNumber": "+61412345678", "email": alice}},
		{"left-out members become null", "application/json", `{"firstName":"Alice"}`, 200, "",
			map[string]any{"firstName": "Alice", "lastName": nil, "otherName": nil, "mobileNumber": nil}},
		{"explicit null clears", "application/json", `{"firstName":null}`, 200, "", map[string]any{"firstName": nil}},
		{"mobile without +", "application/json", `{"mobileNumber":"0412345678"}`, 400, "mobileNumber", nil},
		// The documented example, kept as sent; hyphens likewise.
		{"mobile as documented", "application/json", `{"mobileNumber":"+1 234 567 8910"}`, 200, "", map[string]any{"mobileNumber": "+1 234 567 8910"}},
		{"mobile with hyphens", "application/json", `{"mobileNumber":"+61-412-345-678"}`, 200, "", map[string]any{"mobileNumber": "+61-412-345-678"}},
		{"mobile with two spaces", "application/json", `{"mobileNumber":"+1  234 567 8910"}`, 400, "mobileNumber", nil},
		{"mobile ending in a space", "application/json", `{"mobileNumber":"+1 234 567 8910 "}`, 400, "mobileNumber", nil},
		{"mobile with a space after +", "application/json", `{"mobileNumber":"+ 1 234 567 8910"}`, 400, "mobileNumber", nil},
		{"mobile too long", "application/json", `{"mobileNumber":"+1 234 567 8910 1234 5"}`, 400, "mobileNumber", nil},
		{"name too long", "application/json", `{"firstName":"` + long + `"}`, 400, "firstName", nil},
		{"blank name", "application/json", `{"firstName":"   "}`, 400, "firstName", nil},
		{"wrong type", "application/json", `{"firstName":7}`, 400, "firstName", nil},
		{"unknown member", "application/json", `{"email":"mallory@evil.example"}`, 400, "", nil},
		// Go's decoder matches member names case-insensitively; the closed schema refuses the twin.
		{"differently-cased twin", "application/json", `{"firstName":"ok","FIRSTNAME":"` + long + `"}`, 400, "", nil},
		{"not JSON", "application/json", `{"firstName":`, 400, "", nil},
		{"no body", "application/json", ``, 400, "", nil},
		{"JSON array", "application/json", `[]`, 400, "", nil},
		{"form body", "application/x-www-form-urlencoded", `firstName=x`, 415, "", nil},
		{"no content type", "", `{"firstName":"x"}`, 415, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := svc.Client.Get(t, "/api/v1/users/me", tok).JSON(t)
			r := put(tok, tc.contentType, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status != 200 {
				b := r.JSON(t)
				if tc.field != "" && !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
					t.Errorf("problem does not name %s: %s", tc.field, r.Body)
				}
				if b["status"] != float64(tc.status) || b["title"] == "" {
					t.Errorf("problem: %s", r.Body)
				}
				after := svc.Client.Get(t, "/api/v1/users/me", tok).JSON(t)
				for k, v := range before {
					if k != "organisations" && after[k] != v {
						t.Errorf("a refused request changed %s: %v → %v", k, v, after[k])
					}
				}
				return
			}
			got := r.JSON(t)
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
	t.Run("unauthenticated", func(t *testing.T) {
		if r := put("", "application/json", `{}`); r.Status != 401 {
			t.Fatalf("%d", r.Status)
		}
	})
	t.Run("unauthenticated learns nothing about the body", func(t *testing.T) {
		r := put("", "application/json", `{"nope":1}`)
		if r.Status != 401 || strings.Contains(string(r.Body), "nope") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

// TestKeysAreShared: a second instance on the same database verifies the first one's tokens, and a
// restarted instance keeps its key.
func TestKeysAreShared(t *testing.T) {
	t.Parallel()
	db := testutil.NewPostgres(t)
	a := testutil.Start(t, testutil.WithDatabase(db))
	a.CreateUser(t, alice, false)
	a.RegisterClient(t, clientID)
	tok := a.Token(t, clientID, alice)

	b := testutil.Start(t, testutil.WithDatabase(db), testutil.WithEnv("ACCESS_ISSUER", a.Config.Issuer))
	if r := b.Client.Get(t, "/api/v1/users/me", tok); r.Status != 200 {
		t.Fatalf("second instance refuses the first one's token: %d %s", r.Status, r.Body)
	}
	// A key rotated on one instance is picked up by the other when it first sees a token signed by it.
	if _, err := a.Keys.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	rotated := a.Token(t, clientID, alice)
	if r := b.Client.Get(t, "/api/v1/users/me", rotated); r.Status != 200 {
		t.Fatalf("second instance refuses a token signed with the new key: %d %s", r.Status, r.Body)
	}
	if r := b.Client.Get(t, "/api/v1/users/me", tok); r.Status != 200 {
		t.Fatalf("token signed with the previous key refused after rotation: %d", r.Status)
	}
	if got := len(b.Client.Get(t, "/api/oauth/jwks", "").JSON(t)["keys"].([]any)); got != 2 {
		t.Fatalf("JWKS has %d keys after rotation, want 2", got)
	}
}

// TestEmbeddedStore runs the sign-in path on the embedded SQLite store, where SQL could differ.
func TestEmbeddedStore(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	r := svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": alice, "password": testutil.Password})
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	body := r.JSON(t)
	if me := svc.Client.Get(t, "/api/v1/users/me", body["access_token"].(string)); me.Status != 200 {
		t.Fatalf("%d %s", me.Status, me.Body)
	}
	refresh := map[string]string{"grant_type": "refresh_token", "refresh_token": body["refresh_token"].(string)}
	if r := svc.Client.PostForm(t, "/api/oauth/token", basic, refresh); r.Status != 200 {
		t.Fatalf("refresh: %d %s", r.Status, r.Body)
	}
	if r := svc.Client.PostForm(t, "/api/oauth/token", basic, refresh); r.Status != 400 {
		t.Fatalf("reuse on SQLite: %d %s", r.Status, r.Body)
	}
	var failed *testutil.Response
	for range 5 {
		failed = svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": alice, "password": "wrong password!"})
	}
	r = svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": alice, "password": testutil.Password})
	if r.Status != 400 || string(r.Body) != string(failed.Body) {
		t.Fatalf("lockout on SQLite: %d %s", r.Status, r.Body)
	}
}
