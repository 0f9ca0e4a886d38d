package whitelist

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParsePattern(t *testing.T) {
	cases := []struct {
		in   string
		kind Kind
		text string // "" means invalid
	}{
		{"xy-company.com", Domain, "xy-company.com"},
		{"  XY-Company.COM ", Domain, "xy-company.com"},
		{"mail.xy-company.com", Domain, "mail.xy-company.com"},
		{"*.xy-company.com", Subdomains, "*.xy-company.com"},
		{"*.XY-company.com", Subdomains, "*.xy-company.com"},
		{"alice@xy-company.com", Address, "alice@xy-company.com"},
		{"Alice.Smith+tag@XY-Company.com", Address, "alice.smith+tag@xy-company.com"},
		{"bücher.example", Domain, "xn--bcher-kva.example"},
		{"xn--bcher-kva.example", Domain, "xn--bcher-kva.example"},
		{"*.bücher.example", Subdomains, "*.xn--bcher-kva.example"},
		{"anna@bücher.example", Address, "anna@xn--bcher-kva.example"},
		{"ÉXAMPLE.com", Domain, "xn--xample-9ua.com"},
		{"", 0, ""},
		{"   ", 0, ""},
		{"com", 0, ""},
		{"*.com", 0, ""},
		{"*", 0, ""},
		{"*.", 0, ""},
		{"**.xy.com", 0, ""},
		{"a.*.xy.com", 0, ""},
		{"xy..com", 0, ""},
		{".xy.com", 0, ""},
		{"xy.com.", 0, ""},
		{"-xy.com", 0, ""},
		{"xy-.com", 0, ""},
		{"xy_company.com", 0, ""},
		{"xy company.com", 0, ""},
		{"192.168.0.1", 0, ""},
		{"http://xy.com", 0, ""},
		{"xy.com/path", 0, ""},
		{strings.Repeat("a", 64) + ".com", 0, ""},
		{strings.Repeat("a.", 130) + "com", 0, ""},
		{"@xy.com", 0, ""},
		{"alice@", 0, ""},
		{"alice@com", 0, ""},
		{"alice@@xy.com", 0, ""},
		{"al ice@xy.com", 0, ""},
		{"<alice@xy.com>", 0, ""},
		{"Alice <alice@xy.com>", 0, ""},
		{"alice@*.xy.com", 0, ""},
		{strings.Repeat("a", 65) + "@xy.com", 0, ""},
		{"alice@xy.com\n", Address, "alice@xy.com"}, // trimmed
		{"alice@xy.com\x00", 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePattern(tc.in)
			if tc.text == "" {
				if err == nil || !errors.Is(err, ErrInvalidPattern) {
					t.Fatalf("accepted %q as %+v (err %v)", tc.in, p, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if p.Kind != tc.kind || p.Text != tc.text {
				t.Fatalf("got %+v, want kind %d text %q", p, tc.kind, tc.text)
			}
		})
	}
}

func mustPatterns(t testing.TB, texts ...string) []Pattern {
	t.Helper()
	var out []Pattern
	for _, s := range texts {
		p, err := ParsePattern(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestMatches(t *testing.T) {
	m := NewMatcher(mustPatterns(t, "xy-company.com", "*.partner.org", "bob@gmail.com", "bücher.example"))
	cases := []struct {
		email string
		want  bool
	}{
		{"alice@xy-company.com", true},
		{"ALICE@XY-COMPANY.COM", true},
		{" alice@xy-company.com ", true},
		{"alice@mail.xy-company.com", false}, // a domain rule is exact
		{"alice@evilxy-company.com", false},
		{"alice@xy-company.com.evil.com", false},
		{"alice@xy-company.co", false},
		{"carol@a.partner.org", true},
		{"carol@a.b.c.partner.org", true},
		{"carol@partner.org", false}, // a wildcard is for subdomains only
		{"carol@apartner.org", false},
		{"carol@a.partner.org.evil", false},
		{"bob@gmail.com", true},
		{"BOB@GMAIL.COM", true},
		{"bob2@gmail.com", false},
		{"eve@gmail.com", false},
		{"anna@bücher.example", true},
		{"anna@xn--bcher-kva.example", true},
		{"anna@BÜCHER.example", true},
		{"not-an-email", false},
		{"", false},
		{"@xy-company.com", false},
		{"alice@", false},
		{"\"alice\"@xy-company.com", false}, // quoted local parts are not account addresses
	}
	for _, tc := range cases {
		if got := m.Matches(tc.email); got != tc.want {
			t.Errorf("Matches(%q) = %v, want %v", tc.email, got, tc.want)
		}
	}
	empty := NewMatcher(nil)
	if !empty.Empty() || !empty.Allows("anyone@anywhere.example") || empty.Matches("anyone@anywhere.example") {
		t.Error("no rules: everyone is allowed, no one matches")
	}
	if m.Allows("eve@gmail.com") || !m.Allows("bob@gmail.com") {
		t.Error("Allows must follow Matches while there are rules")
	}
}

func TestChanges(t *testing.T) {
	members := []Member{
		{UserID: 1, Email: "alice@xy-company.com"},
		{UserID: 2, Email: "bob@gmail.com"},
		{UserID: 3, Email: "carol@a.partner.org"},
	}
	ids := func(cs []Change) string {
		var b strings.Builder
		for _, c := range cs {
			fmt.Fprintf(&b, "%d:%v ", c.UserID, c.Shareable)
		}
		return b.String()
	}
	cases := []struct {
		name          string
		before, after []string
		want          string
	}{
		{"first rule turns the whitelist on", nil, []string{"xy-company.com"}, "2:false 3:false "},
		{"last rule deleted turns it off", []string{"xy-company.com"}, nil, "2:true 3:true "},
		{"another rule lets more in", []string{"xy-company.com"}, []string{"xy-company.com", "*.partner.org"}, "3:true "},
		{"a rule that matches no one changes nothing", []string{"xy-company.com"}, []string{"xy-company.com", "nobody.example"}, ""},
		{"no change", []string{"xy-company.com"}, []string{"xy-company.com"}, ""},
		{"both off", nil, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(Changes(mustPatterns(t, tc.before...), mustPatterns(t, tc.after...), members))
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"xy-company.com", "*.xy-company.com", "alice@xy-company.com", "bücher.example", "*.", "@", "a@b@c.com", "xn--", "*.*.com", "ÉXAMPLE.com", "x\u200d.com"} {
		f.Add(s, "someone@"+s)
	}
	f.Fuzz(func(t *testing.T, raw, email string) {
		p, err := ParsePattern(raw)
		m := NewMatcher(nil)
		if err != nil {
			if !errors.Is(err, ErrInvalidPattern) {
				t.Fatalf("error %v does not wrap ErrInvalidPattern", err)
			}
		} else {
			// Normalised text is stable: parsing it again gives the same pattern.
			again, err := ParsePattern(p.Text)
			if err != nil || again != p {
				t.Fatalf("%q → %+v → %+v, %v", raw, p, again, err)
			}
			if p.Text != strings.ToLower(p.Text) || strings.TrimSpace(p.Text) != p.Text {
				t.Fatalf("not normalised: %q", p.Text)
			}
			m = NewMatcher([]Pattern{p})
			switch p.Kind {
			case Domain:
				if !m.Matches("someone@"+p.Domain) || m.Matches("someone@sub."+p.Domain) {
					t.Fatalf("domain rule %q", p.Text)
				}
			case Subdomains:
				if m.Matches("someone@" + p.Domain) {
					t.Fatalf("wildcard %q matches its base", p.Text)
				}
				if _, ok := NormaliseEmail("someone@sub." + p.Domain); ok && !m.Matches("someone@sub."+p.Domain) {
					t.Fatalf("wildcard %q misses a subdomain", p.Text)
				}
			case Address:
				if !m.Matches(p.Text) || !m.Matches(strings.ToUpper(p.Text)) {
					t.Fatalf("address rule %q does not match itself", p.Text)
				}
			}
		}
		// Any input: no panic, and a match implies a valid address.
		if m.Matches(email) {
			if _, ok := NormaliseEmail(email); !ok {
				t.Fatalf("matched an invalid address %q", email)
			}
		}
	})
}

// BenchmarkCheck10k is the dry-run check's core at the scale: 10,000 rules, 10,000 members.
func BenchmarkCheck10k(b *testing.B) {
	var before []Pattern
	for i := range 10_000 {
		var s string
		switch i % 3 {
		case 0:
			s = fmt.Sprintf("org%d.example", i)
		case 1:
			s = fmt.Sprintf("*.org%d.example", i)
		default:
			s = fmt.Sprintf("user%d@mail%d.example", i, i)
		}
		p, err := ParsePattern(s)
		if err != nil {
			b.Fatal(err)
		}
		before = append(before, p)
	}
	after := append([]Pattern{}, before[1:]...)
	members := make([]Member, 10_000)
	for i := range members {
		members[i] = Member{UserID: int64(i + 1), Email: fmt.Sprintf("user%d@sub.org%d.example", i, i)}
	}
	b.ResetTimer()
	for b.Loop() {
		Changes(before, after, members)
	}
}
