package i18n

import (
	"context"
	"log/slog"
	"time"

	"golang.org/x/text/language"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/memo"
)

var (
	// ErrNotOffered: a locale code the platform does not offer, where a locale is named in a body (400).
	ErrNotOffered = errs.New(errs.Invalid, "Bad Request", "the locale is not one the platform offers: listLocales gives them")
	// ErrLocaleNotFound: a locale code the platform does not offer, where a path names it (404).
	ErrLocaleNotFound = errs.New(errs.NotFound, "Not Found", "the platform does not offer this locale: listLocales gives the ones it does")
)

// State is what the store holds: the platform's default locale, each custom bundle by locale code,
// and a version that every change raises (so an instance learns cheaply whether to read the rest).
type State struct {
	Default string
	Custom  map[string]map[string]string
	Version int64
}

// Store keeps the default locale and the custom bundles.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Version is the state's version.
	Version(ctx context.Context) (int64, error)
	// State reads everything.
	State(ctx context.Context) (State, error)
	// SetDefault sets the default locale; SaveBundle replaces a locale's custom bundle;
	// DeleteBundle drops it (no row: nothing to do). Each raises the version, and takes the lock that
	// orders changes.
	SetDefault(ctx context.Context, code string) error
	SaveBundle(ctx context.Context, code string, strings map[string]string) error
	DeleteBundle(ctx context.Context, code string) error
}

// CacheFor is how long the state is answered from memory before the store's version is read again:
// the bound on how long a change made on another instance takes to be seen here (like
// property.CacheFor).
const CacheFor = 2 * time.Second

// Service answers which strings a page or an email is shown in, and changes the bundles and the
// default.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time

	cache *memo.Value[snapshot]
}

// snapshot is the state as read, with what every page render needs ready: the matcher over the
// locales that have a bundle, the default first (so a browser asking for none of them gets it).
type snapshot struct {
	State
	defaultLocale Locale
	matcher       language.Matcher
	candidates    []Locale // the matcher's supported tags, in its order
}

// NewService returns the languages' service over the store.
func NewService(s Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	svc := &Service{store: s, log: log, now: time.Now}
	svc.cache = memo.New[snapshot](CacheFor, func() time.Time { return svc.now() })
	return svc
}

// Forget makes the next read ask the store, so a change made here is seen here at once.
func (s *Service) Forget() { s.cache.Forget() }

// current is the state, read at most CacheFor ago; between reads only the version is asked, and the
// rest read again when it changed.
func (s *Service) current(ctx context.Context) (*snapshot, error) {
	return s.cache.Get(ctx, func(ctx context.Context, held *snapshot) (*snapshot, error) {
		if held != nil {
			v, err := s.store.Version(ctx)
			if err != nil {
				return nil, err
			}
			if v == held.Version {
				return held, nil
			}
		}
		st, err := s.store.State(ctx)
		if err != nil {
			return nil, err
		}
		return newSnapshot(st), nil
	})
}

func newSnapshot(st State) *snapshot {
	def, ok := Lookup(st.Default)
	if !ok { // a code no longer offered: the built-in one
		def = mustLocale(Builtin)
	}
	snap := &snapshot{State: st, defaultLocale: def, candidates: []Locale{def}}
	for _, l := range offered {
		if l.Code != def.Code && (l.Code == Builtin || st.Custom[l.Code] != nil) {
			snap.candidates = append(snap.candidates, l)
		}
	}
	tags := make([]language.Tag, len(snap.candidates))
	for i, l := range snap.candidates {
		tags[i] = l.Tag
	}
	snap.matcher = language.NewMatcher(tags)
	return snap
}

func (snap *snapshot) texts(l Locale) Texts { return Texts{locale: l, custom: snap.Custom[l.Code]} }

// ForPage is the strings a page is shown in: the locale, among those with a bundle (built-in or
// custom), that best matches the browser's Accept-Language; the platform's default when none does.
func (s *Service) ForPage(ctx context.Context, acceptLanguage string) (Texts, error) {
	snap, err := s.current(ctx)
	if err != nil {
		return BuiltinTexts(), err
	}
	if acceptLanguage == "" {
		return snap.texts(snap.defaultLocale), nil
	}
	if len(acceptLanguage) > 1024 { // a browser sends a few dozen bytes: no reason to parse a novel
		acceptLanguage = acceptLanguage[:1024]
	}
	_, i := language.MatchStrings(snap.matcher, acceptLanguage)
	return snap.texts(snap.candidates[i]), nil
}

// ForMail is the strings of an email: the platform's default locale (users have no locale of their
// own yet). A store that cannot be read gives the built-in strings, and is logged: an email is never
// held back for its language.
func (s *Service) ForMail(ctx context.Context) Texts { return s.ForMailIn(ctx, "") }

// ForMailIn is the strings of an email to someone whose locale is code: that locale when it has a
// bundle (the built-in one, or a custom one); else, and for an empty code, the platform's default
// (ForMail).
func (s *Service) ForMailIn(ctx context.Context, code string) Texts {
	snap, err := s.current(ctx)
	if err != nil {
		s.log.Warn("email in the built-in language: the languages could not be read", "error", err.Error())
		return BuiltinTexts()
	}
	if l, ok := Lookup(code); ok && code != "" && (l.Code == Builtin || snap.Custom[l.Code] != nil) {
		return snap.texts(l)
	}
	return snap.texts(snap.defaultLocale)
}

// Details are a locale as listLocales shows it.
type Details struct {
	Locale
	HasBuiltin, HasCustom, AdminDefault bool
}

func (snap *snapshot) details(l Locale) Details {
	return Details{Locale: l, HasBuiltin: l.Code == Builtin, HasCustom: snap.Custom[l.Code] != nil,
		AdminDefault: l.Code == snap.defaultLocale.Code}
}

// List is one page of the offered locales, sorted by code.
func (s *Service) List(ctx context.Context, q listing.Query) (listing.Page[Details], error) {
	snap, err := s.current(ctx)
	if err != nil {
		return listing.Page[Details]{}, err
	}
	page := listing.Page[Details]{Count: len(offered), Offset: q.Offset}
	for i, l := range offered {
		if i < q.Offset || (q.Limit > 0 && len(page.Items) == q.Limit) {
			continue
		}
		page.Items = append(page.Items, snap.details(l))
	}
	return page, nil
}

// Bundle is every string of the locale (ErrLocaleNotFound for one not offered).
func (s *Service) Bundle(ctx context.Context, code string) (map[string]string, error) {
	l, ok := Lookup(code)
	if !ok {
		return nil, ErrLocaleNotFound
	}
	snap, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	return snap.texts(l).Bundle(), nil
}

// SetDefault makes the locale the platform's default (ErrNotOffered for one not offered).
func (s *Service) SetDefault(ctx context.Context, code string) (Locale, error) {
	l, ok := Lookup(code)
	if !ok {
		return Locale{}, ErrNotOffered
	}
	if err := s.store.InTx(ctx, func(ctx context.Context) error { return s.store.SetDefault(ctx, l.Code) }); err != nil {
		return Locale{}, err
	}
	s.Forget()
	return l, nil
}

// Upload replaces the locale's custom bundle with the file's (ParseBundle says what it must be).
// ErrLocaleNotFound for a locale not offered, before the file is looked at.
func (s *Service) Upload(ctx context.Context, code string, data []byte) (Details, error) {
	l, ok := Lookup(code)
	if !ok {
		return Details{}, ErrLocaleNotFound
	}
	strs, err := ParseBundle(data)
	if err != nil {
		return Details{}, err
	}
	if err := s.store.InTx(ctx, func(ctx context.Context) error { return s.store.SaveBundle(ctx, l.Code, strs) }); err != nil {
		return Details{}, err
	}
	return s.detailsAfterChange(ctx, l)
}

// Reset drops the locale's custom bundle, if it has one (ErrLocaleNotFound for a locale not offered).
func (s *Service) Reset(ctx context.Context, code string) (Details, error) {
	l, ok := Lookup(code)
	if !ok {
		return Details{}, ErrLocaleNotFound
	}
	if err := s.store.InTx(ctx, func(ctx context.Context) error { return s.store.DeleteBundle(ctx, l.Code) }); err != nil {
		return Details{}, err
	}
	return s.detailsAfterChange(ctx, l)
}

func (s *Service) detailsAfterChange(ctx context.Context, l Locale) (Details, error) {
	s.Forget()
	snap, err := s.current(ctx)
	if err != nil {
		return Details{}, err
	}
	return snap.details(l), nil
}
