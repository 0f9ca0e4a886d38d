package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/listing"
)

// The rules the API's schema (openapi.yaml, ClientAppCreate) sets on what it registers, checked here
// too: the command line goes to the service's rules directly, not through the schema.
var (
	clientIDPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]{0,254}$`)
	scopeTokenPattern = regexp.MustCompile(`^[!#-\[\]-~]{1,100}$`)
	knownGrants       = []string{clientapp.GrantAuthorizationCode, clientapp.GrantImplicit, clientapp.GrantPassword, clientapp.GrantRefreshToken}
)

// Validity bounds, as the API's (60 seconds to a year).
const (
	minValidity = time.Minute
	maxValidity = 365 * 24 * time.Hour
)

// listFlag is a flag that may be repeated and takes comma-separated lists: --grant a --grant b,c.
type listFlag struct {
	values []string
	set    bool
}

func (l *listFlag) String() string { return strings.Join(l.values, ",") }

func (l *listFlag) Set(v string) error {
	l.set = true
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(l.values, f) {
			l.values = append(l.values, f)
		}
	}
	return nil
}

// or returns the flag's values, or def when the flag was not given.
func (l *listFlag) or(def ...string) []string {
	if !l.set {
		return def
	}
	return l.values
}

func clientCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer, fail func(string, ...any) int) int {
	if len(args) == 0 {
		return fail("client needs a subcommand: create, list, disable or enable\n%s", usage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("client "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		clientID                 *string
		grants, scopes, redirect listFlag
		postLogout               listFlag
		name                     *string
		generate, public         *bool
		accessTTL, refreshTTL    *time.Duration
	)
	switch sub {
	case "create":
		clientID = fs.String("client-id", "", "the client id")
		fs.Var(&grants, "grant", "a grant type (repeatable, or a comma-separated list)")
		fs.Var(&scopes, "scope", "a scope the app may ask for (repeatable, or a comma-separated list)")
		fs.Var(&redirect, "redirect-uri", "a registered redirect URI (repeatable, or a comma-separated list)")
		fs.Var(&postLogout, "post-logout-redirect-uri", "where the app may send the browser after signing out (repeatable, or a comma-separated list)")
		name = fs.String("name", "", "the app's name, shown to users (default: the client id)")
		generate = fs.Bool("generate-secret", false, "generate the secret and print it once")
		public = fs.Bool("public", false, "no secret: a public client (PKCE)")
		accessTTL = fs.Duration("access-token-validity", time.Hour, "how long its access tokens last")
		refreshTTL = fs.Duration("refresh-token-validity", 30*24*time.Hour, "how long its refresh tokens last")
	case "disable", "enable":
		clientID = fs.String("client-id", "", "the client id")
	case "list":
	default:
		return fail("unknown client subcommand %q\n%s", sub, usage)
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return fail("client %s: bad arguments\n%s", sub, usage)
	}
	if clientID != nil && *clientID == "" {
		return fail("client %s: --client-id is required", sub)
	}
	var n clientapp.NewApp
	if sub == "create" {
		var err error
		n, err = newClientApp(*clientID, *name, grants.or(clientapp.GrantPassword, clientapp.GrantRefreshToken),
			scopes.or("read"), redirect.values, *accessTTL, *refreshTTL)
		if err != nil {
			return fail("client create: %s", err)
		}
		if len(postLogout.values) > 20 {
			return fail("client create: at most 20 post-logout redirect URIs")
		}
		n.PostLogoutRedirectURIs = postLogout.values
		switch {
		case *public && *generate:
			return fail("client create: --public and --generate-secret exclude each other")
		case *public:
		case *generate:
			n.Secret = app.RandomSecret()
		default:
			if n.Secret, err = readPassword(stdin); err != nil || n.Secret == "" {
				return fail("client create: expected the client secret on standard input (one line), or --generate-secret, or --public")
			}
		}
		if n.Secret != "" {
			if c := utf8.RuneCountInString(n.Secret); c < clientapp.MinSecretLength {
				return fail("client create: the secret must be at least %d characters long (it has %d); use a long random one, or --generate-secret", clientapp.MinSecretLength, c)
			}
		}
	}
	a, err := app.OpenStore(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return fail("%s", err)
	}
	defer a.Close()
	switch sub {
	case "create":
		c, err := a.Apps.Create(ctx, n)
		switch {
		case errors.Is(err, clientapp.ErrClientIDTaken):
			return fail("client create: a client app with the client id %s already exists", n.ClientID)
		case err != nil:
			return fail("client create: %s", err)
		}
		fmt.Fprintf(stdout, "created client app %s (grants %s; scope %s)\n", c.ClientID, strings.Join(c.GrantTypes, ","), strings.Join(c.Scope, " "))
		if *generate {
			fmt.Fprintf(stdout, "client secret: %s\n(shown this once; keep it somewhere safe)\n", n.Secret)
		}
		return 0
	case "list":
		page, err := a.Apps.List(ctx, listing.Query{})
		if err != nil {
			return fail("client list: %s", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT ID\tNAME\tGRANTS\tSCOPES\tENABLED")
		for _, c := range page.Items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ClientID, oneLine(c.AppName), strings.Join(c.GrantTypes, ","), strings.Join(c.Scope, ","), yesNo(c.Enabled))
		}
		_ = tw.Flush()
		return 0
	}
	// disable, enable: the API's toggle, so disabling ends the app's tokens as the API does (its
	// refresh tokens revoked, its codes deleted, its access tokens refused).
	want := sub == "enable"
	c, err := a.Apps.ByClientID(ctx, *clientID)
	if errors.Is(err, clientapp.ErrNotFound) {
		return fail("client %s: no client app has the client id %s", sub, *clientID)
	}
	if err != nil {
		return fail("client %s: %s", sub, err)
	}
	if c.Enabled == want {
		fmt.Fprintf(stdout, "client app %s is already %sd\n", c.ClientID, sub)
		return 0
	}
	if _, err := a.Apps.Toggle(ctx, c.ID); err != nil {
		return fail("client %s: %s", sub, err)
	}
	if want {
		fmt.Fprintf(stdout, "enabled client app %s: it can get tokens again\n", c.ClientID)
	} else {
		fmt.Fprintf(stdout, "disabled client app %s: it cannot get tokens, and every token it had is ended\n", c.ClientID)
	}
	return 0
}

// newClientApp checks what the command line asks for, as the API's schema would.
func newClientApp(clientID, name string, grants, scopes, redirects []string, accessTTL, refreshTTL time.Duration) (clientapp.NewApp, error) {
	if !clientIDPattern.MatchString(clientID) {
		return clientapp.NewApp{}, fmt.Errorf("the client id %q must be 1 to 255 letters, digits and ._~- (starting with a letter or digit)", clientID)
	}
	if name == "" {
		name = clientID
	}
	if utf8.RuneCountInString(name) > 255 || strings.TrimSpace(name) == "" {
		return clientapp.NewApp{}, errors.New("--name must be 1 to 255 characters, not only spaces")
	}
	if len(grants) == 0 {
		return clientapp.NewApp{}, errors.New("--grant names no grant type")
	}
	for _, g := range grants {
		if !slices.Contains(knownGrants, g) {
			return clientapp.NewApp{}, fmt.Errorf("unknown grant %q (one of %s)", g, strings.Join(knownGrants, ", "))
		}
	}
	if len(scopes) == 0 || len(scopes) > 50 {
		return clientapp.NewApp{}, errors.New("--scope must name 1 to 50 scopes")
	}
	for _, s := range scopes {
		if !scopeTokenPattern.MatchString(s) {
			return clientapp.NewApp{}, fmt.Errorf("%q is not a scope token (printable ASCII without spaces, quotes or backslashes)", s)
		}
	}
	if len(redirects) > 20 {
		return clientapp.NewApp{}, errors.New("at most 20 redirect URIs")
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"--access-token-validity", accessTTL}, {"--refresh-token-validity", refreshTTL}} {
		if d.v < minValidity || d.v > maxValidity || d.v%time.Second != 0 {
			return clientapp.NewApp{}, fmt.Errorf("%s must be whole seconds from 1m to 8760h (a year)", d.flag)
		}
	}
	return clientapp.NewApp{ClientID: clientID, AppName: name, GrantTypes: grants, Scope: scopes, RedirectURIs: redirects,
		AccessTokenValidity: accessTTL, RefreshTokenValidity: refreshTTL}, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// oneLine keeps a table row on one line whatever the name holds.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}
