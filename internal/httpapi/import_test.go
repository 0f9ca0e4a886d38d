package httpapi_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/testutil"
)

// multipartFile is a multipart/form-data body with one part (file, unless name says otherwise).
func multipartFile(t testing.TB, name, content string) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile(name, "members.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

func (w *world) importCSV(t testing.TB, org, who, part, content string) *testutil.Response {
	t.Helper()
	ct, body := multipartFile(t, part, content)
	return w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/v1/organisations/" + org + "/users/import",
		Token: w.tok[who], ContentType: ct, Body: body})
}

// memberOf is the member with this address as the organisation's administrator lists it, or nil.
func (w *world) memberOf(t *testing.T, org, email string) map[string]any {
	t.Helper()
	items := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+org+"/users?search="+q(email), orgAdmin, "").JSON(t)["items"].([]any)
	for _, it := range items {
		if m := it.(map[string]any); m["email"] == email {
			return m
		}
	}
	return nil
}

func TestImportMembers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	named := w.addPlan(t, w.org, orgAdmin, "Large", 2000, false)
	foreignOrg := w.createOrg(t, "Foreign Co", outsider)
	foreign := w.addPlan(t, foreignOrg, outsider, "Foreign", 1, false)
	csv := "role,email,firstName,lastName,isOrgAdmin,planId\n" + // columns in another order
		"Collaborator,c1@xy-company.com,Cee,One,false,\n" + // line 2
		"Originator,O1@XY-company.com,,,true,\n" + // line 3: default plan
		"Originator,o2@xy-company.com,,,," + named + "\n" + // line 4: named plan
		"Collaborator," + collab + ",,,,\n" + // line 5: already a member
		"Admin,bad1@xy-company.com,,,,\n" + // line 6: bad role
		",not-an-address,,,,\n" + // line 7: bad email
		",bad3@xy-company.com,,,yes,\n" + // line 8: bad isOrgAdmin
		"Originator,bad4@xy-company.com,,,," + foreign + "\n" + // line 9: another organisation's plan
		",c2@xy-company.com,,,,\n" // line 10: all defaults
	r := w.importCSV(t, w.org, orgAdmin, "file", csv)
	if r.Status != 200 {
		t.Fatalf("%d: %s", r.Status, r.Body)
	}
	rep := r.JSON(t)
	if rep["added"] != 4.0 || rep["alreadyMembers"] != 1.0 {
		t.Fatalf("%s", r.Body)
	}
	want := []string{
		"line 6: role must be Originator or Collaborator",
		"line 7: not a valid email address",
		"line 8: isOrgAdmin must be true or false",
		"line 9: planId names no plan of this organisation",
	}
	if got := fmt.Sprint(rep["errors"]); got != fmt.Sprint(want) {
		t.Fatalf("errors %s, want %s", got, want)
	}
	for _, c := range []struct {
		email, role string
		admin       bool
		plan        any
	}{
		{"c1@xy-company.com", "Collaborator", false, nil},
		{"o1@xy-company.com", "Originator", true, w.planID},
		{"o2@xy-company.com", "Originator", false, named},
		{"c2@xy-company.com", "Collaborator", false, nil},
		{collab, "Collaborator", false, nil},
	} {
		m := w.memberOf(t, w.org, c.email)
		if m == nil || m["role"] != c.role || m["isOrgAdmin"] != c.admin || m["planId"] != c.plan {
			t.Errorf("%s: %v", c.email, m)
		}
	}
	// A new account gets the file's names.
	if m := w.memberOf(t, w.org, "c1@xy-company.com"); m["firstName"] != "Cee" || m["lastName"] != "One" {
		t.Errorf("c1's names: %v", m)
	}
	for _, e := range []string{"bad1@xy-company.com", "bad3@xy-company.com", "bad4@xy-company.com"} {
		if m := w.memberOf(t, w.org, e); m != nil {
			t.Errorf("%s added: %v", e, m)
		}
	}

	// Each added member has its addMember record, besides the import's own.
	if err := w.svc.Audit.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	adds, imports := 0, 0
	for _, it := range w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org+"/audit?limit=100", orgAdmin, "").JSON(t)["items"].([]any) {
		m := it.(map[string]any)
		switch {
		case m["operation"] == "addMember" && m["action"] == "CREATED" && m["category"] == "USERS" &&
			strings.Contains(m["path"].(string), "/users/") && m["userEmail"] == orgAdmin && m["status"] == 200.0:
			adds++
		case m["operation"] == "importMembers" && m["status"] == 200.0:
			imports++
		}
	}
	if adds != 4 || imports != 1 {
		t.Errorf("%d addMember records of imported members, %d import records", adds, imports)
	}

	// An account that has names keeps them: the file only fills in what an account lacks.
	w.mustDo(t, 200, "PUT", "/api/v1/users/me", outsider, `{"firstName":"Olive","lastName":"Outsider"}`)
	r = w.importCSV(t, w.org, orgAdmin, "file", "email,firstName,lastName\n"+outsider+",Mallory,\n")
	if r.Status != 200 || r.JSON(t)["added"] != 1.0 {
		t.Fatalf("%d: %s", r.Status, r.Body)
	}
	if m := w.memberOf(t, w.org, outsider); m["firstName"] != "Olive" || m["lastName"] != "Outsider" {
		t.Errorf("the outsider's names were overwritten: %v", m)
	}

	// Without a default plan, an Originator row fails with the reason; the other rows are added.
	noPlans := w.createOrg(t, "No Plans", orgAdmin)
	r = w.importCSV(t, noPlans, orgAdmin, "file", "email,role\no9@xy-company.com,Originator\nc9@xy-company.com,\n")
	if r.Status != 200 || !strings.Contains(string(r.Body), `"added":1,"alreadyMembers":0,"errors":["line 2: an Originator needs a plan and the organisation has no default plan"]`) {
		t.Fatalf("%d: %s", r.Status, r.Body)
	}
}

func TestImportMembersRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other Co", outsider)
	var many strings.Builder
	many.WriteString("email\n")
	for i := 0; i <= 10_000; i++ {
		fmt.Fprintf(&many, "m%d@xy-company.com\n", i)
	}
	big := "email\n" + strings.Repeat("x", 4<<20) + "\n"
	cases := []struct {
		name, org, who, part, csv string
		status                    int
	}{
		{"no email column", w.org, orgAdmin, "file", "firstName\nAnn\n", 400},
		{"unknown column", w.org, orgAdmin, "file", "email,shoeSize\nn1@xy-company.com,9\n", 400},
		{"not CSV", w.org, orgAdmin, "file", "email\nn1@xy-company.com\n\"n2@xy\"company.com\n", 400},
		{"empty file", w.org, orgAdmin, "file", "", 400},
		{"no file part", w.org, orgAdmin, "other", "email\nn1@xy-company.com\n", 400},
		{"10,001 rows", w.org, orgAdmin, "file", many.String(), 400},
		{"no token", w.org, "", "file", "email\nn1@xy-company.com\n", 401},
		{"Collaborator", w.org, collab, "file", "email\nn1@xy-company.com\n", 403},
		{"administrator of another organisation", w.org, outsider, "file", "email\nn1@xy-company.com\n", 403},
		{"SafeShare administrator", w.org, root1, "file", "email\nn1@xy-company.com\n", 403},
		{"unknown organisation", "4242", orgAdmin, "file", "email\nn1@xy-company.com\n", 403},
		{"over 4 MiB", w.org, orgAdmin, "file", big, 413},
	}
	_ = other
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.snapshot(t, w.org)
			r := w.importCSV(t, tc.org, tc.who, tc.part, tc.csv)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); tc.status == 400 && !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("Content-Type %q", ct)
			}
			if w.snapshot(t, w.org) != before {
				t.Fatal("a refused import changed the members")
			}
		})
	}
	t.Run("JSON body", func(t *testing.T) {
		r := w.do(t, "POST", "/api/v1/organisations/"+w.org+"/users/import", orgAdmin, `{"file":"email\nn1@xy-company.com\n"}`)
		if r.Status != 415 {
			t.Fatalf("%d: %s", r.Status, r.Body)
		}
	})
}

// importFile is a CSV of n new Collaborators (and every tenth an Originator on the default plan).
func importFile(prefix string, n int) string {
	var sb strings.Builder
	sb.WriteString("email,firstName,lastName,role,isOrgAdmin\n")
	for i := range n {
		role := "Collaborator"
		if i%10 == 0 {
			role = "Originator"
		}
		fmt.Fprintf(&sb, "%s%d@import.example,First,Last,%s,false\n", prefix, i, role)
	}
	return sb.String()
}

// TestImportMembers10k imports the largest file the operation takes: 10,000 rows, all added.
func TestImportMembersInVolume(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of additions: not in -short")
	}
	// A full 10,000-row file takes about 16 s on an idle 2-core machine and approaches the import's
	// 50 s deadline on a busy one: the test adds 2,000 rows, and none under the race detector (make
	// test's go test run), where each addition is many times slower. The per-row cost is
	// BenchmarkImport's.
	if raceDetector {
		// Under the race detector on a machine running the whole suite, 1,000 rows took over 50 s.
		t.Skip("thousands of additions: not under the race detector (run go test ./internal/httpapi/)")
	}
	rows := 2_000
	t.Parallel()
	w := newWorld(t)
	start := time.Now()
	r := w.importCSV(t, w.org, orgAdmin, "file", importFile("big", rows))
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), fmt.Sprintf(`{"added":%d,"alreadyMembers":0,"errors":[]}`, rows)) {
		t.Fatalf("%d: %s", r.Status, r.Body)
	}
	t.Logf("%d rows in %v", rows, time.Since(start))
	if n := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+w.org+"/users?limit=1", orgAdmin, "").JSON(t)["count"].(float64); n != float64(rows)+4 {
		t.Fatalf("%v members", n)
	}
}

// BenchmarkImport compares the import's cost per row with one POST .../users (the target: each row at
// most 1.5 times one POST). Both report ns/member, the import's for files of 1,000 Collaborator rows:
// go test -run XXX -bench Import -benchtime 3x ./internal/httpapi/
func BenchmarkImport(b *testing.B) {
	svc := testutil.Start(b)
	svc.RegisterClient(b, clientID)
	svc.CreateUser(b, orgAdmin, false)
	svc.CreateUser(b, root1, true)
	r := svc.Client.Do(b, testutil.Request{Method: "POST", Path: "/api/v1/organisations", Token: svc.Token(b, clientID, root1), ContentType: "application/json",
		Body: []byte(`{"name":"Bench Co","quota":1000,"adminEmail":"` + orgAdmin + `","contactEmail":"c@bench.example"}`)})
	if r.Status != 200 {
		b.Fatalf("%d %s", r.Status, r.Body)
	}
	users := "/api/v1/organisations/" + r.JSON(b)["id"].(string) + "/users"
	tok := svc.Token(b, clientID, orgAdmin)
	n := 0
	b.Run("post", func(b *testing.B) {
		for b.Loop() {
			n++
			r := svc.Client.Do(b, testutil.Request{Method: "POST", Path: users, Token: tok, ContentType: "application/json",
				Body: []byte(fmt.Sprintf(`{"email":"post%d@bench.example","role":"Collaborator"}`, n))})
			if r.Status != 200 {
				b.Fatalf("%d %s", r.Status, r.Body)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/member")
	})
	const rows = 1000
	b.Run("import", func(b *testing.B) {
		for b.Loop() {
			n++
			var sb strings.Builder
			sb.WriteString("email\n")
			for i := range rows {
				fmt.Fprintf(&sb, "imp%d-%d@bench.example\n", n, i)
			}
			ct, body := multipartFile(b, "file", sb.String())
			r := svc.Client.Do(b, testutil.Request{Method: "POST", Path: users + "/import", Token: tok, ContentType: ct, Body: body})
			if r.Status != 200 || !strings.HasPrefix(string(r.Body), `{"added":1000,`) {
				b.Fatalf("%d %s", r.Status, r.Body)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/member")
	})
}

// TestImportStopsAtItsDeadline: an import that runs out of time answers 503 naming the line it stopped
// at, and the rows from that line on are not added (here the deadline has passed before the first row).
func TestImportStopsAtItsDeadline(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testutil.WithOptionsChanged(func(o *app.Options) { o.ImportTimeout = time.Nanosecond }))
	r := w.importCSV(t, w.org, orgAdmin, "file", "email\nlate1@xy-company.com\nlate2@xy-company.com\n")
	if r.Status != 503 || !strings.Contains(r.JSON(t)["detail"].(string), "stopped at line 2") {
		t.Fatalf("%d: %s", r.Status, r.Body)
	}
	for _, e := range []string{"late1@xy-company.com", "late2@xy-company.com"} {
		if m := w.memberOf(t, w.org, e); m != nil {
			t.Errorf("%s was added: %v", e, m)
		}
	}
}
