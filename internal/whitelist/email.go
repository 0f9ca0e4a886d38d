package whitelist

// Email is an email address normalised once (NormaliseEmail), to be matched many times: normalising
// (IDNA and the address syntax) costs far more than matching, so a caller deciding about one address
// against several rule sets, or several times, prepares it once.
type Email struct {
	normalised string
	valid      bool
}

// NewEmail prepares an email address for matching. An address that is not valid matches no rule.
func NewEmail(email string) Email {
	addr, ok := NormaliseEmail(email)
	return Email{normalised: addr, valid: ok}
}

// AllowsEmail is Allows for a prepared address.
func (m *Matcher) AllowsEmail(e Email) bool {
	return m.Empty() || (e.valid && m.matchesNormalised(e.normalised))
}
