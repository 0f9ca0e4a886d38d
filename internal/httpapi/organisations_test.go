package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cocoondata/access-service/internal/testutil"
)

func TestCreateOrganisation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	long := strings.Repeat("n", 256)
	cases := []struct {
		name, who, body string
		status          int
		field           string
	}{
		{"created, admin account made", root1, `{"name":"Another Org.","quota":2094080,"adminEmail":"New.Admin@Another.example","contactEmail":"contact@another.example","description":"d"}`, 200, ""},
		{"admin account exists", root2, `{"name":"Third","quota":0,"adminEmail":"` + collab + `","contactEmail":"c@third.example"}`, 200, ""},
		{"name taken, other case", root1, `{"name":"xy company","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 409, ""},
		{"no name", root1, `{"quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 400, "name"},
		{"blank name", root1, `{"name":"   ","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 400, "name"},
		{"name too long", root1, `{"name":"` + long + `","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 400, "name"},
		{"negative quota", root1, `{"name":"Q","quota":-1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 400, "quota"},
		{"quota not a number", root1, `{"name":"Q","quota":"1","adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 400, "quota"},
		{"bad admin email", root1, `{"name":"Q","quota":1,"adminEmail":"not an email","contactEmail":"c@b.example"}`, 400, ""},
		{"no contact", root1, `{"name":"Q","quota":1,"adminEmail":"a@b.example"}`, 400, "contactEmail"},
		{"unknown member", root1, `{"name":"Q","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example","enforceMfa":true}`, 400, ""},
		{"organisation administrator", orgAdmin, `{"name":"Q","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 403, ""},
		{"plain user", outsider, `{"name":"Q","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 403, ""},
		{"no token", "", `{"name":"Q","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 401, ""},
		{"body over 1 MiB", root1, `{"name":"Q","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example","description":"` + strings.Repeat("d", 1<<20) + `"}`, 413, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.list(t, "/api/v1/organisations", root1, 0)
			r := w.do(t, "POST", "/api/v1/organisations", tc.who, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			after := w.list(t, "/api/v1/organisations", root1, 0)
			if tc.status != 200 {
				if len(after) != len(before) {
					t.Fatalf("refused request changed the organisations: %d → %d", len(before), len(after))
				}
				if tc.field != "" && !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
					t.Errorf("problem does not name %s: %s", tc.field, r.Body)
				}
				return
			}
			o := r.JSON(t)
			if r.Header.Get("Location") != "/api/v1/organisations/"+o["id"].(string) || o["organisationRemovalRequest"] != nil {
				t.Fatalf("Location %q, body %s", r.Header.Get("Location"), r.Body)
			}
			if len(after) != len(before)+1 {
				t.Fatalf("list has %d, had %d", len(after), len(before))
			}
			// The admin is a member: Collaborator and organisation administrator.
			m := w.mustDo(t, 200, "GET", "/api/v1/organisations/"+o["id"].(string)+"/users", root1, "").JSON(t)
			items := m["items"].([]any)
			first := items[0].(map[string]any)
			if len(items) != 1 || first["email"] != strings.ToLower(o["adminEmail"].(string)) || first["role"] != "Collaborator" || first["isOrgAdmin"] != true {
				t.Fatalf("members: %v", m)
			}
		})
	}
	t.Run("form body", func(t *testing.T) {
		r := w.svc.Client.Do(t, testutil.Request{Method: "POST", Path: "/api/v1/organisations", Token: w.tok[root1],
			ContentType: "application/x-www-form-urlencoded", Body: []byte("name=Q&quota=1")})
		if r.Status != 415 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	// The existing account was reused, not duplicated: collab now belongs to two organisations.
	me := w.mustDo(t, 200, "GET", "/api/v1/users/me", collab, "").JSON(t)
	if n := len(me["organisations"].([]any)); n != 2 {
		t.Fatalf("collab belongs to %d organisations: %v", n, me)
	}
}

func TestListOrganisations(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	names := []string{"alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot", "golf"}
	for _, n := range names {
		w.createOrg(t, n, orgAdmin)
	}
	// quota ties everywhere (2048): the id breaks them.
	for _, sortBy := range []string{"name", "createdAt", "quota"} {
		for _, order := range []string{"ASC", "DESC"} {
			path := "/api/v1/organisations?sortBy=" + sortBy + "&orderBy=" + order
			all := w.list(t, path, root1, 0)
			for _, size := range []int{1, 3} {
				paged := w.list(t, path, root2, size)
				if strings.Join(paged, ",") != strings.Join(all, ",") {
					t.Fatalf("%s: pages of %d give %v, the whole list %v", path, size, paged, all)
				}
			}
			if len(all) != len(names)+1 {
				t.Fatalf("%s: %d organisations", path, len(all))
			}
		}
	}
	r := w.mustDo(t, 200, "GET", "/api/v1/organisations?sortBy=name", root1, "").JSON(t)
	var got []string
	for _, it := range r["items"].([]any) {
		got = append(got, it.(map[string]any)["name"].(string))
	}
	if strings.Join(got, ",") != "alpha,Bravo,charlie,Delta,echo,Foxtrot,golf,XY Company" {
		t.Fatalf("name order is not case-insensitive: %v", got)
	}
	s := w.mustDo(t, 200, "GET", "/api/v1/organisations?search="+q("LT"), root1, "").JSON(t)
	if s["count"] != float64(1) || s["items"].([]any)[0].(map[string]any)["name"] != "Delta" {
		t.Fatalf("search: %v", s)
	}
	if s := w.mustDo(t, 200, "GET", "/api/v1/organisations?search="+q("%"), root1, "").JSON(t); s["count"] != float64(0) {
		t.Fatalf("%% is a wildcard in search: %v", s)
	}
	// A pending removal request shows in the list.
	w.mustDo(t, 201, "POST", "/api/v1/organisations/"+w.org+"/removalRequest", root1, `{"notifyContact":false}`)
	s = w.mustDo(t, 200, "GET", "/api/v1/organisations?search="+q("xy"), root1, "").JSON(t)
	rr := s["items"].([]any)[0].(map[string]any)["organisationRemovalRequest"].(map[string]any)
	if rr["requestedBy"].(map[string]any)["email"] != root1 {
		t.Fatalf("removal request: %v", rr)
	}
	for _, tc := range []struct {
		query, who string
		status     int
	}{
		{"?limit=101", root1, 400}, {"?limit=-1", root1, 400}, {"?offset=-1", root1, 400},
		{"?sortBy=id", root1, 400}, {"?orderBy=asc", root1, 400}, {"?limit=x", root1, 400},
		{"", orgAdmin, 403}, {"", outsider, 403}, {"", "", 401}, {"?offset=100", root1, 200},
	} {
		if r := w.do(t, "GET", "/api/v1/organisations"+tc.query, tc.who, ""); r.Status != tc.status {
			t.Errorf("%s as %q: %d, want %d: %s", tc.query, tc.who, r.Status, tc.status, r.Body)
		}
	}
}

func TestGetOrganisation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := w.createOrg(t, "Other", outsider)
	for _, tc := range []struct {
		name, org, who string
		status         int
	}{
		{"organisation administrator", w.org, orgAdmin, 200},
		{"Originator", w.org, originator, 200},
		{"Collaborator", w.org, collab, 200},
		{"SafeShare administrator, not a member", w.org, root2, 200},
		{"Ad hoc member", w.org, adhoc, 403},
		{"administrator of another organisation", w.org, outsider, 403},
		{"member of this one reading another", other, orgAdmin, 403},
		{"non-member, organisation does not exist", "4242", collab, 403},
		{"non-member, id beyond 64 bits", "9999999999999999999", collab, 403},
		{"SafeShare administrator, does not exist", "4242", root1, 404},
		{"SafeShare administrator, id beyond 64 bits", "9999999999999999999", root1, 404},
		{"SafeShare administrator, id zero", "0", root1, 404},
		{"not an id", "abc", root1, 400},
		{"20 digits", "12345678901234567890", root1, 400},
		{"no token", w.org, "", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.do(t, "GET", "/api/v1/organisations/"+tc.org, tc.who, "")
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status == 200 && r.JSON(t)["id"] != tc.org {
				t.Fatalf("%s", r.Body)
			}
		})
	}
	// Roles are read per request: demoting the Collaborator to Ad hoc is not possible by hand, but
	// removing them takes effect at once for a token issued before.
	w.mustDo(t, 200, "DELETE", "/api/v1/organisations/"+w.org+"/users/"+w.id[collab], orgAdmin, "")
	w.mustDo(t, 403, "GET", "/api/v1/organisations/"+w.org, collab, "")
}

func TestUpdateOrganisation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.createOrg(t, "Taken Name", outsider)
	// root3 is also an administrator of the organisation: both kinds of member at once.
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+w.org+"/users", orgAdmin, `{"email":"`+root3+`","role":"Collaborator","isOrgAdmin":true}`)
	path := "/api/v1/organisations/" + w.org
	cases := []struct {
		name, who, org, body string
		status               int
		refused              []string // members the 403 must name
		want                 map[string]any
	}{
		{"administrator changes settings", orgAdmin, w.org, `{"description":"Secure sharing","watermarkingEnabled":true,"enforceMfa":true,"addressbookEnabled":true,
			"supportUrl":"https://support.xy-company.com","companyName":"XY Pty Ltd","legalUrl":"https://xy-company.com/legal","webappHelpUrl":"https://xy-company.com/help",
			"orgAdminHelpUrl":"https://xy-company.com/admin-help","privacyUrl":"https://xy-company.com/privacy","userMessage":"Hello","i18nDefaultAsString":"en_AU",
			"adminEmail":"Boss@XY-company.com","contactEmail":"desk@xy-company.com"}`, 200, nil,
			map[string]any{"description": "Secure sharing", "watermarkingEnabled": true, "enforceMfa": true, "addressbookEnabled": true, "companyName": "XY Pty Ltd",
				"i18nDefaultAsString": "en_AU", "adminEmail": "boss@xy-company.com", "contactEmail": "desk@xy-company.com", "name": "XY Company", "quota": float64(2048)}},
		{"members left out stay; empty string clears", orgAdmin, w.org, `{"supportUrl":""}`, 200, nil,
			map[string]any{"supportUrl": nil, "description": "Secure sharing", "companyName": "XY Pty Ltd"}},
		{"SafeShare administrator changes name and quota", root1, w.org, `{"name":"XY Co","quota":4096}`, 200, nil,
			map[string]any{"name": "XY Co", "quota": float64(4096), "description": "Secure sharing"}},
		{"both roles, both kinds of member", root3, w.org, `{"name":"XY Company","userMessage":"Welcome"}`, 200, nil,
			map[string]any{"name": "XY Company", "userMessage": "Welcome"}},
		{"empty body changes nothing", orgAdmin, w.org, `{}`, 200, nil, map[string]any{"name": "XY Company"}},
		{"administrator may not rename", orgAdmin, w.org, `{"name":"Mine","description":"x"}`, 403, []string{"name"}, nil},
		{"administrator may not change quota", orgAdmin, w.org, `{"quota":1}`, 403, []string{"quota"}, nil},
		{"SafeShare administrator may not change settings", root1, w.org, `{"quota":1,"description":"x","enforceMfa":false}`, 403, []string{"description", "enforceMfa"}, nil},
		{"Collaborator", collab, w.org, `{"description":"x"}`, 403, nil, nil},
		{"Originator", originator, w.org, `{"description":"x"}`, 403, nil, nil},
		{"outsider, organisation does not exist", outsider, "4242", `{"description":"x"}`, 403, nil, nil},
		{"SafeShare administrator, does not exist", root1, "4242", `{"name":"x"}`, 404, nil, nil},
		{"SafeShare administrator, settings of one that does not exist", root1, "4242", `{"description":"x"}`, 403, []string{"description"}, nil},
		{"name taken, other case", root1, w.org, `{"name":"taken name"}`, 409, nil, nil},
		{"not a URL", orgAdmin, w.org, `{"privacyUrl":"javascript:alert(1)"}`, 400, nil, nil},
		{"bad email", orgAdmin, w.org, `{"contactEmail":"desk"}`, 400, nil, nil},
		{"null", orgAdmin, w.org, `{"description":null}`, 400, nil, nil},
		{"bad locale", orgAdmin, w.org, `{"i18nDefaultAsString":"english please"}`, 400, nil, nil},
		{"unknown member", orgAdmin, w.org, `{"id":"1"}`, 400, nil, nil},
		{"blank name", root1, w.org, `{"name":" "}`, 400, nil, nil},
		{"no token", "", w.org, `{"description":"x"}`, 401, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := w.snapshot(t, w.org)
			r := w.do(t, "PUT", "/api/v1/organisations/"+tc.org, tc.who, tc.body)
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.status != 200 {
				if after := w.snapshot(t, w.org); after != before {
					t.Fatalf("a refused request changed the organisation:\n%s\n%s", before, after)
				}
				for _, m := range tc.refused {
					if !strings.Contains(string(r.Body), `"field":"`+m+`"`) {
						t.Errorf("403 does not name %s: %s", m, r.Body)
					}
				}
				return
			}
			got := r.JSON(t)
			read := w.mustDo(t, 200, "GET", path, orgAdmin, "").JSON(t)
			for k, v := range tc.want {
				if got[k] != v || read[k] != v {
					t.Errorf("%s = %v (read back %v), want %v", k, got[k], read[k], v)
				}
			}
		})
	}
}

func TestMeShowsMemberships(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	second := w.createOrg(t, "Another", outsider)
	w.mustDo(t, 200, "POST", "/api/v1/organisations/"+second+"/users", outsider, `{"email":"`+orgAdmin+`","role":"Collaborator"}`)
	me := w.mustDo(t, 200, "GET", "/api/v1/users/me", orgAdmin, "").JSON(t)
	orgs := me["organisations"].([]any)
	if len(orgs) != 2 {
		t.Fatalf("%v", orgs)
	}
	a, b := orgs[0].(map[string]any), orgs[1].(map[string]any)
	if a["name"] != "Another" || a["isOrgAdmin"] != false || a["role"] != "Collaborator" || a["id"] != second ||
		b["name"] != "XY Company" || b["isOrgAdmin"] != true || b["id"] != w.org {
		t.Fatalf("%v", orgs)
	}
	if o := w.mustDo(t, 200, "GET", "/api/v1/users/me", adhoc, "").JSON(t)["organisations"].([]any); o[0].(map[string]any)["role"] != "Ad hoc" {
		t.Fatalf("%v", o)
	}
	if o := w.mustDo(t, 200, "GET", "/api/v1/users/me", root1, "").JSON(t)["organisations"].([]any); len(o) != 0 {
		t.Fatalf("%v", o)
	}
	// PUT /users/me answers with the memberships too.
	put := w.mustDo(t, 200, "PUT", "/api/v1/users/me", orgAdmin, `{"firstName":"Ada"}`).JSON(t)
	if len(put["organisations"].([]any)) != 2 {
		t.Fatalf("%v", put)
	}
	_ = context.Background()
}

// TestNoInputMakesA500 sends text a database cannot hold, in every place a client controls.
func TestNoInputMakesA500(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	org := "/api/v1/organisations/" + w.org
	for _, tc := range []struct {
		method, path, who, contentType, body string
		status                               int
	}{
		{"POST", "/api/v1/organisations", root1, "application/json", `{"name":"a\u0000b","quota":1,"adminEmail":"a@b.example","contactEmail":"c@b.example"}`, 400},
		{"PUT", org, orgAdmin, "application/json", `{"userMessage":"\u0000"}`, 400},
		{"PUT", org, orgAdmin, "application/json", `{"supportUrl":"https://x.example/\u0000"}`, 400},
		{"PUT", "/api/v1/users/me", orgAdmin, "application/json", `{"firstName":"A\u0000"}`, 400},
		{"GET", "/api/v1/organisations?search=%00", root1, "", "", 400},
		{"GET", "/api/v1/organisations?search=%ff", root1, "", "", 400},
		{"GET", org + "/users?search=a%00", orgAdmin, "", "", 400},
		{"POST", org + "/audit/exportReport", orgAdmin, "application/x-www-form-urlencoded", "clientId=%00&action=%ff", 400},
		{"GET", org + "/%00/%ff", orgAdmin, "", "", 404},
		{"GET", "/api/v1/organisations?offset=9223372036854775807", root1, "", "", 200},
		{"GET", "/api/v1/organisations?offset=9223372036854775808", root1, "", "", 400},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := w.svc.Client.Do(t, testutil.Request{Method: tc.method, Path: tc.path, Token: w.tok[tc.who], ContentType: tc.contentType, Body: []byte(tc.body)})
			if r.Status != tc.status {
				t.Fatalf("%d, want %d: %s", r.Status, tc.status, r.Body)
			}
		})
	}
	// Sign-in attempts with such names are refused and still audited.
	r := w.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": "a\x00\xff@b.example", "password": "x\x00"})
	if r.Status != 400 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	// The junk path above was recorded, made storable.
	if n := w.mustDo(t, 200, "GET", org+"/audit?limit=1&offset=1", orgAdmin, "").JSON(t)["items"].([]any); len(n) != 1 {
		t.Fatalf("%v", n)
	}
}
