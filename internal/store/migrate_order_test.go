package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/cocoondata/access-service/internal/store"
	"github.com/cocoondata/access-service/internal/testutil"
)

// migrateOnly applies, with goose, the migrations whose file names keep accepts to the empty database at
// url, as a build that had only those would have; it returns the database and how many it applied.
func migrateOnly(t *testing.T, url string, keep func(name string) bool) (*sql.DB, int) {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	all := os.DirFS("migrations")
	entries, err := fs.ReadDir(all, ".")
	if err != nil {
		t.Fatal(err)
	}
	kept := fstest.MapFS{}
	for _, e := range entries {
		if !keep(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(all, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		kept[e.Name()] = &fstest.MapFile{Data: data}
	}
	if len(kept) == 0 {
		return db, 0
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, kept)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, len(kept)
}

// TestMigrateAppliesAMissedMigration: a database that applied every migration but 00002 (it was
// migrated by a build from before 00002 was merged) gets 00002 on the next start instead of refusing it.
func TestMigrateAppliesAMissedMigration(t *testing.T) {
	ctx := context.Background()
	url := testutil.NewEmptyPostgres(t)
	// That build had 00001 and 00003; later migrations may depend on 00002.
	db, applied := migrateOnly(t, url, func(name string) bool { return !strings.HasPrefix(name, "00002_") && name < "00004" })
	if applied < 2 {
		t.Skip("no migration after 00002 yet")
	}
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("a missed migration is refused: %v", err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM organisations").Scan(&n); err != nil {
		t.Fatalf("00002 was not applied: %v", err)
	}
}

// TestMigrationGivesFirstPartyAppsTheAdminScope: 00007 adds admin to the scopes of the auto-approved
// (first-party) apps a database already holds, once, and to no third-party app.
func TestMigrationGivesFirstPartyAppsTheAdminScope(t *testing.T) {
	url := testutil.NewEmptyPostgres(t)
	db, _ := migrateOnly(t, url, func(name string) bool { return name < "00007" })
	apps := map[string]struct {
		scope       string
		autoApprove bool
		want        string
	}{
		"first-party":          {"read write", true, "read write admin"},
		"first-party-admin":    {"read admin write", true, "read admin write"},
		"first-party-no-scope": {"", true, "admin"},
		"third-party":          {"read write", false, "read write"},
	}
	id := 1
	for clientID, a := range apps {
		if _, err := db.Exec(`INSERT INTO client_apps (id, client_id, app_name, access_token_validity, refresh_token_validity,
			grant_types, scope, auto_approve, created_at, updated_at) VALUES ($1, $2, $2, 3600, 3600, 'password', $3, $4, now(), now())`,
			id, clientID, a.scope, a.autoApprove); err != nil {
			t.Fatal(err)
		}
		id++
	}
	store.OpenMigrated(t, url)
	for clientID, a := range apps {
		var got string
		if err := db.QueryRow("SELECT scope FROM client_apps WHERE client_id = $1", clientID).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != a.want {
			t.Errorf("%s: scope %q, want %q", clientID, got, a.want)
		}
	}
}

// TestMigrationRepairsPlans: 00008 keeps the plans a database already holds (made by tools before the
// plans API) and makes them obey its rules, on PostgreSQL and SQLite alike: names an organisation has
// twice (in any case) get keys of their own so the unique index can be built, an organisation with plans
// but no default gets its oldest plan as the default, and an Originator without a plan gets the default.
func TestMigrationRepairsPlans(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{"postgres": testutil.NewEmptyPostgres, "sqlite": testutil.NewSQLite} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s, db := migratedFrom(t, url(t), "00008",
				`INSERT INTO users (id, email, created_at, updated_at) VALUES
				 (1, 'a@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
				 (2, 'b@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
				 (3, 'c@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00')`,
				`INSERT INTO organisations (id, name, name_key, quota, admin_email, contact_email, created_at, updated_at) VALUES
				 (10, 'Acme', 'acme', 100, 'a@x.example', 'a@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
				 (20, 'Other', 'other', 100, 'a@x.example', 'a@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00')`,
				`INSERT INTO plans (id, organisation_id, name, quota, is_default, created_at) VALUES
				 (101, 10, 'Standard', 10, FALSE, '2026-01-01 00:00:00'),
				 (102, 10, 'STANDARD', 10, FALSE, '2026-01-01 00:00:00'),
				 (104, 10, 'Large', 10, FALSE, '2026-01-01 00:00:00'),
				 (201, 20, 'Standard', 10, FALSE, '2026-01-01 00:00:00'),
				 (202, 20, 'Basic', 10, TRUE, '2026-01-01 00:00:00')`,
				`INSERT INTO memberships (organisation_id, user_id, role, is_org_admin, plan_id, created_at) VALUES
				 (10, 1, 'Originator', FALSE, NULL, '2026-01-01 00:00:00'),
				 (10, 2, 'Originator', FALSE, 104, '2026-01-01 00:00:00'),
				 (10, 3, 'Collaborator', TRUE, NULL, '2026-01-01 00:00:00'),
				 (20, 1, 'Originator', FALSE, NULL, '2026-01-01 00:00:00')`,
			)
			for q, want := range map[string][]string{
				"SELECT id, name_key FROM plans ORDER BY id": {"101=standard", "102=standard #102", "104=large", "201=standard", "202=basic"},
				"SELECT id, CASE WHEN is_default THEN 'default' ELSE '-' END FROM plans ORDER BY id": {
					"101=default", "102=-", "104=-", "201=-", "202=default"},
				"SELECT organisation_id * 10 + user_id, COALESCE(plan_id, 0) FROM memberships ORDER BY 1": {
					"101=101", "102=104", "103=0", "201=202"},
			} {
				if got := pairs(t, db, q); !slices.Equal(got, want) {
					t.Errorf("%s: %q, want %q", q, got, want)
				}
			}
			// The rules hold from here on: the name is taken, whatever its case.
			if taken, err := s.Plans().NameTaken(ctx, 10, "sTaNdArD", 0); err != nil || !taken {
				t.Errorf("Standard is not taken after the migration: %v %v", taken, err)
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO plans (id, organisation_id, name, name_key, quota, is_default, created_at)
				VALUES (105, 10, 'Large', 'large', 1, FALSE, '2026-01-01 00:00:00')`); err == nil {
				t.Error("the unique name index lets a second Large in")
			}
		})
	}
}

// TestMigrationKeepsCounts: migration 00010 counts what existed before it, on PostgreSQL and SQLite
// alike: each organisation's Originators, Collaborators and administrators (Ad hoc members nowhere),
// each clearance's classifications and members.
func TestMigrationKeepsCounts(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{"postgres": testutil.NewEmptyPostgres, "sqlite": testutil.NewSQLite} {
		t.Run(name, func(t *testing.T) {
			s, db := migratedFrom(t, url(t), "00010",
				`INSERT INTO users (id, email, created_at, updated_at) VALUES
				 (1, 'a@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
				 (2, 'b@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
				 (3, 'c@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
				 (4, 'd@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00')`,
				`INSERT INTO organisations (id, name, name_key, quota, admin_email, contact_email, created_at, updated_at) VALUES
				 (10, 'Acme', 'acme', 100, 'a@x.example', 'a@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
				 (20, 'Other', 'other', 100, 'a@x.example', 'a@x.example', '2026-01-01 00:00:00', '2026-01-01 00:00:00')`,
				`INSERT INTO plans (id, organisation_id, name, name_key, quota, is_default, created_at) VALUES
				 (101, 10, 'Standard', 'standard', 10, TRUE, '2026-01-01 00:00:00')`,
				`INSERT INTO memberships (organisation_id, user_id, role, is_org_admin, plan_id, created_at) VALUES
				 (10, 1, 'Originator', TRUE, 101, '2026-01-01 00:00:00'),
				 (10, 2, 'Originator', FALSE, 101, '2026-01-01 00:00:00'),
				 (10, 3, 'Collaborator', TRUE, NULL, '2026-01-01 00:00:00'),
				 (10, 4, 'Ad hoc', FALSE, NULL, '2026-01-01 00:00:00'),
				 (20, 1, 'Collaborator', TRUE, NULL, '2026-01-01 00:00:00')`,
				`INSERT INTO classifications (id, organisation_id, name, name_key, description, priority, apply_i18n, created_at) VALUES
				 (501, 10, 'Secret', 'secret', '', 1, FALSE, '2026-01-01 00:00:00'),
				 (502, 10, 'Public', 'public', '', 2, FALSE, '2026-01-01 00:00:00')`,
				`INSERT INTO clearances (id, organisation_id, name, name_key, description, created_at) VALUES
				 (601, 10, 'All', 'all', '', '2026-01-01 00:00:00'),
				 (602, 10, 'None', 'none', '', '2026-01-01 00:00:00')`,
				`INSERT INTO clearance_classifications (organisation_id, clearance_id, classification_id) VALUES (10, 601, 501), (10, 601, 502)`,
				`INSERT INTO clearance_members (organisation_id, clearance_id, user_id) VALUES (10, 601, 1), (10, 601, 2), (10, 601, 4)`,
			)
			for q, want := range map[string][]string{
				"SELECT id, CAST(originator_count AS TEXT) || '/' || CAST(collaborator_count AS TEXT) || '/' || CAST(admin_count AS TEXT) FROM organisations ORDER BY id": {
					"10=2/1/2", "20=0/1/1"},
				"SELECT id, CAST(label_count AS TEXT) || '/' || CAST(member_count AS TEXT) FROM clearances ORDER BY id": {"601=2/3", "602=0/0"},
			} {
				if got := pairs(t, db, q); !slices.Equal(got, want) {
					t.Errorf("%s: %q, want %q", q, got, want)
				}
			}
			if drift, err := s.KeptCountsDrift(context.Background()); err != nil || len(drift) > 0 {
				t.Errorf("drift after the migration: %v %v", drift, err)
			}
		})
	}
}

// migratedFrom opens the store at url and migrates it to just before the migration named before, runs
// stmts there (a database as an older build left it), then migrates the rest; it returns the store
// (closed at the test's end) and its database.
func migratedFrom(t *testing.T, url, before string, stmts ...string) (*store.Store, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	db := store.MigrateBefore(t, s, before)
	for _, stmt := range stmts {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s, db
}

// pairs reads a query of two columns as "a=b" lines (text the driver gives as bytes, as text).
func pairs(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	r, err := db.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for r.Next() {
		var a, b any
		if err := r.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		if v, ok := b.([]byte); ok {
			b = string(v)
		}
		out = append(out, fmt.Sprintf("%v=%v", a, b))
	}
	return out
}

// TestMigrationGivesAuditRecordsTheirValues: 00013 moves each record's operation name out of action
// into operation, recomputes action from the method and maps the old categories to the documented
// ones; 00014 says what each old sign-in record came to and counts them per UTC day, on PostgreSQL and
// SQLite alike, so the dashboard's counts equal a count of the records from the start.
func TestMigrationGivesAuditRecordsTheirValues(t *testing.T) {
	for name, url := range map[string]func(testing.TB) string{"postgres": testutil.NewEmptyPostgres, "sqlite": testutil.NewSQLite} {
		t.Run(name, func(t *testing.T) {
			const cols = `INSERT INTO audit_records (id, occurred_at, organisation_id, user_id, user_email, client_id, method, path, status, remote_address, action, category) VALUES `
			s, db := migratedFrom(t, url(t), "00013",
				cols+`(1, '2026-11-01 10:00:00+00', 10, 1, 'a@x.example', 'webapp', 'POST', '/api/v1/organisations', 201, '::1', 'createOrganisation', 'organisation'),
				 (2, '2026-11-01 10:00:01+00', 10, 1, 'a@x.example', 'webapp', 'GET', '/api/v1/organisations/10/users', 200, '::1', 'listMembers', 'members'),
				 (3, '2026-11-01 10:00:02+00', 10, 1, 'a@x.example', 'webapp', 'POST', '/api/v1/organisations/10/removalRequest', 201, '::1', 'requestOrganisationRemoval', 'removal'),
				 (4, '2026-11-01 10:00:03+00', 10, 1, 'a@x.example', 'webapp', 'DELETE', '/api/v1/organisations/10/removalRequest', 200, '::1', 'cancelOrganisationRemoval', 'removal'),
				 (5, '2026-11-01 10:00:04+00', 10, 1, 'a@x.example', 'webapp', 'PUT', '/api/v1/organisations/10/plans/3', 200, '::1', 'updatePlan', 'plans'),
				 (6, '2026-11-01 10:00:05+00', 10, 1, 'a@x.example', 'webapp', 'POST', '/api/v1/organisations/10/userwhitelist/delete', 200, '::1', 'whitelistRuleDeleted', 'userwhitelist'),
				 (7, '2026-11-01 10:00:06+00', 10, NULL, NULL, NULL, 'OTHER', '/api/v1/organisations/10/x', 405, '::1', 'unknown', 'unknown'),
				 (8, '2026-11-01 10:00:07+00', 10, 1, 'a@x.example', 'webapp', 'GET', '/api/v1/organisations/10/labels', 200, '::1', 'listClassifications', 'labels'),
				 (9, '2026-11-01 10:00:08+00', 10, 1, 'a@x.example', 'webapp', 'PATCH', '/api/v1/organisations/10/groups/4', 200, '::1', 'updateClearance', 'groups'),
				 (10, '2026-11-01 10:00:09+00', 10, 1, 'a@x.example', 'webapp', 'GET', '/api/v1/organisations/10/audit', 200, '::1', 'listAuditRecords', 'audit'),
				 (11, '2026-11-01 10:00:10+00', NULL, 1, 'a@x.example', 'webapp', 'PUT', '/api/v1/users/2', 200, '::1', 'updateUser', 'mfa'),
				 (12, '2026-11-01 10:00:11+00', NULL, 1, 'a@x.example', 'webapp', 'DELETE', '/api/v1/users/me/mfa', 200, '::1', 'disableMyMfa', 'mfa')`,
				// sign-ins: day one a success, a wrong password for a known address, a first step, a
				// refresh, a refused code; day two (just after midnight UTC) a wrong code and a second
				// factor on the page, a refused client.
				cols+`(20, '2026-11-01 23:59:59+00', NULL, 1, 'a@x.example', 'webapp', 'POST', '/api/oauth/token', 200, '::1', 'signIn', 'authentication'),
				 (21, '2026-11-01 12:00:00+00', NULL, NULL, 'b@x.example', 'webapp', 'POST', '/api/oauth/token', 400, '::1', 'signIn', 'authentication'),
				 (22, '2026-11-01 12:00:01+00', NULL, 2, 'b@x.example', 'webapp', 'POST', '/api/oauth/token', 200, '::1', 'signInFirstStep', 'authentication'),
				 (23, '2026-11-01 12:00:02+00', NULL, 1, 'a@x.example', 'webapp', 'POST', '/api/oauth/token', 200, '::1', 'refreshToken', 'authentication'),
				 (24, '2026-11-01 12:00:03+00', NULL, NULL, NULL, 'webapp', 'POST', '/api/oauth/token', 400, '::1', 'signIn', 'authentication'),
				 (25, '2026-11-02 00:00:00+00', NULL, 2, 'b@x.example', 'webapp', 'POST', '/api/oauth/token', 400, '::1', 'signInSecondFactor', 'authentication'),
				 (26, '2026-11-02 00:00:01+00', NULL, 2, 'b@x.example', NULL, 'POST', '/api/oauth/login/mfa', 303, '::1', 'signInSecondFactor', 'mfa'),
				 (27, '2026-11-02 00:00:02+00', NULL, 2, 'b@x.example', NULL, 'POST', '/api/oauth/login/mfa', 303, '::1', 'signInSecondFactor', 'mfa'),
				 (28, '2026-11-02 00:00:03+00', NULL, NULL, 'b@x.example', 'bad', 'POST', '/api/oauth/token', 401, '::1', 'signIn', 'authentication')`,
			)
			want := []string{
				"1=CREATED ORGANISATIONS createOrganisation", "2=RETRIEVED USERS listMembers",
				"3=CREATED ORGANISATIONS requestOrganisationRemoval", "4=DELETED ORGANISATIONS cancelOrganisationRemoval",
				"5=UPDATED PLANS updatePlan", "6=DELETED WHITELIST whitelistRuleDeleted", "7=OTHER OTHER unknown",
				"8=RETRIEVED CLASSIFICATIONS listClassifications", "9=UPDATED CLEARANCES updateClearance",
				"10=RETRIEVED ORGANISATIONS listAuditRecords", "11=UPDATED USERS updateUser", "12=DELETED AUTH disableMyMfa",
				"20=CREATED AUTH signIn succeeded", "21=CREATED AUTH signIn failed", "22=CREATED AUTH signInFirstStep",
				"23=CREATED AUTH refreshToken", "24=CREATED AUTH signIn", "25=CREATED AUTH signInSecondFactor failed",
				"26=CREATED AUTH signInSecondFactor succeeded", "27=CREATED AUTH signInSecondFactor succeeded",
				"28=CREATED AUTH signIn",
			}
			q := `SELECT id, action || ' ' || category || ' ' || operation || COALESCE(' ' || sign_in, '') FROM audit_records ORDER BY id`
			if got := pairs(t, db, q); !slices.Equal(got, want) {
				t.Errorf("records:\n%q\nwant\n%q", got, want)
			}
			q = `SELECT day, CAST(successes AS TEXT) || '/' || CAST(failures AS TEXT) || ' ' || CAST(unique_successes AS TEXT) || '/' || CAST(unique_failures AS TEXT) FROM sign_in_days ORDER BY day`
			if got, want := pairs(t, db, q), []string{"2026-11-01=1/1 1/1", "2026-11-02=2/1 1/1"}; !slices.Equal(got, want) {
				t.Errorf("days: %q, want %q", got, want)
			}
			if drift, err := s.SignInCountsDrift(context.Background()); err != nil || len(drift) > 0 {
				t.Errorf("drift after the migration: %v %v", drift, err)
			}
		})
	}
}
