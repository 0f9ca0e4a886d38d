package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

// TestBackupCommand: `backup --to FILE` copies the embedded store into a database that the binary can
// serve from (an account made before the backup is in it); bad or missing arguments, an existing file and
// PostgreSQL are refused with one line each.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ACCESS_DATABASE_URL", "sqlite:"+filepath.Join(dir, "live.db"))
	if code, _, errOut := runCLI(t, "a long enough password\n", "user", "create", "--email", "kept@xy-company.com"); code != 0 {
		t.Fatal(errOut)
	}
	dest := filepath.Join(dir, "copy.db")
	code, out, errOut := runCLI(t, "", "backup", "--to", dest)
	if code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
	// The copy is a store of its own: the account is there (creating it again says so).
	t.Setenv("ACCESS_DATABASE_URL", "sqlite:"+dest)
	if code, _, errOut := runCLI(t, "a long enough password\n", "user", "create", "--email", "kept@xy-company.com"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("the backup lacks the account: %d %s", code, errOut)
	}
	t.Setenv("ACCESS_DATABASE_URL", "sqlite:"+filepath.Join(dir, "live.db"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backup"}, "--to FILE is required"},
		{[]string{"backup", "--to"}, "--to FILE is required"},
		{[]string{"backup", "--to", dest}, "already exists"},
		{[]string{"backup", "--to", dest, "extra"}, "--to FILE is required"},
	} {
		if code, _, errOut := runCLI(t, "", tc.args...); code != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: %d %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
	t.Setenv("ACCESS_DATABASE_URL", testutil.NewEmptyPostgres(t))
	if code, _, errOut := runCLI(t, "", "backup", "--to", filepath.Join(dir, "pg.db")); code != 1 || !strings.Contains(errOut, "pg_dump") {
		t.Fatalf("PostgreSQL: %d %s", code, errOut)
	}
}
