// Package config reads the service's configuration from the environment, once, at start.
package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/property"
)

// Config is everything the service takes from its environment.
type Config struct {
	DatabaseURL string // ACCESS_DATABASE_URL
	HTTPAddr    string // ACCESS_HTTP_ADDR
	Issuer      string // ACCESS_ISSUER, without a trailing slash
	SMTPURL     string // ACCESS_SMTP_URL
	// RequestTimeout (ACCESS_REQUEST_TIMEOUT, a Go duration, default 5s) is the most a request may spend,
	// waiting on the database or for a password check included; past it the answer is 503.
	RequestTimeout time.Duration
	// TokenRatePerClient and TokenRatePerAddress (ACCESS_TOKEN_RATE_PER_CLIENT, ACCESS_TOKEN_RATE_PER_ADDRESS:
	// requests per second, bursts of twice that) limit the token, revocation and introspection
	// endpoints; zero keeps the defaults (50 and 20 per second). Per client means per authenticated
	// client; the requests whose client fails to authenticate share one bucket.
	TokenRatePerClient, TokenRatePerAddress float64

	// ContentServiceURL (ACCESS_CONTENT_SERVICE_URL) and WebappURL (ACCESS_WEBAPP_URL), when set, are
	// written to the platform properties content.service.url and webapp.service.url at every start.
	ContentServiceURL string
	WebappURL         string

	// TrustedProxies (ACCESS_TRUSTED_PROXIES, a comma-separated list of CIDRs or addresses) are the
	// reverse proxies whose X-Forwarded-For is believed: the client's address is taken from that header
	// only when the connection comes from one of them. Empty: the connection's own address, always.
	TrustedProxies []netip.Prefix
	// MetricsAddr (ACCESS_METRICS_ADDR, host:port) is where Prometheus metrics are served, apart from
	// the API; empty (the default): no metrics listener.
	MetricsAddr string
	// SigningKeyRotation (ACCESS_SIGNING_KEY_ROTATION, a Go duration such as 720h) rotates the signing
	// key automatically once the newest key is that old; zero (the default): only by command.
	SigningKeyRotation time.Duration

	BootstrapAdminEmail    string
	BootstrapAdminPassword string
	BootstrapClientID      string
	BootstrapClientSecret  string
}

// DefaultRequestTimeout is ACCESS_REQUEST_TIMEOUT's default.
const DefaultRequestTimeout = 5 * time.Second

// DefaultDatabaseURL is the embedded store, used when ACCESS_DATABASE_URL is unset.
const DefaultDatabaseURL = "sqlite:./data/access-service.db"

// Error names the variable that is wrong, so the start can stop with one clear line.
type Error struct {
	Variable string
	Problem  string
}

func (e *Error) Error() string { return e.Variable + ": " + e.Problem }

// FromEnv reads and validates the configuration; lookup is os.LookupEnv outside tests.
func FromEnv(lookup func(string) (string, bool)) (Config, error) {
	get := func(name, def string) string {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
		return def
	}
	c := Config{
		DatabaseURL:            get("ACCESS_DATABASE_URL", DefaultDatabaseURL),
		HTTPAddr:               get("ACCESS_HTTP_ADDR", "127.0.0.1:8080"),
		SMTPURL:                get("ACCESS_SMTP_URL", ""),
		ContentServiceURL:      get("ACCESS_CONTENT_SERVICE_URL", ""),
		WebappURL:              get("ACCESS_WEBAPP_URL", ""),
		MetricsAddr:            get("ACCESS_METRICS_ADDR", ""),
		BootstrapAdminEmail:    get("ACCESS_BOOTSTRAP_ADMIN_EMAIL", ""),
		BootstrapAdminPassword: get("ACCESS_BOOTSTRAP_ADMIN_PASSWORD", ""),
		BootstrapClientID:      get("ACCESS_BOOTSTRAP_CLIENT_ID", ""),
		BootstrapClientSecret:  get("ACCESS_BOOTSTRAP_CLIENT_SECRET", ""),
	}
	_, issuerSet := lookup("ACCESS_ISSUER")
	issuerSet = issuerSet && get("ACCESS_ISSUER", "") != ""
	c.Issuer = strings.TrimRight(get("ACCESS_ISSUER", "http://"+c.HTTPAddr), "/")

	var errs []error
	timeout, err := time.ParseDuration(get("ACCESS_REQUEST_TIMEOUT", DefaultRequestTimeout.String()))
	if err != nil || timeout <= 0 {
		errs = append(errs, &Error{"ACCESS_REQUEST_TIMEOUT", "must be a positive duration such as 5s"})
	}
	c.RequestTimeout = timeout
	for _, r := range []struct {
		name string
		dst  *float64
	}{{"ACCESS_TOKEN_RATE_PER_CLIENT", &c.TokenRatePerClient}, {"ACCESS_TOKEN_RATE_PER_ADDRESS", &c.TokenRatePerAddress}} {
		if v := get(r.name, ""); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
				errs = append(errs, &Error{r.name, "must be a positive number of requests per second"})
			}
			*r.dst = f
		}
	}
	if err := checkDatabaseURL(c.DatabaseURL); err != nil {
		errs = append(errs, &Error{"ACCESS_DATABASE_URL", err.Error()})
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, &Error{"ACCESS_HTTP_ADDR", fmt.Sprintf("%q is not host:port", c.HTTPAddr)})
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, &Error{"ACCESS_ISSUER", fmt.Sprintf("%q is not an absolute http(s) URL", c.Issuer)})
	} else if !reachableHost(u.Hostname()) {
		// Every token names the issuer, and clients compare it: an issuer without a host clients can
		// reach (ACCESS_HTTP_ADDR=:8080 gives http://:8080; 0.0.0.0 is "every interface") makes tokens
		// nobody can check, so the start stops here with what to do.
		from := ""
		if !issuerSet {
			from = " (made from ACCESS_HTTP_ADDR)"
		}
		errs = append(errs, &Error{"ACCESS_ISSUER", fmt.Sprintf("the issuer %q%s names no host clients can reach; set ACCESS_ISSUER to the URL clients use, e.g. https://access.example.com or http://localhost:8080", c.Issuer, from)})
	}
	if v := get("ACCESS_TRUSTED_PROXIES", ""); v != "" {
		proxies, err := parseProxies(v)
		if err != nil {
			errs = append(errs, &Error{"ACCESS_TRUSTED_PROXIES", err.Error()})
		}
		c.TrustedProxies = proxies
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, &Error{"ACCESS_METRICS_ADDR", fmt.Sprintf("%q is not host:port", c.MetricsAddr)})
		} else if c.MetricsAddr == c.HTTPAddr {
			errs = append(errs, &Error{"ACCESS_METRICS_ADDR", "must differ from ACCESS_HTTP_ADDR: metrics are served apart from the API"})
		}
	}
	if v := get("ACCESS_SIGNING_KEY_ROTATION", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < MinSigningKeyRotation {
			errs = append(errs, &Error{"ACCESS_SIGNING_KEY_ROTATION", fmt.Sprintf("must be a duration of at least %s, such as 720h (30 days)", MinSigningKeyRotation)})
		}
		c.SigningKeyRotation = d
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			errs = append(errs, &Error{"ACCESS_SMTP_URL", "must look like smtp://user:pass@host:port"})
		}
	}
	for _, u := range []struct{ name, value string }{{"ACCESS_CONTENT_SERVICE_URL", c.ContentServiceURL}, {"ACCESS_WEBAPP_URL", c.WebappURL}} {
		if u.value != "" && !property.IsHTTPURL(u.value) {
			errs = append(errs, &Error{u.name, fmt.Sprintf("%q is not an absolute http(s) URL", u.value)})
		}
	}
	if (c.BootstrapAdminEmail == "") != (c.BootstrapAdminPassword == "") {
		errs = append(errs, &Error{"ACCESS_BOOTSTRAP_ADMIN_EMAIL", "set both ACCESS_BOOTSTRAP_ADMIN_EMAIL and ACCESS_BOOTSTRAP_ADMIN_PASSWORD, or neither"})
	}
	if (c.BootstrapClientID == "") != (c.BootstrapClientSecret == "") {
		errs = append(errs, &Error{"ACCESS_BOOTSTRAP_CLIENT_ID", "set both ACCESS_BOOTSTRAP_CLIENT_ID and ACCESS_BOOTSTRAP_CLIENT_SECRET, or neither"})
	}
	// Client secrets are stored with a fast hash, safe only for long ones; registering the app would
	// refuse a shorter one, so the start stops here with the reason.
	if n := utf8.RuneCountInString(c.BootstrapClientSecret); n > 0 && n < clientapp.MinSecretLength {
		errs = append(errs, &Error{"ACCESS_BOOTSTRAP_CLIENT_SECRET", fmt.Sprintf("must be at least %d characters long (it has %d); use a long random secret", clientapp.MinSecretLength, n)})
	}
	return c, errors.Join(errs...)
}

// MinSigningKeyRotation is the shortest automatic rotation ACCESS_SIGNING_KEY_ROTATION accepts: a key must
// outlive the tokens it signs by far, or the key set would only grow.
const MinSigningKeyRotation = time.Hour

// reachableHost tells whether an issuer's host is one a client can connect to: not empty and not an
// unspecified address (0.0.0.0, ::).
func reachableHost(host string) bool {
	if host == "" {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err != nil || !ip.IsUnspecified()
}

// parseProxies reads ACCESS_TRUSTED_PROXIES: CIDRs or single addresses, separated by commas.
func parseProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			// Addresses are compared unmapped (::ffff:10.0.0.1 is 10.0.0.1): so are IPv4-in-IPv6 prefixes.
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR (10.0.0.0/8) nor an address (10.0.0.1)", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// IsEmbedded reports whether the URL names the embedded SQLite store.
func IsEmbedded(databaseURL string) bool { return strings.HasPrefix(databaseURL, "sqlite:") }

// SQLitePath is the file behind a sqlite: URL.
func SQLitePath(databaseURL string) string { return strings.TrimPrefix(databaseURL, "sqlite:") }

func checkDatabaseURL(s string) error {
	switch {
	case IsEmbedded(s):
		if SQLitePath(s) == "" {
			return errors.New("sqlite: needs a file path, e.g. sqlite:./data/access-service.db")
		}
		return nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return errors.New("malformed postgres:// URL")
		}
		return nil
	default:
		return errors.New("must start with postgres:// or sqlite:")
	}
}
