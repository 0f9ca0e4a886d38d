package oauth

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzWithResult: the result of an authorization goes to the registered redirect URI and nowhere else
// (same scheme, host and path), and the client's state comes back unchanged, in the query (code flow) or
// the fragment (implicit flow).
func FuzzWithResult(f *testing.F) {
	for _, s := range []string{
		"https://app.example/cb", "https://app.example/cb?keep=1", "com.example.app:/oauth",
		"https://app.example/cb?state=registered", "https://app.example/a%2Fb?x=%zz", "http://[::1]:8080/cb",
	} {
		f.Add(s, "xyz", false)
		f.Add(s, "a&b=c#d", true)
	}
	f.Fuzz(func(t *testing.T, redirect, state string, fragment bool) {
		reg, err := url.Parse(redirect)
		if err != nil || !reg.IsAbs() || strings.Contains(redirect, "#") {
			return // never registered (clientapp refuses it)
		}
		out := withResult(redirect, url.Values{"code": {"c0de"}, "state": {state}}, fragment)
		u, err := url.Parse(out)
		if err != nil {
			t.Fatalf("withResult(%q) = %q, which does not parse: %v", redirect, out, err)
		}
		if u.Scheme != reg.Scheme || u.Host != reg.Host || u.Path != reg.Path || u.Opaque != reg.Opaque || u.User.String() != reg.User.String() {
			t.Fatalf("withResult(%q) = %q: sends the browser elsewhere", redirect, out)
		}
		var got url.Values
		if fragment {
			got, err = url.ParseQuery(u.EscapedFragment())
		} else {
			got, err = url.ParseQuery(u.RawQuery)
		}
		if err != nil || got.Get("state") != state || got.Get("code") != "c0de" {
			t.Fatalf("withResult(%q, state %q) = %q: state or code lost (%v)", redirect, state, out, err)
		}
	})
}
