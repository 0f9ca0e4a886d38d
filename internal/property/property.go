// Package property holds the platform's properties: password policy, retry limits, service URLs.
package property

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"
)

// Names of the properties the service itself reads.
const (
	PasswordMinLength    = "passwordMinLength"
	PasswordMaxLength    = "passwordMaxLength"
	MaxPasswordRetries   = "maxPasswordRetries"
	OrgRemovalActionDays = "orgRemovalActionDays"
	ContentServiceURL    = "contentServiceURL"
	WebappServiceURL     = "webappServiceURL"
)

// Property is one platform property.
type Property struct {
	ID          int64
	Name        string
	Value       string
	Kind        string // integer | url | string | boolean
	Public      bool
	Description string
	Modified    time.Time
}

// Store reads properties.
type Store interface {
	// All returns every property, by id.
	All(ctx context.Context) ([]Property, error)
}

// Service answers typed questions about the properties.
type Service struct {
	store Store
	now   func() time.Time

	mu       sync.Mutex
	values   map[string]string
	readAt   time.Time
	maxStale time.Duration
}

// CacheFor is how long Values answers from memory before reading the store again: the bound on how
// long a change made on another instance takes to be seen here (the same bound as revocations).
const CacheFor = 2 * time.Second

// NewService returns a Service over the store.
func NewService(s Store) *Service { return &Service{store: s, now: time.Now, maxStale: CacheFor} }

// Forget drops the values held in memory, so the next read sees the store; whatever changes a property
// calls it.
func (s *Service) Forget() {
	s.mu.Lock()
	s.values = nil
	s.mu.Unlock()
}

// All returns every property, ordered by id.
func (s *Service) All(ctx context.Context) ([]Property, error) { return s.store.All(ctx) }

// Values returns every property's value by name, read from the store at most CacheFor ago.
func (s *Service) Values(ctx context.Context) (map[string]string, error) {
	now := s.now()
	s.mu.Lock()
	if s.values != nil && now.Sub(s.readAt) < s.maxStale {
		m := maps.Clone(s.values)
		s.mu.Unlock()
		return m, nil
	}
	s.mu.Unlock()
	all, err := s.store.All(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(all))
	for _, p := range all {
		m[p.Name] = p.Value
	}
	s.mu.Lock()
	s.values, s.readAt = m, now
	s.mu.Unlock()
	return maps.Clone(m), nil
}

// Int reads an integer property from values.
func Int(values map[string]string, name string) (int, error) {
	v, ok := values[name]
	if !ok {
		return 0, fmt.Errorf("property %s is missing", name)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("property %s is not an integer: %w", name, err)
	}
	return n, nil
}

// PasswordPolicy is the rule every new password must meet.
type PasswordPolicy struct{ MinLength, MaxLength int }

// PasswordPolicy returns the platform's password policy.
func (s *Service) PasswordPolicy(ctx context.Context) (PasswordPolicy, error) {
	values, err := s.Values(ctx)
	if err != nil {
		return PasswordPolicy{}, err
	}
	minLen, err := Int(values, PasswordMinLength)
	if err != nil {
		return PasswordPolicy{}, err
	}
	maxLen, err := Int(values, PasswordMaxLength)
	if err != nil {
		return PasswordPolicy{}, err
	}
	return PasswordPolicy{MinLength: minLen, MaxLength: maxLen}, nil
}

// MaxPasswordRetries returns how many consecutive failed sign-ins lock an account.
func (s *Service) MaxPasswordRetries(ctx context.Context) (int, error) {
	values, err := s.Values(ctx)
	if err != nil {
		return 0, err
	}
	return Int(values, MaxPasswordRetries)
}
