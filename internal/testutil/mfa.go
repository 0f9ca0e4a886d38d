package testutil

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTPCode is the code an authenticator app with this key shows steps periods of 30 s from now: the
// tests' own TOTP generator. A code works once per user, and only for a later step than the last one
// used, so a test that uses several codes of one key uses increasing steps (-1, 0, 1 are all current).
func TOTPCode(t testing.TB, key string, steps int) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(key, time.Now().Add(time.Duration(steps)*30*time.Second),
		totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// PairOwnMFA pairs an authenticator for the token's user through /api/v1/users/me/mfa (confirmed with
// the code of the previous step) and returns its key: from then on the user's MFA is required.
func (s *Service) PairOwnMFA(t *testing.T, token string) string {
	t.Helper()
	r := s.Client.Do(t, Request{Method: "POST", Path: "/api/v1/users/me/mfa", Token: token})
	if r.Status != 200 {
		t.Fatalf("starting a pairing: %d %s", r.Status, r.Body)
	}
	p := r.JSON(t)
	key, _ := p["key"].(string)
	uri, _ := p["otpauthUri"].(string)
	qr, _ := p["qrCode"].(string)
	if key == "" || !strings.HasPrefix(uri, "otpauth://totp/") || !strings.HasPrefix(qr, "data:image/png;base64,") {
		t.Fatalf("pairing: %s", r.Body)
	}
	r = s.Client.Do(t, Request{Method: "PUT", Path: "/api/v1/users/me/mfa", Token: token, ContentType: "application/json",
		Body: []byte(`{"code":"` + TOTPCode(t, key, -1) + `"}`)})
	if r.Status != 200 || r.JSON(t)["configured"] != true || r.JSON(t)["required"] != true {
		t.Fatalf("confirming the pairing: %d %s", r.Status, r.Body)
	}
	return key
}
