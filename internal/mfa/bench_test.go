package mfa_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/cocoondata/access-service/internal/mfa"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

// The benchmarks compare what the mfa grant adds to a sign-in with what every API request already pays.
// Run: go test -run XXX -bench . -benchmem ./internal/mfa/

var benchOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// BenchmarkVerifyCode is Service.Verify against PostgreSQL: one transaction with one read and one
// conditional update, each iteration with the code of a new time step (a replayed code would be
// refused). Its cost is the database's.
func BenchmarkVerifyCode(b *testing.B) {
	ctx := context.Background()
	st := testutil.OpenStore(b, testutil.NewPostgres(b))
	var step atomic.Int64
	now := func() time.Time { return start.Add(time.Duration(step.Load()) * mfa.Period) }
	svc := mfa.NewService(st.MFA(), mfa.Options{Now: now})
	if err := st.Users().Create(ctx, user.User{ID: 1, Email: "bench@example.com", CreatedAt: start}); err != nil {
		b.Fatal(err)
	}
	p, err := svc.StartPairing(ctx, 1, "bench@example.com")
	if err != nil {
		b.Fatal(err)
	}
	code := func() string {
		c, err := totp.GenerateCodeCustom(p.Key, now(), benchOpts)
		if err != nil {
			b.Fatal(err)
		}
		return c
	}
	if err := svc.ConfirmPairing(ctx, 1, code()); err != nil {
		b.Fatal(err)
	}
	codes := make([]string, b.N)
	for i := range codes {
		step.Add(1)
		codes[i] = code()
	}
	step.Store(0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		step.Store(int64(i + 1))
		if err := svc.Verify(ctx, 1, codes[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCodeCheck is the TOTP check alone: a code of the current step against a key in memory. The
// worst case for a right code is the step after the current one, checked last (three HMAC-SHA-1s).
func BenchmarkCodeCheck(b *testing.B) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: "SafeShare", AccountName: "bench@example.com", SecretSize: 20})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		steps int
		want  bool
	}{{"current-step", 0, true}, {"next-step", 1, true}, {"wrong-code", 5, false}} {
		c, err := totp.GenerateCodeCustom(k.Secret(), start.Add(time.Duration(tc.steps)*mfa.Period), benchOpts)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if mfa.CheckCode(c, k.Secret(), start) != tc.want {
					b.Fatal("unexpected result")
				}
			}
		})
	}
}

// BenchmarkRS256Verify verifies an access token as internal/oauth does (Tokens.verify): RS256 with a
// 2048-bit key found by its kid in a key set, with the claims validated.
func BenchmarkRS256Verify(b *testing.B) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	key, err := jwk.FromRaw(priv)
	if err != nil {
		b.Fatal(err)
	}
	for name, v := range map[string]any{jwk.KeyIDKey: "bench", jwk.AlgorithmKey: jwa.RS256} {
		if err := key.Set(name, v); err != nil {
			b.Fatal(err)
		}
	}
	pub, err := key.PublicKey()
	if err != nil {
		b.Fatal(err)
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		b.Fatal(err)
	}
	const issuer = "https://access.example"
	tok, err := jwt.NewBuilder().Issuer(issuer).Subject("42").JwtID("2f1b4c55-8a4a-4a76-9c52-5f1a0d4a9a77").
		IssuedAt(time.Now()).Expiration(time.Now().Add(time.Hour)).
		Claim("client_id", "app-7").Claim("scope", "read write").Claim("authorities", []string{"ROLE_USER"}).Build()
	if err != nil {
		b.Fatal(err)
	}
	raw, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, key))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := jwt.Parse(raw,
			jwt.WithKeySet(set, jws.WithRequireKid(true)),
			jwt.WithValidate(true),
			jwt.WithIssuer(issuer),
			jwt.WithRequiredClaim(jwt.ExpirationKey),
			jwt.WithRequiredClaim(jwt.JwtIDKey),
			jwt.WithRequiredClaim(jwt.SubjectKey),
		); err != nil {
			b.Fatal(err)
		}
	}
}
