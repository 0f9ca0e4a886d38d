package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/cocoondata/access-service/internal/app"
	"github.com/cocoondata/access-service/internal/config"
	"github.com/cocoondata/access-service/internal/oauth"
)

const keysUsage = `usage:
  access-service keys list                 every signing key: kid, created, state, when it signs and retires
  access-service keys rotate [--now]       add a signing key: in the JWKS at once, signing after a delay
                                           (--now: signing at once, for a leaked key)
  access-service keys retire --kid KID     drop a key from the JWKS at once; its tokens are refused`

// keysCommand runs `access-service keys ...` on the store the configuration names.
func keysCommand(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer, fail func(string, ...any) int) int {
	if len(args) == 0 {
		return fail("keys needs a subcommand: list, rotate or retire\n%s", keysUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var now *bool
	var kid *string
	switch sub {
	case "list":
	case "rotate":
		now = fs.Bool("now", false, "sign with the new key at once")
	case "retire":
		kid = fs.String("kid", "", "the key to retire")
	default:
		return fail("unknown keys subcommand %q\n%s", sub, keysUsage)
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return fail("keys %s: bad arguments\n%s", sub, keysUsage)
	}
	if kid != nil && *kid == "" {
		return fail("keys retire: --kid is required")
	}
	a, err := app.OpenStore(ctx, cfg, app.Options{Logger: log})
	if err != nil {
		return fail("%s", err)
	}
	defer a.Close()
	reload := oauth.KeyOptions{}.Resolved().ReloadInterval
	switch sub {
	case "list":
		keys, err := a.SigningKeys(ctx)
		if err != nil {
			return fail("keys list: %s", err)
		}
		printKeys(stdout, keys)
	case "rotate":
		k, err := a.RotateSigningKey(ctx, *now)
		if err != nil {
			return fail("keys rotate: %s", err)
		}
		fmt.Fprintf(stdout, "added signing key %s: in the JWKS now\n", k.KID)
		if *now {
			fmt.Fprintf(stdout, "it signs now; every instance switches to it within %s (its reload interval)\n", reload)
		} else {
			fmt.Fprintf(stdout, "every instance signs with it from %s (the instances publish it within %s; verifiers that cache the JWKS fetch it before then)\n", stamp(k.SignsFrom), reload)
		}
	case "retire":
		k, err := a.RetireSigningKey(ctx, *kid)
		switch {
		case errors.Is(err, oauth.ErrKeyNotFound):
			return fail("keys retire: no signing key has the kid %s (see keys list)", *kid)
		case errors.Is(err, oauth.ErrRetireSigner):
			return fail("keys retire: %s is the key signing new tokens; run keys rotate --now first", *kid)
		case err != nil:
			return fail("keys retire: %s", err)
		}
		fmt.Fprintf(stdout, "retired signing key %s at %s: every instance drops it from the JWKS and refuses its tokens within %s\n", k.KID, stamp(*k.RetiresAt), reload)
	}
	return 0
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// printKeys writes the keys as a table, oldest first.
func printKeys(w io.Writer, keys []oauth.KeyInfo) {
	if len(keys) == 0 {
		fmt.Fprintln(w, "no signing keys yet: the first start of the service makes one (or run keys rotate)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tCREATED\tSTATE\tSIGNS FROM\tRETIRES")
	for _, k := range keys {
		retires := "-" // signing or pending: once a newer key has signed longer than a token lives
		if k.RetiresAt != nil {
			retires = stamp(*k.RetiresAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.KID, stamp(k.CreatedAt), k.State, stamp(k.SignsFrom), retires)
	}
	_ = tw.Flush()
}
