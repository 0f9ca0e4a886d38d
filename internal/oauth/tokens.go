package oauth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/cocoondata/access-service/internal/revocation"
)

// Claims of our access tokens beyond the registered ones (exp, iat, iss, jti, sub). The names follow the
// original service's tokens.
const (
	claimUserName    = "user_name"
	claimClientID    = "client_id"
	claimScope       = "scope"
	claimAuthorities = "authorities"
	// claimAMR (RFC 8176) says how the user signed in: ["pwd", "otp"] after the second factor.
	claimAMR = "amr"
	// claimMFARequired marks a restrictive token: its only use is the mfa grant (Verify refuses it).
	claimMFARequired = "mfa_required"
)

// Principal is who an access token speaks for.
type Principal struct {
	UserID      int64
	Email       string
	ClientID    string
	Scope       []string
	Authorities []string
	TokenID     string
	IssuedAt    time.Time
	ExpiresAt   time.Time
	// AMR is how the user signed in (RFC 8176 values); empty when nothing is said.
	AMR []string
	// Restrictive: the token's only use is the mfa grant (the first step of an MFA sign-in).
	Restrictive bool
}

// ErrInvalidToken covers every reason an access token is refused: malformed, badly signed, signed by an
// unknown key, expired, not yet valid, from another issuer.
var ErrInvalidToken = errors.New("invalid access token")

// clockSkew is how far apart the clocks of the issuing and the checking instance may be.
const clockSkew = 30 * time.Second

// Tokens signs and checks access tokens.
type Tokens struct {
	keys    *Keys
	issuer  string
	revoked *revocation.Index // nil: no revocation check
	now     func() time.Time
	cache   verifiedCache
}

// NewTokens returns a signer and checker of access tokens for the issuer. With a revocation index,
// Verify refuses revoked tokens and Sign dates new tokens after the revocations it knows.
func NewTokens(keys *Keys, issuer string, revoked *revocation.Index) *Tokens {
	return &Tokens{keys: keys, issuer: issuer, revoked: revoked, now: func() time.Time { return time.Now().UTC() },
		cache: verifiedCache{max: verifiedCacheSize, m: map[[sha256.Size]byte]verified{}}}
}

// Sign issues an access token for p, valid for ttl; it fills p's TokenID, IssuedAt and ExpiresAt.
func (t *Tokens) Sign(p *Principal, ttl time.Duration) (string, error) {
	now := t.now().Truncate(time.Second)
	if t.revoked != nil {
		// A token issued in the same second as a revocation of its (user, client) pair would fall
		// before the revocation's cutoff (iat has whole seconds only); date it at the cutoff instead.
		// That is less than a second ahead, well inside the clock skew every check tolerates.
		if nb := t.revoked.NotBefore(p.UserID, p.ClientID); now.Before(nb) {
			now = nb
		}
	}
	if p.TokenID == "" {
		p.TokenID = uuid.NewString()
	}
	p.IssuedAt, p.ExpiresAt = now, now.Add(ttl)
	b := jwt.NewBuilder().
		Expiration(p.ExpiresAt).
		IssuedAt(now).
		Issuer(t.issuer).
		JwtID(p.TokenID).
		Subject(strconv.FormatInt(p.UserID, 10)).
		Claim(claimUserName, p.Email).
		Claim(claimClientID, p.ClientID).
		Claim(claimScope, nonNil(p.Scope)).
		Claim(claimAuthorities, nonNil(p.Authorities))
	if len(p.AMR) > 0 {
		b = b.Claim(claimAMR, p.AMR)
	}
	if p.Restrictive {
		b = b.Claim(claimMFARequired, true)
	}
	return t.keys.sign(b)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Verify checks an access token and returns who it speaks for. Only RS256 signatures by one of the
// service's keys are accepted. A restrictive token (the first step of an MFA sign-in) is refused like
// an invalid one: this is the one check every bearer operation and introspection go through, so no
// operation can take one by mistake; the mfa grant checks them with VerifyRestrictive.
//
// A token that verified once is remembered (by its SHA-256) until it expires, so checking it again costs a
// hash and a map look-up instead of parsing and an RSA verification. What can change while a token lives
// is checked on every call all the same: its expiry, and the revocation index.
func (t *Tokens) Verify(ctx context.Context, raw string) (Principal, error) {
	key := tokenDigest(raw)
	epoch := t.keys.epoch.Load()
	if p, ok := t.cache.get(key, epoch); ok {
		if t.now().After(p.ExpiresAt.Add(clockSkew)) {
			t.cache.drop(key)
			return Principal{}, ErrInvalidToken
		}
		if t.revoked != nil && t.revoked.Revoked(p.UserID, p.ClientID, p.TokenID, p.IssuedAt) {
			return Principal{}, ErrInvalidToken
		}
		return p, nil
	}
	p, err := t.verify(ctx, raw)
	if err != nil {
		return Principal{}, err
	}
	if p.Restrictive {
		return Principal{}, ErrInvalidToken
	}
	t.cache.put(key, p, epoch, t.now())
	return p, nil
}

// VerifyRestrictive checks a restrictive token (Principal.Restrictive) and returns who it speaks for;
// any other token, even a valid one, is ErrInvalidToken.
func (t *Tokens) VerifyRestrictive(ctx context.Context, raw string) (Principal, error) {
	p, err := t.verify(ctx, raw)
	if err != nil || !p.Restrictive {
		return Principal{}, ErrInvalidToken
	}
	return p, nil
}

// tokenDigest is the SHA-256 of a token, the verified cache's key. A token of usual size is copied to a
// buffer on the stack to be hashed (converting the string would allocate a copy on the heap for every
// request); a longer one, which cannot be one of ours, is converted.
func tokenDigest(raw string) [sha256.Size]byte {
	var buf [2048]byte
	if len(raw) > len(buf) {
		return sha256.Sum256([]byte(raw))
	}
	return sha256.Sum256(buf[:copy(buf[:], raw)])
}

func (t *Tokens) verify(ctx context.Context, raw string) (Principal, error) {
	msg, err := jws.ParseString(raw)
	if err != nil || len(msg.Signatures()) != 1 {
		return Principal{}, ErrInvalidToken
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if hdr.Algorithm() != jwa.RS256 || hdr.KeyID() == "" {
		return Principal{}, ErrInvalidToken
	}
	if err := t.keys.refreshFor(ctx, hdr.KeyID()); err != nil {
		return Principal{}, ErrInvalidToken
	}
	tok, err := jwt.ParseString(raw,
		jwt.WithKeySet(t.keys.Public(), jws.WithRequireKid(true)),
		jwt.WithValidate(true),
		jwt.WithIssuer(t.issuer),
		jwt.WithAcceptableSkew(clockSkew),
		jwt.WithClock(jwt.ClockFunc(t.now)),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
		jwt.WithRequiredClaim(jwt.JwtIDKey),
		jwt.WithRequiredClaim(jwt.SubjectKey),
	)
	if err != nil {
		return Principal{}, ErrInvalidToken
	}
	p, err := principalOf(tok)
	if err != nil {
		return Principal{}, ErrInvalidToken
	}
	if t.revoked != nil && t.revoked.Revoked(p.UserID, p.ClientID, p.TokenID, p.IssuedAt) {
		return Principal{}, ErrInvalidToken
	}
	return p, nil
}

func principalOf(tok jwt.Token) (Principal, error) {
	id, err := strconv.ParseInt(tok.Subject(), 10, 64)
	if err != nil || id <= 0 {
		return Principal{}, fmt.Errorf("bad sub")
	}
	p := Principal{UserID: id, TokenID: tok.JwtID(), IssuedAt: tok.IssuedAt(), ExpiresAt: tok.Expiration()}
	var ok bool
	if p.Email, ok = claim[string](tok, claimUserName); !ok {
		return Principal{}, fmt.Errorf("bad %s", claimUserName)
	}
	if p.ClientID, ok = claim[string](tok, claimClientID); !ok {
		return Principal{}, fmt.Errorf("bad %s", claimClientID)
	}
	if p.Scope, ok = stringsClaim(tok, claimScope); !ok {
		return Principal{}, fmt.Errorf("bad %s", claimScope)
	}
	if p.Authorities, ok = stringsClaim(tok, claimAuthorities); !ok {
		return Principal{}, fmt.Errorf("bad %s", claimAuthorities)
	}
	if _, present := tok.Get(claimAMR); present {
		if p.AMR, ok = stringsClaim(tok, claimAMR); !ok {
			return Principal{}, fmt.Errorf("bad %s", claimAMR)
		}
	}
	if v, present := tok.Get(claimMFARequired); present {
		if p.Restrictive, ok = v.(bool); !ok || !p.Restrictive {
			return Principal{}, fmt.Errorf("bad %s", claimMFARequired)
		}
	}
	return p, nil
}

func claim[T any](tok jwt.Token, name string) (T, bool) {
	var zero T
	v, ok := tok.Get(name)
	if !ok {
		return zero, false
	}
	t, ok := v.(T)
	return t, ok
}

func stringsClaim(tok jwt.Token, name string) ([]string, bool) {
	v, ok := claim[[]any](tok, name)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(v))
	for _, e := range v {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// verifiedCacheSize bounds the tokens Verify remembers (a few hundred bytes each).
const verifiedCacheSize = 50_000

// verifiedCache maps the SHA-256 of a token that verified to its principal, and to the keys' epoch it
// verified in: once a key has left the set (retired), what was verified before is verified again.
type verifiedCache struct {
	mu  sync.RWMutex
	max int
	m   map[[sha256.Size]byte]verified
}

type verified struct {
	Principal
	epoch uint64
}

func (c *verifiedCache) get(k [sha256.Size]byte, epoch uint64) (Principal, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[k]
	if !ok || v.epoch != epoch {
		return Principal{}, false
	}
	return v.Principal, true
}

func (c *verifiedCache) drop(k [sha256.Size]byte) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

// put remembers p. When the cache is full it first forgets expired tokens, then, if that was not enough,
// an arbitrary eighth of the others: they verify again on their next use.
func (c *verifiedCache) put(k [sha256.Size]byte, p Principal, epoch uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for key, e := range c.m {
			if now.After(e.ExpiresAt.Add(clockSkew)) {
				delete(c.m, key)
			}
		}
		for key := range c.m {
			if len(c.m) < c.max-c.max/8 {
				break
			}
			delete(c.m, key)
		}
	}
	c.m[k] = verified{p, epoch}
}
