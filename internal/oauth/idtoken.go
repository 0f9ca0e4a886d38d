package oauth

// OpenID Connect: the ID token of the code flow and the user's claims (OpenID Connect Core 1.0).

import (
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/cocoondata/access-service/internal/user"
)

// The OpenID Connect scopes. An app asks for them like any scope (it must be registered with them).
const (
	ScopeOpenID  = "openid"
	ScopeProfile = "profile"
	ScopeEmail   = "email"
)

// IDTokenLifetime is how long an ID token is valid: it proves a sign-in to the app, once, at once.
const IDTokenLifetime = time.Hour

// UserClaims are the claims about a user an app sees, as its token's scopes allow (ID token and
// UserInfo alike). Sub is always there.
type UserClaims struct {
	Sub           string
	Email         *string
	EmailVerified *bool
	Name          *string
	GivenName     *string
	FamilyName    *string
}

// ClaimsOf are the claims of the user that scope allows: email and email_verified with `email`;
// name, given_name and family_name (those the account has) with `profile`.
//
// email_verified is true for every account: every account of this service is made by an
// administrator (a member added by email, an organisation's first administrator, an imported row; there
// is no self sign-up), and only administrators set or change an address, so the address is one an
// administrator vouches for (the UserInfo schema's third case). A stored flag would say nothing more
// until an account can be made or readdressed without an administrator.
func ClaimsOf(u user.User, scope []string) UserClaims {
	c := UserClaims{Sub: strconv.FormatInt(u.ID, 10)}
	if slices.Contains(scope, ScopeEmail) {
		email, verified := u.Email, true
		c.Email, c.EmailVerified = &email, &verified
	}
	if slices.Contains(scope, ScopeProfile) {
		given, family := nonEmpty(u.FirstName), nonEmpty(u.LastName)
		c.GivenName, c.FamilyName = given, family
		var parts []string
		for _, p := range []*string{given, family} {
			if p != nil {
				parts = append(parts, *p)
			}
		}
		if len(parts) > 0 {
			name := strings.Join(parts, " ")
			c.Name = &name
		}
	}
	return c
}

func nonEmpty(s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	v := strings.TrimSpace(*s)
	return &v
}

// IDTokenRequest is what an ID token says: whom it is for (the app), the sign-in (auth time, how),
// the request's nonce, and the access token issued with it (at_hash).
type IDTokenRequest struct {
	User        user.User
	ClientID    string
	Scope       []string
	Nonce       string
	AuthTime    time.Time
	AMR         []string
	AccessToken string
}

// SignIDToken issues an RS256 ID token, signed by the current signing key (its kid in the header), valid
// for IDTokenLifetime. It has no jti, client_id or scope claims, so Verify refuses it as an access token.
func (t *Tokens) SignIDToken(r IDTokenRequest) (string, error) {
	now := t.now().Truncate(time.Second)
	c := ClaimsOf(r.User, r.Scope)
	b := jwt.NewBuilder().
		Issuer(t.issuer).
		Subject(c.Sub).
		Audience([]string{r.ClientID}).
		Expiration(now.Add(IDTokenLifetime)).
		IssuedAt(now)
	if !r.AuthTime.IsZero() {
		b = b.Claim("auth_time", r.AuthTime.Unix())
	}
	if r.Nonce != "" {
		b = b.Claim("nonce", r.Nonce)
	}
	if r.AccessToken != "" {
		b = b.Claim("at_hash", atHash(r.AccessToken))
	}
	if len(r.AMR) > 0 {
		b = b.Claim(claimAMR, r.AMR)
	}
	for name, v := range map[string]*string{"email": c.Email, "name": c.Name, "given_name": c.GivenName, "family_name": c.FamilyName} {
		if v != nil {
			b = b.Claim(name, *v)
		}
	}
	if c.EmailVerified != nil {
		b = b.Claim("email_verified", *c.EmailVerified)
	}
	return t.keys.sign(b)
}

// atHash is the at_hash of an access token for RS256: the left half of its SHA-256, base64url without
// padding (OpenID Connect Core 1.0 section 3.1.3.6).
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
