package store

import (
	"bytes"
	"embed"
	"io"
	"io/fs"
	"strings"
)

// migrations are written for PostgreSQL; SQLite is served the same files rewritten by sqliteDialect.
//
//go:embed migrations/*.sql
var migrations embed.FS

// sqliteDialect serves the PostgreSQL migrations to SQLite with the two differences between the two
// written in: SQLite's driver reads a column as a time only when its declared type is DATETIME (or
// DATE, TIMESTAMP), while PostgreSQL's timestamps are TIMESTAMPTZ; and a time's UTC day, which
// PostgreSQL gives as `SUBSTR(CAST(t AT TIME ZONE 'UTC' AS TEXT), 1, 10)` whatever the session's time
// zone, is in SQLite the same without "AT TIME ZONE 'UTC'", its times being stored as UTC text.
// Everything else in the migrations is SQL both understand; a migration that needs more must be written
// so that it still is.
type sqliteDialect struct{ fs.FS }

func (d sqliteDialect) Open(name string) (fs.File, error) {
	f, err := d.FS.Open(name)
	if err != nil || !strings.HasSuffix(name, ".sql") {
		return f, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	data = bytes.ReplaceAll(data, []byte("TIMESTAMPTZ"), []byte("DATETIME"))
	data = bytes.ReplaceAll(data, []byte(" AT TIME ZONE 'UTC'"), nil)
	return &rewrittenFile{Reader: bytes.NewReader(data), info: sizedInfo{FileInfo: info, size: int64(len(data))}}, nil
}

type rewrittenFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *rewrittenFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *rewrittenFile) Close() error               { return nil }

type sizedInfo struct {
	fs.FileInfo
	size int64
}

func (i sizedInfo) Size() int64 { return i.size }
