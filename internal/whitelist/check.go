package whitelist

// Member is a member of the organisation, for the dry-run check.
type Member struct {
	UserID    int64
	Email     string
	FirstName *string
	LastName  *string
}

// Change is a member whose ability to be shared items would change, and that ability afterwards.
type Change struct {
	Member
	Shareable bool
}

// Changes returns the members whose ability to be shared items differs between the two rule sets, in
// the order given, with their state under after. Its cost is linear in members and rules.
func Changes(before, after []Pattern, members []Member) []Change {
	b, a := NewMatcher(before), NewMatcher(after)
	out := []Change{}
	for _, m := range members {
		addr, ok := NormaliseEmail(m.Email)
		was := b.Empty() || (ok && b.matchesNormalised(addr))
		will := a.Empty() || (ok && a.matchesNormalised(addr))
		if was != will {
			out = append(out, Change{Member: m, Shareable: will})
		}
	}
	return out
}
