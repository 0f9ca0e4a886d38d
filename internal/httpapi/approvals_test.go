package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

func TestApprovalsEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	aliceTok := fullCodeFlow(t, e, e.svc.NewBrowser(t), alice)["access_token"].(string)
	fullCodeFlow(t, e, e.svc.NewBrowser(t), bob)
	bobFirst := e.svc.Token(t, clientID, bob)
	list := func(tok string) []any {
		r := e.svc.Client.Get(t, "/api/v1/users/me/applications/approvals", tok)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		return r.JSON(t)["applications"].([]any)
	}
	bobsApproval := list(bobFirst)[0].(map[string]any)["id"].(string)
	alicesApproval := list(aliceTok)[0].(map[string]any)
	if scopes := alicesApproval["scopes"].([]any); len(scopes) != 2 {
		t.Fatalf("scopes: %v", alicesApproval)
	}

	if r := e.svc.Client.Get(t, "/api/v1/users/me/applications/approvals", ""); r.Status != 401 {
		t.Fatalf("list without a token: %d", r.Status)
	}
	for _, tc := range []struct {
		name, id, token string
		status          int
	}{
		{"someone else's approval", bobsApproval, aliceTok, 404},
		{"unknown approval", "123456789", aliceTok, 404},
		{"not an id", "abc", aliceTok, 400},
		{"zero", "0", aliceTok, 400},
		{"no token", alicesApproval["id"].(string), "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, http.MethodDelete, "/api/v1/users/me/applications/approvals/"+tc.id, tc.token, nil)
			if r.Status != tc.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tc.status)
			}
		})
	}
	if len(list(bobFirst)) != 1 {
		t.Fatal("alice's attempt removed bob's approval")
	}
	if r := e.do(t, http.MethodDelete, "/api/v1/users/me/applications/approvals/"+alicesApproval["id"].(string), aliceTok, nil); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	// The app's own token revoked its approval; it is now refused, and the approval cannot go twice.
	if r := e.do(t, http.MethodDelete, "/api/v1/users/me/applications/approvals/"+alicesApproval["id"].(string), e.svc.Token(t, clientID, alice), nil); r.Status != 404 {
		t.Fatalf("second revocation: %d", r.Status)
	}
	if s := meStatus(t, e.svc, aliceTok); s != 401 {
		t.Fatalf("%d", s)
	}
}

// TestExpireMySessions: refresh tokens die at once; access tokens live until they expire; the sign-in
// session of the pages ends.
func TestExpireMySessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.svc.NewBrowser(t)
	third := fullCodeFlow(t, e, b, alice)
	first := e.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": alice, "password": testutil.Password}).JSON(t)
	bobs := e.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": bob, "password": testutil.Password}).JSON(t)

	if r := e.do(t, http.MethodPut, "/api/v1/users/me/expire", "", nil); r.Status != 401 {
		t.Fatalf("no token: %d", r.Status)
	}
	if r := e.do(t, http.MethodPut, "/api/v1/users/me/expire", first["access_token"].(string), nil); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	for name, tc := range map[string]struct{ basic, refresh string }{
		"first-party": {basic, first["refresh_token"].(string)},
		"third-party": {thirdBasic, third["refresh_token"].(string)},
	} {
		if r := e.svc.Client.PostForm(t, "/api/oauth/token", tc.basic, map[string]string{"grant_type": "refresh_token", "refresh_token": tc.refresh}); r.Status != 400 {
			t.Fatalf("%s refresh token after expire: %d", name, r.Status)
		}
	}
	if meStatus(t, e.svc, first["access_token"].(string)) != 200 || meStatus(t, e.svc, third["access_token"].(string)) != 200 {
		t.Fatal("access tokens must live until they expire")
	}
	if r := e.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "refresh_token", "refresh_token": bobs["refresh_token"].(string)}); r.Status != 200 {
		t.Fatalf("bob's refresh token died: %d", r.Status)
	}
	_, challenge := pkcePair("e")
	if page := b.Get(t, authorizePath(codeParams(challenge))); !strings.Contains(string(page.Body), `action="/api/oauth/login"`) {
		t.Fatalf("the sign-in session survived: %d", page.Status)
	}
}

// TestRevocationReachesOtherInstances: two instances share a database; a revocation made on one is
// honoured by the other within the poll interval.
func TestRevocationReachesOtherInstances(t *testing.T) {
	e := newEnv(t)
	other := testutil.Start(t, testutil.WithDatabase(e.svc.Config.DatabaseURL), testutil.WithEnv("ACCESS_ISSUER", e.svc.Config.Issuer))
	tok := fullCodeFlow(t, e, e.svc.NewBrowser(t), alice)["access_token"].(string)
	if s := meStatus(t, other, tok); s != 200 {
		t.Fatalf("the other instance refuses a good token: %d", s)
	}
	first := e.svc.Token(t, clientID, alice)
	id := e.svc.Client.Get(t, "/api/v1/users/me/applications/approvals", first).JSON(t)["applications"].([]any)[0].(map[string]any)["id"].(string)
	start := time.Now()
	if r := e.do(t, http.MethodDelete, "/api/v1/users/me/applications/approvals/"+id, first, nil); r.Status != 200 {
		t.Fatal(r.Status)
	}
	for meStatus(t, other, tok) != 401 {
		if time.Since(start) > 3*time.Second {
			t.Fatal("the other instance still accepts the revoked token after 3 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("the other instance refused the token after %v", time.Since(start).Round(time.Millisecond))
	if s := meStatus(t, other, first); s != 200 {
		t.Fatalf("the other instance refuses an unrevoked token: %d", s)
	}
	// A third instance started now loads the revocation at start.
	third := testutil.Start(t, testutil.WithDatabase(e.svc.Config.DatabaseURL), testutil.WithEnv("ACCESS_ISSUER", e.svc.Config.Issuer))
	if s := meStatus(t, third, tok); s != 401 {
		t.Fatalf("a new instance accepts the revoked token: %d", s)
	}
}

// TestFlowOnEmbeddedStore: the code flow and revocation on SQLite.
func TestFlowOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	svc.CreateUser(t, adminEmail, true)
	svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	e := &env{svc: svc, admin: svc.Token(t, clientID, adminEmail)}
	app := e.createApp(t, appBody(thirdParty, map[string]any{"clientSecret": appSecret}))
	tok := fullCodeFlow(t, e, svc.NewBrowser(t), alice)
	if s := meStatus(t, svc, tok["access_token"].(string)); s != 200 {
		t.Fatal(s)
	}
	if r := e.do(t, http.MethodPut, "/api/v1/clientapps/"+app["id"].(string)+"/enable", e.admin, nil); r.Status != 200 {
		t.Fatal(r.Status)
	}
	if s := meStatus(t, svc, tok["access_token"].(string)); s != 401 {
		t.Fatalf("disabled app's token on SQLite: %d", s)
	}
	if r := e.do(t, http.MethodDelete, "/api/v1/clientapps/"+app["id"].(string), e.admin, nil); r.Status != 200 {
		t.Fatal(r.Status)
	}
}
