package clientapp

// Client secrets' storage. A client secret is a machine secret: long and random, not a password a person
// chose, so guessing it from a stolen hash is hopeless whatever the hash's cost. A deliberately slow hash
// (Argon2id, as for passwords) buys nothing there, and it made every client authentication, failed ones
// included, as dear as a sign-in: anyone could spend the server's hashing capacity by sending made-up
// client ids. So client secrets are stored with a fast salted hash, and only long ones are accepted.

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strings"
	"unicode/utf8"

	"github.com/cocoondata/access-service/internal/errs"
)

// MinSecretLength is the fewest characters a new or changed client secret may have: a fast hash is safe
// only for a secret too long to guess (32 random characters are well beyond any search).
const MinSecretLength = 32

// ErrSecretTooShort: a new or changed client secret shorter than MinSecretLength.
var ErrSecretTooShort = errs.New(errs.Invalid, "Client secret too short", "clientSecret must be at least 32 characters long")

// fastHashPrefix starts a secret hash in the fast format: $hmac-sha256$<salt>$<mac>, the salt 16 random
// bytes and the mac HMAC-SHA-256 keyed with the salt over the secret, both in unpadded standard base64.
const fastHashPrefix = "$hmac-sha256$"

// legacyHashPrefix starts a secret hash made before the fast format, with the password hasher.
const legacyHashPrefix = "$argon2id$"

const saltBytes = 16

// checkSecretLength refuses a new secret too short for the fast hash. Characters are counted as the
// API's schema counts them (code points).
func checkSecretLength(secret string) error {
	if utf8.RuneCountInString(secret) < MinSecretLength {
		return ErrSecretTooShort
	}
	return nil
}

// hashSecret returns the fast hash of a secret, with a fresh random salt.
func hashSecret(secret string) string {
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		panic(err) // only fails if the system's random source fails
	}
	return fastHashPrefix + base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(mac(salt, secret))
}

func mac(salt []byte, secret string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(secret))
	return m.Sum(nil)
}

// secretMatches reports whether secret matches a hash in the fast format, comparing in constant time. A
// hash that is not in that format matches nothing.
func secretMatches(secret, encoded string) bool {
	rest, ok := strings.CutPrefix(encoded, fastHashPrefix)
	if !ok {
		return false
	}
	salt64, mac64, ok := strings.Cut(rest, "$")
	if !ok {
		return false
	}
	salt, err := base64.RawStdEncoding.DecodeString(salt64)
	if err != nil {
		return false
	}
	want, err := base64.RawStdEncoding.DecodeString(mac64)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(mac(salt, secret), want) == 1
}

// dummySecretHash is what a client that has no secret to check (unknown, disabled, or public) is checked
// against, so that it costs what a known client's wrong secret costs and reveals nothing.
var dummySecretHash = hashSecret("no client application has this secret")

// isLegacy reports whether a stored secret hash was made with the password hasher (Argon2id).
func isLegacy(encoded string) bool { return strings.HasPrefix(encoded, legacyHashPrefix) }
