package i18n

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
)

// TestBuiltinBundle: the built-in bundle has the keys the spec's examples use, and every string is
// within the limits a custom one must keep.
func TestBuiltinBundle(t *testing.T) {
	for _, k := range []string{"signIn.title", "signIn.submit", "email.mfaSetup.subject"} {
		if _, ok := builtin[k]; !ok {
			t.Errorf("no key %s", k)
		}
	}
	if _, err := ParseBundle(builtinJSON); err != nil {
		t.Fatalf("the built-in bundle would be refused as a custom one: %v", err)
	}
}

func TestOfferedLocales(t *testing.T) {
	want := map[string]string{"da": "Dansk", "de": "Deutsch", "en_gb": "English (United Kingdom)",
		"en_us": "English (United States)", "es": "Español", "fr": "Français", "ja": "日本語", "nl": "Nederlands"}
	got := Offered()
	if len(got) != len(want) {
		t.Fatalf("%d locales", len(got))
	}
	for i, l := range got {
		if want[l.Code] != l.Name || (i > 0 && got[i-1].Code >= l.Code) || CodeOf(l.Tag) != l.Code {
			t.Errorf("%+v", l)
		}
	}
	if tag, _ := TagOf("en_gb"); tag != language.BritishEnglish {
		t.Errorf("en_gb is %v", tag)
	}
	for _, c := range []string{"en", "pt", "EN_US", "en-us", ""} {
		if _, ok := Lookup(c); ok {
			t.Errorf("%q is offered", c)
		}
	}
}

// TestParseBundle: one case per rule; every refusal is a 400 (errs.Invalid) saying why.
func TestParseBundle(t *testing.T) {
	long := strings.Repeat("é", MaxValueLength)
	for _, c := range []struct {
		name, in, refusal string
	}{
		{"ok", `{"signIn.title": "Log ind", "signIn.submit": "Log ind"}`, ""},
		{"empty object", `{}`, ""},
		{"byte-order mark", "\xef\xbb\xbf{\"signIn.title\": \"Log ind\"}", ""},
		{"longest", `{"signIn.title": "` + long + `"}`, ""},
		{"placeholder kept", `{"signIn.continueTo": "for at fortsætte til {app}"}`, ""},
		{"not JSON", `{"signIn.title": `, "not JSON"},
		{"array", `["signIn.title"]`, "not a JSON object"},
		{"string", `"signIn.title"`, "not a JSON object"},
		{"null", `null`, "not a JSON object"},
		{"number value", `{"signIn.title": 1}`, `"signIn.title" is not a string`},
		{"null value", `{"signIn.title": null}`, `"signIn.title" is not a string`},
		{"object value", `{"signIn.title": {"a": "b"}}`, `"signIn.title" is not a string`},
		{"unknown key", `{"signIn.title": "x", "signIn.titel": "y"}`, `unknown key "signIn.titel"`},
		{"too long", `{"signIn.title": "` + long + `x"}`, "longer than 4096"},
		{"NUL", `{"signIn.title": "a\u0000b"}`, "NUL"},
		{"foreign placeholder", `{"signIn.continueTo": "til {email}"}`, "{email}; it takes {app}"},
		{"placeholder where none", `{"signIn.title": "{app}"}`, "it takes none"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := ParseBundle([]byte(c.in))
			if c.refusal == "" {
				if err != nil || m == nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.refusal) {
				t.Fatalf("got %v, want a refusal saying %q", err, c.refusal)
			}
		})
	}
}

func TestTexts(t *testing.T) {
	tx := Texts{locale: mustLocale("da"), custom: map[string]string{"approve.title": "Godkend {app}", "signIn.continueTo": "{app} venter"}}
	if tx.Text("signIn.submit") != "Sign in" || tx.Text("approve.title") != "Godkend {app}" {
		t.Error("fallback")
	}
	if got := tx.Format("approve.title", "app", "<X & Y>"); got != "Godkend <X & Y>" {
		t.Error(got)
	}
	if got := tx.Format("approve.title"); got != "Godkend {app}" {
		t.Error(got)
	}
	parts := tx.Parts("signIn.continueTo")
	if len(parts) != 2 || parts[0].Arg != "app" || parts[1].Text != " venter" {
		t.Errorf("%+v", parts)
	}
	if b := tx.Bundle(); len(b) != len(builtin) || b["approve.title"] != "Godkend {app}" {
		t.Error("bundle")
	}
	if tx.Lang() != "da" || BuiltinTexts().Lang() != "en-US" {
		t.Error("lang")
	}
}

// fakeStore is the store in memory, counting reads.
type fakeStore struct {
	st                    State
	versionReads, stReads int
	fail                  error
}

func (f *fakeStore) InTx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }
func (f *fakeStore) Version(context.Context) (int64, error) {
	f.versionReads++
	return f.st.Version, f.fail
}
func (f *fakeStore) State(context.Context) (State, error) {
	f.stReads++
	custom := map[string]map[string]string{}
	for k, v := range f.st.Custom {
		custom[k] = v
	}
	return State{Default: f.st.Default, Version: f.st.Version, Custom: custom}, f.fail
}
func (f *fakeStore) SetDefault(_ context.Context, code string) error {
	f.st.Default = code
	f.st.Version++
	return nil
}
func (f *fakeStore) SaveBundle(_ context.Context, code string, m map[string]string) error {
	f.st.Custom[code] = m
	f.st.Version++
	return nil
}
func (f *fakeStore) DeleteBundle(_ context.Context, code string) error {
	delete(f.st.Custom, code)
	f.st.Version++
	return nil
}

func newFake() (*Service, *fakeStore, *time.Time) {
	st := &fakeStore{st: State{Default: Builtin, Version: 1, Custom: map[string]map[string]string{}}}
	s := NewService(st, nil)
	now := time.Now()
	s.now = func() time.Time { return now }
	return s, st, &now
}

// TestCache: within CacheFor the state comes from memory; after it only the version is read unless it
// changed; a change made through the service is seen at once.
func TestCache(t *testing.T) {
	ctx := context.Background()
	s, st, now := newFake()
	for range 5 {
		if tx := s.ForMail(ctx); tx.Locale().Code != Builtin {
			t.Fatal(tx.Locale())
		}
	}
	if st.stReads != 1 || st.versionReads != 0 {
		t.Fatalf("%d state reads, %d version reads", st.stReads, st.versionReads)
	}
	*now = now.Add(CacheFor)
	s.ForMail(ctx)
	if st.stReads != 1 || st.versionReads != 1 {
		t.Fatalf("unchanged: %d state reads, %d version reads", st.stReads, st.versionReads)
	}
	// Another instance's change: seen once CacheFor has passed.
	st.st.Default, st.st.Version = "da", st.st.Version+1
	if s.ForMail(ctx).Locale().Code != Builtin {
		t.Fatal("seen before CacheFor")
	}
	*now = now.Add(CacheFor)
	if s.ForMail(ctx).Locale().Code != "da" {
		t.Fatal("not seen after CacheFor")
	}
	// This instance's change: seen at once.
	if _, err := s.SetDefault(ctx, "fr"); err != nil {
		t.Fatal(err)
	}
	if s.ForMail(ctx).Locale().Code != "fr" {
		t.Fatal("own change not seen at once")
	}
	// A store that cannot be read: emails in the built-in language, pages too (with the error).
	st.fail = errors.New("down")
	*now = now.Add(CacheFor)
	if s.ForMail(ctx).Locale().Code != Builtin {
		t.Fatal("mail")
	}
	if tx, err := s.ForPage(ctx, "da"); err == nil || tx.Locale().Code != Builtin {
		t.Fatal("page")
	}
}

// TestForPage: the browser's languages against the locales with a bundle; the default otherwise.
func TestForPage(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFake()
	if _, err := s.Upload(ctx, "da", []byte(`{"signIn.title": "Log ind"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upload(ctx, "en_gb", []byte(`{"signIn.title": "Sign in, please"}`)); err != nil {
		t.Fatal(err)
	}
	check := func(accept, want string) {
		t.Helper()
		tx, err := s.ForPage(ctx, accept)
		if err != nil || tx.Locale().Code != want {
			t.Errorf("Accept-Language %q: %s, want %s (%v)", accept, tx.Locale().Code, want, err)
		}
	}
	check("da", "da")
	check("da-DK,da;q=0.9,en;q=0.5", "da")
	check("en", "en_us")
	check("en-GB", "en_gb")
	check("en-AU", "en_gb")
	check("de", "en_us") // no German bundle: the default
	check("", "en_us")
	check("garbage;;;q=x", "en_us")
	check(strings.Repeat("x-", 5000), "en_us")
	if _, err := s.SetDefault(ctx, "da"); err != nil {
		t.Fatal(err)
	}
	check("", "da")
	check("de", "da")
	check("en", "en_us")
	if _, err := s.Reset(ctx, "da"); err != nil {
		t.Fatal(err)
	}
	if tx, _ := s.ForPage(ctx, "da"); tx.Text("signIn.title") != "Sign in" {
		t.Error("the reset bundle still shows")
	}
}

func TestServiceRules(t *testing.T) {
	ctx := context.Background()
	s, st, _ := newFake()
	if _, err := s.SetDefault(ctx, "pt"); !errors.Is(err, ErrNotOffered) {
		t.Error(err)
	}
	if _, err := s.Upload(ctx, "pt", []byte(`{}`)); !errors.Is(err, ErrLocaleNotFound) {
		t.Error(err)
	}
	if _, err := s.Reset(ctx, "pt"); !errors.Is(err, ErrLocaleNotFound) {
		t.Error(err)
	}
	if _, err := s.Bundle(ctx, "pt"); !errors.Is(err, ErrLocaleNotFound) {
		t.Error(err)
	}
	if _, err := s.Upload(ctx, "da", []byte(`{"nope": "x"}`)); err == nil || st.st.Version != 1 {
		t.Error("a refused bundle changed the store")
	}
	d, err := s.Upload(ctx, "da", []byte(`{"signIn.title": "Log ind"}`))
	if err != nil || !d.HasCustom || d.HasBuiltin || d.AdminDefault || d.Name != "Dansk" {
		t.Fatalf("%+v %v", d, err)
	}
	b, err := s.Bundle(ctx, "da")
	if err != nil || b["signIn.title"] != "Log ind" || b["signIn.submit"] != "Sign in" {
		t.Fatal(b, err)
	}
	page, err := s.List(ctx, listing.Query{Limit: 2, Offset: 1})
	if err != nil || page.Count != 8 || len(page.Items) != 2 || page.Items[0].Code != "de" || page.Offset != 1 {
		t.Fatalf("%+v %v", page, err)
	}
	all, _ := s.List(ctx, listing.Query{})
	if len(all.Items) != 8 || !all.Items[0].HasCustom || !all.Items[3].AdminDefault || !all.Items[3].HasBuiltin {
		t.Fatalf("%+v", all.Items)
	}
}

// TestForMailIn: an email is in the recipient's locale when it has a bundle (built-in or custom), else
// in the platform's default.
func TestForMailIn(t *testing.T) {
	ctx := context.Background()
	s, st, _ := newFake()
	st.st.Default = "fr"
	st.st.Custom["fr"] = map[string]string{"signIn.title": "Connexion"}
	st.st.Custom["da"] = map[string]string{"signIn.title": "Log ind"}
	for code, want := range map[string]string{"": "fr", "da": "da", "en_us": Builtin, "de": "fr", "xx": "fr", "DA": "fr"} {
		if got := s.ForMailIn(ctx, code).Locale().Code; got != want {
			t.Errorf("ForMailIn(%q) = %s, want %s", code, got, want)
		}
	}
	if s.ForMailIn(ctx, "da").Text("signIn.title") != "Log ind" {
		t.Error("the custom bundle's string")
	}
	st.fail = errors.New("down")
	s.Forget()
	if s.ForMailIn(ctx, "da").Locale().Code != Builtin {
		t.Error("a store that cannot be read: the built-in language")
	}
}
