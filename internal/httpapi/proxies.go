package httpapi

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// clientAddress is Echo's IPExtractor (c.RealIP()): the client's address that the rate limits, the
// lockout, the audit trail and the access log use. It is the connection's own address, unless that is
// one of the trusted reverse proxies (ACCESS_TRUSTED_PROXIES): then the X-Forwarded-For header is read
// from the right, each proxy having appended the address it was reached from, and the first address
// that is not itself a trusted proxy is the client's (all of them trusted: the left-most). What a client
// writes into the header itself stays on its left, behind the address the first trusted proxy saw, so it
// is never believed. A header with anything but addresses is not believed at all: the connection's own
// address then. Without trusted proxies the header is never read.
func clientAddress(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return extractDirect
	}
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(req *http.Request) string {
		direct := extractDirect(req)
		peer, err := parseAddr(direct)
		if err != nil || !isTrusted(peer) {
			return direct
		}
		values := req.Header[echo.HeaderXForwardedFor]
		if len(values) == 0 {
			return direct
		}
		// Several header lines are one list, in order.
		hops := strings.Split(strings.Join(values, ","), ",")
		client := peer
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := parseAddr(hops[i])
			if err != nil {
				return direct
			}
			client = a
			if !isTrusted(a) {
				break
			}
		}
		return client.String()
	}
}

// parseAddr reads one address of X-Forwarded-For (an IPv6 one possibly in brackets), or the connection's
// address; IPv4 in IPv6 ("::ffff:192.0.2.1") is the IPv4 address.
func parseAddr(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, err
	}
	return a.Unmap().WithZone(""), nil
}

// extractDirect is the connection's own address.
var extractDirect = echo.ExtractIPDirect()
