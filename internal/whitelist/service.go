package whitelist

import (
	"context"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
)

// Rule is one whitelist rule of an organisation. Its pattern never changes.
type Rule struct {
	ID             int64
	OrganisationID int64
	Pattern        Pattern
	Description    string
	CreatedAt      time.Time
}

var (
	ErrRuleNotFound = errs.New(errs.NotFound, "Whitelist rule not found", "whitelist rule not found")
	// ErrDuplicatePattern: the organisation already has a rule with this pattern.
	ErrDuplicatePattern = errs.New(errs.Conflict, "Duplicate whitelist pattern", "the organisation already has a rule with this pattern")
	// ErrOrganisationGone: the organisation was removed while rules were being added to it.
	ErrOrganisationGone = errs.New(errs.NotFound, "Organisation not found", "the organisation no longer exists")
)

// Store keeps rules: queries only; the rules about them are the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Add stores the rules in one statement; a pattern the organisation has already is
	// ErrDuplicatePattern, an organisation that is gone ErrOrganisationGone.
	Add(ctx context.Context, rules []Rule) error
	// Rules are all the organisation's rules; Page one page of them.
	Rules(ctx context.Context, orgID int64) ([]Rule, error)
	Page(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Rule], error)
	// Rule returns a rule of any organisation.
	Rule(ctx context.Context, id int64) (Rule, error)
	// SetDescription changes the organisation's rule's description; ErrRuleNotFound if it has no such rule.
	SetDescription(ctx context.Context, orgID, id int64, description string) error
	// Lock reads the rules with these ids (of the organisation; of any when orgID is 0) and locks them
	// for the rest of the transaction; ids with no such rule are left out.
	Lock(ctx context.Context, orgID int64, ruleIDs []int64) ([]Rule, error)
	// Delete deletes the rules with these ids and says how many there were.
	Delete(ctx context.Context, ruleIDs []int64) (int, error)
	// Members are the organisation's members, ordered by email.
	Members(ctx context.Context, orgID int64) ([]Member, error)
}

// Service is the whitelist's rules.
type Service struct {
	store Store
	ids   *ids.Generator
	now   func() time.Time
}

// NewService returns the whitelist over the store.
func NewService(s Store, g *ids.Generator) *Service {
	return &Service{store: s, ids: g, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// NewRule is one rule to add.
type NewRule struct {
	Pattern     string
	Description string
}

// parseAll parses every pattern, refusing invalid ones and duplicates within the request.
func parseAll(items []NewRule) ([]Pattern, error) {
	var refused errs.Items
	patterns := make([]Pattern, len(items))
	seen := map[string]int{}
	for i, it := range items {
		p, err := ParsePattern(it.Pattern)
		if err != nil {
			refused = append(refused, &errs.ItemError{Index: i, Field: "pattern", Err: err})
			continue
		}
		if _, dup := seen[p.Text]; dup {
			refused = append(refused, &errs.ItemError{Index: i, Field: "pattern", Err: ErrDuplicatePattern})
			continue
		}
		seen[p.Text] = i
		patterns[i] = p
	}
	if len(refused) > 0 {
		return nil, refused
	}
	return patterns, nil
}

// Add adds the rules to the organisation, all or none: an invalid pattern, or one the request names
// twice or the organisation has already, refuses the whole request, naming every such item.
func (s *Service) Add(ctx context.Context, orgID int64, items []NewRule) ([]Rule, error) {
	patterns, err := parseAll(items)
	if err != nil {
		return nil, err
	}
	rules := make([]Rule, len(items))
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		existing, err := s.store.Rules(ctx, orgID)
		if err != nil {
			return err
		}
		if refused := alreadyThere(patterns, existing); len(refused) > 0 {
			return refused
		}
		now := s.now()
		for i, p := range patterns {
			rules[i] = Rule{ID: s.ids.New(), OrganisationID: orgID, Pattern: p, Description: items[i].Description, CreatedAt: now}
		}
		// A concurrent request may have added one of the patterns since: the store's unique index
		// refuses it (ErrDuplicatePattern).
		return s.store.Add(ctx, rules)
	})
	if err != nil {
		return nil, err
	}
	return rules, nil
}

// List returns one page of the organisation's rules.
func (s *Service) List(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Rule], error) {
	return s.store.Page(ctx, orgID, q)
}

// Rule returns a rule of any organisation.
func (s *Service) Rule(ctx context.Context, id int64) (Rule, error) {
	return s.store.Rule(ctx, id)
}

// Describe changes a rule's description, the only thing about a rule that can change.
func (s *Service) Describe(ctx context.Context, orgID, id int64, description string) (Rule, error) {
	var r Rule
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetDescription(ctx, orgID, id, description); err != nil {
			return err
		}
		var err error
		r, err = s.store.Rule(ctx, id)
		return err
	})
	return r, err
}

// Delete deletes rules of one organisation (orgID), or of any organisations (orgID 0), all or none: if
// any id names no such rule, nothing is deleted and every such id is named (errs.Items of
// ErrRuleNotFound). The rules are locked while this is decided, so a rule deleted meanwhile by another
// request rolls this one back rather than half-applying it.
func (s *Service) Delete(ctx context.Context, orgID int64, ruleIDs []int64) ([]Rule, error) {
	var deleted []Rule
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		rules, err := s.store.Lock(ctx, orgID, ruleIDs)
		if err != nil {
			return err
		}
		if missing := missingRules(ruleIDs, rules); len(missing) > 0 {
			return missing
		}
		n, err := s.store.Delete(ctx, ruleIDs)
		if err != nil {
			return err
		}
		if n != len(rules) {
			return ErrRuleNotFound // deleted by someone else meanwhile: roll back
		}
		deleted = rules
		return nil
	})
	return deleted, err
}

// Enabled reports whether the organisation's whitelist is on: exactly while it has a rule.
func (s *Service) Enabled(ctx context.Context, orgID int64) (bool, error) {
	rules, err := s.store.Rules(ctx, orgID)
	return len(rules) > 0, err
}

// CanBeShared reports whether the address may be shared items in the organisation: always while the
// organisation has no rules, otherwise only if it matches one. Sharing code calls this and nothing else.
func (s *Service) CanBeShared(ctx context.Context, orgID int64, email string) (bool, error) {
	rules, err := s.store.Rules(ctx, orgID)
	if err != nil {
		return false, err
	}
	return NewMatcher(patternsOf(rules)).Allows(email), nil
}

// CheckAdd is the dry run of adding patterns: the members whose ability to be shared items would change.
// It refuses what Add would: an invalid pattern, one the request names twice, one the organisation has.
func (s *Service) CheckAdd(ctx context.Context, orgID int64, items []NewRule) ([]Change, error) {
	added, err := parseAll(items)
	if err != nil {
		return nil, err
	}
	rules, members, err := s.rulesAndMembers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if refused := alreadyThere(added, rules); len(refused) > 0 {
		return nil, refused // as Add would
	}
	before := patternsOf(rules)
	after := append(append([]Pattern{}, before...), added...)
	return Changes(before, after, members), nil
}

// CheckDelete is the dry run of deleting rules of the organisation; an id that is not one of its rules
// is ErrRuleNotFound.
func (s *Service) CheckDelete(ctx context.Context, orgID int64, ruleIDs []int64) ([]Change, error) {
	rules, members, err := s.rulesAndMembers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if missing := missingRules(ruleIDs, rules); len(missing) > 0 {
		return nil, missing
	}
	gone := map[int64]bool{}
	for _, id := range ruleIDs {
		gone[id] = true
	}
	var after []Pattern
	for _, r := range rules {
		if !gone[r.ID] {
			after = append(after, r.Pattern)
		}
	}
	return Changes(patternsOf(rules), after, members), nil
}

func (s *Service) rulesAndMembers(ctx context.Context, orgID int64) ([]Rule, []Member, error) {
	rules, err := s.store.Rules(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	members, err := s.store.Members(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	return rules, members, nil
}

// alreadyThere names each of patterns the organisation has a rule for already.
func alreadyThere(patterns []Pattern, existing []Rule) errs.Items {
	have := make(map[string]bool, len(existing))
	for _, r := range existing {
		have[r.Pattern.Text] = true
	}
	var refused errs.Items
	for i, p := range patterns {
		if have[p.Text] {
			refused = append(refused, &errs.ItemError{Index: i, Field: "pattern", Err: ErrDuplicatePattern})
		}
	}
	return refused
}

// missingRules names each of ruleIDs that is not one of rules.
func missingRules(ruleIDs []int64, rules []Rule) errs.Items {
	have := make(map[int64]bool, len(rules))
	for _, r := range rules {
		have[r.ID] = true
	}
	var missing errs.Items
	for i, id := range ruleIDs {
		if !have[id] {
			missing = append(missing, &errs.ItemError{Index: i, Field: "id", Err: ErrRuleNotFound})
		}
	}
	return missing
}

func patternsOf(rules []Rule) []Pattern {
	out := make([]Pattern, len(rules))
	for i, r := range rules {
		out[i] = r.Pattern
	}
	return out
}
