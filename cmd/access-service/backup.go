package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/store"
)

// backupCommand: access-service backup --to FILE. A consistent copy of the embedded store, taken while
// the service runs (store.Backup: SQLite's VACUUM INTO, then a check of the copy). It opens the store
// without applying the schema: a newer binary must not migrate the database under a running older one.
func backupCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer, fail func(string, ...any) int) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	to := fs.String("to", "", "the file to write (must not exist)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *to == "" {
		return fail("backup: --to FILE is required (a file that does not exist yet)\n%s", usage)
	}
	if !config.IsEmbedded(cfg.DatabaseURL) {
		return fail("backup: %s", store.ErrNotEmbedded)
	}
	s, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fail("ACCESS_DATABASE_URL: %s", err)
	}
	defer s.Close()
	if err := s.Backup(ctx, *to); err != nil {
		return fail("backup: %s", err)
	}
	fmt.Fprintf(stdout, "backed up %s to %s (checked)\n", config.SQLitePath(cfg.DatabaseURL), *to)
	return 0
}
