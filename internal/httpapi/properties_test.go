package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/property"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

// The platform properties' ids, as migration 00015 leaves them.
const (
	propMinLength  = "1"
	propMaxLength  = "2"
	propMaxRetries = "3"
	propContentURL = "5"
	propWebappURL  = "6"
	propLinkHours  = "7"
	propGACode     = "8"
	propGADomain   = "9"
	propLoginOnRun = "10"
	propViewer     = "11"
)

// propsEnv is a service with a SafeShare administrator (root1) and alice, who is none, each signed in.
type propsEnv struct {
	svc         *testutil.Service
	root, alice string // access tokens
}

func newPropsEnv(t *testing.T, opts ...testutil.Option) *propsEnv {
	t.Helper()
	svc := testutil.Start(t, append([]testutil.Option{testutil.WithOptions(appOptionsWithMailbox(&testutil.Mailbox{}))}, opts...)...)
	return propsEnvOn(t, svc)
}

func propsEnvOn(t *testing.T, svc *testutil.Service) *propsEnv {
	t.Helper()
	svc.CreateUser(t, root1, true)
	svc.CreateUser(t, alice, false)
	svc.RegisterClient(t, clientID)
	return &propsEnv{svc: svc, root: svc.Token(t, clientID, root1), alice: svc.Token(t, clientID, alice)}
}

func (e *propsEnv) do(t *testing.T, method, path, token, contentType, body string) *testutil.Response {
	t.Helper()
	req := testutil.Request{Method: method, Path: path, Token: token}
	if body != "" || contentType != "" {
		req.ContentType, req.Body = contentType, []byte(body)
	}
	return e.svc.Client.Do(t, req)
}

// set changes a property through the API as the administrator, and fails the test unless it is a 200.
func (e *propsEnv) set(t *testing.T, id, valueJSON string) map[string]any {
	t.Helper()
	r := e.do(t, "PUT", "/api/v1/config/server/"+id, e.root, "application/json", `{"propertyValue":`+valueJSON+`}`)
	if r.Status != 200 {
		t.Fatalf("setting property %s to %s: %d %s", id, valueJSON, r.Status, r.Body)
	}
	return r.JSON(t)
}

// rows is the properties table as the database holds it, to show that a refused request changed nothing.
func (e *propsEnv) rows(t *testing.T) string {
	t.Helper()
	return tableDigest(t, e.svc, "properties")
}

// TestServerPropertyOperations: each answer of listServerProperties, getServerProperty and
// setServerProperty; a refused PUT changes nothing, and {} changes nothing either.
func TestServerPropertyOperations(t *testing.T) {
	t.Parallel()
	e := newPropsEnv(t)
	const one = "/api/v1/config/server/"
	huge := `{"propertyValue":"` + strings.Repeat("x", 1<<20) + `"}`
	cases := []struct {
		name                             string
		method, path, token, ctype, body string
		status                           int
		field                            string // the member a 400 names, if any
	}{
		{"list", "GET", "/api/v1/config/server", e.root, "", "", 200, ""},
		{"list, unknown sortBy", "GET", "/api/v1/config/server?sortBy=value", e.root, "", "", 400, "sortBy"},
		{"list, limit out of range", "GET", "/api/v1/config/server?limit=101", e.root, "", "", 400, "limit"},
		{"list, no token", "GET", "/api/v1/config/server", "", "", "", 401, ""},
		{"list, not an administrator", "GET", "/api/v1/config/server", e.alice, "", "", 403, ""},
		{"get", "GET", one + propMinLength, e.root, "", "", 200, ""},
		{"get, malformed id", "GET", one + "min", e.root, "", "", 400, "configId"},
		{"get, no token", "GET", one + propMinLength, "", "", "", 401, ""},
		{"get, not an administrator", "GET", one + propMinLength, e.alice, "", "", 403, ""},
		{"get, removed property", "GET", one + "4", e.root, "", "", 404, ""},
		{"get, unknown property", "GET", one + "999", e.root, "", "", 404, ""},
		{"put, empty body", "PUT", one + propMinLength, e.root, "application/json", `{}`, 200, ""},
		{"put, malformed id", "PUT", one + "min", e.root, "application/json", `{"propertyValue":16}`, 400, "configId"},
		{"put, unknown member", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":16,"x":1}`, 400, ""},
		{"put, member in another case", "PUT", one + propMinLength, e.root, "application/json", `{"PropertyValue":16}`, 400, ""},
		{"put, no body", "PUT", one + propMinLength, e.root, "application/json", "", 400, ""},
		{"put, malformed JSON", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":`, 400, ""},
		{"put, below the range", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":7}`, 400, "propertyValue"},
		{"put, above the maximum length", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":1025}`, 400, "propertyValue"},
		{"put, maximum below the minimum", "PUT", one + propMaxLength, e.root, "application/json", `{"propertyValue":11}`, 400, "propertyValue"},
		{"put, fraction", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":12.5}`, 400, "propertyValue"},
		{"put, huge number", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":1e308}`, 400, "propertyValue"},
		{"put, beyond any number", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":1e400}`, 400, ""},
		{"put, digits beyond int64", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":"99999999999999999999"}`, 400, "propertyValue"},
		{"put, array", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":[16]}`, 400, "propertyValue"},
		{"put, object", "PUT", one + propMinLength, e.root, "application/json", `{"propertyValue":{"v":16}}`, 400, "propertyValue"},
		{"put, boolean for an integer", "PUT", one + propMaxRetries, e.root, "application/json", `{"propertyValue":true}`, 400, "propertyValue"},
		{"put, null", "PUT", one + propMaxRetries, e.root, "application/json", `{"propertyValue":null}`, 400, "propertyValue"},
		{"put, retries 0", "PUT", one + propMaxRetries, e.root, "application/json", `{"propertyValue":0}`, 400, "propertyValue"},
		{"put, hours beyond a year", "PUT", one + propLinkHours, e.root, "application/json", `{"propertyValue":8761}`, 400, "propertyValue"},
		{"put, yes for a boolean", "PUT", one + propViewer, e.root, "application/json", `{"propertyValue":"yes"}`, 400, "propertyValue"},
		{"put, relative URL", "PUT", one + propContentURL, e.root, "application/json", `{"propertyValue":"content.example.com"}`, 400, "propertyValue"},
		{"put, URL of another scheme", "PUT", one + propWebappURL, e.root, "application/json", `{"propertyValue":"javascript:alert(1)"}`, 400, "propertyValue"},
		{"put, control character", "PUT", one + propGACode, e.root, "application/json", `{"propertyValue":"UA-1\n"}`, 400, "propertyValue"},
		{"put, text too long", "PUT", one + propGADomain, e.root, "application/json", `{"propertyValue":"` + strings.Repeat("d", 1025) + `"}`, 400, "propertyValue"},
		{"put, number for a string", "PUT", one + propGADomain, e.root, "application/json", `{"propertyValue":12}`, 400, "propertyValue"},
		{"put, no token", "PUT", one + propMinLength, "", "application/json", `{"propertyValue":16}`, 401, ""},
		{"put, not an administrator", "PUT", one + propMinLength, e.alice, "application/json", `{"propertyValue":16}`, 403, ""},
		{"put, not an administrator, unknown property", "PUT", one + "999", e.alice, "application/json", `{"propertyValue":16}`, 403, ""},
		{"put, unknown property", "PUT", one + "999", e.root, "application/json", `{"propertyValue":16}`, 404, ""},
		{"put, removed property", "PUT", one + "4", e.root, "application/json", `{}`, 404, ""},
		{"put, body over 1 MiB", "PUT", one + propGACode, e.root, "application/json", huge, 413, ""},
		{"put, plain text", "PUT", one + propMinLength, e.root, "text/plain", "16", 415, ""},
	}
	before := e.rows(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, tc.method, tc.path, tc.token, tc.ctype, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %.300s", r.Status, tc.status, r.Body)
			}
			if tc.status >= 400 && r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
			}
			if tc.field != "" {
				var p struct {
					Errors []struct{ Field, Message string } `json:"errors"`
				}
				if err := json.Unmarshal(r.Body, &p); err != nil || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
					t.Errorf("the problem does not name %s: %s", tc.field, r.Body)
				}
			}
		})
	}
	if after := e.rows(t); after != before {
		t.Errorf("refused requests (and {}) changed the properties:\n%s\n%s", before, after)
	}

	// The answers' content.
	list := e.do(t, "GET", "/api/v1/config/server", e.root, "", "").JSON(t)
	if list["count"] != float64(10) || len(list["items"].([]any)) != 10 {
		t.Fatalf("list: %v", list)
	}
	got := map[string]string{}
	for _, it := range list["items"].([]any) {
		m := it.(map[string]any)
		got[m["propertyName"].(string)] = fmt.Sprintf("%s %s %s %s %s", m["id"], m["valueType"], m["propertyValue"], m["grouping"], m["configGroup"])
		if m["propertyDescription"] == "" || m["modified"] == "" {
			t.Errorf("%v", m)
		}
	}
	want := map[string]string{
		property.PasswordMinLength:             "1 integer 12 security public",
		property.PasswordMaxLength:             "2 integer 1024 security public",
		property.PasswordMaxRetries:            "3 integer 5 security server",
		property.ContentServiceURL:             "5 url  services public",
		property.WebappServiceURL:              "6 url  services public",
		property.TemporaryPasswordExpiryHours:  "7 integer 72 security server",
		property.GoogleAnalyticsTrackingCode:   "8 string  analytics public",
		property.GoogleAnalyticsTrackingDomain: "9 string  analytics public",
		property.RequireLoginOnLaunch:          "10 boolean false client public",
		property.DocumentViewerEnabled:         "11 boolean true client public",
	}
	if !maps.Equal(got, want) {
		t.Errorf("list:\n%v\nwant\n%v", got, want)
	}
	if r := e.do(t, "GET", one+propMinLength, e.root, "", "").JSON(t); r["propertyName"] != property.PasswordMinLength || r["propertyValue"] != "12" {
		t.Errorf("get: %v", r)
	}
	if r := e.do(t, "PUT", one+propMinLength, e.root, "application/json", `{}`).JSON(t); r["propertyValue"] != "12" {
		t.Errorf("{}: %v", r)
	}

	// Each type takes its values, in both forms where it has two, and answers the new row.
	for _, c := range []struct{ id, value, want string }{
		{propMinLength, `16`, "16"}, {propMinLength, `"14"`, "14"}, {propMaxLength, `4096`, "4096"}, {propMaxLength, `14`, "14"},
		{propMaxRetries, `"100"`, "100"}, {propLinkHours, `1`, "1"},
		{propViewer, `false`, "false"}, {propLoginOnRun, `"true"`, "true"},
		{propContentURL, `"https://content.example.com/cs"`, "https://content.example.com/cs"}, {propContentURL, `""`, ""},
		{propGACode, `"UA-000000-1"`, "UA-000000-1"}, {propGADomain, `"` + strings.Repeat("é", 1024) + `"`, strings.Repeat("é", 1024)},
	} {
		before := time.Now().Add(-time.Second)
		r := e.set(t, c.id, c.value)
		if r["propertyValue"] != c.want || r["id"] != c.id {
			t.Errorf("%s = %s: %v", c.id, c.value, r)
		}
		if m, err := time.Parse(time.RFC3339Nano, r["modified"].(string)); err != nil || m.Before(before) {
			t.Errorf("%s: modified %v %v", c.id, r["modified"], err)
		}
		if g := e.do(t, "GET", one+c.id, e.root, "", "").JSON(t); g["propertyValue"] != c.want {
			t.Errorf("%s read back: %v", c.id, g)
		}
	}
	// The minimum may not pass the maximum (now 14), nor the maximum the minimum.
	for _, c := range []struct{ id, value string }{{propMinLength, `15`}, {propMaxLength, `13`}} {
		before := e.rows(t)
		if r := e.do(t, "PUT", one+c.id, e.root, "application/json", `{"propertyValue":`+c.value+`}`); r.Status != 400 {
			t.Errorf("%s = %s: %d %s", c.id, c.value, r.Status, r.Body)
		}
		if e.rows(t) != before {
			t.Errorf("%s = %s changed something", c.id, c.value)
		}
	}
}

// TestServerPropertyList: search (any case, in the name), sortBy, orderBy, paging.
func TestServerPropertyList(t *testing.T) {
	t.Parallel()
	e := newPropsEnv(t)
	names := func(path string) ([]string, float64) {
		t.Helper()
		r := e.do(t, "GET", path, e.root, "", "")
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		var out []string
		for _, it := range r.JSON(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["propertyName"].(string))
		}
		return out, r.JSON(t)["count"].(float64)
	}
	for path, want := range map[string][]string{
		"/api/v1/config/server?search=PASSWORD.M":                           {property.PasswordMinLength, property.PasswordMaxLength, property.PasswordMaxRetries},
		"/api/v1/config/server?search=url&sortBy=propertyName&orderBy=DESC": {property.WebappServiceURL, property.ContentServiceURL},
		"/api/v1/config/server?sortBy=propertyName&limit=2&offset=1":        {property.GoogleAnalyticsTrackingDomain, property.ContentServiceURL},
		"/api/v1/config/server?orderBy=DESC&limit=1":                        {property.DocumentViewerEnabled},
		"/api/v1/config/server?search=%25":                                  nil,
	} {
		got, _ := names(path)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
	if _, count := names("/api/v1/config/server?search=google&limit=1"); count != 2 {
		t.Errorf("count %v, want 2 (before limit)", count)
	}
}

// publicMembers are GET /api/v1/config's members: the public properties, and nothing else.
var publicMembers = []string{"content.service.url", "contentServiceURL", "document.viewer.enabled", "googleAnalyticsDomain",
	"googleAnalyticsTrackingCode", "passwordMaxLength", "passwordMinLength", "require.login.on.launch", "webappServiceURL"}

// TestPublicConfig: GET /api/v1/config (no token) has exactly the public members, with the defaults, then
// every public property's new value at once on the instance that set it; a server property's value
// never shows.
func TestPublicConfig(t *testing.T) {
	t.Parallel()
	e := newPropsEnv(t)
	config := func() map[string]any {
		t.Helper()
		r := e.svc.Client.Get(t, "/api/v1/config", "")
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		b := r.JSON(t)
		if got := slices.Sorted(maps.Keys(b)); !slices.Equal(got, publicMembers) {
			t.Fatalf("members %v, want %v", got, publicMembers)
		}
		return b
	}
	want := map[string]any{"content.service.url": "", "contentServiceURL": "", "document.viewer.enabled": true,
		"googleAnalyticsDomain": "", "googleAnalyticsTrackingCode": "", "passwordMaxLength": float64(1024),
		"passwordMinLength": float64(12), "require.login.on.launch": false, "webappServiceURL": ""}
	if got := config(); !maps.Equal(got, want) {
		t.Errorf("defaults: %v", got)
	}
	e.set(t, propMinLength, `13`)
	e.set(t, propMaxLength, `"2000"`)
	e.set(t, propContentURL, `"https://content.example.com"`)
	e.set(t, propWebappURL, `"https://safeshare.example.com"`)
	e.set(t, propGACode, `"UA-000000-1"`)
	e.set(t, propGADomain, `"example.com"`)
	e.set(t, propLoginOnRun, `true`)
	e.set(t, propViewer, `"false"`)
	e.set(t, propMaxRetries, `97`)  // server only
	e.set(t, propLinkHours, `8759`) // server only
	want = map[string]any{"content.service.url": "https://content.example.com", "contentServiceURL": "https://content.example.com",
		"document.viewer.enabled": false, "googleAnalyticsDomain": "example.com", "googleAnalyticsTrackingCode": "UA-000000-1",
		"passwordMaxLength": float64(2000), "passwordMinLength": float64(13), "require.login.on.launch": true,
		"webappServiceURL": "https://safeshare.example.com"}
	got := config()
	if !maps.Equal(got, want) {
		t.Errorf("after the changes: %v", got)
	}
	raw := e.svc.Client.Get(t, "/api/v1/config", "").Body
	if strings.Contains(string(raw), "97") || strings.Contains(string(raw), "8759") {
		t.Errorf("a server property shows: %s", raw)
	}
	// Every property the list calls public is in the answer, and every other one is not.
	for _, it := range e.do(t, "GET", "/api/v1/config/server", e.root, "", "").JSON(t)["items"].([]any) {
		m := it.(map[string]any)
		shown := false
		for _, v := range got {
			shown = shown || fmt.Sprint(v) == m["propertyValue"]
		}
		if shown != (m["configGroup"] == "public") {
			t.Errorf("%s (%s, %q): shown %v", m["propertyName"], m["configGroup"], m["propertyValue"], shown)
		}
	}
	// The directory shows the two URLs too.
	dir := e.svc.Client.Get(t, "/api/v1", e.alice).JSON(t)
	if dir["contentServiceURL"] != "https://content.example.com" || dir["webappServiceURL"] != "https://safeshare.example.com" {
		t.Errorf("directory: %v %v", dir["contentServiceURL"], dir["webappServiceURL"])
	}
}

// TestPasswordLengthsTakeEffect: a longer password.min.length refuses a password that passed before,
// and a shorter password.max.length one that was long enough; each way a password is set follows.
func TestPasswordLengthsTakeEffect(t *testing.T) {
	t.Parallel()
	e := newPropsEnv(t)
	ctx := context.Background()
	fifteen := "fifteen letters"
	if err := e.svc.Users.SetPassword(ctx, alice, fifteen); err != nil {
		t.Fatalf("a 15-character password before: %v", err)
	}
	e.set(t, propMinLength, `16`)
	err := e.svc.Users.SetPassword(ctx, alice, fifteen)
	if err == nil || !strings.Contains(err.Error(), "16 to 1024") {
		t.Fatalf("a 15-character password after the minimum became 16: %v", err)
	}
	if _, err := e.svc.Users.Create(ctx, userWithPassword("new@xy-company.com", fifteen)); err == nil {
		t.Fatal("a new account with a 15-character password")
	}
	if err := e.svc.Users.SetPassword(ctx, alice, "sixteen letters!"); err != nil {
		t.Fatal(err)
	}
	e.set(t, propMaxLength, `20`)
	if err := e.svc.Users.SetPassword(ctx, alice, strings.Repeat("x", 21)); err == nil {
		t.Fatal("a 21-character password after the maximum became 20")
	}
	// The public configuration tells sign-up forms.
	if c := e.svc.Client.Get(t, "/api/v1/config", "").JSON(t); c["passwordMinLength"] != float64(16) || c["passwordMaxLength"] != float64(20) {
		t.Errorf("config: %v", c)
	}
}

// TestRetryLimitTakesEffect: a lower password.max.retries locks an address out of an account sooner: two
// wrong passwords then lock it, where they did not before.
func TestRetryLimitTakesEffect(t *testing.T) {
	t.Parallel()
	e := newPropsEnv(t)
	wrong := func(email string) {
		t.Helper()
		r := e.svc.Client.PostForm(t, "/api/oauth/token", clientID+":"+testutil.ClientSecret,
			map[string]string{"grant_type": "password", "username": email, "password": "not the password at all"})
		if r.Status != 400 {
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
	}
	e.svc.CreateUser(t, bob, false)
	wrong(bob)
	wrong(bob)
	if r := passwordGrant(t, e.svc, bob); r.Status != 200 {
		t.Fatalf("two failures locked the account with the limit at 5: %d %s", r.Status, r.Body)
	}
	e.set(t, propMaxRetries, `2`)
	wrong(alice)
	if r := passwordGrant(t, e.svc, alice); r.Status != 200 {
		t.Fatalf("one failure locked the account with the limit at 2: %d %s", r.Status, r.Body)
	}
	wrong(alice)
	wrong(alice)
	if r := passwordGrant(t, e.svc, alice); r.Status != 400 {
		t.Fatalf("two failures in a row did not lock the account with the limit at 2: %d %s", r.Status, r.Body)
	}
}

// TestLinkExpiryTakesEffect: temporary.password.expiry.hours is how long an emailed MFA set-up link
// lasts (72 hours by default), and its email says so.
func TestLinkExpiryTakesEffect(t *testing.T) {
	t.Parallel()
	mb := &testutil.Mailbox{}
	e := propsEnvOn(t, testutil.Start(t, testutil.WithOptions(appOptionsWithMailbox(mb))))
	root2ID := itoa(e.svc.CreateUser(t, root2, true).ID)
	validity := func() time.Duration {
		t.Helper()
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, e.svc.Config.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var d time.Duration
		if err := conn.QueryRow(ctx, `SELECT expires_at - created_at FROM mfa_setup_links ORDER BY created_at DESC LIMIT 1`).Scan(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	lastEmail := func() string {
		t.Helper()
		msgs := mb.Messages()
		if len(msgs) == 0 || msgs[len(msgs)-1].To != root2 {
			t.Fatalf("no email to %s: %v", root2, msgs)
		}
		return msgs[len(msgs)-1].Body
	}
	r := e.do(t, "PUT", usersPath(root2ID), e.root, "application/json", `{"mfaEnabled":true}`)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if d := validity(); d != 72*time.Hour || !strings.Contains(lastEmail(), "within 72 hours") {
		t.Errorf("by default: %v, %q", d, lastEmail())
	}
	e.set(t, propLinkHours, `1`)
	if r := e.do(t, "PUT", usersPath(root2ID), e.root, "application/json", `{"generateNewAuthenticatorKey":true}`); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if d := validity(); d != time.Hour || !strings.Contains(lastEmail(), "within 1 hour ") {
		t.Errorf("at 1 hour: %v, %q", d, lastEmail())
	}
}

// TestPropertyChangeSeenByAnotherInstance: two instances on one database; a change made through one is
// seen by it at once and by the other within property.CacheFor, without a restart.
func TestPropertyChangeSeenByAnotherInstance(t *testing.T) {
	t.Parallel()
	a := newPropsEnv(t)
	b := testutil.Start(t, testutil.WithDatabase(a.svc.Config.DatabaseURL), testutil.WithEnv("ACCESS_ISSUER", a.svc.Config.Issuer))
	minLength := func(svc *testutil.Service) any {
		return svc.Client.Get(t, "/api/v1/config", "").JSON(t)["passwordMinLength"]
	}
	// Both hold the values in memory now.
	if minLength(a.svc) != float64(12) || minLength(b) != float64(12) {
		t.Fatal("the defaults")
	}
	a.set(t, propMinLength, `20`)
	if got := minLength(a.svc); got != float64(20) {
		t.Fatalf("the instance that answered the PUT: %v", got)
	}
	// B reads the store again once its values are CacheFor old: poll (generously bounded), never sleep
	// a fixed time.
	deadline := time.Now().Add(10 * property.CacheFor)
	for minLength(b) != float64(20) {
		if time.Now().After(deadline) {
			t.Fatalf("the other instance does not see the change after %v", 10*property.CacheFor)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// And acts on it: the password policy of every password set through it.
	if err := b.Users.SetPassword(context.Background(), alice, "nineteen characters"); err == nil {
		t.Error("the other instance took a password below the new minimum")
	}
}

// TestServiceURLsFromTheEnvironment: ACCESS_CONTENT_SERVICE_URL and ACCESS_WEBAPP_URL set the two
// properties at every start that names them (over a value set through the API since); a start without
// them keeps the properties as they are.
func TestServiceURLsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	db := testutil.NewPostgres(t)
	start := func(env ...string) *testutil.Service {
		opts := []testutil.Option{testutil.WithDatabase(db)}
		for i := 0; i < len(env); i += 2 {
			opts = append(opts, testutil.WithEnv(env[i], env[i+1]))
		}
		return testutil.Start(t, opts...)
	}
	urls := func(svc *testutil.Service, token string) string {
		c := svc.Client.Get(t, "/api/v1/config", "").JSON(t)
		d := svc.Client.Get(t, "/api/v1", token).JSON(t)
		return fmt.Sprintf("%v %v %v | %v %v", c["content.service.url"], c["contentServiceURL"], c["webappServiceURL"],
			d["contentServiceURL"], d["webappServiceURL"])
	}
	first := start("ACCESS_CONTENT_SERVICE_URL", "https://content.example.com", "ACCESS_WEBAPP_URL", "https://safeshare.example.com/app")
	e := propsEnvOn(t, first)
	want := "https://content.example.com https://content.example.com https://safeshare.example.com/app | https://content.example.com https://safeshare.example.com/app"
	if got := urls(first, e.alice); got != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
	e.set(t, propContentURL, `"https://elsewhere.example.com"`)
	// A start without the variables keeps what the API set.
	plain := start()
	if got := urls(plain, e.alice); !strings.HasPrefix(got, "https://elsewhere.example.com") {
		t.Errorf("a start without the variables: %s", got)
	}
	// A start with them sets them again.
	again := start("ACCESS_CONTENT_SERVICE_URL", "https://content2.example.com")
	if got := urls(again, e.alice); !strings.HasPrefix(got, "https://content2.example.com https://content2.example.com https://safeshare.example.com/app") {
		t.Errorf("a start with the variable: %s", got)
	}
}

// TestServiceURLFromTheEnvironmentRefused: a variable that is not an absolute http(s) URL stops the
// start, naming it (the configuration's check; the binary prints it as one line).
func TestServiceURLFromTheEnvironmentRefused(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"ACCESS_CONTENT_SERVICE_URL", "ACCESS_WEBAPP_URL"} {
		_, err := configFromEnv(map[string]string{v: "www.example.com"})
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("%s: %v", v, err)
		}
	}
}

func appOptionsWithMailbox(mb *testutil.Mailbox) app.Options { return app.Options{Mailer: mb} }

func userWithPassword(email, password string) user.NewUser {
	return user.NewUser{Email: email, Password: password}
}

func configFromEnv(env map[string]string) (config.Config, error) {
	return config.FromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
}

// TestPropertiesOnEmbeddedStore: the properties on SQLite, where the SQL could differ (the lock, LIKE
// with ESCAPE, OFFSET without LIMIT), and a set-up link made inside a transaction reads the link's
// hours through it (the embedded store has one connection).
func TestPropertiesOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	mb := &testutil.Mailbox{}
	e := propsEnvOn(t, testutil.Start(t, testutil.WithDatabase(testutil.NewSQLite(t)), testutil.WithOptions(appOptionsWithMailbox(mb))))
	list := func() string {
		return string(e.do(t, "GET", "/api/v1/config/server", e.root, "", "").Body)
	}
	before := list()
	for _, body := range []string{`{"propertyValue":1025}`, `{"propertyValue":"x"}`, `{}`} {
		if r := e.do(t, "PUT", "/api/v1/config/server/"+propMinLength, e.root, "application/json", body); r.Status != 400 && body != `{}` {
			t.Errorf("%s: %d %s", body, r.Status, r.Body)
		}
	}
	if list() != before {
		t.Error("refused requests changed the properties")
	}
	e.set(t, propMinLength, `"20"`)
	e.set(t, propLinkHours, `2`)
	if c := e.svc.Client.Get(t, "/api/v1/config", "").JSON(t); c["passwordMinLength"] != float64(20) {
		t.Errorf("config: %v", c)
	}
	r := e.do(t, "GET", "/api/v1/config/server?search="+q("_")+"&offset=1", e.root, "", "").JSON(t)
	if r["count"] != float64(0) {
		t.Errorf("_ must match literally: %v", r)
	}
	r = e.do(t, "GET", "/api/v1/config/server?search=URL&offset=1", e.root, "", "").JSON(t)
	if r["count"] != float64(2) || len(r["items"].([]any)) != 1 || r["items"].([]any)[0].(map[string]any)["propertyName"] != property.WebappServiceURL {
		t.Errorf("offset without limit: %v", r)
	}
	id := itoa(e.svc.CreateUser(t, root2, true).ID)
	e.svc.Properties.Forget() // the link's hours are read inside the transaction that makes it
	if r := e.do(t, "PUT", usersPath(id), e.root, "application/json", `{"mfaEnabled":true}`); r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if msgs := mb.Messages(); len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].Body, "within 2 hours") {
		t.Errorf("the set-up link's email: %v", msgs)
	}
}
