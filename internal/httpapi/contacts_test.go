package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

const contactsPath = "/api/v1/users/me/contacts"

// contactLines reads the caller's whole book (as the query orders it) as "email:firstName:lastName"
// lines, with "-" for a missing name, and its count.
func (w *world) contactLines(t *testing.T, who, query string) ([]string, int) {
	t.Helper()
	r := w.mustDo(t, http.StatusOK, "GET", contactsPath+query, who, "")
	var page struct {
		Items []struct {
			ID        string  `json:"id"`
			Email     string  `json:"email"`
			FirstName *string `json:"firstName"`
			LastName  *string `json:"lastName"`
		} `json:"items"`
		Count int `json:"count"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		t.Fatal(err)
	}
	name := func(s *string) string {
		if s == nil {
			return "-"
		}
		return *s
	}
	lines := []string{}
	for _, it := range page.Items {
		lines = append(lines, it.Email+":"+name(it.FirstName)+":"+name(it.LastName))
	}
	return lines, page.Count
}

// addContacts adds contacts as who and returns their ids, in the answer's order.
func (w *world) addContacts(t *testing.T, who, body string) []string {
	t.Helper()
	r := w.mustDo(t, http.StatusOK, "POST", contactsPath, who, body)
	var out []string
	for _, it := range r.JSON(t)["items"].([]any) {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

// contactsState is a digest of every address book, to show a refused request changed none.
func (w *world) contactsState(t *testing.T) string {
	t.Helper()
	return tableDigest(t, w.svc, "contacts")
}

// TestContacts: a user's address book through the API: adding (normalised addresses, names optional,
// duplicates skipped on request), listing (search, sort, paging in a stable order), replacing and
// deleting; each user sees only their own book.
func TestContacts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	added := w.addContacts(t, collab, `{"contacts":[
		{"email":"Carol@XY-Company.com","firstName":"Carol","lastName":"Smith"},
		{"email":"dave@example.org","firstName":"dave"},
		{"email":"erin@example.org","lastName":"Adams"},
		{"email":"bob@example.org"}]}`)
	if len(added) != 4 {
		t.Fatalf("%d added", len(added))
	}
	carol, dave, erin, bobID := added[0], added[1], added[2], added[3]
	r := w.mustDo(t, 200, "POST", contactsPath, collab, `{"contacts":[{"email":"frank@example.org","firstName":"Frank"}]}`).JSON(t)
	item := r["items"].([]any)[0].(map[string]any)
	if item["email"] != "frank@example.org" || item["lastName"] != nil || item["createdAt"] != item["modifiedAt"] {
		t.Errorf("added: %v", item)
	}

	all, count := w.contactLines(t, collab, "")
	want := []string{"bob@example.org:-:-", "carol@xy-company.com:Carol:Smith", "dave@example.org:dave:-",
		"erin@example.org:-:Adams", "frank@example.org:Frank:-"}
	if !slices.Equal(all, want) || count != 5 {
		t.Fatalf("book: %q (%d)", all, count)
	}
	// Someone else's book is their own: empty, and the same address may be in it.
	if lines, n := w.contactLines(t, originator, ""); len(lines) != 0 || n != 0 {
		t.Fatalf("another user's book: %q", lines)
	}
	w.addContacts(t, originator, `{"contacts":[{"email":"carol@xy-company.com"}]}`)

	for _, tc := range []struct {
		query string
		want  []string
		count int
	}{
		{"?orderBy=DESC", []string{"frank@example.org:Frank:-", "erin@example.org:-:Adams", "dave@example.org:dave:-",
			"carol@xy-company.com:Carol:Smith", "bob@example.org:-:-"}, 5},
		// Names sort case-insensitively; no name sorts as an empty one; ties by id (the order added).
		{"?sortBy=firstName", []string{"erin@example.org:-:Adams", "bob@example.org:-:-", "carol@xy-company.com:Carol:Smith",
			"dave@example.org:dave:-", "frank@example.org:Frank:-"}, 5},
		{"?sortBy=lastName&orderBy=DESC", []string{"carol@xy-company.com:Carol:Smith", "erin@example.org:-:Adams",
			"frank@example.org:Frank:-", "bob@example.org:-:-", "dave@example.org:dave:-"}, 5},
		{"?search=EXAMPLE.ORG&limit=2&offset=1", []string{"dave@example.org:dave:-", "erin@example.org:-:Adams"}, 4},
		{"?search=smi", []string{"carol@xy-company.com:Carol:Smith"}, 1},
		{"?search=ada", []string{"erin@example.org:-:Adams"}, 1},
		{"?search=" + q("%"), []string{}, 0},
		{"?offset=4", []string{"frank@example.org:Frank:-"}, 5},
	} {
		if got, n := w.contactLines(t, collab, tc.query); !slices.Equal(got, tc.want) || n != tc.count {
			t.Errorf("%s: %q (%d), want %q (%d)", tc.query, got, n, tc.want, tc.count)
		}
	}
	for _, sort := range []string{"email", "firstName", "lastName&orderBy=DESC"} {
		path := contactsPath + "?sortBy=" + sort
		if one, page := w.list(t, path, collab, 1), w.list(t, path, collab, 0); !slices.Equal(one, page) || len(one) != 5 {
			t.Errorf("%s: one by one %v, all at once %v", sort, one, page)
		}
	}

	// ignoreDuplicates skips what the book has and what the request names twice, adds the rest.
	r = w.mustDo(t, 200, "POST", contactsPath, collab, `{"ignoreDuplicates":true,"contacts":[
		{"email":"CAROL@xy-company.com","firstName":"Other"},{"email":"gina@example.org"},{"email":"Gina@Example.org"}]}`).JSON(t)
	if items := r["items"].([]any); len(items) != 1 || items[0].(map[string]any)["email"] != "gina@example.org" {
		t.Errorf("with ignoreDuplicates: %v", r)
	}
	r = w.mustDo(t, 200, "POST", contactsPath, collab, `{"ignoreDuplicates":true,"contacts":[{"email":"gina@example.org"}]}`).JSON(t)
	if items := r["items"].([]any); len(items) != 0 {
		t.Errorf("only duplicates: %v", r)
	}

	// Replacing: every member; a name left out becomes null; the same address in another case is the
	// contact's own.
	r = w.mustDo(t, 200, "PUT", contactsPath+"/"+dave, collab, `{"email":"David@Example.org","firstName":"David"}`).JSON(t)
	if r["id"] != dave || r["email"] != "david@example.org" || r["firstName"] != "David" || r["lastName"] != nil {
		t.Errorf("replaced: %v", r)
	}
	w.mustDo(t, 200, "PUT", contactsPath+"/"+erin, collab, `{"email":"ERIN@example.org"}`)
	if got, _ := w.contactLines(t, collab, "?search=erin"); !slices.Equal(got, []string{"erin@example.org:-:-"}) {
		t.Errorf("after replacing erin: %q", got)
	}
	w.mustDo(t, 200, "DELETE", contactsPath+"/"+bobID, collab, "")
	w.mustDo(t, 404, "DELETE", contactsPath+"/"+bobID, collab, "")
	if got, n := w.contactLines(t, collab, "?search=bob"); len(got) != 0 || n != 0 {
		t.Errorf("after deleting bob: %q", got)
	}
	_ = carol
}

// TestContactsRefused: one case per refusal of the address book's operations, each changing no book.
func TestContactsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mine := w.addContacts(t, collab, `{"contacts":[{"email":"carol@xy-company.com"},{"email":"dave@example.org"}]}`)
	theirs := w.addContacts(t, originator, `{"contacts":[{"email":"erin@example.org"}]}`)[0]
	w.svc.RegisterClientScoped(t, "read-only", []string{"read", "admin"})
	w.svc.RegisterClientScoped(t, "write-only", []string{"write", "admin"})
	w.tok["read-only"] = w.svc.Token(t, "read-only", collab)
	w.tok["write-only"] = w.svc.Token(t, "write-only", collab)

	hundredAndOne := make([]string, 101)
	for i := range hundredAndOne {
		hundredAndOne[i] = fmt.Sprintf(`{"email":"c%03d@example.org"}`, i)
	}
	big := `{"contacts":[{"email":"big@example.org","firstName":"` + strings.Repeat("x", 1<<20) + `"}]}`
	one := contactsPath + "/" + mine[0]
	for _, tc := range []struct {
		name, who, method, path, contentType, body string
		status                                     int
	}{
		{"invalid email", collab, "POST", contactsPath, "", `{"contacts":[{"email":"ok@example.org"},{"email":"not an address"}]}`, 400},
		{"control character", collab, "POST", contactsPath, "", `{"contacts":[{"email":"ok@example.org"},{"email":"x@example.org","lastName":"a\u0007b"}]}`, 400},
		{"no contacts", collab, "POST", contactsPath, "", `{"contacts":[]}`, 400},
		{"101 contacts", collab, "POST", contactsPath, "", `{"contacts":[` + strings.Join(hundredAndOne, ",") + `]}`, 400},
		{"unknown member", collab, "POST", contactsPath, "", `{"contacts":[{"email":"ok@example.org","EMAIL":"x"}]}`, 400},
		{"name too long", collab, "POST", contactsPath, "", `{"contacts":[{"email":"ok@example.org","firstName":"` + strings.Repeat("x", 256) + `"}]}`, 400},
		{"bad sortBy", collab, "GET", contactsPath + "?sortBy=createdAt", "", "", 400},
		{"limit too high", collab, "GET", contactsPath + "?limit=101", "", "", 400},
		{"path id not an id", collab, "DELETE", contactsPath + "/abc", "", "", 400},
		{"update: invalid email", collab, "PUT", one, "", `{"email":"nope"}`, 400},
		{"update: control character", collab, "PUT", one, "", `{"email":"carol@xy-company.com","firstName":"\u0000"}`, 400},
		{"update: no email", collab, "PUT", one, "", `{"firstName":"Carol"}`, 400},
		{"no token: add", "", "POST", contactsPath, "", `{"contacts":[{"email":"ok@example.org"}]}`, 401},
		{"no token: list", "", "GET", contactsPath, "", "", 401},
		{"no token: update", "", "PUT", one, "", `{"email":"ok@example.org"}`, 401},
		{"no token: delete", "", "DELETE", one, "", "", 401},
		{"without write: add", "read-only", "POST", contactsPath, "", `{"contacts":[{"email":"ok@example.org"}]}`, 403},
		{"without read: list", "write-only", "GET", contactsPath, "", "", 403},
		{"without write: update", "read-only", "PUT", one, "", `{"email":"ok@example.org"}`, 403},
		{"without write: delete", "read-only", "DELETE", one, "", "", 403},
		{"update another's", collab, "PUT", contactsPath + "/" + theirs, "", `{"email":"ok@example.org"}`, 404},
		{"delete another's", collab, "DELETE", contactsPath + "/" + theirs, "", "", 404},
		{"update unknown", collab, "PUT", contactsPath + "/765456269464346624", "", `{"email":"ok@example.org"}`, 404},
		{"delete unknown", collab, "DELETE", contactsPath + "/765456269464346624", "", "", 404},
		{"delete beyond 64 bits", collab, "DELETE", contactsPath + "/9999999999999999999", "", "", 404},
		{"in the book", collab, "POST", contactsPath, "", `{"contacts":[{"email":"ok@example.org"},{"email":"Carol@XY-Company.com"}]}`, 409},
		{"twice in the request", collab, "POST", contactsPath, "", `{"contacts":[{"email":"ok@example.org"},{"email":"OK@example.org"}]}`, 409},
		{"update to another's address", collab, "PUT", one, "", `{"email":"DAVE@example.org"}`, 409},
		{"too large: add", collab, "POST", contactsPath, "", big, 413},
		{"too large: update", collab, "PUT", one, "", big, 413},
		{"not JSON: add", collab, "POST", contactsPath, "text/plain", `{"contacts":[{"email":"ok@example.org"}]}`, 415},
		{"not JSON: update", collab, "PUT", one, "text/plain", `{"email":"ok@example.org"}`, 415},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := w.contactsState(t)
			req := testutil.Request{Method: tc.method, Path: tc.path, Token: w.tok[tc.who]}
			if tc.body != "" {
				req.ContentType, req.Body = "application/json", []byte(tc.body)
			}
			if tc.contentType != "" {
				req.ContentType = tc.contentType
			}
			r := w.svc.Client.Do(t, req)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			if after := w.contactsState(t); after != before {
				t.Errorf("the books changed")
			}
		})
	}
	// The refusals of items name them as the request does.
	r := w.mustDo(t, 409, "POST", contactsPath, collab, `{"contacts":[{"email":"ok@example.org"},{"email":"Carol@XY-Company.com"}]}`).JSON(t)
	if fields := r["errors"].([]any); len(fields) != 1 || fields[0].(map[string]any)["field"] != "contacts[1].email" {
		t.Errorf("409: %v", r)
	}
	r = w.mustDo(t, 400, "POST", contactsPath, collab, `{"contacts":[{"email":"ok@example.org","firstName":"\u001b[31m"}]}`).JSON(t)
	if fields := r["errors"].([]any); len(fields) != 1 || fields[0].(map[string]any)["field"] != "contacts[0].firstName" {
		t.Errorf("400: %v", r)
	}
}

// TestContactsConcurrentAdds: requests adding the same address to one book at once add it once; the
// others are refused (409) by the unique index, not half-applied.
func TestContactsConcurrentAdds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"contacts":[{"email":"own%d@example.org"},{"email":"Same@Example.org"}]}`, i)
			statuses[i] = w.do(t, "POST", contactsPath, collab, body).Status
		}()
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
		default:
			t.Errorf("status %d", s)
		}
	}
	lines, count := w.contactLines(t, collab, "?search=same")
	if ok != 1 || count != 1 || len(lines) != 1 {
		t.Errorf("%d requests succeeded, the book has %q", ok, lines)
	}
	if _, all := w.contactLines(t, collab, ""); all != 2 {
		t.Errorf("the book has %d contacts, want the one request's two", all)
	}
}

// TestContactsOnEmbeddedStore: the address book on SQLite: the migration, the unique index, LIKE with
// ESCAPE and the names' order.
func TestContactsOnEmbeddedStore(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testutil.WithDatabase(testutil.NewSQLite(t)))
	ids := w.addContacts(t, collab, `{"contacts":[{"email":"a_b@example.org","firstName":"zoe"},{"email":"ab@example.org"},{"email":"c@example.org","firstName":"Al"}]}`)
	w.mustDo(t, 409, "POST", contactsPath, collab, `{"contacts":[{"email":"AB@example.org"}]}`)
	w.mustDo(t, 409, "PUT", contactsPath+"/"+ids[0], collab, `{"email":"ab@example.org"}`)
	if got, n := w.contactLines(t, collab, "?search="+q("_")); !slices.Equal(got, []string{"a_b@example.org:zoe:-"}) || n != 1 {
		t.Errorf("%q", got)
	}
	if got, _ := w.contactLines(t, collab, "?sortBy=firstName&offset=1"); !slices.Equal(got, []string{"c@example.org:Al:-", "a_b@example.org:zoe:-"}) {
		t.Errorf("%q", got)
	}
	w.mustDo(t, 200, "DELETE", contactsPath+"/"+ids[1], collab, "")
	w.mustDo(t, 404, "PUT", contactsPath+"/"+ids[1], collab, `{"email":"ab@example.org"}`)
}
