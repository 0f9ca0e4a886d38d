// Package theme holds the platform's theme ("System Details"): the 15 properties the sign-in pages,
// the emails and every web client show (the application's and the company's names, the help, legal
// and privacy links, the authenticator apps' links, the administrators' address) and one rule,
// orgRemovalActionDays (how long a removal request stays pending). Values are text; each property has
// its rule (an absolute http(s) URL, an email address, a number of days, or plain text). GET /theme is
// read on every page load of every web client, so the values are served from memory, read from the
// store at most CacheFor ago.
package theme

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/memo"
	"github.com/cocoondata/access-service/internal/user"
)

// The 15 properties' names (documented).
const (
	AdminEmail              = "adminEmail"
	AdminHelpURL            = "adminHelpUrl"
	AndroidAuthenticatorURL = "androidAuthenticatorUrl"
	ApplicationName         = "applicationName"
	CompanyName             = "companyName"
	Copyright               = "copyright"
	IphoneAuthenticatorURL  = "iphoneAuthenticatorUrl"
	LegalURL                = "legalUrl"
	OrgAdminHelpURL         = "orgAdminHelpUrl"
	OrgRemovalActionDays    = "orgRemovalActionDays"
	PrivacyURL              = "privacyUrl"
	SupportLink             = "supportLink"
	VersionURL              = "versionUrl"
	WebappHelpURL           = "webappHelpUrl"
	WindowsAuthenticatorURL = "windowsAuthenticatorUrl"
)

// kind is the rule a property's value follows.
type kind uint8

const (
	text  kind = iota // text without control characters
	link              // an absolute http or https URL
	email             // an email address
	days              // a whole number of days, 1 to 365
)

// properties are the 15, in their names' order (GET /theme's), with their rules and defaults (nil: null).
var properties = []struct {
	name string
	kind kind
	def  *string
}{
	{AdminEmail, email, nil},
	{AdminHelpURL, link, nil},
	{AndroidAuthenticatorURL, link, nil},
	{ApplicationName, text, ptr(DefaultApplicationName)},
	{CompanyName, text, nil},
	{Copyright, text, nil},
	{IphoneAuthenticatorURL, link, nil},
	{LegalURL, link, nil},
	{OrgAdminHelpURL, link, nil},
	{OrgRemovalActionDays, days, ptr(strconv.Itoa(DefaultRemovalActionDays))},
	{PrivacyURL, link, nil},
	{SupportLink, link, nil},
	{VersionURL, link, nil},
	{WebappHelpURL, link, nil},
	{WindowsAuthenticatorURL, link, nil},
}

// Defaults of the two properties that are never null.
const (
	DefaultApplicationName   = "SafeShare"
	DefaultRemovalActionDays = 7
)

// MaxLength is the longest value, in characters.
const MaxLength = 1024

func ptr(s string) *string { return &s }

func index(name string) int {
	for i, p := range properties {
		if p.name == name {
			return i
		}
	}
	return -1
}

// Names are the 15 properties' names, in order.
func Names() []string {
	out := make([]string, len(properties))
	for i, p := range properties {
		out[i] = p.name
	}
	return out
}

// Known reports whether name is one of the 15.
func Known(name string) bool { return index(name) >= 0 }

var (
	// ErrUnknown: the name is not one of the 15 properties.
	ErrUnknown = errs.New(errs.NotFound, "Theme property not found", "no theme property has this name")
	// ErrEmpty: a value with nothing but white space; a property is cleared with {} instead.
	ErrEmpty = errs.New(errs.Invalid, "Invalid theme value", "the value is empty; clear a property with the JSON body {}")
)

// ValueError: a value that breaks its property's rule.
type ValueError struct{ Property, Reason string }

func (e *ValueError) Error() string   { return e.Property + " " + e.Reason }
func (e *ValueError) Kind() errs.Kind { return errs.Invalid }
func (e *ValueError) Title() string   { return "Invalid theme value" }

// Check returns the value as it is kept (white space around it trimmed; an email address lower-cased;
// days as a plain number), or why the property cannot take it.
func Check(name, value string) (string, error) {
	i := index(name)
	if i < 0 {
		return "", ErrUnknown
	}
	v := strings.TrimSpace(value)
	if v == "" {
		return "", ErrEmpty
	}
	bad := func(reason string) (string, error) { return "", &ValueError{Property: name, Reason: reason} }
	if !utf8.ValidString(v) {
		return bad("is not valid UTF-8 text")
	}
	if utf8.RuneCountInString(v) > MaxLength {
		return bad(fmt.Sprintf("is longer than %d characters", MaxLength))
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return bad("holds control characters (line breaks, tabs, ...)")
	}
	switch properties[i].kind {
	case link:
		u, err := url.Parse(v)
		if err != nil || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" ||
			u.Opaque != "" || strings.ContainsAny(v, " \"<>\\^`{|}") {
			return bad("must be an absolute http or https URL")
		}
	case email:
		e, err := user.NormalizeEmail(v)
		if err != nil {
			return bad("must be an email address")
		}
		v = e
	case days:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 365 {
			return bad("must be a whole number of days from 1 to 365")
		}
		v = strconv.Itoa(n)
	}
	return v, nil
}

// Property is one property's name and value (nil: null).
type Property struct {
	Name  string
	Value *string
}

// Theme is every property's value at one moment, defaults applied.
type Theme struct {
	values [15]*string
	json   []byte
}

func newTheme(set map[string]string) *Theme {
	t := &Theme{}
	m := make(map[string]*string, len(properties))
	for i, p := range properties {
		t.values[i] = p.def
		if v, ok := set[p.name]; ok {
			t.values[i] = &v
		}
		m[p.name] = t.values[i]
	}
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(m) // a map of strings: encoding cannot fail; names sorted, as properties are
	t.json = b.Bytes()
	return t
}

// Value is the property's value; nil when it is null (never set, or cleared, with no default).
func (t *Theme) Value(name string) *string {
	if i := index(name); i >= 0 {
		return t.values[i]
	}
	return nil
}

// Text is the property's value, "" when it is null.
func (t *Theme) Text(name string) string {
	if v := t.Value(name); v != nil {
		return *v
	}
	return ""
}

// JSON is GET /theme's body: every property by name, null where it is null. Callers must not change it.
func (t *Theme) JSON() []byte { return t.json }

// RemovalActionDays is orgRemovalActionDays as a number.
func (t *Theme) RemovalActionDays() int {
	n, err := strconv.Atoi(t.Text(OrgRemovalActionDays))
	if err != nil || n < 1 {
		return DefaultRemovalActionDays // the store holds only checked values: not reached
	}
	return n
}

// Store keeps the values set; a property without a row is at its default.
type Store interface {
	// All returns every value set, by name.
	All(ctx context.Context) (map[string]string, error)
	// Set stores the property's value.
	Set(ctx context.Context, name, value string, at time.Time) error
	// Clear removes the property's value, so it is at its default.
	Clear(ctx context.Context, name string) error
}

// CacheFor is how long the theme is answered from memory before the store is read again: the bound on
// how long a change made on another instance takes to be seen here (as for the platform's properties).
const CacheFor = 2 * time.Second

// Service is the theme: its rules, and its values served from memory.
type Service struct {
	store Store
	now   func() time.Time
	cache *memo.Value[Theme]
}

// NewService returns the theme over the store.
func NewService(s Store) *Service {
	svc := &Service{store: s, now: time.Now}
	svc.cache = memo.New[Theme](CacheFor, func() time.Time { return svc.now() })
	return svc
}

// Current is the theme, read from the store at most CacheFor ago (and after this instance's last change).
func (s *Service) Current(ctx context.Context) (*Theme, error) {
	return s.cache.Get(ctx, func(ctx context.Context, _ *Theme) (*Theme, error) {
		set, err := s.store.All(ctx)
		if err != nil {
			return nil, err
		}
		return newTheme(set), nil
	})
}

// forget drops the theme held in memory after a change, so the next read sees the store.
func (s *Service) forget() { s.cache.Forget() }

// Get is one property.
func (s *Service) Get(ctx context.Context, name string) (Property, error) {
	if !Known(name) {
		return Property{}, ErrUnknown
	}
	t, err := s.Current(ctx)
	if err != nil {
		return Property{}, err
	}
	return Property{Name: name, Value: t.Value(name)}, nil
}

// Set checks the value against the property's rule and keeps it; a refused value changes nothing.
func (s *Service) Set(ctx context.Context, name, value string) (Property, error) {
	v, err := Check(name, value)
	if err != nil {
		return Property{}, err
	}
	if err := s.store.Set(ctx, name, v, s.now().UTC()); err != nil {
		return Property{}, err
	}
	s.forget()
	return Property{Name: name, Value: &v}, nil
}

// Clear puts the property back at its default.
func (s *Service) Clear(ctx context.Context, name string) (Property, error) {
	i := index(name)
	if i < 0 {
		return Property{}, ErrUnknown
	}
	if err := s.store.Clear(ctx, name); err != nil {
		return Property{}, err
	}
	s.forget()
	return Property{Name: name, Value: properties[i].def}, nil
}

// RemovalActionDays is how many days an organisation removal request stays pending
// (organisation.Service asks).
func (s *Service) RemovalActionDays(ctx context.Context) (int, error) {
	t, err := s.Current(ctx)
	if err != nil {
		return 0, err
	}
	return t.RemovalActionDays(), nil
}
