package httpapi

import (
	"fmt"
	"strings"
	"testing"
)

// parseImport's rows and line numbers: a byte order mark, a quoted field over two lines, blank lines, a
// row with the wrong number of fields, names with control characters.
func TestParseImport(t *testing.T) {
	in := "\uFEFFemail,firstName\n" + // line 1
		"a@x.example,Ann\n" + // line 2
		"\"b@x.example\",\"Two\nLines\"\n" + // lines 3-4: a newline in a name is refused, as in a profile
		"\n" + // line 5: blank, skipped
		"c@x.example\n" + // line 6: one field
		"d@x.example,\"Tab\tbed\"\n" + // line 7
		"e@x.example,Eve\n" // line 8
	rows, rep, err := parseImport(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprint(r.line, " ", r.email, " ", r.role))
	}
	if fmt.Sprint(got) != "[2 a@x.example Collaborator 8 e@x.example Collaborator]" {
		t.Errorf("rows %v", got)
	}
	if fmt.Sprint(rep.Errors) != "[line 3: names must not hold control characters line 6: 1 fields, but the header has 2 line 7: names must not hold control characters]" {
		t.Errorf("errors %q", rep.Errors)
	}
}
