package oauth

import (
	"context"
	"testing"
	"time"
)

// TestVerifiedCache: a token that verified is served from the cache without reading keys, until it
// expires; a token that did not verify is never remembered.
func TestVerifiedCache(t *testing.T) {
	ctx := context.Background()
	store := &memKeyStore{}
	keys, err := LoadKeys(ctx, store, KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	tokens := NewTokens(keys, "https://access.example", nil)
	tokens.now = func() time.Time { return now }
	p := Principal{UserID: 42, Email: "alice@xy-company.com", ClientID: "app", Scope: []string{"read"}, Authorities: []string{}}
	raw, err := tokens.Sign(&p, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	reads := store.reads.Load()
	for range 100 {
		if _, err := tokens.Verify(ctx, raw); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tokens.cache.m); n != 1 {
		t.Fatalf("cache holds %d tokens", n)
	}
	if store.reads.Load() != reads {
		t.Fatalf("verifying read the key store %d times", store.reads.Load()-reads)
	}
	if _, err := tokens.Verify(ctx, raw+"x"); err == nil || len(tokens.cache.m) != 1 {
		t.Fatalf("a tampered token: %v, cache %d", err, len(tokens.cache.m))
	}
	now = now.Add(time.Minute + clockSkew + time.Second)
	if _, err := tokens.Verify(ctx, raw); err == nil {
		t.Fatal("an expired token was accepted from the cache")
	}
	if len(tokens.cache.m) != 0 {
		t.Fatal("an expired token stayed in the cache")
	}
}

// TestVerifiedCacheBounded: the cache never grows beyond its bound.
func TestVerifiedCacheBounded(t *testing.T) {
	c := verifiedCache{max: 100, m: map[[32]byte]verified{}}
	now := time.Now()
	for i := range 1000 {
		c.put([32]byte{byte(i), byte(i >> 8)}, Principal{ExpiresAt: now.Add(time.Hour)}, 0, now)
		if len(c.m) > c.max {
			t.Fatalf("%d entries", len(c.m))
		}
	}
}
