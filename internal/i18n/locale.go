package i18n

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// Builtin is the locale whose bundle is built in: every other falls back to it, key by key.
const Builtin = "en_us"

// offeredCodes are the locales the platform offers: en_us with its built-in bundle, the others for
// custom bundles (platform.md, Languages).
var offeredCodes = []string{"da", "de", "en_gb", "en_us", "es", "fr", "ja", "nl"}

// Locale is a locale the platform offers.
type Locale struct {
	// Code is the API's form: the BCP 47 tag, lower case, with an underscore (en_us, da).
	Code string
	Tag  language.Tag
	// Name is the language's name in itself: "Dansk", "English (United States)".
	Name string
}

// offered are the offered locales, by code, sorted.
var offered = func() []Locale {
	out := make([]Locale, len(offeredCodes))
	for i, c := range offeredCodes {
		tag, err := TagOf(c)
		if err != nil {
			panic("i18n: offered locale " + c + ": " + err.Error()) // a constant list, tested
		}
		out[i] = Locale{Code: c, Tag: tag, Name: selfName(tag)}
	}
	return out
}()

// Offered are the locales the platform offers, sorted by code.
func Offered() []Locale { return append([]Locale(nil), offered...) }

// Lookup is the offered locale of the code.
func Lookup(code string) (Locale, bool) {
	for _, l := range offered {
		if l.Code == code {
			return l, true
		}
	}
	return Locale{}, false
}

func mustLocale(code string) Locale {
	l, ok := Lookup(code)
	if !ok {
		panic("i18n: " + code + " is not offered")
	}
	return l
}

// TagOf is the BCP 47 tag of an API code (en_us → en-US).
func TagOf(code string) (language.Tag, error) {
	return language.Parse(strings.ReplaceAll(code, "_", "-"))
}

// CodeOf is the API code of a tag (en-US → en_us).
func CodeOf(tag language.Tag) string {
	return strings.ToLower(strings.ReplaceAll(tag.String(), "-", "_"))
}

// selfName is the language's name in itself, with the region's for a regional variant ("English
// (United Kingdom)" rather than CLDR's "British English"), capitalised as it starts a list's line.
func selfName(tag language.Tag) string {
	base, _ := tag.Base()
	name := display.Self.Name(tag)
	if region, conf := tag.Region(); conf == language.Exact {
		name = display.Self.Name(base) + " (" + display.Regions(tag).Name(region) + ")"
	}
	r, size := utf8.DecodeRuneInString(name)
	return string(unicode.ToTitle(r)) + name[size:]
}
