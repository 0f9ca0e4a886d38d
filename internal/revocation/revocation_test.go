package revocation

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

type memStore struct {
	mu      sync.Mutex
	entries []Entry
}

func (m *memStore) Since(_ context.Context, since, now time.Time) ([]Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Entry
	for _, e := range m.entries {
		if !e.RecordedAt.Before(since) && e.ExpiresAt.After(now) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memStore) Record(_ context.Context, e Entry) error { m.add(e); return nil }

func (m *memStore) add(e Entry) { m.mu.Lock(); m.entries = append(m.entries, e); m.mu.Unlock() }

func newIndex(s Store) *Index { return NewIndex(s, slog.New(slog.NewTextHandler(io.Discard, nil))) }

func TestRevokedByKind(t *testing.T) {
	x := newIndex(&memStore{})
	now := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	before := now.Truncate(time.Second) // a token issued in the same second, before the revocation
	x.Add(x.ForPair(1, 7, "app", now))
	cases := []struct {
		name   string
		user   int64
		client string
		jti    string
		iat    time.Time
		want   bool
	}{
		{"the pair, issued earlier in the same second", 7, "app", "j1", before, true},
		{"the pair, issued a minute before", 7, "app", "j1", now.Add(-time.Minute), true},
		{"the pair, issued at the cutoff", 7, "app", "j1", x.NotBefore(7, "app"), false},
		{"another user of the app", 8, "app", "j1", before, false},
		{"another app of the user", 7, "other", "j1", before, false},
	}
	for _, tc := range cases {
		if got := x.Revoked(tc.user, tc.client, tc.jti, tc.iat); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	x.Add(x.ForClient(2, "other", now))
	if !x.Revoked(99, "other", "j", before) || x.Revoked(99, "other", "j", x.NotBefore(99, "other")) {
		t.Error("client revocation")
	}
	x.Add(ForToken(3, "jti-1", now.Add(time.Hour), now))
	if !x.Revoked(1, "x", "jti-1", now.Add(time.Hour)) || x.Revoked(1, "x", "jti-2", before) {
		t.Error("token revocation")
	}
}

// TestUserEntries: a user entry revokes the user's tokens of every client, and no one else's; tokens
// dated after it by any earlier kind of entry are covered, and tokens issued after it are not.
func TestUserEntries(t *testing.T) {
	x := newIndex(&memStore{})
	now := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	before := now.Truncate(time.Second)
	x.Add(x.ForUser(1, 7, now))
	cases := []struct {
		name   string
		user   int64
		client string
		iat    time.Time
		want   bool
	}{
		{"the user, one app", 7, "app", before, true},
		{"the user, another app", 7, "other", now.Add(-time.Hour), true},
		{"the user, issued at the cutoff", 7, "app", x.NotBefore(7, "app"), false},
		{"another user", 8, "app", before, false},
	}
	for _, tc := range cases {
		if got := x.Revoked(tc.user, tc.client, "j", tc.iat); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// Within one second, each kind of entry covers the tokens the previous one dated.
	for i, add := range []func() Entry{
		func() Entry { return x.ForPair(2, 7, "app", now) },
		func() Entry { return x.ForUser(3, 7, now) },
		func() Entry { return x.ForClient(4, "app", now) },
		func() Entry { return x.ForUser(5, 7, now) },
		func() Entry { return x.ForPair(6, 7, "app", now) },
	} {
		issued := x.NotBefore(7, "app")
		x.Add(add())
		if !x.Revoked(7, "app", "j", issued) {
			t.Fatalf("entry %d misses a token dated by the previous one", i)
		}
		if x.Revoked(7, "app", "j", x.NotBefore(7, "app")) {
			t.Fatalf("entry %d refuses a token issued after it", i)
		}
	}
	// Forgotten once expired, like the others.
	x.forgetExpired(x.ForUser(9, 7, now).ExpiresAt.Unix() + 1)
	if x.Revoked(7, "app", "j", before) {
		t.Error("an expired user entry is still applied")
	}
}

// TestCutoffsOfOneSecond: revocations following each other within one second each cover the tokens
// dated by the previous one, and never the tokens issued after them.
func TestCutoffsOfOneSecond(t *testing.T) {
	x := newIndex(&memStore{})
	now := time.Date(2026, 1, 2, 3, 4, 5, 100_000_000, time.UTC)
	for i := range 3 {
		x.Add(x.ForPair(int64(i), 7, "app", now))
		issued := x.NotBefore(7, "app") // a token issued now is dated here
		if x.Revoked(7, "app", "j", issued) {
			t.Fatalf("round %d: a token issued after the revocation is refused", i)
		}
		x.Add(x.ForClient(int64(10+i), "app", now))
		if !x.Revoked(7, "app", "j", issued) {
			t.Fatalf("round %d: the client revocation misses a token dated by the pair's cutoff", i)
		}
		if x.Revoked(7, "app", "j", x.NotBefore(7, "app")) {
			t.Fatalf("round %d", i)
		}
	}
}

func TestPollPicksUpOtherInstances(t *testing.T) {
	st := &memStore{}
	a, b := newIndex(st), newIndex(st)
	ctx := context.Background()
	if err := b.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	e := a.ForPair(1, 7, "app", now)
	st.add(e)
	a.Add(e)
	iat := now.Add(-time.Second)
	if b.Revoked(7, "app", "j", iat) {
		t.Fatal("b knows before polling")
	}
	if err := b.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if !b.Revoked(7, "app", "j", iat) {
		t.Fatal("b missed the entry")
	}
	// An entry recorded a little in the past (a late commit, a slower clock) is still picked up.
	late := a.ForPair(2, 8, "app", now.Add(-10*time.Second))
	st.add(late)
	if err := b.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if !b.Revoked(8, "app", "j", now.Add(-20*time.Second)) {
		t.Fatal("b missed the late entry")
	}
}

func TestExpiredEntriesAreForgotten(t *testing.T) {
	st := &memStore{}
	x := newIndex(st)
	now := time.Now().UTC()
	x.Add(ForToken(1, "old", now.Add(-time.Minute), now.Add(-2*time.Minute)))
	x.Add(ForToken(2, "live", now.Add(time.Minute), now))
	old := x.ForPair(3, 1, "app", now.Add(-2*MaxTokenLifetime))
	x.Add(old)
	if err := x.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if _, ok := x.tokens["old"]; ok {
		t.Error("expired token entry kept")
	}
	if _, ok := x.tokens["live"]; !ok {
		t.Error("live token entry dropped")
	}
	if len(x.pairs) != 0 {
		t.Error("expired pair entry kept")
	}
}
