//go:build browser

package oidc_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestOIDCInChromium: a relying party built with golang.org/x/oauth2 and go-oidc (an httptest server
// here) signs a person in through the service, the browser's steps done by headless Chromium
// (tests/browser/oidc-rp.mjs): the RP's login sends the browser to the service with PKCE and a nonce;
// the person signs in and approves on the service's pages; the RP's callback checks the state,
// exchanges the code, verifies the ID token with the service's JWKS (iss, aud, exp, signature), its
// nonce and at_hash, reads UserInfo, and shows the claims. Run by scripts/api-gates.sh, after
// scripts/ensure-chromium.sh; needs node and playwright-core (npm ci).
func TestOIDCInChromium(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: this test drives Chromium through tests/browser/oidc-rp.mjs")
	}
	w := newWorld(t)
	rp := &chromiumRP{pending: map[string]login{}}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	rp.rp = newRPAt(t, w.svc, "chromium-rp", false, srv.URL+"/callback")

	script, err := filepath.Abs("../../tests/browser/oidc-rp.mjs")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Env = append(os.Environ(), "RP_URL="+srv.URL, "OIDC_EMAIL="+w.carol.Email, "OIDC_PASSWORD="+testutil.Password)
	cmd.Stderr = &testWriter{t}
	stdout, runErr := cmd.Output()
	var out struct {
		URL, Scopes, Error string
		Claims             map[string]any
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("the script's output %q: %v (run: %v)", stdout, err, runErr)
	}
	if runErr != nil || out.Error != "" {
		t.Fatalf("in Chromium: %v %s", runErr, out.Error)
	}
	if err := rp.failure(); err != "" {
		t.Fatalf("the relying party: %s", err)
	}
	if !strings.HasPrefix(out.URL, srv.URL+"/callback?") {
		t.Errorf("Chromium ended at %s", out.URL)
	}
	for _, words := range []string{"openid", "See your email address."} {
		if !strings.Contains(out.Scopes, words) {
			t.Errorf("the approval page's scopes %q do not say %q", out.Scopes, words)
		}
	}
	c := out.Claims
	if c["sub"] != itoa(w.carol.ID) || c["email"] != w.carol.Email || c["email_verified"] != true || c["name"] != "Carol Smith" ||
		c["userinfo_sub"] != c["sub"] || c["userinfo_email"] != w.carol.Email || c["nonce_ok"] != true || c["at_hash_ok"] != true {
		t.Errorf("claims the relying party verified: %v", c)
	}
	if amr, _ := c["amr"].([]any); len(amr) != 1 || amr[0] != "pwd" {
		t.Errorf("amr %v", c["amr"])
	}
}

// chromiumRP is the relying party's web side: /login starts a sign-in, /callback finishes it.
type chromiumRP struct {
	rp      *relyingParty
	mu      sync.Mutex
	pending map[string]login // by state
	err     string
}

func (h *chromiumRP) fail(w http.ResponseWriter, msg string) {
	h.mu.Lock()
	h.err = msg
	h.mu.Unlock()
	http.Error(w, msg, http.StatusBadRequest)
}

func (h *chromiumRP) failure() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

func (h *chromiumRP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	switch r.URL.Path {
	case "/login":
		l := login{state: randomString(), nonce: randomString(), verifier: oauth2.GenerateVerifier()}
		h.mu.Lock()
		h.pending[l.state] = l
		h.mu.Unlock()
		http.Redirect(w, r, h.rp.cfg.AuthCodeURL(l.state, oidc.Nonce(l.nonce), oauth2.S256ChallengeOption(l.verifier)), http.StatusFound)
	case "/callback":
		q := r.URL.Query()
		h.mu.Lock()
		l, ok := h.pending[q.Get("state")]
		delete(h.pending, q.Get("state"))
		h.mu.Unlock()
		if !ok {
			h.fail(w, "unknown state "+q.Get("state")+" "+q.Get("error"))
			return
		}
		tok, err := h.rp.cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(l.verifier))
		if err != nil {
			h.fail(w, "exchange: "+err.Error())
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := h.rp.verifier.Verify(ctx, raw)
		if err != nil {
			h.fail(w, "ID token: "+err.Error())
			return
		}
		claims := map[string]any{}
		if err := idt.Claims(&claims); err != nil {
			h.fail(w, err.Error())
			return
		}
		claims["nonce_ok"] = idt.Nonce == l.nonce
		claims["at_hash_ok"] = idt.VerifyAccessToken(tok.AccessToken) == nil
		info, err := h.rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			h.fail(w, "userinfo: "+err.Error())
			return
		}
		claims["userinfo_sub"], claims["userinfo_email"] = info.Subject, info.Email
		b, _ := json.Marshal(claims)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>Signed in</title><h1>Signed in</h1><pre id="claims">` + html.EscapeString(string(b)) + `</pre>`))
	default:
		http.NotFound(w, r)
	}
}

func randomString() string { return rand.Text() }

// testWriter passes the script's stderr to the test's log.
type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
