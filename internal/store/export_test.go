package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/cocoondata/access-service/internal/user"
)

// CheckHotReads is TestHotReadsMatchGORM's body (in package store_test, which may import testutil):
// each hot read (pgx on PostgreSQL, with its own column list and scan targets) gives the very row GORM's
// read of the same model gives, for rows with every nullable column both set and empty, and a missing
// key is not found either way; the embedded store's path is GORM's own.
func CheckHotReads(t *testing.T, databaseURL string) {
	ctx := context.Background()
	s := openMigrated(t, databaseURL)
	if s.pool == nil {
		t.Fatal("the PostgreSQL store has no pgx pool, so its hot reads would not be tested")
	}
	now := time.Date(2026, 11, 23, 10, 11, 12, 131415000, time.UTC)
	text := func(v string) *string { return &v }
	rows := []any{
		&clientAppRow{ID: 11, ClientID: "with-secret", SecretHash: text("$argon2id$x"), AppName: "A", Description: "d",
			AccessTokenValidity: 60, RefreshTokenValidity: 600, GrantTypes: "password refresh_token",
			RedirectURIs: "https://a.example/cb https://b.example/cb", Scope: "read write", AutoApprove: true,
			Enabled: true, CreatedAt: now, UpdatedAt: now.Add(time.Hour)},
		&clientAppRow{ID: 12, ClientID: "public", AppName: "B", GrantTypes: "authorization_code", CreatedAt: now, UpdatedAt: now},
		&userRow{ID: 21, Email: "full@example.com", PasswordHash: text("$argon2id$y"), FirstName: text("F"), LastName: text("L"),
			OtherName: text("O"), MobileNumber: text("+61 400 000 000"), MFAEnabled: true, SafeShareAdmin: true, FailedLogins: 3,
			LockedUntil: &now, CreatedAt: now, UpdatedAt: now},
		&userRow{ID: 22, Email: "bare@example.com", CreatedAt: now, UpdatedAt: now},
	}
	for _, r := range rows {
		if err := s.db.Create(r).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Exec(`INSERT INTO organisations (id, name, name_key, quota, admin_email, contact_email, created_at, updated_at)
		VALUES (31, 'Org', 'org', 1, 'a@example.com', 'c@example.com', ?, ?)`, now, now).Error; err != nil {
		t.Fatal(err)
	}
	plan := int64(51)
	if err := s.db.Exec(`INSERT INTO plans (id, organisation_id, name, name_key, quota, is_default, created_at)
		VALUES (51, 31, 'Standard', 'standard', 1, TRUE, ?)`, now).Error; err != nil {
		t.Fatal(err)
	}
	for _, m := range []*membershipRow{
		{OrganisationID: 31, UserID: 21, Role: "Originator", IsOrgAdmin: true, PlanID: &plan, CreatedAt: now},
		{OrganisationID: 31, UserID: 22, Role: "Collaborator", CreatedAt: now},
	} {
		if err := s.db.Create(m).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Create(&whitelistRuleRow{ID: 41, OrganisationID: 31, Pattern: "example.com", Kind: "domain",
		Description: "rule", CreatedAt: now}).Error; err != nil {
		t.Fatal(err)
	}

	type row interface{ fields() []any }
	cases := []struct {
		name string
		read hotRead
		key  any
		new  func() row
	}{
		{"client app by id", clientAppByID, int64(11), func() row { return &clientAppRow{} }},
		{"public client app by id", clientAppByID, int64(12), func() row { return &clientAppRow{} }},
		{"client app by clientId", clientAppByClientID, "with-secret", func() row { return &clientAppRow{} }},
		{"user by id", userByID, int64(21), func() row { return &userRow{} }},
		{"user without optional fields by id", userByID, int64(22), func() row { return &userRow{} }},
		{"user by email", userByEmail, "full@example.com", func() row { return &userRow{} }},
		{"whitelist rule by id", whitelistRuleByID, int64(41), func() row { return &whitelistRuleRow{} }},
		{"missing client app", clientAppByID, int64(99), func() row { return &clientAppRow{} }},
		{"missing user", userByEmail, "nobody@example.com", func() row { return &userRow{} }},
		{"missing whitelist rule", whitelistRuleByID, int64(99), func() row { return &whitelistRuleRow{} }},
		{"membership with a plan", membershipByKey, []any{int64(31), int64(21)}, func() row { return &membershipRow{} }},
		{"membership without", membershipByKey, []any{int64(31), int64(22)}, func() row { return &membershipRow{} }},
		{"missing membership", membershipByKey, []any{int64(31), int64(11)}, func() row { return &membershipRow{} }},
		{"membership of another organisation", membershipByKey, []any{int64(32), int64(21)}, func() row { return &membershipRow{} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			viaGORM, hot := c.new(), c.new()
			keys, ok := c.key.([]any)
			if !ok {
				keys = []any{c.key}
			}
			gormErr := s.db.WithContext(ctx).Where(c.read.where, keys...).Take(viaGORM).Error
			before := s.Statements()
			hotErr := s.takeBy(ctx, c.read, keys, gorm.ErrRecordNotFound, hot, hot.fields()...)
			if isNotFound(gormErr) != isNotFound(hotErr) || (gormErr == nil) != (hotErr == nil) {
				t.Fatalf("GORM: %v, hot read: %v", gormErr, hotErr)
			}
			if got := s.Statements() - before; got != 1 {
				t.Errorf("the hot read counted %d statements, want 1", got)
			}
			if gormErr != nil {
				return
			}
			if !reflect.DeepEqual(inUTC(viaGORM), inUTC(hot)) {
				t.Errorf("rows differ:\nGORM %+v\nhot  %+v", viaGORM, hot)
			}
		})
	}
}

// inUTC puts a row's times in UTC (GORM and pgx may give the same instant in different locations).
func inUTC(r any) any {
	v := reflect.ValueOf(r).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i).Addr().Interface().(type) {
		case *time.Time:
			*f = f.UTC()
		case **time.Time:
			if *f != nil {
				u := (*f).UTC()
				*f = &u
			}
		}
	}
	return r
}

// PoolSize is the most connections the store's pgx pool opens (0 on the embedded store).
func PoolSize(s *Store) int32 {
	if s.pool == nil {
		return 0
	}
	return s.pool.Config().MaxConns
}

// CheckHotReadColumns: each hot read's column list is its row's columns as GORM's schema has them, in
// the schema's order, and the row's scan targets are those fields in that order; so a column added to
// a row cannot be silently left out of the hot read (or scanned into the wrong field).
func CheckHotReadColumns(t *testing.T) {
	cases := []struct {
		name    string
		row     interface{ fields() []any }
		columns []string
		reads   []hotRead
		table   string
	}{
		{"client_apps", &clientAppRow{}, clientAppColumns, []hotRead{clientAppByID, clientAppByClientID}, "client_apps"},
		{"users", &userRow{}, userColumns, []hotRead{userByID, userByEmail}, "users"},
		{"whitelist_rules", &whitelistRuleRow{}, whitelistRuleColumns, []hotRead{whitelistRuleByID}, "whitelist_rules"},
		{"memberships", &membershipRow{}, membershipColumns, []hotRead{membershipByKey}, "memberships"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sch, err := schema.Parse(c.row, &sync.Map{}, schema.NamingStrategy{})
			if err != nil {
				t.Fatal(err)
			}
			if sch.Table != c.table {
				t.Errorf("table %s, want %s", sch.Table, c.table)
			}
			if !reflect.DeepEqual(sch.DBNames, c.columns) {
				t.Errorf("hot read columns %v, the schema's %v", c.columns, sch.DBNames)
			}
			for _, r := range c.reads {
				if want := "SELECT " + strings.Join(sch.DBNames, ", ") + " FROM " + sch.Table + " WHERE "; !strings.HasPrefix(r.sql, want) {
					t.Errorf("statement %q does not read the schema's columns %q", r.sql, want)
				}
			}
			targets := c.row.fields()
			row := reflect.ValueOf(c.row).Elem()
			if len(targets) != len(sch.Fields) {
				t.Fatalf("%d scan targets for %d fields", len(targets), len(sch.Fields))
			}
			for i, f := range sch.Fields {
				if row.FieldByIndex(f.StructField.Index).Addr().Pointer() != reflect.ValueOf(targets[i]).Pointer() {
					t.Errorf("scan target %d is not the field of column %s", i, f.DBName)
				}
			}
		})
	}
}

// CheckHotReadsInTx: inside a transaction a hot read takes the transaction's path, so it sees the
// transaction's own uncommitted writes (the pool, another connection, would not), and after a rollback
// the row is gone for everyone.
func CheckHotReadsInTx(t *testing.T, databaseURL string) {
	ctx := context.Background()
	s := openMigrated(t, databaseURL)
	now := time.Now().UTC()
	rollback := errors.New("roll back")
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Create(&userRow{ID: 77, Email: "in-tx@example.com", CreatedAt: now, UpdatedAt: now}).Error; err != nil {
			return err
		}
		u, err := s.Users().ByEmail(ctx, "in-tx@example.com")
		if err != nil || u.ID != 77 {
			t.Errorf("inside the transaction the hot read gave %+v, %v", u, err)
		}
		// A nested InTx joins the transaction: it sees the row too.
		return errors.Join(s.InTx(ctx, func(ctx context.Context) error {
			_, err := s.Users().ByID(ctx, 77)
			return err
		}), rollback)
	})
	if !errors.Is(err, rollback) || errors.Is(err, user.ErrNotFound) {
		t.Fatalf("InTx: %v", err)
	}
	if _, err := s.Users().ByID(ctx, 77); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("after the rollback: %v, want user.ErrNotFound", err)
	}
}

// OpenMigrated is openMigrated, for the external tests.
var OpenMigrated = openMigrated

// openMigrated opens the store at databaseURL, migrated, until the test ends.
func openMigrated(t *testing.T, databaseURL string) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// MigrateBefore applies, to the store's database, the migrations whose file names sort before name (as
// Migrate would, SQLite's rewriting included), and returns the database to seed it with rows of that
// schema: for the tests of a migration's effect on existing data.
func MigrateBefore(t *testing.T, s *Store, name string) *sql.DB {
	t.Helper()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		t.Fatal(err)
	}
	before := fstest.MapFS{}
	for _, e := range entries {
		if e.Name() >= name {
			continue
		}
		data, err := fs.ReadFile(sub, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		before[e.Name()] = &fstest.MapFile{Data: data}
	}
	var fsys fs.FS = before
	dialect := goose.DialectPostgres
	if s.embedded {
		fsys, dialect = sqliteDialect{before}, goose.DialectSQLite3
	}
	p, err := goose.NewProvider(dialect, s.sqlDB, fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s.sqlDB
}
