package clientapp_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/revocation"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

const secret = "a-client-secret-of-32-characters-or-more"

func register(t *testing.T, d *testutil.Domain, clientID string) clientapp.App {
	t.Helper()
	a, err := d.Apps.Create(context.Background(), clientapp.NewApp{
		ClientID: clientID, Secret: secret, AppName: "App " + clientID,
		AccessTokenValidity: time.Hour, RefreshTokenValidity: 24 * time.Hour,
		GrantTypes:   []string{clientapp.GrantPassword, clientapp.GrantRefreshToken, clientapp.GrantAuthorizationCode},
		RedirectURIs: []string{"https://" + clientID + ".example/callback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newUser(t *testing.T, d *testutil.Domain, email string) user.User {
	t.Helper()
	u, err := d.Users.Create(context.Background(), user.NewUser{Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// grant stores what a user was given through the app: a refresh token and an authorization code.
func grant(t *testing.T, d *testutil.Domain, u user.User, a clientapp.App) {
	t.Helper()
	ctx, now := context.Background(), time.Now().UTC()
	id := d.IDs.New()
	err := d.Store.OAuth().CreateRefreshToken(ctx, oauth.RefreshToken{ID: id, TokenHash: "refresh-" + a.ClientID, FamilyID: id,
		UserID: u.ID, ClientAppID: a.ID, ExpiresAt: now.Add(time.Hour), CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	err = d.Store.OAuth().CreateCode(ctx, oauth.Code{Hash: "code-" + a.ClientID, UserID: u.ID, ClientAppID: a.ID,
		RedirectURI: a.RedirectURIs[0], ExpiresAt: now.Add(time.Minute), CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
}

// granted is how many live refresh tokens and codes the app has.
func granted(t *testing.T, d *testutil.Domain, a clientapp.App) (refresh, codes int) {
	t.Helper()
	return d.Count(t, "SELECT count(*) FROM refresh_tokens WHERE client_app_id = $1 AND revoked_at IS NULL", a.ID),
		d.Count(t, "SELECT count(*) FROM authorization_codes WHERE client_app_id = $1", a.ID)
}

func revocations(t *testing.T, d *testutil.Domain, clientID string) int {
	t.Helper()
	return d.Count(t, "SELECT count(*) FROM token_revocations WHERE client_id = $1 AND user_id = 0 AND token_id = ''", clientID)
}

// wantRevoked checks whether an access token of the app issued a minute ago counts as revoked, on this
// instance (the index the service added to) and on another that reads the recorded revocations.
func wantRevoked(t *testing.T, d *testutil.Domain, u user.User, clientID string, want bool) {
	t.Helper()
	other := revocation.NewIndex(d.Store.Revocations(), slog.New(slog.DiscardHandler))
	if err := other.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	issued := time.Now().Add(-time.Minute)
	for name, x := range map[string]*revocation.Index{"this instance": d.Revocations, "another instance": other} {
		if got := x.Revoked(u.ID, clientID, "an-access-token", issued); got != want {
			t.Errorf("%s: a token of %s issued before reports revoked=%v, want %v", name, clientID, got, want)
		}
	}
}

// Disabling an app cuts it off in one go: its refresh tokens are revoked, its codes deleted and its
// access tokens refused; enabling it again brings none of that back. Other apps are untouched.
func TestDisablingAnAppRevokesWhatItWasGiven(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	u := newUser(t, d, "user@example.com")
	app, other := register(t, d, "cut-off"), register(t, d, "bystander")
	grant(t, d, u, app)
	grant(t, d, u, other)

	got, err := d.Apps.Toggle(ctx, app.ID)
	if err != nil || got.Enabled {
		t.Fatalf("disabling: %+v, %v", got, err)
	}
	if refresh, codes := granted(t, d, app); refresh != 0 || codes != 0 {
		t.Errorf("after disabling: %d live refresh tokens, %d codes; want none", refresh, codes)
	}
	if n := revocations(t, d, app.ClientID); n != 1 {
		t.Errorf("%d revocations of the app recorded, want 1", n)
	}
	wantRevoked(t, d, u, app.ClientID, true)
	if _, err := d.Apps.Authenticate(ctx, app.ClientID, secret); !errors.Is(err, clientapp.ErrInvalidClient) {
		t.Errorf("a disabled app authenticates: %v", err)
	}

	got, err = d.Apps.Toggle(ctx, app.ID)
	if err != nil || !got.Enabled {
		t.Fatalf("enabling: %+v, %v", got, err)
	}
	if refresh, _ := granted(t, d, app); refresh != 0 {
		t.Errorf("enabling brought back %d refresh tokens", refresh)
	}
	if n := revocations(t, d, app.ClientID); n != 1 {
		t.Errorf("%d revocations of the app after enabling it, want the 1 from disabling", n)
	}
	wantRevoked(t, d, u, app.ClientID, true)
	if d.Revocations.Revoked(u.ID, app.ClientID, "a-new-token", time.Now().Add(2*time.Second)) {
		t.Error("a token issued after enabling the app again is refused")
	}

	if refresh, codes := granted(t, d, other); refresh != 1 || codes != 1 {
		t.Errorf("the other app: %d refresh tokens, %d codes; want its 1 and 1", refresh, codes)
	}
	wantRevoked(t, d, u, other.ClientID, false)
}

// Deleting an app records the revocation of its access tokens with the removal; deleting one that does
// not exist is ErrNotFound and records nothing.
func TestDeleteRevokesTheAppsAccessTokens(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	u := newUser(t, d, "user@example.com")
	app := register(t, d, "doomed")
	grant(t, d, u, app)

	if err := d.Apps.Delete(ctx, app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Apps.ByID(ctx, app.ID); !errors.Is(err, clientapp.ErrNotFound) {
		t.Fatalf("the deleted app: %v", err)
	}
	if refresh, codes := granted(t, d, app); refresh != 0 || codes != 0 {
		t.Errorf("after deleting: %d refresh tokens, %d codes; want none", refresh, codes)
	}
	if n := revocations(t, d, app.ClientID); n != 1 {
		t.Errorf("%d revocations of the app recorded, want 1", n)
	}
	wantRevoked(t, d, u, app.ClientID, true)

	if err := d.Apps.Delete(ctx, app.ID); !errors.Is(err, clientapp.ErrNotFound) {
		t.Fatalf("deleting a missing app: %v, want %v", err, clientapp.ErrNotFound)
	}
	if n := d.Count(t, "SELECT count(*) FROM token_revocations"); n != 1 {
		t.Errorf("%d revocations after deleting a missing app, want still 1", n)
	}
}

// An update whose result breaks a rule stores nothing of it, not even the parts that are fine.
func TestUpdateBreakingARuleStoresNothing(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	app := register(t, d, "steady")
	renamed, newSecret := "Renamed", "another-secret-of-32-characters-or-more"
	for _, c := range []struct {
		name   string
		change clientapp.Change
		want   error
	}{
		{"password grant without a secret", clientapp.Change{AppName: &renamed, ClearSecret: true}, clientapp.ErrSecretRequired},
		{"new secret, relative redirect URI", clientapp.Change{AppName: &renamed, Secret: &newSecret, RedirectURIs: &[]string{"not a uri"}}, clientapp.ErrInvalidRedirectURI},
		{"redirect URI with a fragment", clientapp.Change{AppName: &renamed, RedirectURIs: &[]string{"https://app.example/cb#fragment"}}, clientapp.ErrInvalidRedirectURI},
		{"code grant without a redirect URI", clientapp.Change{AppName: &renamed, RedirectURIs: &[]string{}}, clientapp.ErrRedirectURIRequired},
	} {
		if _, err := d.Apps.Update(ctx, app.ID, c.change); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	got, err := d.Apps.ByID(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.AppName != app.AppName || got.SecretHash != app.SecretHash || !slices.Equal(got.RedirectURIs, app.RedirectURIs) {
		t.Fatalf("refused updates were stored: %+v", got)
	}
	if _, err := d.Apps.Update(ctx, app.ID, clientapp.Change{AppName: &renamed}); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Apps.ByID(ctx, app.ID); err != nil || got.AppName != renamed {
		t.Fatalf("an allowed update: %+v, %v", got, err)
	}
}
