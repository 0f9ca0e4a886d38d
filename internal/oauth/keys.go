// Package oauth is the authorization server: signing keys, access and refresh tokens, and the grants of
// the token endpoint.
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// Signing keys and their rotation.
//
// Every key goes through four states, all derived from three times the store keeps (created, signs
// from, retired) so that every instance reaches the same conclusion on its own:
//
//   - pending: published in the JWKS, verifying, not yet signing (created <= now < signs from);
//   - signing: the newest key (highest generation) whose signs-from time has come;
//   - verifying: an older key, still in the JWKS, so the tokens it signed keep working;
//   - retired: out of the JWKS, refused. A key retires once the longest an access token can live
//     (the longest access-token validity among client apps, or RestrictiveLifetime if longer) plus
//     RetirementMargin has passed since it stopped signing, that is since the first newer key's
//     signs-from time. The current signer never retires by this rule.
//
// The order of a rotation is the one that is safe for verifiers that cache the JWKS (the Content
// Service, and our own instances, which reload their keys every reload interval): a new key is
// published first and signs only DefaultSigningDelay later. By then every instance has reloaded it
// (the delay is never shorter than the reload interval) and serves it in its JWKS, and a verifier that
// caches the JWKS for less than the rest of the delay has it too, so no token reaches a verifier
// before the key that checks it. All instances switch at the same time (the key's signs-from time,
// checked at every signature), not when they happen to reload. An immediate rotation (Rotate, `keys
// rotate --now`, for a leaked key) skips the delay: the other instances then switch at their next
// reload and a caching verifier must refetch the JWKS when it meets an unknown kid.
//
// Two instances rotating at once (automatic rotation) cannot both add a key: keys are numbered by
// generation, unique in the store, and a rotation adds the newest generation plus one, so the second
// insert fails (ErrKeyConflict) and that instance takes the other's key instead.

// SigningKey is an RSA private key as the store keeps it.
type SigningKey struct {
	KID        string
	PrivatePEM string
	CreatedAt  time.Time
	// Generation numbers the keys in the order they were made (unique).
	Generation int64
	// SignsFrom is when the key starts signing (if it is then the newest such key).
	SignsFrom time.Time
	// RetiredAt is when the key was marked retired; nil: not marked.
	RetiredAt *time.Time
}

// KeyStore keeps signing keys; every instance of the service reads the same ones.
type KeyStore interface {
	SigningKeys(ctx context.Context) ([]SigningKey, error) // every key, retired too, lowest generation first
	// AddSigningKey stores a key; ErrKeyConflict when a key of its generation exists already.
	AddSigningKey(ctx context.Context, k SigningKey) error
	// RetireSigningKey marks a key retired, unless it is already; it reports whether it marked it.
	RetireSigningKey(ctx context.Context, kid string, at time.Time) (bool, error)
	// LongestAccessTokenValidity is the longest access-token validity among the client apps.
	LongestAccessTokenValidity(ctx context.Context) (time.Duration, error)
}

// ErrKeyConflict: another key of the same generation was stored first (another instance rotated).
var ErrKeyConflict = errors.New("a signing key of that generation exists already")

// ErrKeyNotFound: no signing key has that kid.
var ErrKeyNotFound = errors.New("no signing key has that kid")

// ErrRetireSigner: the key asked to be retired is the one signing; rotate first.
var ErrRetireSigner = errors.New("the key is the one signing new tokens: rotate with --now first, then retire it")

// keyBits is the size of generated RSA keys.
const keyBits = 2048

const (
	// DefaultReloadInterval is how often every instance reloads the keys from the store (and, with
	// automatic rotation, checks the newest key's age).
	DefaultReloadInterval = 30 * time.Second
	// DefaultSigningDelay is how long a rotated key is published before it signs: a reload interval
	// for every instance to publish it, the rest for verifiers that cache the JWKS (up to about 9
	// minutes).
	DefaultSigningDelay = 10 * time.Minute
	// RetirementMargin is how much longer than the longest token lifetime a key keeps verifying after
	// it stopped signing (clock differences, tokens issued just before the switch).
	RetirementMargin = time.Hour
	// unknownKidInterval is the least time between reloads prompted by an unknown kid, so tokens with
	// made-up kids cannot turn into a flood of store reads.
	unknownKidInterval = 10 * time.Second
)

// KeyOptions tune the keys; the zero value is the production behaviour without automatic rotation.
type KeyOptions struct {
	ReloadInterval time.Duration // zero: DefaultReloadInterval
	// SigningDelay is how long a key rotated by RotateLater is published before it signs; zero:
	// DefaultSigningDelay. Never shorter than ReloadInterval.
	SigningDelay time.Duration
	// Rotation rotates automatically (from Run) once the newest key is that old; zero: never.
	Rotation time.Duration
	Log      *slog.Logger
	Now      func() time.Time // zero: time.Now
}

// Resolved is the options with the defaults filled in.
func (o KeyOptions) Resolved() KeyOptions {
	if o.ReloadInterval <= 0 {
		o.ReloadInterval = DefaultReloadInterval
	}
	if o.SigningDelay <= 0 {
		o.SigningDelay = DefaultSigningDelay
	}
	if o.SigningDelay < o.ReloadInterval {
		o.SigningDelay = o.ReloadInterval
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// KeyState is where a key is in its life.
type KeyState string

// The states of a key.
const (
	KeyPending   KeyState = "pending"
	KeySigning   KeyState = "signing"
	KeyVerifying KeyState = "verifying"
	KeyRetired   KeyState = "retired"
)

// KeyInfo is a key's state at a given time.
type KeyInfo struct {
	KID        string
	Generation int64
	CreatedAt  time.Time
	SignsFrom  time.Time
	State      KeyState
	// RetiresAt is when a verifying key retires, or when a retired one did; nil for the signing and
	// pending keys (they retire once a newer key has signed long enough).
	RetiresAt *time.Time
	// markRetired: retired by the rule but not yet marked in the store.
	markRetired bool
}

// keyStates applies the rules above to the stored keys (lowest generation first) at now, with longest
// the longest access-token validity.
func keyStates(stored []SigningKey, longest time.Duration, now time.Time) []KeyInfo {
	longest = max(longest, RestrictiveLifetime)
	signer := -1
	for i, sk := range stored {
		if sk.RetiredAt == nil && !sk.SignsFrom.After(now) {
			signer = i
		}
	}
	if signer < 0 { // no key's time has come (a clock behind another's): the oldest live key signs
		for i, sk := range stored {
			if sk.RetiredAt == nil {
				signer = i
				break
			}
		}
	}
	out := make([]KeyInfo, len(stored))
	for i, sk := range stored {
		info := KeyInfo{KID: sk.KID, Generation: sk.Generation, CreatedAt: sk.CreatedAt, SignsFrom: sk.SignsFrom}
		switch {
		case sk.RetiredAt != nil:
			info.State, info.RetiresAt = KeyRetired, sk.RetiredAt
		case i == signer:
			info.State = KeySigning
		case i > signer:
			info.State = KeyPending
		default:
			// It stopped signing when the first newer key could sign; a newer key retired before its
			// time came never signed (the signer, newer and live, always counts).
			var stopped time.Time
			for _, later := range stored[i+1:] {
				if later.RetiredAt != nil && !later.RetiredAt.After(later.SignsFrom) {
					continue
				}
				if stopped.IsZero() || later.SignsFrom.Before(stopped) {
					stopped = later.SignsFrom
				}
			}
			at := stopped.Add(longest + RetirementMargin)
			info.RetiresAt = &at
			info.State = KeyVerifying
			if !at.After(now) {
				info.State, info.markRetired = KeyRetired, true
			}
		}
		out[i] = info
	}
	return out
}

// KeyStates reads the keys from the store and returns their states now, lowest generation first.
func KeyStates(ctx context.Context, store KeyStore, now time.Time) ([]KeyInfo, error) {
	stored, err := store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	longest, err := store.LongestAccessTokenValidity(ctx)
	if err != nil {
		return nil, err
	}
	return keyStates(stored, longest, now), nil
}

// AddKey generates a key and stores it as the newest generation, signing from signsFrom (or at once if
// that is before now). With onlyIfOlder > 0 it adds nothing (and returns ok false) unless the newest
// key is at least that old; ErrKeyConflict then means another instance rotated at the same moment.
// Without it, a conflict is retried.
func AddKey(ctx context.Context, store KeyStore, now time.Time, delay, onlyIfOlder time.Duration) (SigningKey, bool, error) {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return SigningKey{}, false, err
	}
	key, err := jwk.FromRaw(priv)
	if err != nil {
		return SigningKey{}, false, err
	}
	if err := jwk.AssignKeyID(key); err != nil {
		return SigningKey{}, false, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return SigningKey{}, false, err
	}
	now = now.UTC()
	sk := SigningKey{
		KID:        key.KeyID(),
		PrivatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		CreatedAt:  now,
		SignsFrom:  now.Add(max(delay, 0)),
	}
	for attempt := 0; ; attempt++ {
		stored, err := store.SigningKeys(ctx)
		if err != nil {
			return SigningKey{}, false, err
		}
		sk.Generation = 1
		if len(stored) == 0 {
			sk.SignsFrom = now // the first key: no one has a JWKS to update
		}
		if n := len(stored); n > 0 {
			newest := stored[n-1]
			if onlyIfOlder > 0 && now.Sub(newest.CreatedAt) < onlyIfOlder {
				return SigningKey{}, false, nil
			}
			sk.Generation = newest.Generation + 1
		}
		err = store.AddSigningKey(ctx, sk)
		if err == nil {
			return sk, true, nil
		}
		if !errors.Is(err, ErrKeyConflict) || onlyIfOlder > 0 || attempt >= 5 {
			return SigningKey{}, false, err
		}
	}
}

// RetireKey retires a key at once: it leaves the JWKS and tokens it signed are refused (every instance
// drops it at its next reload). The signing key cannot be retired (ErrRetireSigner).
func RetireKey(ctx context.Context, store KeyStore, kid string, now time.Time) (KeyInfo, error) {
	states, err := KeyStates(ctx, store, now)
	if err != nil {
		return KeyInfo{}, err
	}
	for _, k := range states {
		if k.KID != kid {
			continue
		}
		switch k.State {
		case KeySigning:
			return k, ErrRetireSigner
		case KeyRetired:
			if !k.markRetired {
				return k, nil
			}
		}
		if _, err := store.RetireSigningKey(ctx, kid, now.UTC()); err != nil {
			return KeyInfo{}, err
		}
		at := now.UTC()
		k.State, k.RetiresAt, k.markRetired = KeyRetired, &at, false
		return k, nil
	}
	return KeyInfo{}, ErrKeyNotFound
}

// liveKey is a key that is not retired, parsed.
type liveKey struct {
	key jwk.Key
	// raw is key's RSA key, checked and precomputed once: signing with a jwk.Key makes, checks and
	// precomputes a fresh rsa.PrivateKey at every signature (about a sixth of its cost).
	raw       *rsa.PrivateKey
	signsFrom time.Time
}

// Keys holds the live signing keys in memory: the newest whose time has come signs, all verify.
type Keys struct {
	store KeyStore
	opts  KeyOptions

	reloading sync.Mutex // one reload at a time

	mu         sync.RWMutex
	live       []liveKey // lowest generation first
	public     jwk.Set
	lastReload time.Time // of the reloads prompted by unknown kids

	// epoch changes whenever a key leaves the set, so what was verified with it is checked again.
	epoch atomic.Uint64
}

// LoadKeys reads the signing keys from the store, generating the first one if there is none.
func LoadKeys(ctx context.Context, store KeyStore, opts KeyOptions) (*Keys, error) {
	k := &Keys{store: store, opts: opts.Resolved()}
	if err := k.reload(ctx); err != nil {
		return nil, err
	}
	if k.current() == nil {
		if _, err := k.Rotate(ctx); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// Rotate generates a new signing key, stores it, and makes it the one that signs here at once (the
// other instances at their next reload). Tokens signed with earlier keys keep verifying until they
// retire.
func (k *Keys) Rotate(ctx context.Context) (string, error) {
	sk, _, err := AddKey(ctx, k.store, k.opts.Now(), 0, 0)
	if err != nil {
		return "", err
	}
	return sk.KID, k.reload(ctx)
}

// RotateLater generates a new signing key and publishes it; it signs SigningDelay later, on every
// instance at once.
func (k *Keys) RotateLater(ctx context.Context) (SigningKey, error) {
	sk, _, err := AddKey(ctx, k.store, k.opts.Now(), k.opts.SigningDelay, 0)
	if err != nil {
		return SigningKey{}, err
	}
	return sk, k.reload(ctx)
}

// Options returns the options the keys run with (defaults filled in).
func (k *Keys) Options() KeyOptions { return k.opts }

// Reload reads the keys from the store again (Run does every reload interval), marking retired the keys
// whose time has come.
func (k *Keys) Reload(ctx context.Context) error { return k.reload(ctx) }

// Run reloads the keys every reload interval until ctx ends, retiring the keys whose time has come and,
// with automatic rotation, rotating when the newest key is old enough.
func (k *Keys) Run(ctx context.Context) {
	t := time.NewTicker(k.opts.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := k.Tick(ctx); err != nil && ctx.Err() == nil {
			k.opts.Log.Warn("signing keys: reload failed", "err", err)
		}
	}
}

// Tick is one round of Run: an automatic rotation if one is due, then a reload.
func (k *Keys) Tick(ctx context.Context) error {
	if k.opts.Rotation > 0 {
		sk, added, err := AddKey(ctx, k.store, k.opts.Now(), k.opts.SigningDelay, k.opts.Rotation)
		switch {
		case errors.Is(err, ErrKeyConflict): // another instance rotated: take its key
		case err != nil:
			return fmt.Errorf("automatic rotation: %w", err)
		case added:
			k.opts.Log.Info("signing keys: rotated automatically", "kid", sk.KID, "signs_from", sk.SignsFrom)
		}
	}
	return k.reload(ctx)
}

func (k *Keys) reload(ctx context.Context) error {
	k.reloading.Lock()
	defer k.reloading.Unlock()
	stored, err := k.store.SigningKeys(ctx)
	if err != nil {
		return err
	}
	longest, err := k.store.LongestAccessTokenValidity(ctx)
	if err != nil {
		return err
	}
	now := k.opts.Now()
	states := keyStates(stored, longest, now)
	k.mu.RLock()
	known := map[string]liveKey{}
	for _, l := range k.live {
		known[l.key.KeyID()] = l
	}
	k.mu.RUnlock()
	set := jwk.NewSet()
	var live []liveKey
	for i, sk := range stored {
		if states[i].State == KeyRetired {
			if states[i].markRetired {
				if marked, err := k.store.RetireSigningKey(ctx, sk.KID, *states[i].RetiresAt); err != nil {
					k.opts.Log.Warn("signing keys: cannot mark a key retired", "kid", sk.KID, "err", err)
				} else if marked {
					k.opts.Log.Info("signing keys: retired a key", "kid", sk.KID)
				}
			}
			continue
		}
		l, ok := known[sk.KID]
		if !ok {
			if l.key, l.raw, err = parsePrivate(sk); err != nil {
				return err
			}
		}
		l.signsFrom = sk.SignsFrom
		pub, err := l.key.PublicKey()
		if err != nil {
			return err
		}
		if err := set.AddKey(pub); err != nil {
			return err
		}
		live = append(live, l)
	}
	dropped := false
	for kid := range known {
		if _, ok := set.LookupKeyID(kid); !ok {
			dropped = true
		}
	}
	k.mu.Lock()
	k.live, k.public = live, set
	k.mu.Unlock()
	if dropped {
		k.epoch.Add(1)
	}
	return nil
}

func parsePrivate(sk SigningKey) (jwk.Key, *rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(sk.PrivatePEM))
	if block == nil {
		return nil, nil, fmt.Errorf("signing key %s: not PEM", sk.KID)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("signing key %s: %w", sk.KID, err)
	}
	raw, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("signing key %s: not an RSA key", sk.KID)
	}
	raw.Precompute()
	key, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, nil, err
	}
	for name, v := range map[string]any{jwk.KeyIDKey: sk.KID, jwk.AlgorithmKey: jwa.RS256, jwk.KeyUsageKey: jwk.ForSignature} {
		if err := key.Set(name, v); err != nil {
			return nil, nil, err
		}
	}
	return key, raw, nil
}

// current is the key that signs now: the newest live key whose signs-from time has come, else the oldest
// live key; nil when there is none.
func (k *Keys) current() *liveKey {
	now := k.opts.Now()
	k.mu.RLock()
	defer k.mu.RUnlock()
	for i := len(k.live) - 1; i >= 0; i-- {
		if !k.live[i].signsFrom.After(now) {
			return &k.live[i]
		}
	}
	if len(k.live) > 0 {
		return &k.live[0]
	}
	return nil
}

// signWith returns the option that signs a token with the current key, naming it in the header (kid).
func (k *Keys) signWith() jwt.SignEncryptParseOption {
	cur := k.current()
	if cur == nil { // every key retired under this instance: signing fails (500) until a rotation
		return jwt.WithKey(jwa.RS256, nil)
	}
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, cur.key.KeyID()) // a string is always a valid kid
	return jwt.WithKey(jwa.RS256, cur.raw, jws.WithProtectedHeaders(hdr))
}

// sign builds the token's claims and signs them with the current key (access and ID tokens alike).
func (k *Keys) sign(b *jwt.Builder) (string, error) {
	tok, err := b.Build()
	if err != nil {
		return "", err
	}
	signed, err := jwt.Sign(tok, k.signWith())
	if err != nil {
		return "", err
	}
	return string(signed), nil
}

// Signer returns the key that signs new tokens.
func (k *Keys) Signer() jwk.Key {
	if cur := k.current(); cur != nil {
		return cur.key
	}
	return nil
}

// Public returns the public halves of every live signing key: signing, verifying and pending.
func (k *Keys) Public() jwk.Set {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.public
}

// has reports whether a key with this id is known.
func (k *Keys) has(kid string) bool {
	_, ok := k.Public().LookupKeyID(kid)
	return ok
}

// refreshFor reloads the keys when a token names a kid not yet known (another instance may have rotated),
// at most once per unknownKidInterval.
func (k *Keys) refreshFor(ctx context.Context, kid string) error {
	if k.has(kid) {
		return nil
	}
	k.mu.Lock()
	recent := time.Since(k.lastReload) < unknownKidInterval
	if !recent {
		k.lastReload = time.Now()
	}
	k.mu.Unlock()
	if recent {
		return errUnknownKey
	}
	if err := k.reload(ctx); err != nil {
		return err
	}
	if !k.has(kid) {
		return errUnknownKey
	}
	return nil
}

var errUnknownKey = errors.New("token signed by an unknown key")
