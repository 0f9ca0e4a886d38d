// Package whitelist holds an organisation's user whitelist: the rules saying who may be shared items in
// the organisation, and the one matcher that decides whether an email address matches them.
//
// A rule's pattern is one of:
//   - a domain, `xy-company.com`: addresses whose domain part is exactly that domain;
//   - a wildcard, `*.xy-company.com`: addresses at any subdomain of it, at any depth, but not the domain itself;
//   - an email address, `alice@xy-company.com`: that address only.
//
// Patterns and addresses are compared lower-cased, with internationalised domain names in their ASCII
// (punycode) form, so `ÉXAMPLE.com` and `xn--xample-9ua.com` are the same domain.
package whitelist

import (
	"fmt"
	"net/mail"
	"strings"

	"golang.org/x/net/idna"

	"github.com/cocoondata/access-service/internal/errs"
)

// Kind says what a pattern matches.
type Kind int

const (
	// Domain matches addresses at exactly this domain.
	Domain Kind = iota + 1
	// Subdomains matches addresses at any subdomain of the base domain, not the base itself.
	Subdomains
	// Address matches one email address.
	Address
)

// Pattern is a parsed, normalised rule pattern.
type Pattern struct {
	Kind Kind
	// Text is the pattern as stored: lower-cased, trimmed, domains in ASCII form (`*.` kept for Subdomains).
	Text string
	// Domain is the domain part: the rule's domain, the wildcard's base, or the address's domain.
	Domain string
}

// ErrInvalidPattern is wrapped by every error ParsePattern returns.
var ErrInvalidPattern = errs.New(errs.Invalid, "Invalid whitelist pattern", "invalid whitelist pattern")

// PatternError says why a pattern is refused.
type PatternError struct{ Reason string }

func (e *PatternError) Error() string { return e.Reason }
func (e *PatternError) Unwrap() error { return ErrInvalidPattern }

func invalid(format string, a ...any) error { return &PatternError{Reason: fmt.Sprintf(format, a...)} }

// maxPatternLength bounds a pattern: the longest email address SMTP allows.
const maxPatternLength = 254

// ParsePattern checks and normalises a pattern.
func ParsePattern(raw string) (Pattern, error) {
	s := strings.ToLower(strings.TrimSpace(raw))
	switch {
	case s == "":
		return Pattern{}, invalid("the pattern is empty")
	case len(s) > 4*maxPatternLength:
		return Pattern{}, invalid("the pattern is longer than %d characters", maxPatternLength)
	case strings.Contains(s, "@"):
		addr, err := normaliseAddress(s)
		if err != nil {
			return Pattern{}, err
		}
		_, domain, _ := strings.Cut(addr, "@")
		return Pattern{Kind: Address, Text: addr, Domain: domain}, nil
	case strings.HasPrefix(s, "*."):
		base, err := normaliseDomain(s[2:])
		if err != nil {
			return Pattern{}, err
		}
		return Pattern{Kind: Subdomains, Text: "*." + base, Domain: base}, nil
	default:
		d, err := normaliseDomain(s)
		if err != nil {
			return Pattern{}, err
		}
		return Pattern{Kind: Domain, Text: d, Domain: d}, nil
	}
}

// profile converts internationalised names to ASCII and checks them against the rules for host names
// (UTS #46 with STD3 rules: letters, digits and hyphens only, label lengths, bidi rules).
var profile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
	idna.StrictDomainName(true),
	idna.ValidateLabels(true),
	idna.CheckHyphens(true),
	idna.CheckJoiners(true),
)

// normaliseDomain returns the ASCII form of a domain, or why it is not a valid domain. A domain needs at
// least two labels (a top-level domain alone is no organisation's domain) and a top-level label that is
// not all digits (no IP addresses).
func normaliseDomain(s string) (string, error) {
	if strings.ContainsAny(s, "*@ \t\r\n") {
		return "", invalid("%q is not a domain: it holds a character domains cannot hold", s)
	}
	ascii, err := profile.ToASCII(s)
	if err != nil || ascii == "" {
		return "", invalid("%q is not a valid domain name", s)
	}
	ascii = strings.ToLower(ascii)
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", invalid("%q is not a valid domain: it needs at least two labels, like xy-company.com", s)
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return "", invalid("%q is not a valid domain: its last label is a number", s)
	}
	if len(ascii) > 253 {
		return "", invalid("%q is not a valid domain: longer than 253 characters", s)
	}
	return ascii, nil
}

// normaliseAddress returns the canonical form of an email address: the local part lower-cased and the
// domain in ASCII form.
func normaliseAddress(s string) (string, error) {
	i := strings.LastIndexByte(s, '@')
	local, domain := s[:i], s[i+1:]
	if local == "" || len(local) > 64 {
		return "", invalid("%q is not a valid email address", s)
	}
	d, err := normaliseDomain(domain)
	if err != nil {
		return "", invalid("%q is not a valid email address: its domain is not valid", s)
	}
	addr := local + "@" + d
	parsed, err := mail.ParseAddress(addr)
	if err != nil || parsed.Address != addr || parsed.Name != "" || len(addr) > maxPatternLength {
		return "", invalid("%q is not a valid email address", s)
	}
	return addr, nil
}

// NormaliseEmail returns the form of an email address that patterns are matched against, or false if it
// is not an address any rule could match.
func NormaliseEmail(email string) (string, bool) {
	s := strings.ToLower(strings.TrimSpace(email))
	if !strings.Contains(s, "@") || len(s) > 4*maxPatternLength {
		return "", false
	}
	addr, err := normaliseAddress(s)
	return addr, err == nil
}

// Matcher decides whether addresses match a set of patterns. Its cost per address is a few map look-ups
// per label of the address's domain, however many rules there are.
type Matcher struct {
	addresses  map[string]struct{}
	domains    map[string]struct{}
	subdomains map[string]struct{} // the bases of wildcard rules
}

// NewMatcher builds a matcher over the patterns.
func NewMatcher(patterns []Pattern) *Matcher {
	m := &Matcher{addresses: map[string]struct{}{}, domains: map[string]struct{}{}, subdomains: map[string]struct{}{}}
	for _, p := range patterns {
		switch p.Kind {
		case Address:
			m.addresses[p.Text] = struct{}{}
		case Domain:
			m.domains[p.Domain] = struct{}{}
		case Subdomains:
			m.subdomains[p.Domain] = struct{}{}
		}
	}
	return m
}

// Empty reports whether there are no rules: the whitelist is off.
func (m *Matcher) Empty() bool {
	return len(m.addresses) == 0 && len(m.domains) == 0 && len(m.subdomains) == 0
}

// Matches reports whether the address matches at least one pattern. An address that is not valid matches
// nothing.
func (m *Matcher) Matches(email string) bool {
	addr, ok := NormaliseEmail(email)
	if !ok {
		return false
	}
	return m.matchesNormalised(addr)
}

func (m *Matcher) matchesNormalised(addr string) bool {
	if _, ok := m.addresses[addr]; ok {
		return true
	}
	domain := addr[strings.LastIndexByte(addr, '@')+1:]
	if _, ok := m.domains[domain]; ok {
		return true
	}
	// Each proper parent of the domain: a.b.xy.com → b.xy.com → xy.com → com.
	for rest := domain; ; {
		i := strings.IndexByte(rest, '.')
		if i < 0 {
			return false
		}
		rest = rest[i+1:]
		if _, ok := m.subdomains[rest]; ok {
			return true
		}
	}
}

// Allows reports whether the address may be shared items: always while there are no rules, otherwise
// only when it matches one.
func (m *Matcher) Allows(email string) bool {
	return m.Empty() || m.Matches(email)
}
