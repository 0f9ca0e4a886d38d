package httpapi_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cocoondata/access-service/internal/testutil"
)

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	org := "/api/v1/organisations/" + w.org
	// A few requests in the organisation's scope, successful and not, and some that are not in it.
	w.mustDo(t, 200, "PUT", org, orgAdmin, `{"description":"audited"}`)
	w.mustDo(t, 403, "PUT", org, collab, `{"description":"nope"}`)
	w.mustDo(t, 400, "PUT", org, orgAdmin, `{"description":5}`) // authenticated, then refused by validation
	w.mustDo(t, 401, "GET", org, "", "")
	w.mustDo(t, 200, "GET", "/api/v1/users/me", orgAdmin, "")
	w.mustDo(t, 404, "GET", org+"/nothing-here", orgAdmin, "")

	recs := w.mustDo(t, 200, "GET", org+"/audit?orderBy=DESC", orgAdmin, "").JSON(t)
	items := recs["items"].([]any)
	newest := items[0].(map[string]any)
	if newest["path"] != org+"/nothing-here" || newest["status"] != float64(404) || newest["operation"] != "unknown" ||
		newest["category"] != "OTHER" || newest["action"] != "RETRIEVED" {
		t.Fatalf("newest first: %v", newest)
	}
	var seen []string
	for _, it := range items {
		m := it.(map[string]any)
		if m["organisationId"] != w.org {
			t.Fatalf("record of another scope: %v", m)
		}
		seen = append(seen, strings.Join([]string{m["method"].(string), m["action"].(string), m["category"].(string), m["operation"].(string),
			str(m["userEmail"]), jsonNum(m["status"])}, " "))
	}
	for _, want := range []string{
		"POST CREATED ORGANISATIONS createOrganisation " + root1 + " 200",
		"PUT UPDATED ORGANISATIONS updateOrganisation " + orgAdmin + " 200",
		"PUT UPDATED ORGANISATIONS updateOrganisation " + collab + " 403",
		"PUT UPDATED ORGANISATIONS updateOrganisation " + orgAdmin + " 400",
		"GET RETRIEVED ORGANISATIONS getOrganisation  401",
		"POST CREATED USERS addMember " + orgAdmin + " 200",
		"POST CREATED PLANS createPlan " + orgAdmin + " 200",
	} {
		if !contains(seen, want) {
			t.Errorf("no record %q in %v", want, seen)
		}
	}
	for _, it := range items {
		m := it.(map[string]any)
		if m["operation"] == "updateOrganisation" && m["status"] == float64(200) &&
			(m["clientId"] != clientID || m["remoteAddress"] != "127.0.0.1" || m["userId"] != w.id[orgAdmin]) {
			t.Errorf("record lacks who and where: %v", m)
		}
	}
	t.Run("the trail starts with the creation, oldest first by default", func(t *testing.T) {
		// createOrganisation answers 200 (contract §6): the trail still starts with it.
		oldest := w.mustDo(t, 200, "GET", org+"/audit?limit=1", orgAdmin, "").JSON(t)["items"].([]any)[0].(map[string]any)
		if oldest["operation"] != "createOrganisation" || oldest["action"] != "CREATED" || oldest["category"] != "ORGANISATIONS" ||
			oldest["userEmail"] != root1 || oldest["status"] != float64(200) || oldest["path"] != "/api/v1/organisations" {
			t.Fatalf("%v", oldest)
		}
	})
	t.Run("a refused creation starts no trail", func(t *testing.T) {
		before := w.mustDo(t, 200, "GET", org+"/audit?limit=1", orgAdmin, "").JSON(t)["count"].(float64)
		w.mustDo(t, 409, "POST", "/api/v1/organisations", root1, `{"name":"XY Company","quota":1,"adminEmail":"`+orgAdmin+`","contactEmail":"c@xy.example"}`)
		if err := w.svc.Audit.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := openSQL(t, w.svc).QueryRow(`SELECT count(*) FROM audit_records WHERE operation = 'createOrganisation' AND status <> 200`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d records of refused creations (%v)", n, err)
		}
		// Only the listing above joined this trail.
		if after := w.mustDo(t, 200, "GET", org+"/audit?limit=1", orgAdmin, "").JSON(t)["count"].(float64); after != before+1 {
			t.Fatalf("%v records, then %v", before, after)
		}
	})
	t.Run("pages", func(t *testing.T) {
		// Each page request is itself recorded, last: paging oldest first (the default) is what is stable.
		asc := w.list(t, org+"/audit", orgAdmin, 0)
		paged := w.list(t, org+"/audit?orderBy=ASC&sortBy=timestamp", orgAdmin, 3)
		if strings.Join(paged[:len(asc)], ",") != strings.Join(asc, ",") || len(asc) < 8 {
			t.Fatalf("%v\n%v", paged, asc)
		}
	})
	for _, tc := range []struct {
		name, who, org, query string
		status                int
	}{
		{"Collaborator", collab, w.org, "", 403},
		{"SafeShare administrator who is not its administrator", root1, w.org, "", 403},
		{"outsider, unknown organisation", outsider, "4242", "", 403},
		{"bad sortBy", orgAdmin, w.org, "?sortBy=status", 400},
		{"bad limit", orgAdmin, w.org, "?limit=500", 400},
		{"no token", "", w.org, "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := w.do(t, "GET", "/api/v1/organisations/"+tc.org+"/audit"+tc.query, tc.who, ""); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
}

func TestSignInsAreAudited(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	db := openSQL(t, w.svc)
	w.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": "Collab@XY-company.com", "password": "wrong password!!"})
	w.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": collab, "password": testutil.Password})
	w.svc.Client.PostForm(t, "/api/oauth/token", "webapp:wrong", map[string]string{"grant_type": "password", "username": collab, "password": testutil.Password})
	if err := w.svc.Audit.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT status, COALESCE(user_email, ''), COALESCE(CAST(user_id AS TEXT), ''), COALESCE(client_id, ''),
		operation || ' ' || action || ' ' || category, COALESCE(sign_in, '-')
		FROM audit_records WHERE path = '/api/oauth/token' ORDER BY occurred_at DESC, id DESC LIMIT 3`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var status int
		var email, userID, client, what, signIn string
		if err := rows.Scan(&status, &email, &userID, &client, &what, &signIn); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{itoa(int64(status)), email, userID, client, what, signIn}, " "))
	}
	want := []string{
		"401 " + collab + "  webapp signIn CREATED AUTH -",
		"200 " + collab + " " + w.id[collab] + " webapp signIn CREATED AUTH succeeded",
		"400 " + collab + "  webapp signIn CREATED AUTH failed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkSignInCounts(t, w.svc)
}

func TestAuditExport(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	org := "/api/v1/organisations/" + w.org
	w.mustDo(t, 200, "PUT", org, orgAdmin, `{"userMessage":"=HYPERLINK(\"http://evil\")"}`)
	w.mustDo(t, 200, "GET", org, collab, "")
	post := func(who, contentType, body string) *testutil.Response {
		return w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: org + "/audit/exportReport", Token: w.tok[who], ContentType: contentType, Body: []byte(body)})
	}
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	today := time.Now().UTC().Format("02/01/2006")
	yesterday := time.Now().UTC().Add(-24 * time.Hour).Format("02/01/2006")
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format("02/01/2006")

	// records reads the whole trail through the list (the listing's own record comes after its answer).
	records := func() []map[string]any {
		var out []map[string]any
		for _, it := range w.mustDo(t, 200, "GET", org+"/audit", orgAdmin, "").JSON(t)["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	exportJSON := func(body string) []map[string]any {
		t.Helper()
		r := post(orgAdmin, "application/x-www-form-urlencoded", body+"&exportFormat=json")
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: %d %s", body, r.Status, r.Body)
		}
		var recs []map[string]any
		if err := json.Unmarshal(r.Body, &recs); err != nil {
			t.Fatalf("%s: %v: %s", body, err, r.Body)
		}
		return recs
	}
	idsOf := func(recs []map[string]any, keep func(map[string]any) bool) string {
		var out []string
		for _, r := range recs {
			if keep(r) {
				out = append(out, r["id"].(string))
			}
		}
		return strings.Join(out, ",")
	}

	t.Run("CSV, oldest first, every record, the operation last", func(t *testing.T) {
		r := post(orgAdmin, "application/x-www-form-urlencoded", "")
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%d %v %s", r.Status, r.Header, r.Body)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// The spec's example header.
		if got := strings.Join(rows[0], ","); got != "id,timestamp,userId,userEmail,clientId,method,path,status,remoteAddress,action,category,operation" {
			t.Fatalf("header %s", got)
		}
		n := w.mustDo(t, 200, "GET", org+"/audit?limit=1", orgAdmin, "").JSON(t)["count"].(float64)
		// The export is recorded after it is written; the GET just above came after it.
		if len(rows)-1 != int(n)-1 || strings.Join(rows[1][9:], " ") != "CREATED ORGANISATIONS createOrganisation" ||
			strings.Join(rows[2][9:], " ") != "CREATED PLANS createPlan" || strings.Join(rows[3][9:], " ") != "CREATED USERS addMember" {
			t.Fatalf("%d rows, %v records: %v", len(rows)-1, n, rows[:4])
		}
	})
	t.Run("action=CREATED is exactly the POSTs", func(t *testing.T) {
		want := idsOf(records(), func(r map[string]any) bool { return r["method"] == "POST" })
		got := exportJSON("action=CREATED")
		if idsOf(got, func(map[string]any) bool { return true }) != want || want == "" {
			t.Fatalf("exported %v\nwant ids %s", got, want)
		}
		for _, r := range got {
			if r["action"] != "CREATED" || r["method"] != "POST" {
				t.Fatalf("%v", r)
			}
		}
	})
	t.Run("category=USERS is exactly the members' records", func(t *testing.T) {
		want := idsOf(records(), func(r map[string]any) bool { return r["category"] == "USERS" })
		if got := idsOf(exportJSON("category=USERS"), func(r map[string]any) bool { return r["category"] == "USERS" && r["operation"] == "addMember" }); got != want || want == "" {
			t.Fatalf("exported %s, want %s", got, want)
		}
	})
	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			name, body string
			want       int
		}{
			{"action and category", form("action", "UPDATED", "category", "ORGANISATIONS"), 1},
			{"action, category and client", form("action", "RETRIEVED", "category", "ORGANISATIONS", "clientId", clientID), -1},
			{"other client", form("clientId", "other"), 0},
			{"today", form("startTime", today, "endTime", today, "action", "UPDATED"), 1},
			{"from tomorrow", form("startTime", tomorrow), 0},
			{"until yesterday", form("endTime", yesterday), 0},
			{"nothing is about the contacts", form("category", "CONTACTS"), 0},
		} {
			recs := exportJSON(tc.body)
			if tc.want >= 0 && len(recs) != tc.want {
				t.Errorf("%s: %d records, want %d", tc.name, len(recs), tc.want)
			}
			if tc.want < 0 && (len(recs) == 0 || idsOf(recs, func(r map[string]any) bool { return r["method"] != "GET" || r["clientId"] != clientID }) != "") {
				t.Errorf("%s: %v", tc.name, recs)
			}
		}
	})
	t.Run("a value records do not carry is a 400, and nothing is exported", func(t *testing.T) {
		for _, body := range []string{form("action", "token"), form("action", "updateOrganisation"), form("category", "organisation"),
			form("category", "unknown"), form("action", "created")} {
			r := post(orgAdmin, "application/x-www-form-urlencoded", body)
			if r.Status != 400 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") || strings.Contains(string(r.Body), "timestamp") {
				t.Errorf("%s: %d %s %s", body, r.Status, r.Header.Get("Content-Type"), r.Body)
			}
		}
	})
	t.Run("no formula reaches a spreadsheet", func(t *testing.T) {
		w.mustDo(t, 404, "GET", org+"/=cmd", orgAdmin, "")
		// A path that is no operation is recorded under the category OTHER and the operation unknown,
		// never as the path names it (issue 16, 4); every text column is escaped
		// (TestAnonymousCannotAbuseATrail).
		r := post(orgAdmin, "application/x-www-form-urlencoded", form("category", "OTHER"))
		rows, _ := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if len(rows) != 2 || strings.Join(rows[1][9:], " ") != "RETRIEVED OTHER unknown" || !strings.HasSuffix(rows[1][6], "/=cmd") {
			t.Fatalf("%v", rows)
		}
	})
	for _, tc := range []struct {
		name, who, contentType, body string
		status                       int
	}{
		{"impossible date", orgAdmin, "application/x-www-form-urlencoded", form("startTime", "31/02/2026"), 400},
		{"wrong date format", orgAdmin, "application/x-www-form-urlencoded", form("startTime", "2026-01-01"), 400},
		{"start after end", orgAdmin, "application/x-www-form-urlencoded", form("startTime", tomorrow, "endTime", yesterday), 400},
		{"unknown format", orgAdmin, "application/x-www-form-urlencoded", form("exportFormat", "xlsx"), 400},
		{"JSON body", orgAdmin, "application/json", `{}`, 415},
		{"Collaborator", collab, "application/x-www-form-urlencoded", "", 403},
		{"SafeShare administrator", root1, "application/x-www-form-urlencoded", "", 403},
		{"no token", "", "application/x-www-form-urlencoded", "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := post(tc.who, tc.contentType, tc.body); r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

func jsonNum(v any) string { return itoa(int64(v.(float64))) }

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestAnonymousCannotAbuseATrail (issue 16, 4): what an anonymous caller can get into an
// organisation's trail is bounded and harmless. A method that is no HTTP method is recorded as OTHER,
// a path that is no operation under the category unknown; nothing of an organisation that does not
// exist is recorded; a flood is cut at the anonymous rate; and the CSV export escapes every text
// column, so no cell can be read as a formula.
func TestAnonymousCannotAbuseATrail(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	org := "/api/v1/organisations/" + w.org
	const formula = "-2+3+cmd|calc!A0"
	anonymous := func(method, path string) int {
		return w.svc.Client.Do(t, testutil.Request{Method: method, Path: path}).Status
	}
	if s := anonymous(formula, org+"/users"); s < 400 {
		t.Fatalf("a formula as the method: %d", s)
	}
	anonymous(http.MethodGet, org+"/@SUM(1+1)*cmd")
	const missing = "765456269464346624"
	for range 5 {
		anonymous(http.MethodGet, "/api/v1/organisations/"+missing+"/users")
	}
	flood := time.Now()
	for range 3 * anonymousBurst {
		anonymous(http.MethodGet, org+"/users")
	}
	// The bucket refills at one record a second while the flood lasts (seconds on a loaded machine).
	allowed := anonymousBurst + 2 + int(time.Since(flood).Seconds())

	ctx := context.Background()
	if err := w.svc.Audit.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	count := func(query string, args ...any) int {
		conn, err := pgx.Connect(ctx, w.svc.Config.DatabaseURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM audit_records WHERE organisation_id = $1", mustID(t, missing)); n != 0 {
		t.Errorf("%d anonymous records of an organisation that does not exist", n)
	}
	if n := count("SELECT count(*) FROM audit_records WHERE organisation_id = $1 AND user_id IS NULL", mustID(t, w.org)); n > allowed {
		t.Errorf("%d anonymous records after a flood, want at most %d (the burst, and one a second)", n, allowed)
	}
	if n := count("SELECT count(*) FROM audit_records WHERE method = 'OTHER' AND action = 'OTHER' AND category = 'OTHER' AND operation = 'unknown' AND organisation_id = $1", mustID(t, w.org)); n != 1 {
		t.Errorf("the formula method: %d records as OTHER/OTHER/OTHER/unknown, want 1", n)
	}
	if n := count("SELECT count(*) FROM audit_records WHERE method NOT IN ('GET','HEAD','POST','PUT','PATCH','DELETE','OPTIONS','OTHER') OR category LIKE '%cmd%' OR operation LIKE '%cmd%' OR action LIKE '%cmd%'"); n != 0 {
		t.Errorf("%d records carry a client's method or path segment as a method or category", n)
	}

	r := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: org + "/audit/exportReport", Token: w.tok[orgAdmin],
		ContentType: "application/x-www-form-urlencoded"})
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if r.Status != 200 || err != nil {
		t.Fatalf("export: %d %v", r.Status, err)
	}
	for _, row := range rows[1:] {
		for i, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("column %s starts a formula: %q", rows[0][i], cell)
			}
		}
	}
}

// anonymousBurst is the anonymous records an organisation's trail takes at once (httpapi's
// anonymousAuditBurst).
const anonymousBurst = 20
