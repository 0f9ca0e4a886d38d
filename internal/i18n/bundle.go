// Package i18n holds the languages of the sign-in pages and the emails: the built-in bundle (en_us),
// the locales offered, the custom bundles administrators upload (checked here), the platform's
// default locale, and which locale a page or an email is shown in. The strings are plain text with
// named placeholders ({app}); whoever shows them escapes them (the pages are html/template), so a
// bundle can never put markup on a page.
package i18n

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cocoondata/access-service/internal/errs"
)

//go:embed bundles/en_us.json
var builtinJSON []byte

// builtin is the en_us bundle, every key the pages and emails use.
var builtin = mustParseBuiltin(builtinJSON)

func mustParseBuiltin(data []byte) map[string]string {
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		panic("i18n: the built-in bundle is not a JSON object of strings: " + err.Error()) // embedded and tested
	}
	return m
}

// Keys are the built-in bundle's keys, sorted: the only keys a custom bundle may have.
func Keys() []string {
	keys := make([]string, 0, len(builtin))
	for k := range builtin {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// MaxValueLength is the most characters one string of a custom bundle may have.
const MaxValueLength = 4096

// placeholder is a named value in a string: {app}, {email}.
var placeholder = regexp.MustCompile(`\{([A-Za-z][A-Za-z0-9]*)\}`)

// BundleError says why an uploaded bundle is refused (400); nothing was changed.
type BundleError struct{ Reason string }

func (e *BundleError) Error() string { return "the bundle is refused: " + e.Reason }

// Kind implements errs.Kinded.
func (e *BundleError) Kind() errs.Kind { return errs.Invalid }

// Title implements errs.Kinded.
func (e *BundleError) Title() string { return "Invalid bundle" }

func refuse(format string, args ...any) error {
	return &BundleError{Reason: fmt.Sprintf(format, args...)}
}

// ParseBundle checks an uploaded custom bundle: a JSON object whose members are strings, each named by
// a key of the built-in bundle, each at most MaxValueLength characters, without NUL, and naming only
// the placeholders the built-in string of its key has. It returns the strings.
func ParseBundle(data []byte) (map[string]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a byte-order mark some editors write
	if !json.Valid(data) {
		return nil, refuse("the file is not JSON")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return nil, refuse("the file is not a JSON object")
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var unknown []string
	for _, k := range keys {
		if _, ok := builtin[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		shown := unknown
		if len(shown) > 10 {
			shown = shown[:10]
		}
		quoted := make([]string, len(shown))
		for i, k := range shown {
			quoted[i] = fmt.Sprintf("%q", truncate(k, 100))
		}
		more := ""
		if len(unknown) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(unknown)-len(shown))
		}
		return nil, refuse("unknown key %s%s (getLocaleBundle with en_us lists the keys)", strings.Join(quoted, ", "), more)
	}
	out := make(map[string]string, len(raw))
	for _, k := range keys {
		var v string
		if err := json.Unmarshal(raw[k], &v); err != nil || string(raw[k]) == "null" {
			return nil, refuse("the value of %q is not a string", k)
		}
		switch {
		case utf8.RuneCountInString(v) > MaxValueLength:
			return nil, refuse("the value of %q is longer than %d characters", k, MaxValueLength)
		case strings.ContainsRune(v, 0):
			return nil, refuse("the value of %q holds a NUL character", k)
		}
		allowed := placeholdersOf(builtin[k])
		for _, m := range placeholder.FindAllStringSubmatch(v, -1) {
			if !slices.Contains(allowed, m[1]) {
				if len(allowed) == 0 {
					return nil, refuse("the value of %q names the placeholder {%s}; it takes none", k, m[1])
				}
				return nil, refuse("the value of %q names the placeholder {%s}; it takes {%s}", k, m[1], strings.Join(allowed, "}, {"))
			}
		}
		out[k] = v
	}
	return out, nil
}

func placeholdersOf(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Texts are the strings of one locale: its custom bundle's, and the built-in string for every key it
// lacks.
type Texts struct {
	locale Locale
	custom map[string]string // nil: none
}

// BuiltinTexts are the built-in bundle's strings alone.
func BuiltinTexts() Texts { return Texts{locale: mustLocale(Builtin)} }

// Locale is the locale the texts are in.
func (t Texts) Locale() Locale { return t.locale }

// Lang is the locale's BCP 47 tag, for an HTML page's lang attribute.
func (t Texts) Lang() string { return t.locale.Tag.String() }

// Text is the string of key; the key itself for one the built-in bundle lacks (a bug the tests catch).
func (t Texts) Text(key string) string {
	if v, ok := t.custom[key]; ok {
		return v
	}
	if v, ok := builtin[key]; ok {
		return v
	}
	return key
}

// Format is the string of key with its placeholders filled: pairs of name and value
// (Format("approve.title", "app", name)). A placeholder not given stays as it is.
func (t Texts) Format(key string, pairs ...string) string {
	s := t.Text(key)
	if len(pairs) < 2 || !strings.Contains(s, "{") {
		return s
	}
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := m[1 : len(m)-1]
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i] == name {
				return pairs[i+1]
			}
		}
		return m
	})
}

// Part is a piece of a string split at its placeholders: text, or the placeholder Arg names.
type Part struct{ Text, Arg string }

// Parts splits the string of key at its placeholders, so a page can show each value in its own
// markup (<span class="app">) while every piece of the bundle's text stays text, escaped by the
// template like any other.
func (t Texts) Parts(key string) []Part {
	s := t.Text(key)
	var out []Part
	last := 0
	for _, m := range placeholder.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > last {
			out = append(out, Part{Text: s[last:m[0]]})
		}
		out = append(out, Part{Arg: s[m[2]:m[3]]})
		last = m[1]
	}
	if last < len(s) {
		out = append(out, Part{Text: s[last:]})
	}
	return out
}

// Bundle is every key's string: the custom bundle's, else the built-in one.
func (t Texts) Bundle() map[string]string {
	out := make(map[string]string, len(builtin))
	for k, v := range builtin {
		out[k] = v
	}
	for k, v := range t.custom {
		out[k] = v
	}
	return out
}
