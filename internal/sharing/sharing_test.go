package sharing_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"

	"github.com/cocoondata/access-service/internal/sharing"
	"github.com/cocoondata/access-service/internal/whitelist"
)

// Classifications of the table's organisation.
const (
	public     int64 = 1 // linked to the "everyone" clearance, which holds alice and bob
	secret     int64 = 2 // linked to the "board" clearance, which holds alice only
	restricted int64 = 3 // linked to the "board" and "legal" clearances; legal holds carol
	orphan     int64 = 4 // linked to no clearance
)

// facts are what Load would read for each address of the table's organisation: the classifications each
// is cleared for through the clearances above. dave is a member in no clearance; eve is no user of the
// organisation (nil).
var cleared = map[string]map[int64]bool{
	"alice@xy-company.com": {public: true, secret: true, restricted: true},
	"bob@xy-company.com":   {public: true},
	"carol@partner.org":    {restricted: true},
	"dave@xy-company.com":  {},
	"eve@xy-company.com":   nil,
}

func matcher(t *testing.T, patterns ...string) *whitelist.Matcher {
	t.Helper()
	var ps []whitelist.Pattern
	for _, raw := range patterns {
		p, err := whitelist.ParsePattern(raw)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return whitelist.NewMatcher(ps)
}

// TestDecide is the sharing rule in executable form: the whitelist first (while the organisation has
// rules, the address must match one), then each classification of the file (the address's user must be
// in at least one clearance linked to it). A classification linked to no clearance blocks every file
// that carries it; an address of no user of the organisation fails every classification; a file with
// no classification is the whitelist's alone.
func TestDecide(t *testing.T) {
	none := matcher(t)
	staff := matcher(t, "xy-company.com")
	cases := []struct {
		name      string
		rules     *whitelist.Matcher
		email     string
		file      []int64
		want      sharing.Reason
		uncleared []int64
	}{
		{"no rules, no classification: anyone", none, "stranger@anywhere.example", nil, sharing.Allowed, nil},
		{"no rules, no classification: no user of the organisation", none, "eve@xy-company.com", nil, sharing.Allowed, nil},
		{"rules allow, no classification", staff, "eve@xy-company.com", nil, sharing.Allowed, nil},
		{"rules refuse, no classification", staff, "carol@partner.org", nil, sharing.NotWhitelisted, nil},
		{"rules refuse an address that is no address", staff, "not an address", nil, sharing.NotWhitelisted, nil},
		{"rules match whatever the address's case", staff, "ALICE@XY-Company.com", nil, sharing.Allowed, nil},
		{"cleared for the one classification", staff, "bob@xy-company.com", []int64{public}, sharing.Allowed, nil},
		{"cleared for every classification, through different clearances", staff, "alice@xy-company.com", []int64{public, secret, restricted}, sharing.Allowed, nil},
		{"cleared through one of two clearances linked to it", none, "carol@partner.org", []int64{restricted}, sharing.Allowed, nil},
		{"not in a clearance linked to it", staff, "bob@xy-company.com", []int64{secret}, sharing.NotCleared, []int64{secret}},
		{"cleared for some but not all", staff, "bob@xy-company.com", []int64{public, secret, restricted}, sharing.NotCleared, []int64{secret, restricted}},
		{"a member in no clearance", staff, "dave@xy-company.com", []int64{public}, sharing.NotCleared, []int64{public}},
		{"no user of the organisation fails any classification", none, "eve@xy-company.com", []int64{public}, sharing.NotCleared, []int64{public}},
		{"a classification linked to no clearance blocks even the best cleared", staff, "alice@xy-company.com", []int64{public, orphan}, sharing.NotCleared, []int64{orphan}},
		{"the whitelist is checked first", staff, "carol@partner.org", []int64{restricted}, sharing.NotWhitelisted, nil},
		{"the whitelist first, even when clearances would also refuse", staff, "carol@partner.org", []int64{orphan}, sharing.NotWhitelisted, nil},
		{"the same classification twice is named twice", none, "bob@xy-company.com", []int64{secret, secret}, sharing.NotCleared, []int64{secret, secret}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := sharing.Decide(sharing.Facts{Whitelist: tc.rules, Cleared: cleared[normalised(tc.email)]}, whitelist.NewEmail(tc.email), tc.file)
			if got.Allowed != (tc.want == sharing.Allowed) || got.Reason != tc.want || !slices.Equal(got.Uncleared, tc.uncleared) {
				t.Fatalf("%+v, want reason %d uncleared %v", got, tc.want, tc.uncleared)
			}
		})
	}
	t.Run("no whitelist matcher at all is no rule", func(t *testing.T) {
		if got := sharing.Decide(sharing.Facts{}, whitelist.NewEmail("x@y.example"), nil); !got.Allowed {
			t.Fatalf("%+v", got)
		}
	})
}

// normalised is the address as Load would look it up (lower case).
func normalised(email string) string {
	for k := range cleared {
		if len(k) == len(email) && equalFold(k, email) {
			return k
		}
	}
	return email
}

func equalFold(a, b string) bool {
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// benchmarkFacts are an organisation with a whitelist of 50 rules, and an address cleared for 6
// classifications; the file carries 5 of them.
func benchmarkFacts(b *testing.B) (sharing.Facts, []int64) {
	b.Helper()
	var patterns []whitelist.Pattern
	for _, raw := range []string{"xy-company.com", "*.partner.org", "bob@gmail.com"} {
		p, err := whitelist.ParsePattern(raw)
		if err != nil {
			b.Fatal(err)
		}
		patterns = append(patterns, p)
	}
	for i := range 47 {
		p, err := whitelist.ParsePattern(fmt.Sprintf("d%02d.example", i))
		if err != nil {
			b.Fatal(err)
		}
		patterns = append(patterns, p)
	}
	f := sharing.Facts{Whitelist: whitelist.NewMatcher(patterns), Cleared: map[int64]bool{11: true, 12: true, 13: true, 14: true, 15: true, 16: true}}
	return f, []int64{11, 12, 13, 14, 15}
}

// BenchmarkSharingDecision is the pure decision for one (prepared) address and a file with 5
// classifications: it must cost less than one RS256 verification (BenchmarkRS256Signature here;
// internal/oauth's BenchmarkVerify, whose verified-token cache answers a token seen before), so that
// deciding for each recipient is never what makes sharing slow.
func BenchmarkSharingDecision(b *testing.B) {
	f, file := benchmarkFacts(b)
	to := whitelist.NewEmail("alice@eu.partner.org")
	b.ReportAllocs()
	for b.Loop() {
		if d := sharing.Decide(f, to, file); !d.Allowed {
			b.Fatal(d)
		}
	}
}

// BenchmarkSharingDecisionWithNewAddress is the decision with the address's preparation (normalising
// it, as the whitelist compares addresses), which a caller pays once per recipient.
func BenchmarkSharingDecisionWithNewAddress(b *testing.B) {
	f, file := benchmarkFacts(b)
	b.ReportAllocs()
	for b.Loop() {
		if d := sharing.Decide(f, whitelist.NewEmail("alice@eu.partner.org"), file); !d.Allowed {
			b.Fatal(d)
		}
	}
}

// BenchmarkRS256Signature is the signature check of one RS256 verification (SHA-256 and RSA PKCS #1
// v1.5 with a 2048-bit key, as the service signs), without the JWT parsing and the cache around it: the
// yardstick of BenchmarkSharingDecision.
func BenchmarkRS256Signature(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	input := []byte("eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJleHAiOjE3OTk5OTk5OTksInVzZXJfbmFtZSI6ImFsaWNlQHh5LWNvbXBhbnkuY29tIn0")
	digest := sha256.Sum256(input)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256(input)
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, d[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
