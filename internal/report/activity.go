package report

import (
	"context"
	"time"
)

// The sign-in dashboard's days: 1 to MaxActivityDays, including today; any other number means
// DefaultActivityDays (documented: not an error).
const (
	DefaultActivityDays = 7
	MaxActivityDays     = 365
)

// SignInDay is one UTC day's sign-ins (audit.SignIn says which records count): attempts, or with
// unique users counted once a day in each column.
type SignInDay struct {
	Day                 time.Time // midnight UTC
	Successes, Failures int64
}

// ActivityStore reads the daily sign-in counts.
type ActivityStore interface {
	// SignInDays are the days from first to last (inclusive, "YYYY-MM-DD") that had sign-ins, in any
	// order, with their counts (unique: users once a day per column); days without any are left out.
	SignInDays(ctx context.Context, first, last string, unique bool) ([]SignInDay, error)
}

// Activity answers the sign-in dashboard from the daily counts the audit trail keeps: one statement
// over at most MaxActivityDays rows, however many sign-ins there were.
type Activity struct {
	store ActivityStore
	now   func() time.Time
}

// NewActivity returns the sign-in dashboard over the store.
func NewActivity(s ActivityStore) *Activity {
	return &Activity{store: s, now: time.Now}
}

// ActivityDays is the number of days a request for lastDays covers (nil: the default).
func ActivityDays(lastDays *int) int {
	if lastDays == nil || *lastDays < 1 || *lastDays > MaxActivityDays {
		return DefaultActivityDays
	}
	return *lastDays
}

// SignIns are the sign-ins of the last lastDays UTC days (ActivityDays), today included, oldest first,
// one item per day: a day without sign-ins is there with zeros.
func (a *Activity) SignIns(ctx context.Context, lastDays *int, unique bool) ([]SignInDay, error) {
	n := ActivityDays(lastDays)
	now := a.now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	first := today.AddDate(0, 0, -(n - 1))
	got, err := a.store.SignInDays(ctx, first.Format(time.DateOnly), today.Format(time.DateOnly), unique)
	if err != nil {
		return nil, err
	}
	// UTC has no daylight saving: each day is 24 hours after the one before, so days are placed by
	// arithmetic rather than by formatting and looking up 365 dates (bench/README.md, issue 19).
	out := make([]SignInDay, n)
	for i := range out {
		out[i].Day = first.Add(time.Duration(i) * oneDay)
	}
	for _, g := range got {
		if i := int(g.Day.Sub(first) / oneDay); i >= 0 && i < n {
			out[i].Successes, out[i].Failures = g.Successes, g.Failures
		}
	}
	return out, nil
}

const oneDay = 24 * time.Hour
