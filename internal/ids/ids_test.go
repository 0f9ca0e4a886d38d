package ids

import (
	"strconv"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true},
		{"765456269464346624", 765456269464346624, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"0123", 123, true},
		{"0", 0, false},
		{"", 0, false},
		{"9223372036854775808", 0, false}, // 19 digits, over int64
		{"12345678901234567890", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1e3", 0, false},
		{" 1", 0, false},
		{"１", 0, false}, // a full-width digit
		{"0x10", 0, false},
	}
	for _, tc := range cases {
		got, err := Parse(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestGeneratorMakesUniqueOrderedIDs(t *testing.T) {
	g, err := NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	prev := int64(0)
	seen := map[int64]bool{}
	for range 100_000 {
		id := g.New()
		if id <= prev || seen[id] {
			t.Fatalf("id %d after %d", id, prev)
		}
		if back, err := Parse(Format(id)); err != nil || back != id {
			t.Fatalf("round trip of %d: %d %v", id, back, err)
		}
		seen[id], prev = true, id
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "0", "9223372036854775807", "9223372036854775808", "", "-5", "٣", "00000000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		if v <= 0 || len(s) == 0 || len(s) > 19 {
			t.Fatalf("Parse(%q) accepted %d", s, v)
		}
		if n, perr := strconv.ParseInt(s, 10, 64); perr != nil || n != v {
			t.Fatalf("Parse(%q) = %d, strconv says %d %v", s, v, n, perr)
		}
	})
}
