package store

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Hot reads: the lookups of one row by a unique key that requests make most (a client app by id or by
// clientId on every grant and app read, an account by id or email, a whitelist rule by id). On
// PostgreSQL they go to pgx directly, with a fixed statement and the row's fields as scan targets:
// GORM's statement building and reflective scan, and database/sql's locking and conversions, cost more
// CPU per read than pgx's own work does (bench/README.md). The embedded store reads through GORM, as
// everywhere else; TestHotReadsMatchGORM checks that both give the same rows.
type hotRead struct {
	table string
	where string // GORM's condition
	sql   string // PostgreSQL's statement
}

// newHotRead is the read of one row of table by its unique column key; columns are the row's columns in
// the order of the scan targets the read is given.
func newHotRead(table string, columns []string, key string) hotRead {
	return hotRead{
		table: table,
		where: key + " = ?",
		sql:   "SELECT " + strings.Join(columns, ", ") + " FROM " + table + " WHERE " + key + " = $1",
	}
}

// take reads the row whose key is key into row: on PostgreSQL through targets (pointers to row's fields,
// in the order of the read's columns), on the embedded store, and inside a transaction (which has its
// own connection), through GORM. A missing row is notFound (the domain's error) either way; any other
// failure is wrapped with the read's key.
func (s *Store) take(ctx context.Context, r hotRead, key any, notFound error, row any, targets ...any) error {
	return s.takeBy(ctx, r, []any{key}, notFound, row, targets...)
}

// newHotReadBy is the read of one row of table by its unique pair of columns keys (a composite primary
// key), given to takeBy in that order.
func newHotReadBy(table string, columns []string, keys ...string) hotRead {
	where, sql := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		where[i], sql[i] = k+" = ?", k+" = $"+strconv.Itoa(i+1)
	}
	return hotRead{
		table: table,
		where: strings.Join(where, " AND "),
		sql:   "SELECT " + strings.Join(columns, ", ") + " FROM " + table + " WHERE " + strings.Join(sql, " AND "),
	}
}

// takeBy is take for a read by several columns (newHotReadBy), keys in the read's order.
func (s *Store) takeBy(ctx context.Context, r hotRead, keys []any, notFound error, row any, targets ...any) error {
	var err error
	if s.pool == nil || inTx(ctx) {
		err = s.conn(ctx).Where(r.where, keys...).Take(row).Error
	} else {
		s.statements.Add(1)
		qctx, end := s.hotReadSpan(ctx, r)
		if err = s.pool.QueryRow(qctx, r.sql, keys...).Scan(targets...); errors.Is(err, pgx.ErrNoRows) {
			err = gorm.ErrRecordNotFound
		}
		end(err)
	}
	if isNotFound(err) {
		return notFound
	}
	return wrap(err, r.sql, keys[len(keys)-1])
}
