package report

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

type fakeDays struct {
	first, last string
	unique      bool
	days        []SignInDay
}

func (f *fakeDays) SignInDays(_ context.Context, first, last string, unique bool) ([]SignInDay, error) {
	f.first, f.last, f.unique = first, last, unique
	return f.days, nil
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestSignInsPerDay: the last lastDays UTC days, today included, oldest first, days without sign-ins
// with zeros; lastDays out of 1–365 (or absent) means 7.
func TestSignInsPerDay(t *testing.T) {
	// The store gives days in any order.
	f := &fakeDays{days: []SignInDay{{Day: day("2026-11-30"), Successes: 2}, {Day: day("2026-11-25"), Successes: 3, Failures: 1}}}
	a := NewActivity(f)
	a.now = func() time.Time { return time.Date(2026, 11, 30, 23, 59, 0, 0, time.FixedZone("CET", 3600)) } // 22:59 UTC
	n := func(v int) *int { return &v }
	const week = "24:0/0 25:3/1 26:0/0 27:0/0 28:0/0 29:0/0 30:2/0"
	for _, tc := range []struct {
		lastDays *int
		want     string
	}{
		{nil, week},
		{n(0), week},
		{n(366), week},
		{n(-1), week},
		{n(1), "30:2/0"},
		{n(2), "29:0/0 30:2/0"},
	} {
		days, err := a.SignIns(context.Background(), tc.lastDays, true)
		if err != nil {
			t.Fatal(err)
		}
		// Days of November as "DD:successes/failures".
		var out []string
		for _, d := range days {
			out = append(out, fmt.Sprintf("%02d:%d/%d", d.Day.Day(), d.Successes, d.Failures))
		}
		got := strings.Join(out, " ")
		if got != tc.want {
			t.Errorf("lastDays %v: %s, want %s", tc.lastDays, got, tc.want)
		}
		if !f.unique || f.last != "2026-11-30" {
			t.Errorf("asked the store for %s–%s unique %v", f.first, f.last, f.unique)
		}
	}
	if _, err := a.SignIns(context.Background(), n(365), false); err != nil || f.first != "2025-12-01" || f.unique {
		t.Errorf("a year: %s–%s unique %v (%v)", f.first, f.last, f.unique, err)
	}
}
