package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNotEmbedded: only the embedded store is backed up by the service; PostgreSQL has pg_dump.
var ErrNotEmbedded = errors.New("only the embedded store (sqlite:) is backed up this way; for PostgreSQL use pg_dump")

// Backup writes a consistent copy of the embedded store to dest, a file that must not exist yet, while
// the service may go on serving. It uses SQLite's own VACUUM INTO, which reads the database in one
// transaction: unlike a copy of the file (which may catch a write half done, and misses what is still in
// the write-ahead log), the copy is a database as it was at one moment, compacted. The copy is then opened
// and checked (PRAGMA quick_check) before Backup reports success; a failed copy is removed.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if !s.embedded {
		return ErrNotEmbedded
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("%s already exists: a backup never overwrites a file", abs)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return err
	}
	if _, err := s.sqlDB.ExecContext(ctx, "VACUUM INTO ?", abs); err != nil {
		_ = os.Remove(abs)
		return fmt.Errorf("backing up to %s: %w", abs, err)
	}
	if err := checkCopy(ctx, abs); err != nil {
		_ = os.Remove(abs)
		return fmt.Errorf("the copy at %s failed its check, and was removed: %w", abs, err)
	}
	return nil
}

// checkCopy opens a backup on its own and asks SQLite whether it is sound.
func checkCopy(ctx context.Context, path string) error {
	c, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		return err
	}
	defer c.Close()
	var verdict string
	if err := c.sqlDB.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&verdict); err != nil {
		return err
	}
	if verdict != "ok" {
		return errors.New(verdict)
	}
	return nil
}
