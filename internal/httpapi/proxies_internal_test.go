package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// clientAddress: the connection's address unless it is a trusted proxy; then X-Forwarded-For from the
// right, the first address that is not a trusted proxy; anything malformed: the connection's address.
func TestClientAddress(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string
		want    string
	}{
		{"no trusted proxies: the header is not read", nil, "10.0.0.1:5000", []string{"203.0.113.7"}, "10.0.0.1"},
		{"an untrusted peer's header is not read", trusted, "192.0.2.1:5000", []string{"203.0.113.7"}, "192.0.2.1"},
		{"a trusted peer without the header", trusted, "10.0.0.1:5000", nil, "10.0.0.1"},
		{"a trusted peer's client", trusted, "10.0.0.1:5000", []string{"203.0.113.7"}, "203.0.113.7"},
		{"what the client wrote stays on the left", trusted, "10.0.0.1:5000", []string{"198.51.100.66, 203.0.113.7"}, "203.0.113.7"},
		{"trusted proxies in the chain are skipped", trusted, "10.0.0.1:5000", []string{"198.51.100.66, 203.0.113.7, 10.1.2.3"}, "203.0.113.7"},
		{"several header lines are one list", trusted, "10.0.0.1:5000", []string{"198.51.100.66", "203.0.113.7,10.1.2.3"}, "203.0.113.7"},
		{"all trusted: the furthest", trusted, "10.0.0.1:5000", []string{"10.9.9.9, 10.1.2.3"}, "10.9.9.9"},
		{"a malformed entry: the peer", trusted, "10.0.0.1:5000", []string{"203.0.113.7, not-an-address"}, "10.0.0.1"},
		{"a port is not an address: the peer", trusted, "10.0.0.1:5000", []string{"203.0.113.7:443"}, "10.0.0.1"},
		{"an empty entry: the peer", trusted, "10.0.0.1:5000", []string{"203.0.113.7,,"}, "10.0.0.1"},
		{"a malformed entry left of the client is not read", trusted, "10.0.0.1:5000", []string{"garbage, 203.0.113.7"}, "203.0.113.7"},
		{"IPv6, bracketed", trusted, "[2001:db8::1]:5000", []string{"[2001:db9::7]"}, "2001:db9::7"},
		{"IPv4 in IPv6 is IPv4", trusted, "[::ffff:10.0.0.1]:5000", []string{"::ffff:203.0.113.7"}, "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddress(tc.trusted)(req); got != tc.want {
				t.Fatalf("%q, want %q", got, tc.want)
			}
		})
	}
}
