package oauth

import (
	"context"
	"errors"
	"strconv"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// IDTokenHint is what an id_token_hint of the end-session endpoint names: the user the ID token was
// issued for (its sub) and the app it was issued to (its aud).
type IDTokenHint struct {
	UserID   int64
	ClientID string
}

// ErrHintInvalid: the id_token_hint is not an ID token this service issued.
var ErrHintInvalid = errors.New("id_token_hint is not an ID token of this service")

// maxHintLength bounds what is parsed at all (the spec's limit on the parameter).
const maxHintLength = 8192

// ParseIDTokenHint checks that raw is an ID token this service issued: RS256, signed by one of its
// live keys (keys.Public, reloaded once for a kid not yet known), iss = issuer, a decimal user id as sub
// and one client id as aud (or, with several audiences, azp). An expired token is accepted, as OpenID
// Connect RP-initiated logout asks: the hint only says who is meant, it grants nothing. Access tokens of
// this service carry no aud, so they are refused.
func ParseIDTokenHint(ctx context.Context, keys *Keys, issuer, raw string) (IDTokenHint, error) {
	if raw == "" || len(raw) > maxHintLength || keys == nil {
		return IDTokenHint{}, ErrHintInvalid
	}
	msg, err := jws.ParseString(raw)
	if err != nil || len(msg.Signatures()) != 1 {
		return IDTokenHint{}, ErrHintInvalid
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if hdr.Algorithm() != jwa.RS256 || hdr.KeyID() == "" {
		return IDTokenHint{}, ErrHintInvalid
	}
	if err := keys.refreshFor(ctx, hdr.KeyID()); err != nil {
		return IDTokenHint{}, ErrHintInvalid
	}
	// Validation (exp, nbf, iat) is off: an expired ID token still names its user. The signature is
	// verified all the same by WithKeySet.
	tok, err := jwt.ParseString(raw,
		jwt.WithKeySet(keys.Public(), jws.WithRequireKid(true)),
		jwt.WithValidate(false),
	)
	if err != nil || tok.Issuer() != issuer {
		return IDTokenHint{}, ErrHintInvalid
	}
	id, err := strconv.ParseInt(tok.Subject(), 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != tok.Subject() {
		return IDTokenHint{}, ErrHintInvalid
	}
	h := IDTokenHint{UserID: id}
	switch aud := tok.Audience(); {
	case len(aud) == 1:
		h.ClientID = aud[0]
	case len(aud) > 1:
		azp, ok := claim[string](tok, "azp")
		if !ok || azp == "" {
			return IDTokenHint{}, ErrHintInvalid
		}
		h.ClientID = azp
	}
	if h.ClientID == "" {
		return IDTokenHint{}, ErrHintInvalid
	}
	return h, nil
}
