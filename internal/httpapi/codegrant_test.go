package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestAuthorizationCodeGrant: a code works once, for its client and redirect URI, with its verifier,
// within 60 seconds.
func TestAuthorizationCodeGrant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	svc := e.svc
	e.createApp(t, map[string]any{"appName": "Other", "clientId": "other-app", "clientSecret": appSecret,
		"accessTokenValiditySeconds": 60, "refreshTokenValiditySeconds": 60,
		"authorizedGrantTypes": []string{"authorization_code"}, "registeredRedirectUris": []string{redirectURI}})
	e.createApp(t, map[string]any{"appName": "Pw", "clientId": "pw-only", "clientSecret": appSecret,
		"accessTokenValiditySeconds": 60, "refreshTokenValiditySeconds": 60, "authorizedGrantTypes": []string{"password"}})
	b := svc.NewBrowser(t)
	verifier, challenge := pkcePair("grant-")
	path := authorizePath(codeParams(challenge))
	loc := approve(t, b, signIn(t, b, path, alice), "approve")
	_ = loc
	newCode := func(t *testing.T) string {
		t.Helper()
		r := b.Get(t, path)
		if r.Status != http.StatusFound {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		return resultOf(t, r.Header.Get("Location"), redirectURI, false).Get("code")
	}
	with := func(code string, kv ...string) map[string]string {
		f := codeForm(code, verifier)
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(f, kv[i])
			} else {
				f[kv[i]] = kv[i+1]
			}
		}
		return f
	}
	cases := []struct {
		name   string
		basic  string
		form   func(code string) map[string]string
		status int
		error  string
	}{
		{"exchanges", thirdBasic, func(c string) map[string]string { return with(c) }, 200, ""},
		{"wrong verifier", thirdBasic, func(c string) map[string]string {
			other, _ := pkcePair("other-")
			return with(c, "code_verifier", other)
		}, 400, "invalid_grant"},
		{"missing verifier", thirdBasic, func(c string) map[string]string { return with(c, "code_verifier", "") }, 400, "invalid_grant"},
		{"malformed verifier", thirdBasic, func(c string) map[string]string { return with(c, "code_verifier", "short") }, 400, "invalid_grant"},
		{"other registered redirect_uri", thirdBasic, func(c string) map[string]string { return with(c, "redirect_uri", "com.example.app:/oauth") }, 400, "invalid_grant"},
		{"missing redirect_uri", thirdBasic, func(c string) map[string]string { return with(c, "redirect_uri", "") }, 400, "invalid_request"},
		{"missing code", thirdBasic, func(string) map[string]string { return with("", "code", "") }, 400, "invalid_request"},
		{"unknown code", thirdBasic, func(string) map[string]string { return with("made-up") }, 400, "invalid_grant"},
		{"another client's code", "other-app:" + appSecret, func(c string) map[string]string { return with(c) }, 400, "invalid_grant"},
		{"client without the grant", "pw-only:" + appSecret, func(c string) map[string]string { return with(c) }, 400, "unauthorized_client"},
		{"wrong secret", thirdParty + ":wrong-secret", func(c string) map[string]string { return with(c) }, 401, "invalid_client"},
		{"Basic and a different client_id", thirdBasic, func(c string) map[string]string { return with(c, "client_id", "other-app") }, 401, "invalid_client"},
		{"client_id alone for a confidential client", "", func(c string) map[string]string { return with(c, "client_id", thirdParty) }, 401, "invalid_client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code := newCode(t)
			r := exchange(t, svc, tc.basic, tc.form(code))
			if r.Status != tc.status {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tc.status)
			}
			if tc.error != "" && r.JSON(t)["error"] != tc.error {
				t.Fatalf("%s, want %s", r.Body, tc.error)
			}
		})
	}

	t.Run("a code works once; its second use revokes what the first got", func(t *testing.T) {
		code := newCode(t)
		r := exchange(t, svc, thirdBasic, with(code))
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		tok := r.JSON(t)
		other := fullCodeFlow(t, e, svc.NewBrowser(t), bob)["access_token"].(string)
		if r := exchange(t, svc, thirdBasic, with(code)); r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
			t.Fatalf("reuse: %d %s", r.Status, r.Body)
		}
		if s := meStatus(t, svc, tok["access_token"].(string)); s != 401 {
			t.Fatalf("access token of a reused code: %d", s)
		}
		if r := exchange(t, svc, thirdBasic, map[string]string{"grant_type": "refresh_token", "refresh_token": tok["refresh_token"].(string)}); r.Status != 400 {
			t.Fatalf("refresh token of a reused code: %d", r.Status)
		}
		if s := meStatus(t, svc, other); s != 200 {
			t.Fatalf("another sign-in of the same app was revoked: %d", s)
		}
	})
	t.Run("a failed exchange changes nothing", func(t *testing.T) {
		code := newCode(t)
		other, _ := pkcePair("wrong-")
		for _, f := range []map[string]string{with(code, "code_verifier", other), with(code, "redirect_uri", "com.example.app:/oauth")} {
			if r := exchange(t, svc, thirdBasic, f); r.Status != 400 {
				t.Fatalf("%d", r.Status)
			}
		}
		if r := exchange(t, svc, "other-app:"+appSecret, with(code)); r.Status != 400 {
			t.Fatalf("%d", r.Status)
		}
		r := exchange(t, svc, thirdBasic, with(code))
		if r.Status != 200 {
			t.Fatalf("the code did not survive failed exchanges: %d %s", r.Status, r.Body)
		}
		if s := meStatus(t, svc, r.JSON(t)["access_token"].(string)); s != 200 {
			t.Fatalf("%d", s)
		}
	})
	t.Run("concurrent exchanges: exactly one wins", func(t *testing.T) {
		code := newCode(t)
		results := make(chan int, 6)
		for range 6 {
			go func() { results <- exchange(t, svc, thirdBasic, with(code)).Status }()
		}
		ok := 0
		for range 6 {
			if <-results == 200 {
				ok++
			}
		}
		if ok != 1 {
			t.Fatalf("%d exchanges succeeded", ok)
		}
	})
	t.Run("a code expires after 60 seconds", func(t *testing.T) {
		code := newCode(t)
		e.sql(t, "UPDATE authorization_codes SET expires_at = now() - interval '1 second'")
		if r := exchange(t, svc, thirdBasic, with(code)); r.Status != 400 || r.JSON(t)["error"] != "invalid_grant" {
			t.Fatalf("expired code: %d %s", r.Status, r.Body)
		}
		fresh := newCode(t)
		e.sql(t, "UPDATE authorization_codes SET expires_at = now() + interval '59 seconds'")
		if r := exchange(t, svc, thirdBasic, with(fresh)); r.Status != 200 {
			t.Fatalf("code within its minute: %d %s", r.Status, r.Body)
		}
	})
	t.Run("a code without PKCE, from a confidential client", func(t *testing.T) {
		p := codeParams("")
		delete(p, "code_challenge")
		delete(p, "code_challenge_method")
		r := b.Get(t, authorizePath(p))
		code := resultOf(t, r.Header.Get("Location"), redirectURI, false).Get("code")
		if r := exchange(t, svc, thirdBasic, with(code, "code_verifier", verifier)); r.Status != 400 {
			t.Fatalf("verifier for a code without challenge: %d", r.Status)
		}
		r = b.Get(t, authorizePath(p))
		code = resultOf(t, r.Header.Get("Location"), redirectURI, false).Get("code")
		if r := exchange(t, svc, thirdBasic, with(code, "code_verifier", "")); r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

// TestPublicClient: an app registered without a secret signs users in with PKCE and identifies itself
// with client_id alone; it cannot use the password grant.
func TestPublicClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	app := e.createApp(t, map[string]any{"appName": "Mobile", "clientId": "mobile", "accessTokenValiditySeconds": 300,
		"refreshTokenValiditySeconds": 3600, "authorizedGrantTypes": []string{"authorization_code", "refresh_token"},
		"registeredRedirectUris": []string{"com.example.app:/oauth"}})
	if app["hasSecret"] != false {
		t.Fatalf("%v", app)
	}
	b := e.svc.NewBrowser(t)
	verifier, challenge := pkcePair("mobile")
	path := authorizePath(map[string]string{"response_type": "code", "client_id": "mobile", "redirect_uri": "com.example.app:/oauth",
		"code_challenge": challenge, "code_challenge_method": "S256"})
	code := resultOf(t, approve(t, b, signIn(t, b, path, alice), "approve"), "com.example.app:/oauth", false).Get("code")
	form := map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": "com.example.app:/oauth",
		"code_verifier": verifier, "client_id": "mobile"}
	r := exchange(t, e.svc, "", form)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	rt := r.JSON(t)["refresh_token"].(string)
	if r := exchange(t, e.svc, "", map[string]string{"grant_type": "refresh_token", "refresh_token": rt, "client_id": "mobile"}); r.Status != 200 {
		t.Fatalf("public refresh: %d %s", r.Status, r.Body)
	}
	if r := exchange(t, e.svc, "", map[string]string{"grant_type": "password", "username": alice, "password": testutil.Password, "client_id": "mobile"}); r.Status != 400 || r.JSON(t)["error"] != "unauthorized_client" {
		t.Fatalf("public password grant: %d %s", r.Status, r.Body)
	}
	if r := exchange(t, e.svc, "mobile:anything", form); r.Status != 401 {
		t.Fatalf("public client with a made-up secret: %d %s", r.Status, r.Body)
	}
}
