// Package store keeps the service's data: it opens PostgreSQL or the embedded SQLite store through GORM,
// applies the embedded migrations, and implements the small store interfaces the domain packages declare:
// one receiver type per domain (Users, Organisations, ...), handed out by the Store, each in its own
// file. It holds queries, locks and constraints; the rules that decide what to change live in the
// domain packages, which run them inside a transaction they open with InTx.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/gofrs/flock"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/errs"
)

// Store is the service's database.
type Store struct {
	db    *gorm.DB
	sqlDB *sql.DB
	// pool is PostgreSQL's connection pool (nil for the embedded store). GORM reaches it through
	// database/sql (stdlib.OpenDBFromPool), so there is one pool; the hot reads by key use it directly
	// (hotread.go).
	pool     *pgxpool.Pool
	embedded bool
	path     string // the embedded store's file

	statements atomic.Int64

	// tracer makes the spans of traced requests' statements, once Trace has set it (tracing.go);
	// dbSystem is their db.system.name.
	tracer   trace.Tracer
	dbSystem attribute.KeyValue
}

// Open connects to the database the URL names and checks that it answers.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	gcfg := &gorm.Config{
		TranslateError:         true,
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	var (
		dialector gorm.Dialector
		embedded  = config.IsEmbedded(databaseURL)
		pool      *pgxpool.Pool
	)
	if embedded {
		path := config.SQLitePath(databaseURL)
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("cannot create the folder for %s: %w", path, err)
			}
		}
		// WAL lets readers run beside the one writer; busy_timeout makes a second writer wait rather than fail.
		dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
		dialector = sqlite.Open(dsn)
	} else {
		pcfg, err := pgxpool.ParseConfig(databaseURL)
		if err != nil {
			return nil, fmt.Errorf("database URL: %w", err)
		}
		if !strings.Contains(databaseURL, "pool_max_conns") {
			pcfg.MaxConns = 20 // unless the URL sets it (pgx's pool_max_conns)
		}
		pcfg.MaxConnIdleTime = 5 * time.Minute
		if pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
			return nil, fmt.Errorf("database URL: %w", err)
		}
		dialector = postgres.New(postgres.Config{Conn: stdlib.OpenDBFromPool(pool)})
	}
	closeAll := func(sqlDB *sql.DB) {
		if sqlDB != nil {
			_ = sqlDB.Close()
		}
		if pool != nil {
			pool.Close()
		}
	}
	db, err := gorm.Open(dialector, gcfg)
	if err != nil {
		closeAll(nil)
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		closeAll(nil)
		return nil, err
	}
	if embedded {
		// One writer at a time is SQLite's rule; a single connection keeps writes from failing with "busy".
		sqlDB.SetMaxOpenConns(1)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		closeAll(sqlDB)
		return nil, fmt.Errorf("database does not answer: %w", err)
	}
	st := &Store{db: db, sqlDB: sqlDB, pool: pool, embedded: embedded}
	if err := st.countStatements(); err != nil {
		closeAll(sqlDB)
		return nil, err
	}
	if embedded {
		st.path = config.SQLitePath(databaseURL)
	}
	return st, nil
}

// countStatements counts every statement GORM sends, so tests can assert that a request's number of
// queries does not grow with the size of its answer (no N+1).
func (s *Store) countStatements() error {
	count := func(*gorm.DB) { s.statements.Add(1) }
	cb := s.db.Callback()
	for name, err := range map[string]error{
		"query": cb.Query().Register("access:count", count), "row": cb.Row().Register("access:count", count),
		"raw": cb.Raw().Register("access:count", count), "create": cb.Create().Register("access:count", count),
		"update": cb.Update().Register("access:count", count), "delete": cb.Delete().Register("access:count", count),
	} {
		if err != nil {
			return fmt.Errorf("registering the %s statement counter: %w", name, err)
		}
	}
	return nil
}

// Statements is how many statements the store has sent through GORM since it was opened.
func (s *Store) Statements() int64 { return s.statements.Load() }

// Close releases the connections.
func (s *Store) Close() error {
	err := s.sqlDB.Close()
	if s.pool != nil {
		s.pool.Close()
	}
	return err
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.sqlDB.PingContext(ctx) }

// DB is the store's database/sql handle, for its pool's statistics (the metrics); queries go through
// the store's methods.
func (s *Store) DB() *sql.DB { return s.sqlDB }

// Pool is PostgreSQL's connection pool, for its statistics (the metrics): the one pool under both
// database/sql and the hot reads; nil for the embedded store.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Embedded reports whether this is the embedded SQLite store.
func (s *Store) Embedded() bool { return s.embedded }

// Migrate applies every migration not yet applied. It holds a lock while it does — an advisory lock on
// PostgreSQL, a lock file beside the embedded store's file — so instances starting together apply each
// migration once.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	dialect := goose.DialectPostgres
	// Migrations are numbered per feature and merged in any order, so a database may have applied a
	// higher number before a lower one existed: apply the missed ones, in order, rather than refuse.
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true)}
	if s.embedded {
		sub, dialect = sqliteDialect{sub}, goose.DialectSQLite3
		lock := flock.New(s.path + ".migrate-lock")
		locked, err := lock.TryLockContext(ctx, 50*time.Millisecond)
		if err != nil || !locked {
			return fmt.Errorf("locking %s for migration: %v", lock.Path(), err)
		}
		defer func() { _ = lock.Unlock() }()
	} else {
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.sqlDB, sub, opts...)
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("applying migrations: %w", err)
	}
	return nil
}

// txKey carries the open transaction in a context.
type txKey struct{}

// InTx runs fn in one transaction, carried in fn's context: every store method called with that
// context takes its connection from it, whichever domain's store it belongs to. A call made inside
// another's transaction joins it (no savepoint), so a domain operation composed of others is still one
// transaction. fn's error rolls everything back; nil commits.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if inTx(ctx) {
		return fn(ctx)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// conn is where a query runs: the context's transaction if it carries one, else the pool.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return s.db.WithContext(ctx)
}

// inTx reports whether the context carries a transaction.
func inTx(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*gorm.DB)
	return ok
}

// forUpdate takes the rows q reads under lock for the rest of the transaction (PostgreSQL), so rule
// checks and the changes they allow cannot interleave with another request's. On SQLite every write
// transaction is immediate and so already exclusive.
func (s *Store) forUpdate(q *gorm.DB) *gorm.DB {
	if s.embedded {
		return q
	}
	return q.Clauses(clause.Locking{Strength: "UPDATE"})
}

// scope is what every domain's store shares: the database, and the transactions the domains open.
type scope struct{ s *Store }

// InTx runs fn in one transaction (Store.InTx).
func (x scope) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return x.s.InTx(ctx, fn)
}

// The domains' stores, one receiver type each (one file each).
func (s *Store) Users() Users                 { return Users{scope{s}} }
func (s *Store) ClientApps() ClientApps       { return ClientApps{scope{s}} }
func (s *Store) Organisations() Organisations { return Organisations{scope{s}} }
func (s *Store) Whitelist() Whitelist         { return Whitelist{scope{s}} }
func (s *Store) Plans() Plans                 { return Plans{scope{s}} }
func (s *Store) Statistics() Statistics       { return Statistics{scope{s}} }
func (s *Store) Audit() Audit                 { return Audit{scope{s}} }
func (s *Store) Activity() Activity           { return Activity{scope{s}} }
func (s *Store) Properties() Properties       { return Properties{scope{s}} }
func (s *Store) Revocations() Revocations     { return Revocations{scope{s}} }
func (s *Store) OAuth() OAuth                 { return OAuth{scope{s}} }

// The organisations' classifications and clearances (classifications.go, clearances.go).
func (s *Store) Classifications() Classifications { return Classifications{scope{s}} }
func (s *Store) Clearances() Clearances           { return Clearances{scope{s}} }

// Users' second factor: authenticators, pairings and set-up links (mfa.go).
func (s *Store) MFA() MFA { return MFA{scope{s}} }

// Each user's address book (contacts.go).
func (s *Store) Contacts() Contacts { return Contacts{scope{s}} }

// The platform's theme (theme.go).
func (s *Store) Theme() Theme { return Theme{scope{s}} }

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

func isDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

func isForeignKey(err error) bool { return errors.Is(err, gorm.ErrForeignKeyViolated) }

// wrap names where a database error came from, so a logged 500 says which statement on which row
// failed. Domain errors (they know their kind) pass as they are.
func wrap(err error, op string, key any) error {
	if err == nil {
		return nil
	}
	if _, ok := errs.As(err); ok {
		return err
	}
	return fmt.Errorf("store: %s %v: %w", op, key, err)
}

// take1 reads the one row q selects; no row is notFound (the domain's error), any other failure is
// wrapped with op and key.
func take1[R any](q *gorm.DB, notFound error, op string, key any) (R, error) {
	var row R
	err := q.Take(&row).Error
	if isNotFound(err) {
		return row, notFound
	}
	return row, wrap(err, op, key)
}

// affected checks an update or delete: its failure, wrapped with op and key, or notFound (the domain's
// error) when it touched no row. GORM reports zero rows as success.
func affected(res *gorm.DB, notFound error, op string, key any) error {
	if res.Error != nil {
		return wrap(res.Error, op, key)
	}
	if res.RowsAffected == 0 {
		return notFound
	}
	return nil
}
