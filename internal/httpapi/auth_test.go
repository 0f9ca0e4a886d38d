package httpapi_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestBearerAuthentication: only an unexpired RS256 token signed by one of the service's keys, for this
// issuer, is accepted; everything else is 401 with a Bearer challenge.
func TestBearerAuthentication(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	u := svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	good := svc.Token(t, clientID, alice)

	claims := func(mod func(*jwt.Builder)) jwt.Token {
		now := time.Now()
		b := jwt.NewBuilder().Issuer(svc.Config.Issuer).Subject(ids.Format(u.ID)).JwtID("2f1b4c55-8a4a-4a76-9c52-5f1a0d4a9a77").
			IssuedAt(now).Expiration(now.Add(time.Hour)).
			Claim("user_name", alice).Claim("client_id", clientID).Claim("scope", []string{"read"}).Claim("authorities", []string{"ROLE_USER"})
		if mod != nil {
			mod(b)
		}
		tok, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	signReal := func(tok jwt.Token) string {
		s, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, svc.Keys.Signer()))
		if err != nil {
			t.Fatal(err)
		}
		return string(s)
	}
	// A key the service does not know, with the kid of the real one.
	strangerRaw, _ := rsa.GenerateKey(rand.Reader, 2048)
	stranger, _ := jwk.FromRaw(strangerRaw)
	_ = stranger.Set(jwk.KeyIDKey, svc.Keys.Signer().KeyID())
	strangerUnknownKid, _ := jwk.FromRaw(strangerRaw)
	_ = strangerUnknownKid.Set(jwk.KeyIDKey, "unknown-kid")
	signWith := func(key jwk.Key, tok jwt.Token) string {
		s, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, key))
		if err != nil {
			t.Fatal(err)
		}
		return string(s)
	}
	// HS256 with the service's public key as the HMAC secret: the classic algorithm-confusion forgery.
	pub, _ := svc.Keys.Signer().PublicKey()
	pubJSON, _ := json.Marshal(pub)
	hsKey, _ := jwk.FromRaw(pubJSON)
	_ = hsKey.Set(jwk.KeyIDKey, svc.Keys.Signer().KeyID())
	hs256, err := jwt.Sign(claims(nil), jwt.WithKey(jwa.HS256, hsKey))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	noneHeader := b64([]byte(`{"alg":"none","kid":"` + svc.Keys.Signer().KeyID() + `"}`))
	tamperedPayload := b64([]byte(strings.Replace(mustDecode(t, parts[1]), alice, "mallory@xy-company.com", 1)))

	cases := []struct {
		name   string
		header string // the whole Authorization header
		status int
		errTok bool // the challenge names invalid_token
	}{
		{"valid token", "Bearer " + good, 200, false},
		{"scheme is case-insensitive", "bearer " + good, 200, false},
		{"valid token from claims we build", "Bearer " + signReal(claims(nil)), 200, false},
		{"no header", "", 401, false},
		{"basic scheme", "Basic " + b64([]byte("a:b")), 401, false},
		{"empty bearer", "Bearer ", 401, false},
		{"garbage", "Bearer not.a.jwt", 401, true},
		{"alg none", "Bearer " + noneHeader + "." + parts[1] + ".", 401, true},
		{"alg none with the real signature", "Bearer " + noneHeader + "." + parts[1] + "." + parts[2], 401, true},
		{"HS256 signed with the public key", "Bearer " + string(hs256), 401, true},
		{"signature stripped", "Bearer " + parts[0] + "." + parts[1] + ".", 401, true},
		{"payload tampered", "Bearer " + parts[0] + "." + tamperedPayload + "." + parts[2], 401, true},
		{"signed by an unknown key with a known kid", "Bearer " + signWith(stranger, claims(nil)), 401, true},
		{"signed by an unknown key and kid", "Bearer " + signWith(strangerUnknownKid, claims(nil)), 401, true},
		{"expired", "Bearer " + signReal(claims(func(b *jwt.Builder) { b.Expiration(time.Now().Add(-time.Hour)) })), 401, true},
		{"not yet valid", "Bearer " + signReal(claims(func(b *jwt.Builder) { b.NotBefore(time.Now().Add(time.Hour)) })), 401, true},
		{"wrong issuer", "Bearer " + signReal(claims(func(b *jwt.Builder) { b.Issuer("https://evil.example") })), 401, true},
		{"no subject", "Bearer " + signReal(claims(func(b *jwt.Builder) { b.Subject("") })), 401, true},
		{"subject not an id", "Bearer " + signReal(claims(func(b *jwt.Builder) { b.Subject("alice") })), 401, true},
		{"authorities of the wrong type", "Bearer " + signReal(claims(func(b *jwt.Builder) { b.Claim("authorities", 7) })), 401, true},
		{"account no longer exists", "Bearer " + signReal(claims(func(b *jwt.Builder) { b.Subject("42") })), 401, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Authorization", tc.header)
			}
			r := svc.Client.Do(t, testutil.Request{Method: "GET", Path: "/api/v1/users/me", Header: h})
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status != 401 {
				return
			}
			ch := r.Header.Get("WWW-Authenticate")
			if !strings.HasPrefix(ch, "Bearer") || strings.Contains(ch, `error="invalid_token"`) != tc.errTok {
				t.Fatalf("challenge %q", ch)
			}
			if r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("content type %q", r.Header.Get("Content-Type"))
			}
		})
	}
}

func mustDecode(t *testing.T, s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestJWKSVerifiesTokens is what the Content Service does: verify our tokens offline with the JWKS.
func TestJWKSVerifiesTokens(t *testing.T) {
	t.Parallel()
	svc := testutil.Start(t)
	svc.CreateUser(t, alice, true)
	svc.RegisterClient(t, clientID)
	tok := svc.Token(t, clientID, alice)

	r := svc.Client.Get(t, "/api/oauth/jwks", "")
	if r.Status != 200 {
		t.Fatalf("%d", r.Status)
	}
	set, err := jwk.Parse(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		if _, isPrivate := k.(jwk.RSAPrivateKey); isPrivate {
			t.Fatal("JWKS publishes a private key")
		}
	}
	parsed, err := jwt.ParseString(tok, jwt.WithKeySet(set), jwt.WithValidate(true), jwt.WithIssuer(svc.Config.Issuer))
	if err != nil {
		t.Fatalf("token does not verify with the published keys: %v", err)
	}
	// The documented shape: RS256, and the claims the platform reads.
	if !strings.HasPrefix(tok, "eyJhbGciOiJSUzI1NiIs") {
		t.Fatalf("token header: %s", mustDecode(t, strings.Split(tok, ".")[0]))
	}
	for _, c := range []string{"user_name", "client_id", "scope", "authorities"} {
		if _, ok := parsed.Get(c); !ok {
			t.Errorf("claim %s missing", c)
		}
	}
	auth, _ := parsed.Get("authorities")
	if !strings.Contains(strings.Join(toStrings(auth), " "), "ROLE_SAFESHARE_ADMIN") {
		t.Errorf("administrator's token lacks ROLE_SAFESHARE_ADMIN: %v", auth)
	}
	if name, _ := parsed.Get("user_name"); name != alice || parsed.JwtID() == "" || parsed.Subject() == "" {
		t.Errorf("claims: %v", parsed.PrivateClaims())
	}
}

func toStrings(v any) []string {
	var out []string
	if list, ok := v.([]any); ok {
		for _, e := range list {
			s, _ := e.(string)
			out = append(out, s)
		}
	}
	return out
}

// TestRevokedTokensRefused is the other half of the JWT negative matrix: well-signed, unexpired tokens
// that were revoked. Each token is used first (so any cache of verified tokens holds it), then revoked,
// then refused at once, on an endpoint that reads the database and on one that does not.
func TestRevokedTokensRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	appID := func(clientID string) string {
		r := e.do(t, http.MethodGet, "/api/v1/clientapps?limit=100", e.admin, nil)
		for _, it := range r.JSON(t)["items"].([]any) {
			if m := it.(map[string]any); m["clientId"] == clientID {
				return m["id"].(string)
			}
		}
		t.Fatalf("no app %s", clientID)
		return ""
	}
	cases := []struct {
		name   string
		token  func() string // a working token
		revoke func(token string)
	}{
		{"a token of a revoked approval",
			func() string { return fullCodeFlow(t, e, e.svc.NewBrowser(t), alice)["access_token"].(string) },
			func(tok string) {
				r := e.svc.Client.Get(t, "/api/v1/users/me/applications/approvals", tok)
				id := r.JSON(t)["applications"].([]any)[0].(map[string]any)["id"].(string)
				if r := e.do(t, http.MethodDelete, "/api/v1/users/me/applications/approvals/"+id, e.svc.Token(t, clientID, alice), nil); r.Status != 200 {
					t.Fatalf("revoking the approval: %d %s", r.Status, r.Body)
				}
			}},
		{"a token of a disabled client app",
			func() string { e.svc.RegisterClient(t, "to-disable"); return e.svc.Token(t, "to-disable", bob) },
			func(string) {
				if r := e.do(t, http.MethodPut, "/api/v1/clientapps/"+appID("to-disable")+"/enable", e.admin, nil); r.Status != 200 {
					t.Fatalf("disabling: %d %s", r.Status, r.Body)
				}
			}},
		{"a token of a deleted client app",
			func() string { e.svc.RegisterClient(t, "to-delete"); return e.svc.Token(t, "to-delete", bob) },
			func(string) {
				if r := e.do(t, http.MethodDelete, "/api/v1/clientapps/"+appID("to-delete"), e.admin, nil); r.Status != 200 {
					t.Fatalf("deleting: %d %s", r.Status, r.Body)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token()
			for _, path := range []string{"/api/v1/users/me", "/api/v1"} {
				if r := e.svc.Client.Get(t, path, tok); r.Status != 200 {
					t.Fatalf("before: %s %d %s", path, r.Status, r.Body)
				}
			}
			tc.revoke(tok)
			for _, path := range []string{"/api/v1/users/me", "/api/v1"} {
				r := e.svc.Client.Get(t, path, tok)
				if r.Status != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
					t.Fatalf("after: %s %d %q", path, r.Status, r.Header.Get("WWW-Authenticate"))
				}
			}
		})
	}
}
