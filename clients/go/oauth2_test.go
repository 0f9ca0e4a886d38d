package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"golang.org/x/oauth2"
)

// fakeService answers the token endpoint like the service does (client in HTTP Basic, form body) and
// GET /api/v1/users/me for the last access token it issued.
type fakeService struct {
	mu        sync.Mutex
	grants    []string // grant_type of each token request, in order
	issued    int
	expiresIn int
	mfa       bool
	refreshOK bool
}

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case TokenPath:
		// RFC 6749 section 2.3.1: the id and secret are form-encoded before they go in HTTP Basic.
		id, secret, ok := r.BasicAuth()
		if !ok || id != "app+id" || secret != "app%3Asecret" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		_ = r.ParseForm()
		grant := r.PostForm.Get("grant_type")
		f.grants = append(f.grants, grant)
		switch {
		case grant == "password" && r.PostForm.Get("username") == "ann@example.com" && r.PostForm.Get("password") == "pw":
		case grant == "refresh_token" && f.refreshOK && r.PostForm.Get("refresh_token") == fmt.Sprintf("refresh-%d", f.issued):
		default:
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		f.issued++
		body := map[string]any{"access_token": fmt.Sprintf("access-%d", f.issued), "token_type": "bearer",
			"expires_in": f.expiresIn, "refresh_token": fmt.Sprintf("refresh-%d", f.issued)}
		if f.mfa {
			body["mfa_required"] = true
		}
		_ = json.NewEncoder(w).Encode(body)
	case "/api/v1/users/me":
		if r.Header.Get("Authorization") != fmt.Sprintf("Bearer access-%d", f.issued) {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_token"}`)
			return
		}
		fmt.Fprint(w, `{"id":"1","email":"ann@example.com","safeShareAdmin":false}`)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeService) grantTypes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.grants...)
}

func tokenFrom(t *testing.T, ts oauth2.TokenSource) string {
	t.Helper()
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func equal(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func TestPasswordTokenSourceSignsInOnceAndReusesTheToken(t *testing.T) {
	f := &fakeService{expiresIn: 3600}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx := context.Background()
	ts := PasswordTokenSource(ctx, OAuth2Config(srv.URL+"/", "app id", "app:secret"), "ann@example.com", "pw")
	if got := f.grantTypes(); len(got) != 0 {
		t.Fatalf("a token was asked for before it was needed: %v", got)
	}
	c, err := NewClientWithResponses(srv.URL, WithTokenSource(ctx, ts))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		me, err := c.GetMeWithResponse(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if me.JSON200 == nil || string(me.JSON200.Email) != "ann@example.com" {
			t.Fatalf("GET /users/me: %d %s", me.StatusCode(), me.Body)
		}
	}
	if got := f.grantTypes(); !equal(got, []string{"password"}) {
		t.Fatalf("token requests: %v, want one password grant", got)
	}
}

func TestPasswordTokenSourceRefreshesThenSignsInAgain(t *testing.T) {
	f := &fakeService{expiresIn: 1, refreshOK: true} // within oauth2's 10s margin: every token is stale at once
	srv := httptest.NewServer(f)
	defer srv.Close()
	ts := PasswordTokenSource(context.Background(), OAuth2Config(srv.URL, "app id", "app:secret"), "ann@example.com", "pw")
	if a := tokenFrom(t, ts); a != "access-1" {
		t.Fatalf("first token %q", a)
	}
	if a := tokenFrom(t, ts); a != "access-2" {
		t.Fatalf("refreshed token %q", a)
	}
	f.mu.Lock()
	f.refreshOK = false // the refresh token is revoked: the source signs in again
	f.mu.Unlock()
	if a := tokenFrom(t, ts); a != "access-3" {
		t.Fatalf("token after a refused refresh %q", a)
	}
	if got := f.grantTypes(); !equal(got, []string{"password", "refresh_token", "refresh_token", "password"}) {
		t.Fatalf("token requests: %v", got)
	}
}

func TestPasswordTokenSourceErrors(t *testing.T) {
	f := &fakeService{expiresIn: 3600}
	srv := httptest.NewServer(f)
	defer srv.Close()
	ctx := context.Background()

	_, err := PasswordTokenSource(ctx, OAuth2Config(srv.URL, "app id", "wrong"), "ann@example.com", "pw").Token()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Fatalf("wrong client secret: %v, want invalid_client", err)
	}
	_, err = PasswordTokenSource(ctx, OAuth2Config(srv.URL, "app id", "app:secret"), "ann@example.com", "nope").Token()
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Fatalf("wrong password: %v, want invalid_grant", err)
	}
	f.mfa = true
	_, err = PasswordTokenSource(ctx, OAuth2Config(srv.URL, "app id", "app:secret"), "ann@example.com", "pw").Token()
	if !errors.Is(err, ErrMFARequired) {
		t.Fatalf("MFA account: %v, want ErrMFARequired", err)
	}
}

func TestOAuth2Config(t *testing.T) {
	cfg := OAuth2Config("http://127.0.0.1:8080/", "id", "secret", "openid")
	if cfg.Endpoint.TokenURL != "http://127.0.0.1:8080/api/oauth/token" || cfg.Endpoint.AuthStyle != oauth2.AuthStyleInHeader {
		t.Fatalf("endpoint %+v", cfg.Endpoint)
	}
	if _, err := url.Parse(cfg.Endpoint.TokenURL); err != nil {
		t.Fatal(err)
	}
}
