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
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// SigningKey is an RSA private key as the store keeps it.
type SigningKey struct {
	KID        string
	PrivatePEM string
	CreatedAt  time.Time
}

// KeyStore keeps signing keys; every instance of the service reads the same ones.
type KeyStore interface {
	SigningKeys(ctx context.Context) ([]SigningKey, error) // oldest first
	AddSigningKey(ctx context.Context, k SigningKey) error
}

// keyBits is the size of generated RSA keys.
const keyBits = 2048

// reloadInterval is the least time between reloads of the key set prompted by an unknown kid, so tokens
// with made-up kids cannot turn into a flood of store reads.
const reloadInterval = 10 * time.Second

// Keys holds the signing keys in memory: the newest signs, all verify.
type Keys struct {
	store KeyStore

	mu     sync.RWMutex
	signer jwk.Key
	// rawSigner is signer's RSA key, checked and precomputed once: signing with a jwk.Key makes, checks
	// and precomputes a fresh rsa.PrivateKey at every signature (about a sixth of its cost).
	rawSigner  *rsa.PrivateKey
	public     jwk.Set
	lastReload time.Time // of the reloads prompted by unknown kids
}

// LoadKeys reads the signing keys from the store, generating the first one if there is none.
func LoadKeys(ctx context.Context, store KeyStore) (*Keys, error) {
	k := &Keys{store: store}
	if err := k.reload(ctx); err != nil {
		return nil, err
	}
	if k.signer == nil {
		if _, err := k.Rotate(ctx); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// Rotate generates a new signing key, stores it, and makes it the one that signs. Tokens signed with
// earlier keys keep verifying.
func (k *Keys) Rotate(ctx context.Context) (string, error) {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return "", err
	}
	key, err := jwk.FromRaw(priv)
	if err != nil {
		return "", err
	}
	if err := jwk.AssignKeyID(key); err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	sk := SigningKey{
		KID:        key.KeyID(),
		PrivatePEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		CreatedAt:  time.Now().UTC(),
	}
	if err := k.store.AddSigningKey(ctx, sk); err != nil {
		return "", err
	}
	return sk.KID, k.reload(ctx)
}

func (k *Keys) reload(ctx context.Context) error {
	stored, err := k.store.SigningKeys(ctx)
	if err != nil {
		return err
	}
	set := jwk.NewSet()
	var signer jwk.Key
	for _, sk := range stored {
		priv, err := parsePrivate(sk)
		if err != nil {
			return err
		}
		pub, err := priv.PublicKey()
		if err != nil {
			return err
		}
		if err := set.AddKey(pub); err != nil {
			return err
		}
		signer = priv
	}
	var raw *rsa.PrivateKey
	if signer != nil {
		raw = &rsa.PrivateKey{}
		if err := signer.Raw(raw); err != nil {
			return err
		}
		raw.Precompute()
	}
	k.mu.Lock()
	k.signer, k.rawSigner, k.public = signer, raw, set
	k.mu.Unlock()
	return nil
}

func parsePrivate(sk SigningKey) (jwk.Key, error) {
	block, _ := pem.Decode([]byte(sk.PrivatePEM))
	if block == nil {
		return nil, fmt.Errorf("signing key %s: not PEM", sk.KID)
	}
	raw, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", sk.KID, err)
	}
	if _, ok := raw.(*rsa.PrivateKey); !ok {
		return nil, fmt.Errorf("signing key %s: not an RSA key", sk.KID)
	}
	key, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]any{jwk.KeyIDKey: sk.KID, jwk.AlgorithmKey: jwa.RS256, jwk.KeyUsageKey: jwk.ForSignature} {
		if err := key.Set(name, v); err != nil {
			return nil, err
		}
	}
	return key, nil
}

// signWith returns the option that signs a token with the current key, naming it in the header (kid).
func (k *Keys) signWith() jwt.SignEncryptParseOption {
	k.mu.RLock()
	raw, kid := k.rawSigner, k.signer.KeyID()
	k.mu.RUnlock()
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, kid) // a string is always a valid kid
	return jwt.WithKey(jwa.RS256, raw, jws.WithProtectedHeaders(hdr))
}

// Signer returns the key that signs new tokens.
func (k *Keys) Signer() jwk.Key {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.signer
}

// Public returns the public halves of every signing key.
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
// at most once per reloadInterval.
func (k *Keys) refreshFor(ctx context.Context, kid string) error {
	if k.has(kid) {
		return nil
	}
	k.mu.Lock()
	recent := time.Since(k.lastReload) < reloadInterval
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
