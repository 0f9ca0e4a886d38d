package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/store"
)

// seedActivity writes sign-in audit records straight into the database, in bulk (no API writes a year of
// sign-ins in a bench's minutes): -records of them over the last -days UTC days (today included), by
// -users accounts, one in -fail-every a failure, the rest successes, as the token endpoint records them.
// The daily counts (migration 00014) are then built from those records with the migration's own
// backfill, as the service would have kept them, and checked against a count of the records
// (store.SignInCountsDrift). It prints what it did as JSON.
func seedActivity(args []string) {
	fs := flag.NewFlagSet("seed-activity", flag.ExitOnError)
	db := fs.String("db", "", "the PostgreSQL URL of the service's (migrated) database")
	records := fs.Int("records", 1_000_000, "sign-in records")
	days := fs.Int("days", 365, "days they are spread over, today included")
	users := fs.Int("users", 5000, "accounts signing in")
	failEvery := fs.Int("fail-every", 10, "one record in this many is a failure")
	_ = fs.Parse(args)
	u, err := url.Parse(*db)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		log.Fatalf("seed-activity: -db must be a loopback PostgreSQL URL: %q", *db)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, *db)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	start := time.Now()
	// Each record g: a day g % days back from today, a second of it from g; the user g % users; ids
	// far above the service's own (its generator's ids start from the present's milliseconds).
	stmts := []string{
		fmt.Sprintf(`INSERT INTO audit_records (id, occurred_at, organisation_id, user_id, user_email, client_id, method, path,
			status, remote_address, action, category, operation, sign_in)
		SELECT 9000000000000000000 + g,
			date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => g %% %[1]d) + make_interval(secs => CAST((CAST(g AS BIGINT) * 7919) %% 86400 AS DOUBLE PRECISION)),
			NULL, 8100000000000 + g %% %[2]d, 'activity-' || (g %% %[2]d) || '@bench.example', 'bench-client', 'POST', '/api/oauth/token',
			CASE WHEN g %% %[3]d = 0 THEN 400 ELSE 200 END, '127.0.0.1', 'CREATED', 'AUTH', 'signIn',
			CASE WHEN g %% %[3]d = 0 THEN 'failed' ELSE 'succeeded' END
		FROM generate_series(1, %[4]d) g`, *days, *users, *failEvery, *records),
		// The daily counts from the records, as migration 00014's backfill builds them (with the sign-ins
		// the service itself recorded before the seeding: the rebuild starts from nothing).
		`DELETE FROM sign_in_user_days`,
		`DELETE FROM sign_in_days`,
		`INSERT INTO sign_in_user_days (day, who, failed)
		SELECT DISTINCT SUBSTR(CAST(occurred_at AT TIME ZONE 'UTC' AS TEXT), 1, 10),
			COALESCE('email:' || NULLIF(user_email, ''), CAST(user_id AS TEXT)), sign_in = 'failed'
		FROM audit_records
		WHERE sign_in IS NOT NULL AND (user_id IS NOT NULL OR (user_email IS NOT NULL AND user_email <> ''))`,
		`INSERT INTO sign_in_days (day, successes, failures)
		SELECT SUBSTR(CAST(occurred_at AT TIME ZONE 'UTC' AS TEXT), 1, 10),
			SUM(CASE WHEN sign_in = 'succeeded' THEN 1 ELSE 0 END), SUM(CASE WHEN sign_in = 'failed' THEN 1 ELSE 0 END)
		FROM audit_records WHERE sign_in IS NOT NULL
		GROUP BY SUBSTR(CAST(occurred_at AT TIME ZONE 'UTC' AS TEXT), 1, 10)`,
		`UPDATE sign_in_days SET
			unique_successes = (SELECT COUNT(*) FROM sign_in_user_days u WHERE u.day = sign_in_days.day AND NOT u.failed),
			unique_failures = (SELECT COUNT(*) FROM sign_in_user_days u WHERE u.day = sign_in_days.day AND u.failed)`,
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// The audit trail's writer would add its own sign-ins to the counts meanwhile: hold it off until
	// the rebuilt counts are committed.
	if _, err := tx.Exec(ctx, `LOCK TABLE sign_in_days IN EXCLUSIVE MODE`); err != nil {
		log.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			log.Fatalf("%v: %s", err, s)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		log.Fatal(err)
	}
	seeded := time.Since(start)
	st, err := store.Open(ctx, *db)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	drift, err := st.SignInCountsDrift(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if len(drift) > 0 {
		log.Fatalf("seed-activity: the daily counts differ from the records: %v", drift)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{"records": *records, "days": *days, "users": *users,
		"seconds": seeded.Seconds(), "checked_seconds": time.Since(start).Seconds() - seeded.Seconds()})
}
