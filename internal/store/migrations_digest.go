package store

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
)

// MigrationsDigest is a hex SHA-256 of the embedded migration files, names and contents: it changes
// whenever a migration is added, removed or edited. Tests name their migrated template database by it.
func MigrationsDigest() string {
	h := sha256.New()
	entries, err := fs.ReadDir(migrations, "migrations") // sorted by name
	if err != nil {
		panic(err) // the files are embedded: this cannot fail
	}
	for _, e := range entries {
		data, err := fs.ReadFile(migrations, "migrations/"+e.Name())
		if err != nil {
			panic(err)
		}
		h.Write([]byte(e.Name()))
		h.Write([]byte{0})
		h.Write(data)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
