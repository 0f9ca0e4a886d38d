package oauth_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/revocation"
)

type noEntries struct{}

func (noEntries) Since(context.Context, time.Time, time.Time) ([]revocation.Entry, error) {
	return nil, nil
}

func (noEntries) Record(context.Context, revocation.Entry) error { return nil }

const issuer = "https://access.example"

// populated is an index holding as many entries as a busy platform would: 10,000 revoked approvals,
// 100 removed apps and 10,000 single revoked tokens.
func populated() *revocation.Index {
	x := revocation.NewIndex(noEntries{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Now()
	for i := range 10_000 {
		x.Add(x.ForPair(int64(i), int64(i+1000), fmt.Sprintf("app-%d", i%500), now))
		x.Add(revocation.ForToken(int64(i), fmt.Sprintf("jti-%d", i), now.Add(time.Hour), now))
	}
	for i := range 100 {
		x.Add(x.ForClient(int64(i), fmt.Sprintf("gone-%d", i), now))
	}
	return x
}

func setup(tb testing.TB) (*oauth.Keys, oauth.Principal) {
	tb.Helper()
	keys, err := oauth.LoadKeys(context.Background(), &oauth.MemKeyStore{}, oauth.KeyOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return keys, oauth.Principal{UserID: 42, Email: "alice@xy-company.com", ClientID: "app-7", Scope: []string{"read", "write"}, Authorities: []string{"ROLE_USER"}}
}

func TestVerifyRefusesRevokedTokens(t *testing.T) {
	keys, p := setup(t)
	x := populated()
	tokens := oauth.NewTokens(keys, issuer, x)
	raw, err := tokens.Sign(&p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Verify(context.Background(), raw); err != nil {
		t.Fatalf("good token refused: %v", err)
	}
	x.Add(x.ForPair(1, p.UserID, p.ClientID, time.Now()))
	if _, err := tokens.Verify(context.Background(), raw); err == nil {
		t.Fatal("revoked token accepted")
	}
	// Issued after the revocation, even within the same second: accepted.
	raw2, err := tokens.Sign(&p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Verify(context.Background(), raw2); err != nil {
		t.Fatalf("token issued after the revocation refused: %v", err)
	}
	// Without the index, the same revoked token passes: the check is what refuses it.
	if _, err := oauth.NewTokens(keys, issuer, nil).Verify(context.Background(), raw); err != nil {
		t.Fatalf("plain verification: %v", err)
	}
}

// BenchmarkVerify compares a bearer token check without and with the revocation check (an index with
// 20,100 entries). Run: go test -run XXX -bench Verify -benchmem ./internal/oauth/
func BenchmarkVerify(b *testing.B) {
	keys, p := setup(b)
	signer := oauth.NewTokens(keys, issuer, nil)
	raw, err := signer.Sign(&p, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		index *revocation.Index
	}{
		{"signature-only", nil},
		{"with-revocation-check", populated()},
	} {
		tokens := oauth.NewTokens(keys, issuer, tc.index)
		ctx := context.Background()
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tokens.Verify(ctx, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"-parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := tokens.Verify(ctx, raw); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkRevokedLookup is the revocation check alone.
func BenchmarkRevokedLookup(b *testing.B) {
	x := populated()
	iat := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if x.Revoked(42, "app-7", "2f1b4c55-8a4a-4a76-9c52-5f1a0d4a9a77", iat) {
			b.Fatal("revoked")
		}
	}
}

// BenchmarkSign is the cost of issuing one access token (RS256 with a 2048-bit key), which every grant
// pays. Run: go test -run XXX -bench Sign -benchmem ./internal/oauth/
func BenchmarkSign(b *testing.B) {
	keys, p := setup(b)
	tokens := oauth.NewTokens(keys, issuer, nil)
	b.ReportAllocs()
	for b.Loop() {
		q := p
		q.TokenID = ""
		if _, err := tokens.Sign(&q, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}
