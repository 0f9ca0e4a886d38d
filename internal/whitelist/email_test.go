package whitelist

import "testing"

// A prepared address is matched exactly as Allows matches the address it was prepared from.
func TestAllowsEmailIsAllows(t *testing.T) {
	var patterns []Pattern
	for _, raw := range []string{"xy-company.com", "*.partner.org", "bob@gmail.com", "bücher.example"} {
		p, err := ParsePattern(raw)
		if err != nil {
			t.Fatal(err)
		}
		patterns = append(patterns, p)
	}
	for _, m := range []*Matcher{NewMatcher(nil), NewMatcher(patterns)} {
		for _, addr := range []string{"alice@xy-company.com", " ALICE@XY-COMPANY.COM ", "a@eu.partner.org", "a@partner.org",
			"bob@gmail.com", "carol@gmail.com", "x@BÜCHER.example", "x@xn--bcher-kva.example", "not an address", "", "a@b"} {
			if got, want := m.AllowsEmail(NewEmail(addr)), m.Allows(addr); got != want {
				t.Errorf("%d rules, %q: AllowsEmail %v, Allows %v", len(patterns), addr, got, want)
			}
		}
	}
}
