package oauth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
}

// NewTokens returns a signer and checker of access tokens for the issuer. With a revocation index,
// Verify refuses revoked tokens and Sign dates new tokens after the revocations it knows.
func NewTokens(keys *Keys, issuer string, revoked *revocation.Index) *Tokens {
	return &Tokens{keys: keys, issuer: issuer, revoked: revoked, now: func() time.Time { return time.Now().UTC() }}
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
	tok, err := jwt.NewBuilder().
		Expiration(p.ExpiresAt).
		IssuedAt(now).
		Issuer(t.issuer).
		JwtID(p.TokenID).
		Subject(strconv.FormatInt(p.UserID, 10)).
		Claim(claimUserName, p.Email).
		Claim(claimClientID, p.ClientID).
		Claim(claimScope, nonNil(p.Scope)).
		Claim(claimAuthorities, nonNil(p.Authorities)).
		Build()
	if err != nil {
		return "", err
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.RS256, t.keys.Signer()))
	if err != nil {
		return "", err
	}
	return string(signed), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Verify checks an access token and returns who it speaks for. Only RS256 signatures by one of the
// service's keys are accepted.
func (t *Tokens) Verify(ctx context.Context, raw string) (Principal, error) {
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
