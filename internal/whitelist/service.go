package whitelist

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	ErrRuleNotFound = errors.New("whitelist rule not found")
	// ErrDuplicatePattern: the organisation already has a rule with this pattern.
	ErrDuplicatePattern = errors.New("the organisation already has a rule with this pattern")
	// ErrOrganisationGone: the organisation was removed while rules were being added to it.
	ErrOrganisationGone = errors.New("the organisation no longer exists")
)

// ItemError says which item of a multi-item request is refused and why.
type ItemError struct {
	Index int    // the item's position in the request
	Field string // the member, e.g. "pattern" or "id"
	Err   error  // ErrInvalidPattern (wrapped), ErrDuplicatePattern or ErrRuleNotFound
}

func (e *ItemError) Error() string { return fmt.Sprintf("item %d: %s: %v", e.Index, e.Field, e.Err) }
func (e *ItemError) Unwrap() error { return e.Err }

// ItemErrors are every refused item of one request; nothing of the request was done.
type ItemErrors []*ItemError

func (es ItemErrors) Error() string {
	return fmt.Sprintf("%d items refused, the first: %v", len(es), es[0])
}

// Unwrap lets errors.Is find the kind of the items' errors.
func (es ItemErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Store keeps rules.
type Store interface {
	// AddWhitelistRules stores all the rules or none; a pattern the organisation has already is
	// ErrDuplicatePattern.
	AddWhitelistRules(ctx context.Context, rules []Rule) error
	WhitelistRules(ctx context.Context, orgID int64) ([]Rule, error)
	WhitelistRulePage(ctx context.Context, orgID int64, q listing.Query) ([]Rule, int, error)
	// WhitelistRule returns a rule of any organisation.
	WhitelistRule(ctx context.Context, id int64) (Rule, error)
	UpdateWhitelistRuleDescription(ctx context.Context, orgID, id int64, description string) (Rule, error)
	// DeleteWhitelistRules deletes every rule named, or none if any is missing (then ErrRuleNotFound
	// naming the first missing one's index). orgID 0 means rules of any organisation.
	DeleteWhitelistRules(ctx context.Context, orgID int64, ruleIDs []int64) ([]Rule, error)
	WhitelistMembers(ctx context.Context, orgID int64) ([]Member, error)
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
	var errs ItemErrors
	patterns := make([]Pattern, len(items))
	seen := map[string]int{}
	for i, it := range items {
		p, err := ParsePattern(it.Pattern)
		if err != nil {
			errs = append(errs, &ItemError{Index: i, Field: "pattern", Err: err})
			continue
		}
		if _, dup := seen[p.Text]; dup {
			errs = append(errs, &ItemError{Index: i, Field: "pattern", Err: ErrDuplicatePattern})
			continue
		}
		seen[p.Text] = i
		patterns[i] = p
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return patterns, nil
}

// Add adds the rules to the organisation, all or none.
func (s *Service) Add(ctx context.Context, orgID int64, items []NewRule) ([]Rule, error) {
	patterns, err := parseAll(items)
	if err != nil {
		return nil, err
	}
	existing, err := s.store.WhitelistRules(ctx, orgID)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, r := range existing {
		have[r.Pattern.Text] = true
	}
	var errs ItemErrors
	rules := make([]Rule, len(items))
	now := s.now()
	for i, p := range patterns {
		if have[p.Text] {
			errs = append(errs, &ItemError{Index: i, Field: "pattern", Err: ErrDuplicatePattern})
		}
		rules[i] = Rule{ID: s.ids.New(), OrganisationID: orgID, Pattern: p, Description: items[i].Description, CreatedAt: now}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	// A concurrent request may have added one of the patterns since: the store's unique index refuses it.
	if err := s.store.AddWhitelistRules(ctx, rules); err != nil {
		return nil, err
	}
	return rules, nil
}

// List returns one page of the organisation's rules and how many there are.
func (s *Service) List(ctx context.Context, orgID int64, q listing.Query) ([]Rule, int, error) {
	return s.store.WhitelistRulePage(ctx, orgID, q)
}

// Rule returns a rule of any organisation.
func (s *Service) Rule(ctx context.Context, id int64) (Rule, error) {
	return s.store.WhitelistRule(ctx, id)
}

// Describe changes a rule's description, the only thing about a rule that can change.
func (s *Service) Describe(ctx context.Context, orgID, id int64, description string) (Rule, error) {
	return s.store.UpdateWhitelistRuleDescription(ctx, orgID, id, description)
}

// Delete deletes rules of one organisation (orgID), or of any organisations (orgID 0), all or none.
func (s *Service) Delete(ctx context.Context, orgID int64, ruleIDs []int64) ([]Rule, error) {
	return s.store.DeleteWhitelistRules(ctx, orgID, ruleIDs)
}

// Enabled reports whether the organisation's whitelist is on: exactly while it has a rule.
func (s *Service) Enabled(ctx context.Context, orgID int64) (bool, error) {
	rules, err := s.store.WhitelistRules(ctx, orgID)
	return len(rules) > 0, err
}

// CanBeShared reports whether the address may be shared items in the organisation: always while the
// organisation has no rules, otherwise only if it matches one. Sharing code calls this and nothing else.
func (s *Service) CanBeShared(ctx context.Context, orgID int64, email string) (bool, error) {
	rules, err := s.store.WhitelistRules(ctx, orgID)
	if err != nil {
		return false, err
	}
	return NewMatcher(patternsOf(rules)).Allows(email), nil
}

// CheckAdd is the dry run of adding patterns: the members whose ability to be shared items would change.
func (s *Service) CheckAdd(ctx context.Context, orgID int64, items []NewRule) ([]Change, error) {
	added, err := parseAll(items)
	if err != nil {
		return nil, err
	}
	rules, members, err := s.rulesAndMembers(ctx, orgID)
	if err != nil {
		return nil, err
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
	gone := map[int64]bool{}
	byID := map[int64]bool{}
	for _, r := range rules {
		byID[r.ID] = true
	}
	var errs ItemErrors
	for i, id := range ruleIDs {
		if !byID[id] {
			errs = append(errs, &ItemError{Index: i, Field: "id", Err: ErrRuleNotFound})
		}
		gone[id] = true
	}
	if len(errs) > 0 {
		return nil, errs
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
	rules, err := s.store.WhitelistRules(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	members, err := s.store.WhitelistMembers(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	return rules, members, nil
}

func patternsOf(rules []Rule) []Pattern {
	out := make([]Pattern, len(rules))
	for i, r := range rules {
		out[i] = r.Pattern
	}
	return out
}
