package httpapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/testutil"
)

// Accounts of the organisation tests.
const (
	root1      = "root1@platform.example" // SafeShare administrators
	root2      = "root2@platform.example"
	root3      = "root3@platform.example"
	orgAdmin   = "admin@xy-company.com"
	originator = "orig@xy-company.com"
	collab     = "collab@xy-company.com"
	adhoc      = "adhoc@elsewhere.example"
	outsider   = "outsider@other.example"
)

// world is a service with three SafeShare administrators, one organisation (org) administered by
// orgAdmin with a plan (planID, its default), an Originator on it, a Collaborator and an Ad hoc member,
// and an outsider, each signed in.
type world struct {
	svc    *testutil.Service
	mail   *testutil.Mailbox
	tok    map[string]string
	id     map[string]string // account ids by email
	org    string
	planID string
}

func newWorld(t *testing.T, opts ...testutil.Option) *world {
	t.Helper()
	return buildWorld(t, &testutil.Mailbox{}, opts...)
}

// buildWorld: a nil mailbox leaves the service its configured sender (ACCESS_SMTP_URL or the log).
func buildWorld(t *testing.T, mb *testutil.Mailbox, opts ...testutil.Option) *world {
	t.Helper()
	o := app.Options{}
	if mb != nil {
		o.Mailer = mb
	}
	if os.Getenv("TEST_LOG") != "" {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	opts = append(opts, testutil.WithOptions(o))
	svc := testutil.Start(t, opts...)
	t.Cleanup(func() { // whatever the test did, the kept counts still count what they count
		if drift, err := svc.Store.KeptCountsDrift(context.Background()); err != nil || len(drift) > 0 {
			t.Errorf("kept counts drifted: %v %v", drift, err)
		}
	})
	svc.RegisterClient(t, clientID)
	w := &world{svc: svc, mail: mb, tok: map[string]string{}, id: map[string]string{}}
	for _, e := range []string{root1, root2, root3, orgAdmin, originator, collab, adhoc, outsider} {
		u := svc.CreateUser(t, e, strings.HasPrefix(e, "root"))
		w.id[e] = itoa(u.ID)
		w.tok[e] = svc.Token(t, clientID, e)
	}
	w.org = w.createOrg(t, "XY Company", orgAdmin)
	w.planID = w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/plans", orgAdmin,
		`{"name":"Standard","description":"For most Originators","quota":1024}`).JSON(t)["id"].(string)
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+originator+`","role":"Originator"}`)
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+collab+`","role":"Collaborator"}`)
	w.addAdHoc(t, w.org, adhoc)
	return w
}

func (w *world) createOrg(t *testing.T, name, admin string) string {
	t.Helper()
	r := w.mustDo(t, 200, "POST", "/api/v1/organisations", root1,
		`{"name":"`+name+`","quota":2048,"adminEmail":"`+admin+`","contactEmail":"contact@`+strings.ToLower(strings.ReplaceAll(name, " ", ""))+`.example"}`)
	return r.JSON(t)["id"].(string)
}

// do sends a JSON request as the account (no token if who is "").
func (w *world) do(t *testing.T, method, path, who, body string) *testutil.Response {
	t.Helper()
	req := testutil.Request{Method: method, Path: path, Token: w.tok[who]}
	if body != "" {
		req.ContentType, req.Body = "application/json", []byte(body)
	}
	return w.svc.Client.Do(t, req)
}

func (w *world) mustDo(t *testing.T, status int, method, path, who, body string) *testutil.Response {
	t.Helper()
	r := w.do(t, method, path, who, body)
	if r.Status != status {
		t.Fatalf("%s %s as %s: %d, want %d: %s", method, path, who, r.Status, status, r.Body)
	}
	return r
}

// snapshot is what an admin sees of an organisation and its members, to show a refused request changed
// nothing.
func (w *world) snapshot(t *testing.T, org string) string {
	t.Helper()
	o := w.do(t, "GET", "/api/v1/organisations/"+org, root1, "")
	m := w.do(t, "GET", "/api/v1/organisations/"+org+"/users", root1, "")
	return string(o.Body) + "\n" + string(m.Body)
}

// list pages through a list endpoint with the given page size and returns every item's id, checking
// count on each page.
func (w *world) list(t *testing.T, path, who string, limit int) []string {
	t.Helper()
	var out []string
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for offset := 0; ; offset += max(limit, 1) {
		r := w.mustDo(t, 200, "GET", path+sep+"limit="+itoa(int64(limit))+"&offset="+itoa(int64(offset)), who, "")
		var page struct {
			Items  []map[string]any `json:"items"`
			Count  int              `json:"count"`
			Offset int              `json:"offset"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		if page.Offset != offset {
			t.Fatalf("offset %d, want %d", page.Offset, offset)
		}
		for _, it := range page.Items {
			out = append(out, it["id"].(string))
		}
		if limit == 0 || len(page.Items) < limit {
			if len(out) != page.Count {
				t.Fatalf("%s: paged %d items, count says %d", path, len(out), page.Count)
			}
			return out
		}
		if offset > 10000 {
			t.Fatal("paging does not end")
		}
	}
}

func q(s string) string { return url.QueryEscape(s) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := ids.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// addAdHoc makes an Ad hoc member, as sharing with an unknown address would; no endpoint assigns the role.
func (w *world) addAdHoc(t *testing.T, org, email string) {
	t.Helper()
	_, err := w.svc.Orgs.AddAdHocMember(context.Background(), mustID(t, org), email)
	if err != nil {
		t.Fatal(err)
	}
}

var listingAll = listing.Query{}
