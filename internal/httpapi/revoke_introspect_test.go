package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

func TestMetadata(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	r := svc.Client.Get(t, "/.well-known/oauth-authorization-server", "")
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	for k, want := range map[string]string{
		"issuer": svc.URL, "authorization_endpoint": svc.URL + "/api/oauth/authorize", "token_endpoint": svc.URL + "/api/oauth/token",
		"jwks_uri": svc.URL + "/api/oauth/jwks", "revocation_endpoint": svc.URL + "/api/oauth/revoke", "introspection_endpoint": svc.URL + "/api/oauth/introspect",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %s", k, m[k], want)
		}
	}
	if ms := m["code_challenge_methods_supported"].([]any); len(ms) != 1 || ms[0] != "S256" {
		t.Errorf("%v", ms)
	}
	// Every endpoint it names answers.
	if r := svc.Client.Get(t, "/api/oauth/jwks", ""); r.Status != 200 {
		t.Error(r.Status)
	}
}

func TestRevokeAndIntrospect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.svc
	third := fullCodeFlow(t, e, svc.NewBrowser(t), alice)
	first := svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": alice, "password": testutil.Password}).JSON(t)
	introspect := func(b, token string) map[string]any {
		t.Helper()
		r := svc.Client.PostForm(t, "/api/oauth/introspect", b, map[string]string{"token": token})
		if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("introspect: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)
	}

	t.Run("introspection", func(t *testing.T) {
		// The token's own client, and a resource server (an app registered with the introspect scope),
		// are told what it stands for.
		resourceServer := e.createApp(t, appBody("resource-server", map[string]any{"clientSecret": appSecret,
			"authorizedGrantTypes": []string{"password"}, "registeredRedirectUris": []string{}, "scope": []string{"read", "introspect"}}))
		for _, who := range []string{thirdBasic, "resource-server:" + appSecret} {
			in := introspect(who, third["access_token"].(string))
			if in["active"] != true || in["client_id"] != thirdParty || in["username"] != alice || in["token_type"] != "access_token" || in["scope"] != "read write" || in["iss"] != svc.URL {
				t.Fatalf("%s: %v (resource server %v)", who, in, resourceServer["scope"])
			}
		}
		// Any other client is told nothing (issue 16, 7): not even that the token is valid.
		if in := introspect(basic, third["access_token"].(string)); len(in) != 1 || in["active"] != false {
			t.Fatalf("another client's access token: %v", in)
		}
		if in := introspect(thirdBasic, third["refresh_token"].(string)); in["active"] != true || in["token_type"] != "refresh_token" {
			t.Fatalf("own refresh token: %v", in)
		}
		if in := introspect(basic, third["refresh_token"].(string)); len(in) != 1 || in["active"] != false {
			t.Fatalf("another client's refresh token: %v", in)
		}
		for _, junk := range []string{"junk", "a.b.c", first["access_token"].(string) + "x"} {
			if in := introspect(basic, junk); len(in) != 1 || in["active"] != false {
				t.Fatalf("%q: %v", junk, in)
			}
		}
	})

	for _, tc := range []struct {
		name, path, basic string
		form              map[string]string
		status            int
		error             string
	}{
		{"revoke: missing token", "/api/oauth/revoke", basic, map[string]string{}, 400, "invalid_request"},
		{"revoke: wrong secret", "/api/oauth/revoke", clientID + ":nope", map[string]string{"token": "x"}, 401, "invalid_client"},
		{"revoke: no credentials", "/api/oauth/revoke", "", map[string]string{"token": "x"}, 401, "invalid_client"},
		{"revoke: unknown token", "/api/oauth/revoke", basic, map[string]string{"token": "unknown"}, 200, ""},
		{"introspect: missing token", "/api/oauth/introspect", basic, map[string]string{}, 400, "invalid_request"},
		{"introspect: wrong secret", "/api/oauth/introspect", clientID + ":nope", map[string]string{"token": "x"}, 401, "invalid_client"},
		{"introspect: public client", "/api/oauth/introspect", "", map[string]string{"token": "x"}, 401, "invalid_client"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := svc.Client.PostForm(t, tc.path, tc.basic, tc.form)
			if r.Status != tc.status || (tc.error != "" && r.JSON(t)["error"] != tc.error) {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	for _, path := range []string{"/api/oauth/revoke", "/api/oauth/introspect"} {
		if r := svc.Client.Do(t, testutil.Request{Method: "POST", Path: path, Basic: basic, ContentType: "application/json", Body: []byte(`{"token":"x"}`)}); r.Status != http.StatusUnsupportedMediaType {
			t.Fatalf("%s JSON: %d", path, r.Status)
		}
	}

	t.Run("another client cannot revoke a token", func(t *testing.T) {
		if r := svc.Client.PostForm(t, "/api/oauth/revoke", basic, map[string]string{"token": third["access_token"].(string)}); r.Status != 200 {
			t.Fatal(r.Status)
		}
		if r := svc.Client.PostForm(t, "/api/oauth/revoke", basic, map[string]string{"token": third["refresh_token"].(string)}); r.Status != 200 {
			t.Fatal(r.Status)
		}
		if s := meStatus(t, svc, third["access_token"].(string)); s != 200 {
			t.Fatalf("%d", s)
		}
		if in := introspect(thirdBasic, third["refresh_token"].(string)); in["active"] != true {
			t.Fatal("another client revoked the refresh token")
		}
	})
	t.Run("revoking an access token", func(t *testing.T) {
		other := svc.Token(t, clientID, alice)
		if r := svc.Client.PostForm(t, "/api/oauth/revoke", basic, map[string]string{"token": first["access_token"].(string), "token_type_hint": "access_token"}); r.Status != 200 {
			t.Fatal(r.Status)
		}
		if s := meStatus(t, svc, first["access_token"].(string)); s != 401 {
			t.Fatalf("revoked access token: %d", s)
		}
		if in := introspect(thirdBasic, first["access_token"].(string)); in["active"] != false {
			t.Fatalf("%v", in)
		}
		if s := meStatus(t, svc, other); s != 200 {
			t.Fatalf("another token of the same pair: %d", s)
		}
	})
	t.Run("revoking a refresh token revokes its family", func(t *testing.T) {
		rot := svc.Client.PostForm(t, "/api/oauth/token", thirdBasic, map[string]string{"grant_type": "refresh_token", "refresh_token": third["refresh_token"].(string)}).JSON(t)
		next := rot["refresh_token"].(string)
		if r := svc.Client.PostForm(t, "/api/oauth/revoke", thirdBasic, map[string]string{"token": third["refresh_token"].(string)}); r.Status != 200 {
			t.Fatal(r.Status)
		}
		if r := svc.Client.PostForm(t, "/api/oauth/token", thirdBasic, map[string]string{"grant_type": "refresh_token", "refresh_token": next}); r.Status != 400 {
			t.Fatalf("descendant of a revoked refresh token: %d", r.Status)
		}
		if in := introspect(thirdBasic, next); in["active"] != false {
			t.Fatalf("%v", in)
		}
	})
}
