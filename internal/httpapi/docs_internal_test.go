package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/cocoondata/access-service/gen"
)

// A YAML document may have keys that are not strings (an unquoted response code); JSON may not.
func TestSpecAsJSONTurnsEveryKeyIntoAString(t *testing.T) {
	m, err := specAsJSON([]byte("paths:\n  /x:\n    get:\n      responses:\n        200:\n          description: OK\n        true: [1, {2: b}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"paths":{"/x":{"get":{"responses":{"200":{"description":"OK"},"true":[1,{"2":"b"}]}}}}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// The sign-in pages' paths, read from the spec, are those whose errors are pages: the authorization
// endpoint, the sign-in form, the code page, the set-up link's page, sign-out, the account page and its
// forms, and the password links' pages (not the token endpoint and its JSON neighbours, nor userinfo).
func TestPagePathsFromTheSpec(t *testing.T) {
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	got := pagePathsOf(spec)
	want := []string{"/api/oauth/authorize", "/api/oauth/login", "/api/oauth/login/mfa", "/api/oauth/mfa/setup",
		"/api/oauth/logout", "/account", "/account/apps/revoke", "/account/mfa", "/account/sessions/end",
		"/api/oauth/password/forgot", "/api/oauth/password/choose"}
	if len(got) != len(want) {
		t.Errorf("page paths %v, want %v", got, want)
	}
	for _, p := range want {
		if !got[p] {
			t.Errorf("%s is not a page path: %v", p, got)
		}
	}
}
