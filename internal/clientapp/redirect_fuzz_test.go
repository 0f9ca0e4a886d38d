package clientapp

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRedirectURI: a redirect URI accepted at registration is absolute, parses, has no fragment, no
// white space and no script-like scheme; a presented URI matches a registered one only when it is the
// same string, character for character.
func FuzzRedirectURI(f *testing.F) {
	for _, s := range [][2]string{
		{"https://app.example/cb", "https://app.example/cb"},
		{"https://app.example/cb", "https://APP.example/cb"},
		{"https://app.example/cb", "https://app.example/cb/"},
		{"https://app.example/cb", "https://app.example/cb?x=1"},
		{"https://app.example/cb", "https://app.example/cb#x"},
		{"https://app.example/cb", "https://app.example/%63b"},
		{"com.example.app:/oauth", "com.example.app:/oauth"},
		{"JavaScript:alert(1)", "javascript:alert(1)"},
		{"https://user@evil.example/cb", "https://user@evil.example/cb"},
		{"https:///cb", "https:///cb"},
		{"http://[::1]:8080/cb", "http://[::1]:8080/cb"},
		{"https://app.example/cb\x00", "https://app.example/cb"},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, registered, presented string) {
		if validRedirectURI(registered) {
			u, err := url.Parse(registered)
			if err != nil || !u.IsAbs() {
				t.Fatalf("accepted %q, which is not an absolute URI (%v)", registered, err)
			}
			if strings.ContainsAny(registered, "# \t\r\n") || u.Fragment != "" {
				t.Fatalf("accepted %q, which has a fragment or white space", registered)
			}
			switch strings.ToLower(u.Scheme) {
			case "javascript", "data", "vbscript", "file":
				t.Fatalf("accepted %q, a script-like scheme", registered)
			case "http", "https":
				if u.Host == "" || u.User != nil {
					t.Fatalf("accepted %q: http(s) without a host, or with user info", registered)
				}
			}
		}
		a := App{RedirectURIs: []string{registered}}
		if got := a.RegisteredRedirect(presented); got != (registered == presented) {
			t.Fatalf("RegisteredRedirect(%q) with %q registered = %v", presented, registered, got)
		}
	})
}
