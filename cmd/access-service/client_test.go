package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

// tokenRequest asks the live service for a token with the password grant; it returns the status and
// the JSON answer.
func tokenRequest(t *testing.T, svc *testutil.Service, clientID, secret, username, pw string) (int, map[string]any) {
	t.Helper()
	resp := svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+secret, map[string]string{
		"grant_type": "password", "username": username, "password": pw})
	return resp.Status, resp.JSON(t)
}

// TestClientCommands registers client apps with the command line on the store a live service uses,
// then gets tokens through them over HTTP; disabling one refuses its token requests and ends the tokens
// it had, as the API's disable does.
func TestClientCommands(t *testing.T) {
	db := testutil.NewPostgres(t)
	t.Setenv("ACCESS_DATABASE_URL", db)
	svc := testutil.Start(t, testutil.WithDatabase(db))
	svc.CreateUser(t, "ann@xy-company.com", false)
	const given = "a-client-secret-given-on-stdin-0123456789"

	// A generated secret, printed once; the defaults: password and refresh_token, scope read.
	code, out, errOut := runCLI(t, "", "client", "create", "--client-id", "mobile", "--generate-secret", "--name", "Mobile app")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	var secret string
	for _, l := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(l, "client secret: "); ok {
			secret = s
		}
	}
	if len(secret) < 32 || !strings.Contains(out, "created client app mobile (grants password,refresh_token; scope read)") {
		t.Fatalf("create printed %q", out)
	}
	status, tok := tokenRequest(t, svc, "mobile", secret, "ann@xy-company.com", testutil.Password)
	if status != 200 || tok["scope"] != "read" || tok["refresh_token"] == nil {
		t.Fatalf("token through the new client: %d %v", status, tok)
	}
	access := tok["access_token"].(string)

	// The secret from standard input; grants and scopes as repeated flags and comma lists.
	code, out, errOut = runCLI(t, given+"\n", "client", "create", "--client-id", "portal", "--grant", "password",
		"--grant", "authorization_code,refresh_token", "--scope", "read,write", "--scope", "files", "--redirect-uri", "https://portal.example.com/cb",
		"--post-logout-redirect-uri", "https://portal.example.com/bye")
	if code != 0 || strings.Contains(out, given) {
		t.Fatalf("create from stdin: exit %d\n%s%s", code, out, errOut)
	}
	if a, err := svc.Apps.ByClientID(context.Background(), "portal"); err != nil || !slices.Equal(a.PostLogoutRedirectURIs, []string{"https://portal.example.com/bye"}) {
		t.Fatalf("post-logout redirect URIs: %v %v", a.PostLogoutRedirectURIs, err)
	}
	status, tok = tokenRequest(t, svc, "portal", given, "ann@xy-company.com", testutil.Password)
	if status != 200 || tok["scope"] != "read write files" {
		t.Fatalf("token through the client with the secret from stdin: %d %v", status, tok)
	}

	for _, tc := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"bad post-logout URI", given, []string{"--client-id", "x0", "--post-logout-redirect-uri", "https://bye.example.com/#frag"}, "post-logout"},
		{"unknown grant", given, []string{"--client-id", "x1", "--grant", "password,client_credentials"}, `unknown grant "client_credentials"`},
		{"secret too short", "short secret\n", []string{"--client-id", "x2"}, "the secret must be at least 32 characters long (it has 12)"},
		{"no secret on stdin", "", []string{"--client-id", "x3"}, "expected the client secret on standard input"},
		{"empty secret line", "\n", []string{"--client-id", "x3"}, "expected the client secret on standard input"},
		{"id taken", given, []string{"--client-id", "mobile"}, "a client app with the client id mobile already exists"},
		{"bad client id", given, []string{"--client-id", "no spaces"}, "must be 1 to 255 letters"},
		{"no client id", given, nil, "--client-id is required"},
		{"bad scope", given, []string{"--client-id", "x4", "--scope", `a"b`}, "is not a scope token"},
		{"authorization code without redirect", given, []string{"--client-id", "x5", "--grant", "authorization_code"}, "redirect URI"},
		{"public client with the password grant", "", []string{"--client-id", "x6", "--public"}, "needs a client secret"},
		{"validity out of range", given, []string{"--client-id", "x7", "--access-token-validity", "10s"}, "--access-token-validity must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.stdin, append([]string{"client", "create"}, tc.args...)...)
			if code != 1 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q: want one line saying %q", code, errOut, tc.want)
			}
		})
	}

	code, out, _ = runCLI(t, "", "client", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "CLIENT ID") ||
		!strings.Contains(out, "Mobile app") || !strings.Contains(out, "password,authorization_code,refresh_token") || !strings.Contains(out, "read,write,files") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}

	// Disabled: token requests are refused, and the access token it gave is refused too.
	if code, out, errOut = runCLI(t, "", "client", "disable", "--client-id", "mobile"); code != 0 || !strings.Contains(out, "disabled client app mobile") {
		t.Fatalf("disable: exit %d %s%s", code, out, errOut)
	}
	if status, tok = tokenRequest(t, svc, "mobile", secret, "ann@xy-company.com", testutil.Password); status != 401 || tok["error"] != "invalid_client" {
		t.Fatalf("token through a disabled client: %d %v", status, tok)
	}
	// The service learns of the revocation the command recorded at its next poll (every 2 s).
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		if resp := svc.Client.Get(t, "/api/v1/users/me", access); resp.Status == http.StatusUnauthorized {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the disabled client's access token is still accepted")
		case <-time.After(200 * time.Millisecond):
		}
	}
	_, out, _ = runCLI(t, "", "client", "list")
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "mobile ") && !strings.HasSuffix(strings.TrimSpace(l), " no") {
			t.Fatalf("list after disable shows mobile enabled:\n%s", out)
		}
	}
	if code, out, _ = runCLI(t, "", "client", "disable", "--client-id", "mobile"); code != 0 || !strings.Contains(out, "already disabled") {
		t.Fatalf("disable twice: %d %s", code, out)
	}
	if code, out, _ = runCLI(t, "", "client", "enable", "--client-id", "mobile"); code != 0 || !strings.Contains(out, "enabled client app mobile") {
		t.Fatalf("enable: %d %s", code, out)
	}
	if status, _ = tokenRequest(t, svc, "mobile", secret, "ann@xy-company.com", testutil.Password); status != 200 {
		t.Fatalf("token through the enabled client: %d", status)
	}
	for _, args := range [][]string{{"disable", "--client-id", "nobody"}, {"enable", "--client-id", "nobody"}} {
		if code, _, errOut = runCLI(t, "", append([]string{"client"}, args...)...); code != 1 || !strings.Contains(errOut, "no client app has the client id nobody") {
			t.Fatalf("%v: %d %q", args, code, errOut)
		}
	}
	if code, _, errOut = runCLI(t, "", "client", "rename"); code != 1 || !strings.Contains(errOut, "unknown client subcommand") {
		t.Fatalf("unknown subcommand: %d %q", code, errOut)
	}
}
