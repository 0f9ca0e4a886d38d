package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestKeysCommands: keys rotate, list and retire through run() on the embedded store.
func TestKeysCommands(t *testing.T) {
	t.Setenv("ACCESS_DATABASE_URL", testutil.NewSQLite(t))
	code, out, errOut := runCLI(t, "", "keys", "list")
	if code != 0 || !strings.Contains(out, "no signing keys yet") {
		t.Fatalf("list on an empty store: %d %s %s", code, out, errOut)
	}
	kidRE := regexp.MustCompile(`added signing key (\S+):`)
	rotate := func(args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "", append([]string{"keys", "rotate"}, args...)...)
		m := kidRE.FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("keys rotate %v: %d %s %s", args, code, out, errOut)
		}
		return m[1]
	}
	first := rotate("--now")
	second := rotate()
	code, out, errOut = runCLI(t, "", "keys", "list")
	if code != 0 {
		t.Fatalf("list: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "KID") {
		t.Fatalf("list:\n%s", out)
	}
	row := func(line string) []string { return strings.Fields(line) }
	if r := row(lines[1]); r[0] != first || r[2] != "signing" || r[4] != "-" {
		t.Fatalf("first key's row: %q", lines[1])
	}
	if r := row(lines[2]); r[0] != second || r[2] != "pending" || r[3] <= r[1] || r[4] != "-" {
		t.Fatalf("second key's row (pending, signing after its creation): %q", lines[2])
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"keys", "retire", "--kid", first}, 1, "is the key signing new tokens"},
		{[]string{"keys", "retire", "--kid", "nope"}, 1, "no signing key has the kid nope"},
		{[]string{"keys", "retire"}, 1, "--kid is required"},
		{[]string{"keys", "rotate", "later"}, 1, "bad arguments"},
		{[]string{"keys", "shred"}, 1, "unknown keys subcommand"},
		{[]string{"keys"}, 1, "keys needs a subcommand"},
		{[]string{"keys", "retire", "--kid", second}, 0, "retired signing key " + second},
	} {
		code, out, errOut := runCLI(t, "", tc.args...)
		where := out
		if tc.code != 0 {
			where = errOut
		}
		if code != tc.code || !strings.Contains(where, tc.want) {
			t.Fatalf("%v: exit %d (want %d)\nstdout: %s\nstderr: %s", tc.args, code, tc.code, out, errOut)
		}
	}
	_, out, _ = runCLI(t, "", "keys", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || row(lines[2])[2] != "retired" || row(lines[1])[2] != "signing" {
		t.Fatalf("list after retiring the pending key:\n%s", out)
	}
}
