package clientapp_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/testutil"
)

// wantChecks fails the test unless the password hasher was asked for exactly want more checks since
// before.
func wantChecks(t *testing.T, d *testutil.Domain, what string, before, want int64) {
	t.Helper()
	if got := d.Hasher.Checks() - before; got != want {
		t.Errorf("%s: %d password-hasher checks, want %d", what, got, want)
	}
}

// No client authentication costs an Argon2id check, failed or not: an unknown client id, a disabled
// app, a public app sent with a secret, a wrong secret and the right one all take the fast path, so a
// flood of made-up client ids cannot spend the capacity sign-ins need.
func TestClientAuthenticationCostsNoPasswordCheck(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	app := register(t, d, "known")
	off := register(t, d, "switched-off")
	if _, err := d.Apps.Toggle(ctx, off.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Apps.Create(ctx, clientapp.NewApp{ClientID: "public", AppName: "Public", AccessTokenValidity: time.Hour,
		RefreshTokenValidity: time.Hour, GrantTypes: []string{clientapp.GrantAuthorizationCode}, RedirectURIs: []string{"https://public.example/cb"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(app.SecretHash, "$hmac-sha256$") {
		t.Fatalf("a new secret is stored as %q, want the fast format", app.SecretHash)
	}
	before := d.Hasher.Checks()
	for _, c := range []struct{ name, clientID, secret string }{
		{"unknown client id", "made-up-id", secret},
		{"unknown, implausible client id", "made\x00up", secret},
		{"disabled app, its right secret", off.ClientID, secret},
		{"public app, any secret", "public", secret},
		{"wrong secret", app.ClientID, secret + "x"},
		{"empty secret", app.ClientID, ""},
	} {
		if _, err := d.Apps.Authenticate(ctx, c.clientID, c.secret); !errors.Is(err, clientapp.ErrInvalidClient) {
			t.Errorf("%s: %v, want ErrInvalidClient", c.name, err)
		}
	}
	if got, err := d.Apps.Authenticate(ctx, app.ClientID, secret); err != nil || got.ID != app.ID {
		t.Fatalf("the right secret: %+v, %v", got, err)
	}
	wantChecks(t, d, "client authentications", before, 0)
}

// A secret stored with the password hasher before the fast hash (a legacy Argon2id hash) still
// verifies; the first success stores it anew in the fast format, so the next check is a fast one. A
// wrong secret changes nothing. A legacy secret too short for the fast hash stays as it is, and the
// memo spares its client's next requests the Argon2id check.
func TestLegacySecretIsRehashedOnSuccess(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	legacy := func(clientID, plain string) clientapp.App {
		t.Helper()
		a := register(t, d, clientID)
		h, err := d.Hasher.Hash(ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		a.SecretHash = h
		if err := d.Store.ClientApps().Update(ctx, a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	stored := func(id int64) string {
		t.Helper()
		a, err := d.Apps.ByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return a.SecretHash
	}

	app := legacy("old-timer", secret)
	before := d.Hasher.Checks()
	if _, err := d.Apps.Authenticate(ctx, app.ClientID, "not "+secret); !errors.Is(err, clientapp.ErrInvalidClient) {
		t.Fatalf("a wrong secret against a legacy hash: %v", err)
	}
	wantChecks(t, d, "a wrong secret against a legacy hash", before, 1)
	if got := stored(app.ID); got != app.SecretHash {
		t.Fatalf("a wrong secret changed the stored hash to %q", got)
	}
	before = d.Hasher.Checks()
	if got, err := d.Apps.Authenticate(ctx, app.ClientID, secret); err != nil || got.ID != app.ID {
		t.Fatalf("the right secret against a legacy hash: %+v, %v", got, err)
	}
	wantChecks(t, d, "the right secret against a legacy hash", before, 1)
	if got := stored(app.ID); !strings.HasPrefix(got, "$hmac-sha256$") {
		t.Fatalf("after a successful legacy check the hash is %q, want the fast format", got)
	}
	before = d.Hasher.Checks()
	for range 3 {
		if _, err := d.Apps.Authenticate(ctx, app.ClientID, secret); err != nil {
			t.Fatalf("the right secret after the rehash: %v", err)
		}
	}
	if _, err := d.Apps.Authenticate(ctx, app.ClientID, "not "+secret); !errors.Is(err, clientapp.ErrInvalidClient) {
		t.Fatalf("a wrong secret after the rehash: %v", err)
	}
	wantChecks(t, d, "checks after the rehash", before, 0)

	const short = "a legacy 20-char key"
	shortApp := legacy("short-key", short)
	before = d.Hasher.Checks()
	for range 3 {
		if _, err := d.Apps.Authenticate(ctx, shortApp.ClientID, short); err != nil {
			t.Fatalf("a short legacy secret: %v", err)
		}
	}
	wantChecks(t, d, "a short legacy secret, three times", before, 1)
	if got := stored(shortApp.ID); got != shortApp.SecretHash {
		t.Fatalf("a short legacy secret was rehashed to %q", got)
	}
}

// Rehashing a legacy secret changes the stored hash only if it is still the one that was checked: an
// administrator's new secret, stored meanwhile, stays.
func TestReplaceSecretHashLosesToAChangedSecret(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	app := register(t, d, "changed")
	if err := d.Store.ClientApps().ReplaceSecretHash(ctx, app.ID, "$argon2id$stale", "$hmac-sha256$new$new"); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Apps.ByID(ctx, app.ID); err != nil || got.SecretHash != app.SecretHash {
		t.Fatalf("a stale replacement was stored: %q, %v", got.SecretHash, err)
	}
}

// A new or changed secret shorter than 32 characters is refused (a fast hash is safe only for long
// secrets) with an Invalid error that names clientSecret, and nothing is stored; 32 characters are
// enough, counted as characters, not bytes.
func TestShortSecretIsRefused(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	newApp := func(clientID, s string) clientapp.NewApp {
		return clientapp.NewApp{ClientID: clientID, Secret: s, AppName: clientID, AccessTokenValidity: time.Hour,
			RefreshTokenValidity: time.Hour, GrantTypes: []string{clientapp.GrantPassword}}
	}
	wantRefused := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, clientapp.ErrSecretTooShort) || !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "clientSecret") {
			t.Errorf("%s: %v, want an Invalid error naming clientSecret", what, err)
		}
	}
	short := strings.Repeat("s", 31)
	_, err := d.Apps.Create(ctx, newApp("too-short", short))
	wantRefused("Create", err)
	_, err = d.Apps.Register(ctx, newApp("too-short", short))
	wantRefused("Register", err)
	if _, err := d.Apps.ByClientID(ctx, "too-short"); !errors.Is(err, clientapp.ErrNotFound) {
		t.Fatalf("a refused app was stored: %v", err)
	}

	app, err := d.Apps.Create(ctx, newApp("long-enough", strings.Repeat("é", 32)))
	if err != nil {
		t.Fatalf("a secret of 32 characters (64 bytes): %v", err)
	}
	_, err = d.Apps.Update(ctx, app.ID, clientapp.Change{Secret: &short})
	wantRefused("Update", err)
	if got, err := d.Apps.ByID(ctx, app.ID); err != nil || got.SecretHash != app.SecretHash {
		t.Fatalf("a refused secret change was stored: %q, %v", got.SecretHash, err)
	}
	if _, err := d.Apps.Authenticate(ctx, app.ClientID, strings.Repeat("é", 32)); err != nil {
		t.Fatalf("the 32-character secret: %v", err)
	}
}
