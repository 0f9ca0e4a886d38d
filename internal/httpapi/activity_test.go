package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/testutil"
)

// activity reads the sign-in dashboard as the administrator.
func (e *env) activity(t *testing.T, query string) []map[string]any {
	t.Helper()
	r := e.do(t, http.MethodGet, "/api/v1/dashboard/users/activity"+query, e.admin, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("activity%s: %d %s", query, r.Status, r.Body)
	}
	var out []map[string]any
	for _, it := range r.JSON(t)["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// sums adds up the dashboard's days.
func sums(days []map[string]any) (successes, failures int) {
	for _, d := range days {
		successes += int(d["successfulLogins"].(float64))
		failures += int(d["failedLogins"].(float64))
	}
	return successes, failures
}

// checkSignInCounts fails the test if the kept daily sign-in counts differ from a count of the records.
func checkSignInCounts(t *testing.T, svc *testutil.Service) {
	t.Helper()
	if err := svc.Audit.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if drift, err := svc.Store.SignInCountsDrift(context.Background()); err != nil || len(drift) > 0 {
		t.Errorf("sign-in counts drifted: %v %v", drift, err)
	}
}

// TestSignInOutcomes: each kind of sign-in attempt is recorded as CREATED in AUTH under its operation,
// and counts on the dashboard as audit.SignIn says: password, code and second-factor successes and the
// page's success count; wrong passwords (grant and page) and a wrong code fail; a refused client, a
// refresh and a first step whose code is to come count as neither. uniqueLogin counts each user once a
// day per column (a failure for an unknown account by the address given). The kept counts equal a
// count of the records.
func TestSignInOutcomes(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // the administrator signed in: one success
	svc := e.svc
	day := time.Now().UTC().Format(time.DateOnly)
	wrong := map[string]string{"grant_type": "password", "username": alice, "password": "not the password!!"}

	full := passwordGrant(t, svc, alice).JSON(t) // success
	for range 2 {
		if r := svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret, wrong); r.Status != 400 { // failure
			t.Fatalf("wrong password: %d", r.Status)
		}
	}
	if r := svc.Client.PostForm(t, "/api/oauth/token", clientID+":wrong", map[string]string{"grant_type": "password", "username": alice, "password": testutil.Password}); r.Status != 401 {
		t.Fatalf("wrong client: %d", r.Status) // neither
	}
	if r := svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret,
		map[string]string{"grant_type": "refresh_token", "refresh_token": full["refresh_token"].(string)}); r.Status != 200 {
		t.Fatalf("refresh: %d", r.Status) // neither
	}
	key := pairOwn(t, svc, svc.Token(t, clientID, bob)) // success; then bob's MFA is required
	restrictive := firstStep(t, svc, bob)               // neither
	if r := mfaGrant(t, svc, clientID, restrictive, "000000"); r.Status != 400 {
		t.Fatalf("wrong code: %d", r.Status) // failure
	}
	if r := mfaGrant(t, svc, clientID, restrictive, totpCode(t, key, 0)); r.Status != 200 {
		t.Fatalf("second step: %d %s", r.Status, r.Body) // success
	}
	fullCodeFlow(t, e, svc.NewBrowser(t), alice) // the page's success; the code grant is no sign-in of its own
	b := svc.NewBrowser(t)
	_, challenge := pkcePair("wrong-")
	page := b.Get(t, authorizePath(codeParams(challenge)))
	if r := submit(t, b, page, "/api/oauth/login", map[string]string{"username": alice, "password": "not the password!!"}); r.Status != 401 {
		t.Fatalf("page, wrong password: %d", r.Status) // failure
	}
	if err := svc.Audit.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}

	rows, err := openSQL(t, svc).Query(`SELECT path, status, operation, action, category, COALESCE(sign_in, '-') FROM audit_records
		WHERE path IN ('/api/oauth/token', '/api/oauth/login', '/api/oauth/login/mfa') ORDER BY occurred_at, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var path, op, action, category, signIn string
		var status int
		if err := rows.Scan(&path, &status, &op, &action, &category, &signIn); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{strings.TrimPrefix(path, "/api/oauth/"), itoa(int64(status)), op, action, category, signIn}, " "))
	}
	want := []string{
		"token 200 signIn CREATED AUTH succeeded", // the administrator (newEnv)
		"token 200 signIn CREATED AUTH succeeded", // alice
		"token 400 signIn CREATED AUTH failed",
		"token 400 signIn CREATED AUTH failed",
		"token 401 signIn CREATED AUTH -", // the client failed, not the user
		"token 200 refreshToken CREATED AUTH -",
		"token 200 signIn CREATED AUTH succeeded", // bob, before his MFA
		"token 200 signInFirstStep CREATED AUTH -",
		"token 400 signInSecondFactor CREATED AUTH failed",
		"token 200 signInSecondFactor CREATED AUTH succeeded",
		"login 303 signIn CREATED AUTH succeeded", // alice on the page
		"token 200 exchangeCode CREATED AUTH -",   // the code grant: the page counted alice's sign-in
		"login 401 signIn CREATED AUTH failed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("sign-in records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	s, f := sums(e.activity(t, "?lastDays=2"))
	if s != 5 || f != 4 {
		t.Errorf("dashboard: %d successes, %d failures; want 5 and 4", s, f)
	}
	// Unique: the administrator, alice and bob succeeded; alice (by the address she gave) and bob failed.
	s, f = sums(e.activity(t, "?lastDays=2&uniqueLogin=true"))
	if time.Now().UTC().Format(time.DateOnly) == day && (s != 3 || f != 2) {
		t.Errorf("unique: %d successes, %d failures; want 3 and 2", s, f)
	}
	checkSignInCounts(t, svc)
}

// TestUserActivityDashboard: one item per UTC day of the last lastDays days, today last, days without
// sign-ins with zeros; lastDays out of 1–365 means 7, not an error; who may call it.
func TestUserActivityDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	user := e.svc.Token(t, clientID, alice)
	today := time.Now().UTC()
	for _, tc := range []struct {
		query string
		days  int
	}{
		{"", 7}, {"?lastDays=1", 1}, {"?lastDays=30", 30}, {"?lastDays=365", 365},
		{"?lastDays=0", 7}, {"?lastDays=-3", 7}, {"?lastDays=366", 7}, {"?lastDays=100000&uniqueLogin=false", 7},
	} {
		t.Run("days "+tc.query, func(t *testing.T) {
			items := e.activity(t, tc.query)
			if len(items) != tc.days {
				t.Fatalf("%d items, want %d", len(items), tc.days)
			}
			first := today.AddDate(0, 0, -(tc.days - 1))
			for i, it := range items {
				if want := first.AddDate(0, 0, i).Format(time.DateOnly); it["date"] != want {
					if time.Now().UTC().Format(time.DateOnly) != today.Format(time.DateOnly) {
						t.Skip("the day changed while the test ran")
					}
					t.Fatalf("item %d: %v, want %s", i, it["date"], want)
				}
			}
			// Sign-ins happened today only (newEnv's and alice's): every other day is zeros.
			for _, it := range items[:len(items)-1] {
				if it["successfulLogins"] != 0.0 || it["failedLogins"] != 0.0 {
					t.Fatalf("a day without sign-ins: %v", it)
				}
			}
		})
	}
	for _, tc := range []struct {
		name, token, query string
		status             int
	}{
		{"not a number", e.admin, "?lastDays=seven", 400},
		{"a fraction", e.admin, "?lastDays=1.5", 400},
		{"uniqueLogin not a boolean", e.admin, "?uniqueLogin=yes", 400},
		{"not an administrator", user, "", 403},
		{"no token", "", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.do(t, http.MethodGet, "/api/v1/dashboard/users/activity"+tc.query, tc.token, nil); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
	checkSignInCounts(t, e.svc)
}
