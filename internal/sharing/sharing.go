// Package sharing is the organisation's sharing policy in one decision: may this address be shared a
// file carrying these classifications in this organisation? It combines the user whitelist
// (internal/whitelist) and the clearances (internal/clearance):
//
//  1. The whitelist first: while the organisation has rules, the address must match one.
//  2. Then each classification the file carries: the address's user must be in at least one of the
//     organisation's clearances linked to it. A classification linked to no clearance therefore blocks
//     sharing of every file that carries it, and an address of no user of the organisation fails every
//     classification (it can be in no clearance).
//
// A file with no classification is decided by the whitelist alone. Decide is the rule, pure, over the
// Facts a caller loads (Service.Load reads them in a constant number of statements); its table test is
// the rule's executable form. The secure-objects API calls Service.MayShare; nothing else decides.
package sharing

import (
	"context"

	"github.com/cocoondata/access-service/internal/user"
	"github.com/cocoondata/access-service/internal/whitelist"
)

// Facts are what the decision needs to know about one address in one organisation.
type Facts struct {
	// Whitelist matches the organisation's whitelist rules; an empty matcher (no rules) allows every
	// address.
	Whitelist *whitelist.Matcher
	// Cleared are the classifications (ids) the address's user is cleared for: each is linked to at
	// least one of the organisation's clearances the user is in. Nil for an address of no user of the
	// organisation. Only the classifications asked about need be present.
	Cleared map[int64]bool
}

// Reason says why sharing is refused.
type Reason int

const (
	// Allowed: nothing refuses.
	Allowed Reason = iota
	// NotWhitelisted: the organisation has whitelist rules and the address matches none.
	NotWhitelisted
	// NotCleared: the address's user is in no clearance linked to some classification of the file
	// (Decision.Uncleared names them).
	NotCleared
)

// Decision is the answer: whether the address may be shared the file and, if not, why.
type Decision struct {
	Allowed bool
	Reason  Reason
	// Uncleared are the file's classifications the address is not cleared for, in the order asked
	// (only when Reason is NotCleared).
	Uncleared []int64
}

// Decide is the sharing rule (see the package's description): the whitelist first, then every
// classification the file carries. The address comes prepared (whitelist.NewEmail): normalising it is
// most of the work, done once per address however many files are decided about.
func Decide(f Facts, to whitelist.Email, classifications []int64) Decision {
	if f.Whitelist != nil && !f.Whitelist.AllowsEmail(to) {
		return Decision{Reason: NotWhitelisted}
	}
	var uncleared []int64
	for _, c := range classifications {
		if !f.Cleared[c] {
			uncleared = append(uncleared, c)
		}
	}
	if len(uncleared) > 0 {
		return Decision{Reason: NotCleared, Uncleared: uncleared}
	}
	return Decision{Allowed: true}
}

// Rules reads an organisation's whitelist (the whitelist's store).
type Rules interface {
	Rules(ctx context.Context, orgID int64) ([]whitelist.Rule, error)
}

// Clearances reads which classifications an address is cleared for (the clearances' store).
type Clearances interface {
	// Cleared are those of classificationIDs linked to a clearance of the organisation that the user
	// with this (normalised) email address is in; one statement.
	Cleared(ctx context.Context, orgID int64, email string, classificationIDs []int64) ([]int64, error)
}

// Service loads the facts and decides.
type Service struct {
	rules      Rules
	clearances Clearances
}

// NewService returns the sharing decision over the whitelist's and the clearances' stores.
func NewService(r Rules, c Clearances) *Service { return &Service{rules: r, clearances: c} }

// Load reads the facts about the address and the classifications in the organisation: two statements
// (the rules, and the classifications the address is cleared for), whatever the number of rules,
// clearances or classifications.
func (s *Service) Load(ctx context.Context, orgID int64, email string, classifications []int64) (Facts, error) {
	rules, err := s.rules.Rules(ctx, orgID)
	if err != nil {
		return Facts{}, err
	}
	patterns := make([]whitelist.Pattern, len(rules))
	for i, r := range rules {
		patterns[i] = r.Pattern
	}
	f := Facts{Whitelist: whitelist.NewMatcher(patterns)}
	addr, err := user.NormalizeEmail(email)
	if err != nil || len(classifications) == 0 {
		return f, nil // an address no account can have is cleared for nothing
	}
	cleared, err := s.clearances.Cleared(ctx, orgID, addr, classifications)
	if err != nil {
		return Facts{}, err
	}
	f.Cleared = make(map[int64]bool, len(cleared))
	for _, c := range cleared {
		f.Cleared[c] = true
	}
	return f, nil
}

// MayShare decides whether the address may be shared a file carrying the classifications in the
// organisation.
func (s *Service) MayShare(ctx context.Context, orgID int64, email string, classifications []int64) (Decision, error) {
	f, err := s.Load(ctx, orgID, email, classifications)
	if err != nil {
		return Decision{}, err
	}
	return Decide(f, whitelist.NewEmail(email), classifications), nil
}
