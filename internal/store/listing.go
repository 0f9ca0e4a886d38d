package store

import (
	"math"
	"strings"

	"gorm.io/gorm"

	"github.com/cocoondata/access-service/internal/listing"
)

// page orders q's page by column then by the id column (so ties never reorder between pages), and
// applies the limit and offset. column and idColumn come from the code, never from the request.
func page(db *gorm.DB, q listing.Query, column, idColumn string) *gorm.DB {
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	db = db.Order(column + dir).Order(idColumn + dir)
	switch {
	case q.Limit > 0:
		db = db.Limit(q.Limit)
	case q.Offset > 0:
		db = db.Limit(math.MaxInt32) // SQLite takes no OFFSET without a LIMIT
	}
	if q.Offset > 0 {
		db = db.Offset(q.Offset)
	}
	return db
}

// likePattern is a LIKE pattern matching text anywhere, with the wildcards in text taken literally
// (used with ESCAPE '\').
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(text) + "%"
}

// lowerKey is the case-insensitive form of a unique name.
func lowerKey(s string) string { return strings.ToLower(s) }
