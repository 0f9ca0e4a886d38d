package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/report"
)

// Activity is the sign-in dashboard's store (report.ActivityStore): reads of the daily counts the audit
// trail keeps (migration 00014, Audit.AddSignIns).
type Activity struct{ scope }

// signInDaysSQL reads the days of a range, plain or unique (its two forms, by unique).
var signInDaysSQL = [2]string{
	"SELECT day, successes, failures FROM sign_in_days WHERE day >= $1 AND day <= $2",
	"SELECT day, unique_successes, unique_failures FROM sign_in_days WHERE day >= $1 AND day <= $2",
}

// SignInDays reads the days from first to last that had sign-ins, at most one row a day, in no order (the
// report places each by its date; sorting a year's rows cost PostgreSQL more than reading them).
// On PostgreSQL it goes to pgx directly, like the hot reads (hotread.go): a year is 365 rows, and
// GORM's reflective scan of them would cost more than the query.
func (x Activity) SignInDays(ctx context.Context, first, last string, unique bool) ([]report.SignInDay, error) {
	q := signInDaysSQL[0]
	if unique {
		q = signInDaysSQL[1]
	}
	out := make([]report.SignInDay, 0, 32)
	add := func(day string, successes, failures int64) error {
		d, err := parseDay(day)
		if err != nil {
			return err
		}
		out = append(out, report.SignInDay{Day: d, Successes: successes, Failures: failures})
		return nil
	}
	if x.s.pool == nil || inTx(ctx) {
		var rows []struct {
			Day                 string
			Successes, Failures int64
		}
		if err := x.s.conn(ctx).Raw(strings.NewReplacer("$1", "?", "$2", "?").Replace(q), first, last).Scan(&rows).Error; err != nil {
			return nil, wrap(err, "activity.sign_in_days", first)
		}
		for _, r := range rows {
			if err := add(r.Day, r.Successes, r.Failures); err != nil {
				return nil, wrap(err, "activity.sign_in_days", r.Day)
			}
		}
		return out, nil
	}
	x.s.statements.Add(1)
	rows, err := x.s.pool.Query(ctx, q, first, last)
	if err != nil {
		return nil, wrap(err, "activity.sign_in_days", first)
	}
	var day string
	var successes, failures int64
	_, err = pgx.ForEachRow(rows, []any{&day, &successes, &failures}, func() error { return add(day, successes, failures) })
	return out, wrap(err, "activity.sign_in_days", first)
}

// parseDay reads a day the counts key ("YYYY-MM-DD") as its midnight UTC: by hand, since a year of
// them through time.Parse cost a measurable share of the dashboard's answer.
func parseDay(s string) (time.Time, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, fmt.Errorf("not a day: %q", s)
	}
	n := 0
	for i, c := range []byte(s) {
		if i == 4 || i == 7 {
			continue
		}
		if c < '0' || c > '9' {
			return time.Time{}, fmt.Errorf("not a day: %q", s)
		}
		n = n*10 + int(c-'0')
	}
	y, m, d := n/10000, time.Month(n/100%100), n%100
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// utcDay is a record's UTC day ("YYYY-MM-DD") in SQL, as migration 00014 computes it.
func (s *Store) utcDay(col string) string {
	if s.embedded {
		return "SUBSTR(CAST(" + col + " AS TEXT), 1, 10)"
	}
	return "SUBSTR(CAST(" + col + " AT TIME ZONE 'UTC' AS TEXT), 1, 10)"
}

// SignInCountsDrift names every day whose kept sign-in counts (migration 00014) differ from a count of
// the audit records they count: none, unless a write forgot them. The tests that sign in check it at
// their end, once the trail is stored.
func (s *Store) SignInCountsDrift(ctx context.Context) ([]string, error) {
	type counts struct{ Successes, Failures, UniqueSuccesses, UniqueFailures int64 }
	day := s.utcDay("occurred_at")
	who := "COALESCE('email:' || NULLIF(user_email, ''), CAST(user_id AS TEXT))"
	var real []struct {
		Day string
		counts
	}
	err := s.conn(ctx).Raw(`SELECT ` + day + ` AS day,
		SUM(CASE WHEN sign_in = 'succeeded' THEN 1 ELSE 0 END) AS successes,
		SUM(CASE WHEN sign_in = 'failed' THEN 1 ELSE 0 END) AS failures,
		COUNT(DISTINCT CASE WHEN sign_in = 'succeeded' AND (user_id IS NOT NULL OR user_email <> '') THEN ` + who + ` END) AS unique_successes,
		COUNT(DISTINCT CASE WHEN sign_in = 'failed' AND (user_id IS NOT NULL OR user_email <> '') THEN ` + who + ` END) AS unique_failures
		FROM audit_records WHERE sign_in IS NOT NULL GROUP BY ` + day).Scan(&real).Error
	if err != nil {
		return nil, err
	}
	var kept []struct {
		Day string
		counts
	}
	if err := s.conn(ctx).Raw(`SELECT day, successes, failures, unique_successes, unique_failures FROM sign_in_days`).Scan(&kept).Error; err != nil {
		return nil, err
	}
	want := map[string]counts{}
	for _, r := range real {
		want[r.Day] = r.counts
	}
	got := map[string]counts{}
	for _, k := range kept {
		got[k.Day] = k.counts
	}
	days := map[string]bool{}
	for d := range want {
		days[d] = true
	}
	for d := range got {
		days[d] = true
	}
	var drift []string
	for _, d := range slices.Sorted(maps.Keys(days)) {
		if want[d] != got[d] {
			drift = append(drift, fmt.Sprintf("day %s: kept %+v, counted %+v", d, got[d], want[d]))
		}
	}
	return drift, nil
}
