package oauth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jws"
)

// clock is a settable time, shared by the Keys of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func kidOf(t *testing.T, raw string) string {
	t.Helper()
	msg, err := jws.ParseString(raw)
	if err != nil {
		t.Fatal(err)
	}
	return msg.Signatures()[0].ProtectedHeaders().KeyID()
}

func signed(t *testing.T, tokens *Tokens, ttl time.Duration) string {
	t.Helper()
	p := Principal{UserID: 42, Email: "alice@xy-company.com", ClientID: "app", Scope: []string{"read"}, Authorities: []string{}}
	raw, err := tokens.Sign(&p, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func stateOf(t *testing.T, store KeyStore, now time.Time, kid string) KeyInfo {
	t.Helper()
	all, err := KeyStates(context.Background(), store, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range all {
		if k.KID == kid {
			return k
		}
	}
	t.Fatalf("no key %s", kid)
	return KeyInfo{}
}

// TestRotateLaterPublishesFirst: a rotated key is in the JWKS of both instances (after the other's
// reload) while the old key still signs; at its signs-from time both sign with it, without a reload.
func TestRotateLaterPublishesFirst(t *testing.T) {
	ctx := context.Background()
	store, clk := &memKeyStore{longest: time.Hour}, newClock()
	opts := KeyOptions{ReloadInterval: time.Minute, SigningDelay: 5 * time.Minute, Now: clk.now}
	a, err := LoadKeys(ctx, store, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadKeys(ctx, store, opts)
	if err != nil {
		t.Fatal(err)
	}
	old := a.Signer().KeyID()
	if b.Signer().KeyID() != old {
		t.Fatal("the second instance made a key of its own")
	}
	sk, err := a.RotateLater(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !sk.SignsFrom.Equal(clk.now().Add(5 * time.Minute)) {
		t.Fatalf("signs from %s", sk.SignsFrom)
	}
	if err := b.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	for name, k := range map[string]*Keys{"a": a, "b": b} {
		if !k.has(sk.KID) || !k.has(old) {
			t.Fatalf("%s: the JWKS lacks the new or the old key", name)
		}
		if got := k.Signer().KeyID(); got != old {
			t.Fatalf("%s signs with %s before the new key's time", name, got)
		}
	}
	if st := stateOf(t, store, clk.now(), sk.KID); st.State != KeyPending || st.RetiresAt != nil {
		t.Fatalf("new key: %+v", st)
	}
	clk.add(5 * time.Minute)
	for name, k := range map[string]*Keys{"a": a, "b": b} {
		if got := k.Signer().KeyID(); got != sk.KID {
			t.Fatalf("%s signs with %s at the new key's time", name, got)
		}
	}
	tokens := NewTokens(b, "https://access.example", nil)
	tokens.now = clk.now
	if kid := kidOf(t, signed(t, tokens, time.Minute)); kid != sk.KID {
		t.Fatalf("token signed by %s", kid)
	}
	if st := stateOf(t, store, clk.now(), old); st.State != KeyVerifying || st.RetiresAt == nil ||
		!st.RetiresAt.Equal(sk.SignsFrom.Add(time.Hour+RetirementMargin)) {
		t.Fatalf("old key: %+v", st)
	}
}

// TestSigningDelayAtLeastReloadInterval: a key is published for at least one reload interval before it
// signs, whatever the options say.
func TestSigningDelayAtLeastReloadInterval(t *testing.T) {
	o := KeyOptions{ReloadInterval: time.Minute, SigningDelay: time.Second}.Resolved()
	if o.SigningDelay != time.Minute {
		t.Fatalf("signing delay %s", o.SigningDelay)
	}
	if o := (KeyOptions{}).Resolved(); o.SigningDelay != DefaultSigningDelay || o.ReloadInterval != DefaultReloadInterval {
		t.Fatalf("defaults %+v", o)
	}
}

// TestRetirement: a key retires once the longest token lifetime plus the margin has passed since it
// stopped signing: it leaves the JWKS, is marked in the store, and a token it signed is refused, even
// one verified (and cached) before. The signing key never retires.
func TestRetirement(t *testing.T) {
	ctx := context.Background()
	store, clk := &memKeyStore{longest: 30 * time.Minute}, newClock()
	keys, err := LoadKeys(ctx, store, KeyOptions{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	old := keys.Signer().KeyID()
	clk.add(1000 * time.Hour) // the only key, however old, keeps signing
	if err := keys.Reload(ctx); err != nil || keys.Signer().KeyID() != old {
		t.Fatalf("the only key retired: %v", err)
	}
	tokens := NewTokens(keys, "https://access.example", nil)
	tokens.now = clk.now
	// Longer than any app's validity now (an app's validity lowered after the token was issued).
	raw := signed(t, tokens, 48*time.Hour)
	if _, err := tokens.Verify(ctx, raw); err != nil {
		t.Fatal(err)
	}
	newKID, err := keys.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	switched := clk.now()
	clk.add(30*time.Minute + RetirementMargin - time.Second)
	if err := keys.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Verify(ctx, raw); err != nil {
		t.Fatalf("refused before its key retires: %v", err)
	}
	clk.add(time.Second)
	if err := keys.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if keys.has(old) || !keys.has(newKID) {
		t.Fatal("the retired key is still published, or the signer is not")
	}
	if _, err := tokens.Verify(ctx, raw); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("a token of a retired key: %v", err)
	}
	st := stateOf(t, store, clk.now(), old)
	want := switched.Add(30*time.Minute + RetirementMargin)
	if st.State != KeyRetired || st.RetiresAt == nil || !st.RetiresAt.Equal(want) {
		t.Fatalf("old key: %+v, want retired at %s", st, want)
	}
	if stored, _ := store.SigningKeys(ctx); stored[0].RetiredAt == nil || !stored[0].RetiredAt.Equal(want) {
		t.Fatalf("not marked retired in the store: %+v", stored[0].RetiredAt)
	}
	if st := stateOf(t, store, clk.now(), newKID); st.State != KeySigning {
		t.Fatalf("new key: %+v", st)
	}
}

// TestRetirementCountsRestrictiveTokens: with no app (or short validities), keys still outlive the
// restrictive tokens of the MFA sign-in.
func TestRetirementCountsRestrictiveTokens(t *testing.T) {
	now := newClock().now()
	stored := []SigningKey{{KID: "a", Generation: 1, SignsFrom: now.Add(-time.Hour)}, {KID: "b", Generation: 2, SignsFrom: now}}
	got := keyStates(stored, 0, now)
	if want := now.Add(RestrictiveLifetime + RetirementMargin); got[0].State != KeyVerifying || !got[0].RetiresAt.Equal(want) {
		t.Fatalf("%+v, want retiring at %s", got[0], want)
	}
}

// TestImmediateRotationOverPending: a key rotated at once while another is pending signs; the pending
// one never does, and the old key retires from the immediate key's time.
func TestImmediateRotationOverPending(t *testing.T) {
	now := newClock().now()
	stored := []SigningKey{
		{KID: "old", Generation: 1, SignsFrom: now.Add(-48 * time.Hour)},
		{KID: "pending", Generation: 2, SignsFrom: now.Add(10 * time.Minute)},
		{KID: "now", Generation: 3, SignsFrom: now.Add(-time.Minute)},
	}
	got := keyStates(stored, time.Hour, now)
	if got[0].State != KeyVerifying || got[1].State != KeyVerifying || got[2].State != KeySigning {
		t.Fatalf("%+v", got)
	}
	if want := now.Add(-time.Minute + time.Hour + RetirementMargin); !got[0].RetiresAt.Equal(want) {
		t.Fatalf("old retires at %s, want %s", got[0].RetiresAt, want)
	}
	// A newer key retired before its time came never signed: the old key still signs.
	retired := now.Add(-2 * time.Hour)
	stored = []SigningKey{
		{KID: "old", Generation: 1, SignsFrom: now.Add(-48 * time.Hour)},
		{KID: "cancelled", Generation: 2, SignsFrom: now.Add(-time.Hour), RetiredAt: &retired},
	}
	if got := keyStates(stored, time.Hour, now); got[0].State != KeySigning || got[1].State != KeyRetired {
		t.Fatalf("%+v", got)
	}
	// A clock behind the one that made the only key: it signs all the same.
	stored = []SigningKey{{KID: "first", Generation: 1, SignsFrom: now.Add(time.Second)}}
	if got := keyStates(stored, time.Hour, now); got[0].State != KeySigning {
		t.Fatalf("%+v", got)
	}
}

// TestRetireKeyAtOnce: an emergency retirement drops a key at the next reload and refuses its tokens;
// the signing key cannot be retired, an unknown kid is said so.
func TestRetireKeyAtOnce(t *testing.T) {
	ctx := context.Background()
	store, clk := &memKeyStore{longest: time.Hour}, newClock()
	keys, err := LoadKeys(ctx, store, KeyOptions{Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	tokens := NewTokens(keys, "https://access.example", nil)
	tokens.now = clk.now
	raw := signed(t, tokens, time.Hour)
	leaked := kidOf(t, raw)
	if _, err := RetireKey(ctx, store, leaked, clk.now()); !errors.Is(err, ErrRetireSigner) {
		t.Fatalf("retiring the signer: %v", err)
	}
	if _, err := RetireKey(ctx, store, "nope", clk.now()); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("retiring an unknown kid: %v", err)
	}
	if _, err := tokens.Verify(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := RetireKey(ctx, store, leaked, clk.now())
	if err != nil || info.State != KeyRetired {
		t.Fatalf("%+v %v", info, err)
	}
	if err := keys.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Verify(ctx, raw); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("a token of the retired key: %v", err)
	}
	if kid := kidOf(t, signed(t, tokens, time.Minute)); kid == leaked {
		t.Fatal("signed with the retired key")
	}
}

// TestAutomaticRotationRace: two instances whose reloads find the newest key too old at the same moment
// add one key between them; the other takes it.
func TestAutomaticRotationRace(t *testing.T) {
	ctx := context.Background()
	store, clk := &memKeyStore{longest: time.Hour}, newClock()
	opts := KeyOptions{Rotation: 24 * time.Hour, Now: clk.now}
	a, err := LoadKeys(ctx, store, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadKeys(ctx, store, opts)
	if err != nil {
		t.Fatal(err)
	}
	clk.add(23 * time.Hour)
	for _, k := range []*Keys{a, b} {
		if err := k.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if stored, _ := store.SigningKeys(ctx); len(stored) != 1 {
		t.Fatalf("rotated too early: %d keys", len(stored))
	}
	clk.add(time.Hour)
	for range 6 { // rounds of both at once, each finding the newest key just old enough
		var wg sync.WaitGroup
		for _, k := range []*Keys{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := k.Tick(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		clk.add(24 * time.Hour)
	}
	stored, _ := store.SigningKeys(ctx)
	if len(stored) != 7 {
		t.Fatalf("%d keys after 6 due rotations, want 7", len(stored))
	}
	for i, sk := range stored {
		if sk.Generation != int64(i+1) {
			t.Fatalf("generations %d at %d", sk.Generation, i)
		}
	}
}
