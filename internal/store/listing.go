package store

import (
	"math"
	"strings"

	"gorm.io/gorm"

	"github.com/cocoondata/access-service/internal/listing"
)

// listSpec is what one list may be ordered by: sorts maps the API's sort names to columns (the entry
// for "" is the default order), id is the column that breaks ties. Columns come from the code, never
// from the request.
type listSpec struct {
	sorts map[string]string
	id    string
}

// list is the one list query: it counts what base matches, reads q's page of it (ordered as spec
// allows, ties broken by id, so paging never repeats or skips an item) with the columns cols ("" for
// base's own), and converts each row.
func list[R, T any](base *gorm.DB, q listing.Query, spec listSpec, cols string, conv func(R) (T, error)) (listing.Page[T], error) {
	return listCounting(base, base, q, spec, cols, conv)
}

// listCounting is list with the total counted by counted, a cheaper query matching as many rows as
// base (base's joins without the tables that add nothing to the count).
func listCounting[R, T any](counted, base *gorm.DB, q listing.Query, spec listSpec, cols string, conv func(R) (T, error)) (listing.Page[T], error) {
	var total int64
	if err := counted.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return listing.Page[T]{}, err
	}
	column, ok := spec.sorts[q.SortBy]
	if !ok {
		column = spec.sorts[""]
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	db := base.Session(&gorm.Session{}).Order(column + dir).Order(spec.id + dir)
	if cols != "" {
		db = db.Select(cols)
	}
	switch {
	case q.Limit > 0:
		db = db.Limit(q.Limit)
	case q.Offset > 0:
		db = db.Limit(math.MaxInt32) // SQLite takes no OFFSET without a LIMIT
	}
	if q.Offset > 0 {
		db = db.Offset(q.Offset)
	}
	var rows []R
	if err := db.Find(&rows).Error; err != nil {
		return listing.Page[T]{}, err
	}
	out := listing.Page[T]{Items: make([]T, len(rows)), Count: int(total), Offset: q.Offset}
	for i, r := range rows {
		v, err := conv(r)
		if err != nil {
			return listing.Page[T]{}, err
		}
		out.Items[i] = v
	}
	return out, nil
}

// always adapts a conversion that cannot fail to list.
func always[R, T any](f func(R) T) func(R) (T, error) {
	return func(r R) (T, error) { return f(r), nil }
}

// likePattern is a LIKE pattern matching text anywhere, with the wildcards in text taken literally
// (used with ESCAPE '\').
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(text) + "%"
}

// lowerKey is the case-insensitive form of a unique name.
func lowerKey(s string) string { return strings.ToLower(s) }
