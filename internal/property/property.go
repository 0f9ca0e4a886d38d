// Package property holds the platform's properties (password policy, retry limit, link expiry, the
// other services' URLs, what client applications are told) and their rules: each value is checked by
// its property's type and range before it is stored, and every instance sees a change within CacheFor
// (the one that made it, at once).
package property

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/memo"
)

// Names of the properties (the documented dotted names).
const (
	PasswordMinLength             = "password.min.length"
	PasswordMaxLength             = "password.max.length"
	PasswordMaxRetries            = "password.max.retries"
	TemporaryPasswordExpiryHours  = "temporary.password.expiry.hours"
	GoogleAnalyticsTrackingCode   = "analytics.google.trackingCode"
	GoogleAnalyticsTrackingDomain = "analytics.google.trackingDomain"
	RequireLoginOnLaunch          = "require.login.on.launch"
	DocumentViewerEnabled         = "document.viewer.enabled"
	ContentServiceURL             = "content.service.url"
	WebappServiceURL              = "webapp.service.url"
)

// Kind is a property's type, which decides the values it takes.
type Kind string

// The kinds.
const (
	Integer Kind = "integer"
	Boolean Kind = "boolean"
	URL     Kind = "url"
	String  Kind = "string"
)

// Property is one platform property. Value is its text ("12", "true", a URL; "" when unset).
type Property struct {
	ID          int64
	Name        string
	Value       string
	Kind        Kind
	Public      bool   // shown by the public configuration (configGroup public), else server only
	Grouping    string // security, services, analytics or client
	Description string
	Modified    time.Time
}

// Range bounds an integer property's values, both ends included.
type Range struct{ Min, Max int64 }

// Ranges are the integer properties' bounds. They are the code's, not the table's: the code relies
// on them (a retry limit of 0 would lock everyone out at the first failure, a link must last an hour at
// least, the password hasher's work is bounded by the longest password), so they change with it.
var Ranges = map[string]Range{
	PasswordMinLength:            {8, 1024},
	PasswordMaxLength:            {8, 4096},
	PasswordMaxRetries:           {1, 100},
	TemporaryPasswordExpiryHours: {1, 8760},
}

// defaultRange bounds an integer property the code names no range for.
var defaultRange = Range{0, math.MaxInt32}

// MaxStringLength is the most characters a string or url property holds.
const MaxStringLength = 1024

var (
	ErrNotFound = errs.New(errs.NotFound, "Property not found", "no platform property has this id")
)

// ValueError says why a value does not fit its property; it is refused as errs.Items naming
// propertyValue, and nothing changes.
type ValueError struct {
	Name   string // the property's
	Reason string // what it takes: "must be a whole number from 8 to 1024"
}

func (e *ValueError) Error() string { return "the value of " + e.Name + " " + e.Reason }

// Kind implements errs.Kinded.
func (e *ValueError) Kind() errs.Kind { return errs.Invalid }

// Title implements errs.Kinded.
func (e *ValueError) Title() string { return "Invalid property value" }

// ValueField is the request member a refused value is named by.
const ValueField = "propertyValue"

func refuse(name, reason string, args ...any) error {
	return errs.Items{{Field: ValueField, Path: ValueField, Err: &ValueError{Name: name, Reason: fmt.Sprintf(reason, args...)}}}
}

// Store keeps the properties: queries and locks only; the rules are the Service's.
type Store interface {
	// InTx runs fn in one transaction carried in its context; the store's methods called with that
	// context join it.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// All returns every property, by id.
	All(ctx context.Context) ([]Property, error)
	// LockAll returns every property, by id, each row locked for the rest of the transaction: a change
	// checked against another property (the password lengths) cannot interleave with that one's.
	LockAll(ctx context.Context) ([]Property, error)
	// List returns one page of the properties; q.Search (lower case) is matched in the name.
	List(ctx context.Context, q listing.Query) (listing.Page[Property], error)
	// ByID reads one property; ErrNotFound if there is none.
	ByID(ctx context.Context, id int64) (Property, error)
	// SetValue stores the property's value and when it was set; ErrNotFound if there is none.
	SetValue(ctx context.Context, id int64, value string, at time.Time) error
}

// Service is the properties' rules and the values the rest of the service reads, held in memory.
type Service struct {
	store Store
	now   func() time.Time
	cache *memo.Value[Snapshot]
}

// CacheFor is how long the values are answered from memory before the store is read again: the bound
// on how long a change made on another instance takes to be seen here (the same bound as revocations).
const CacheFor = 2 * time.Second

// NewService returns the properties' rules over the store.
func NewService(s Store) *Service {
	svc := &Service{store: s, now: func() time.Time { return time.Now().UTC() }}
	svc.cache = memo.New[Snapshot](CacheFor, func() time.Time { return svc.now() })
	return svc
}

// Forget drops the values held in memory, so the next read sees the store; whatever changes a property
// calls it after the change commits. A read under way when it is called is not kept either.
func (s *Service) Forget() { s.cache.Forget() }

// Current returns the values, read from the store at most CacheFor ago (and after the last Forget).
// The snapshot is shared and never changes: callers read it, never write it.
func (s *Service) Current(ctx context.Context) (*Snapshot, error) {
	return s.cache.Get(ctx, func(ctx context.Context, _ *Snapshot) (*Snapshot, error) {
		all, err := s.store.All(ctx)
		if err != nil {
			return nil, err
		}
		return newSnapshot(all)
	})
}

// Snapshot is every property's value as read at one moment, with the ones the service acts on typed.
type Snapshot struct {
	values map[string]string

	PasswordPolicy     PasswordPolicy
	MaxPasswordRetries int
	// TemporaryLinkValidity is how long an emailed link (an MFA set-up link) stays usable.
	TemporaryLinkValidity time.Duration
	ContentServiceURL     string
	WebappServiceURL      string
	GoogleAnalyticsCode   string
	GoogleAnalyticsDomain string
	RequireLoginOnLaunch  bool
	DocumentViewerEnabled bool
}

// Value is a property's value by name.
func (s *Snapshot) Value(name string) (string, bool) {
	v, ok := s.values[name]
	return v, ok
}

func newSnapshot(all []Property) (*Snapshot, error) {
	s := &Snapshot{values: make(map[string]string, len(all))}
	for _, p := range all {
		s.values[p.Name] = p.Value
	}
	var err error
	integer := func(name string) int {
		v, e := Int(s.values, name)
		if err == nil {
			err = e
		}
		return v
	}
	boolean := func(name string) bool {
		v, ok := s.values[name]
		b, e := strconv.ParseBool(v)
		if err == nil && (!ok || e != nil) {
			err = fmt.Errorf("property %s is missing or not a boolean: %q", name, v)
		}
		return b
	}
	s.PasswordPolicy = PasswordPolicy{MinLength: integer(PasswordMinLength), MaxLength: integer(PasswordMaxLength)}
	s.MaxPasswordRetries = integer(PasswordMaxRetries)
	s.TemporaryLinkValidity = time.Duration(integer(TemporaryPasswordExpiryHours)) * time.Hour
	s.RequireLoginOnLaunch = boolean(RequireLoginOnLaunch)
	s.DocumentViewerEnabled = boolean(DocumentViewerEnabled)
	s.ContentServiceURL = s.values[ContentServiceURL]
	s.WebappServiceURL = s.values[WebappServiceURL]
	s.GoogleAnalyticsCode = s.values[GoogleAnalyticsTrackingCode]
	s.GoogleAnalyticsDomain = s.values[GoogleAnalyticsTrackingDomain]
	return s, err
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
	snap, err := s.Current(ctx)
	if err != nil {
		return PasswordPolicy{}, err
	}
	return snap.PasswordPolicy, nil
}

// MaxPasswordRetries returns how many consecutive failed sign-ins lock an account out.
func (s *Service) MaxPasswordRetries(ctx context.Context) (int, error) {
	snap, err := s.Current(ctx)
	if err != nil {
		return 0, err
	}
	return snap.MaxPasswordRetries, nil
}

// TemporaryLinkValidity returns how long an emailed link stays usable (temporary.password.expiry.hours).
func (s *Service) TemporaryLinkValidity(ctx context.Context) (time.Duration, error) {
	snap, err := s.Current(ctx)
	if err != nil {
		return 0, err
	}
	return snap.TemporaryLinkValidity, nil
}

// List returns one page of the properties, read from the store; q.Search matches the name in any case.
func (s *Service) List(ctx context.Context, q listing.Query) (listing.Page[Property], error) {
	q.Search = strings.ToLower(q.Search)
	return s.store.List(ctx, q)
}

// Property returns one property, read from the store; ErrNotFound if there is none.
func (s *Service) Property(ctx context.Context, id int64) (Property, error) {
	return s.store.ByID(ctx, id)
}

// Set gives the property a new value, checked by its kind (Check) in a transaction that holds every
// property's row, and returns the property as stored; this instance sees the value at once. A nil value
// (none given) changes nothing and returns the property as it is. ErrNotFound if there is none.
func (s *Service) Set(ctx context.Context, id int64, value any) (Property, error) {
	return s.set(ctx, func(p Property) bool { return p.ID == id }, value)
}

// SetByName is Set for the property of this name (the service's own settings at start).
func (s *Service) SetByName(ctx context.Context, name string, value any) (Property, error) {
	return s.set(ctx, func(p Property) bool { return p.Name == name }, value)
}

func (s *Service) set(ctx context.Context, which func(Property) bool, value any) (Property, error) {
	var out Property
	changed := false
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		all, err := s.store.LockAll(ctx)
		if err != nil {
			return err
		}
		i := indexOf(all, which)
		if i < 0 {
			return ErrNotFound
		}
		out = all[i]
		if value == nil {
			return nil
		}
		text, err := Check(all, out, value)
		if err != nil {
			return err
		}
		out.Value, out.Modified = text, s.now().Truncate(time.Microsecond)
		changed = true
		return s.store.SetValue(ctx, out.ID, out.Value, out.Modified)
	})
	if err != nil {
		return Property{}, err
	}
	if changed {
		s.Forget()
	}
	return out, nil
}

func indexOf(all []Property, which func(Property) bool) int {
	for i, p := range all {
		if which(p) {
			return i
		}
	}
	return -1
}

// Check returns the text a value is stored as when it fits the property p, all being every property
// (for the rules between two of them), or the refusal (errs.Items naming propertyValue):
//   - integer: a JSON number without a fraction, or a string of decimal digits, within the property's
//     Range; password.min.length never above password.max.length, nor that below this;
//   - boolean: true or false, or those as strings;
//   - url: an absolute http or https URL, or "" to clear it;
//   - string: at most MaxStringLength characters, none a control character.
//
// The value is what JSON decodes to (float64, string, bool, nil, []any, map[string]any); Go integers
// are taken too.
func Check(all []Property, p Property, value any) (string, error) {
	switch p.Kind {
	case Integer:
		return checkInteger(all, p, value)
	case Boolean:
		switch v := value.(type) {
		case bool:
			return strconv.FormatBool(v), nil
		case string:
			if v == "true" || v == "false" {
				return v, nil
			}
		}
		return "", refuse(p.Name, "must be true or false")
	case URL:
		v, ok := value.(string)
		if !ok || !isHTTPURL(v) {
			return "", refuse(p.Name, "must be an absolute http or https URL of at most %d characters, or \"\" to clear it", MaxStringLength)
		}
		return v, nil
	case String:
		v, ok := value.(string)
		if !ok || utf8.RuneCountInString(v) > MaxStringLength || !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return "", refuse(p.Name, "must be text of at most %d characters without control characters", MaxStringLength)
		}
		return v, nil
	}
	return "", fmt.Errorf("property %s has the unknown kind %q", p.Name, p.Kind)
}

func checkInteger(all []Property, p Property, value any) (string, error) {
	r, ok := Ranges[p.Name]
	if !ok {
		r = defaultRange
	}
	lo, hi := r.Min, r.Max
	// The password lengths bound each other.
	switch p.Name {
	case PasswordMinLength:
		if other, ok := intOf(all, PasswordMaxLength); ok {
			hi = min(hi, other)
		}
	case PasswordMaxLength:
		if other, ok := intOf(all, PasswordMinLength); ok {
			lo = max(lo, other)
		}
	}
	n, ok := wholeNumber(value)
	if !ok || n < lo || n > hi {
		if lo > hi { // the other bound is out of this one's range (a hand-edited row)
			return "", refuse(p.Name, "cannot be set while %s is out of its range", map[string]string{
				PasswordMinLength: PasswordMaxLength, PasswordMaxLength: PasswordMinLength}[p.Name])
		}
		return "", refuse(p.Name, "must be a whole number from %d to %d", lo, hi)
	}
	return strconv.FormatInt(n, 10), nil
}

// wholeNumber reads a JSON integer (a float64 without a fraction), a Go integer or a string of decimal
// digits; anything else, or a number beyond int64, is not one.
func wholeNumber(value any) (int64, bool) {
	switch v := value.(type) {
	case float64:
		if v != math.Trunc(v) || math.IsInf(v, 0) || v < math.MinInt32 || v > math.MaxInt32 {
			return 0, false
		}
		return int64(v), true
	case int:
		return int64(v), true
	case int64:
		return v, true
	case string:
		if v == "" || len(v) > 18 || strings.ContainsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func intOf(all []Property, name string) (int64, bool) {
	for _, p := range all {
		if p.Name == name {
			n, err := strconv.ParseInt(p.Value, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// isHTTPURL: "" (unset), or an absolute http(s) URL with a host, without spaces or control characters,
// of at most MaxStringLength characters.
func isHTTPURL(v string) bool {
	if v == "" {
		return true
	}
	if len(v) > MaxStringLength || !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return false
	}
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" && u.Opaque == ""
}

// IsHTTPURL reports whether v is an absolute http or https URL a url property takes (not "").
func IsHTTPURL(v string) bool { return v != "" && isHTTPURL(v) }
