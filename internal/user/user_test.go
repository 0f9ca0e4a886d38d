package user_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

const rightPassword = "the right password"

func create(t *testing.T, d *testutil.Domain, nu user.NewUser) user.User {
	t.Helper()
	u, err := d.Users.Create(context.Background(), nu)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func reread(t *testing.T, d *testutil.Domain, id int64) user.User {
	t.Helper()
	u, err := d.Users.ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}

// The lockout rule (issue 16, 6): the retry limit's worth of wrong passwords from one address locks
// that address out of the account (even the right password is then refused from there, with the very
// answer a wrong password gets) while other addresses still sign in; the account as a whole locks only
// after AccountLockFactor times the limit from all addresses together. Once a lock is over the right
// password lets the user in and clears the counts.
func TestWrongPasswordsLockTheAddressThenTheAccount(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	u := create(t, d, user.NewUser{Email: "user@example.com", Password: rightPassword})
	limit, err := d.Properties.MaxPasswordRetries(ctx)
	if err != nil || limit < 2 {
		t.Fatalf("retry limit %d, %v", limit, err)
	}
	signIn := func(pw, from string) error {
		_, err := d.Users.Authenticate(ctx, u.Email, pw, from)
		return err
	}
	addressLocked := func(from string) bool {
		return d.Count(t, "SELECT count(*) FROM login_failures WHERE user_id = $1 AND address = $2 AND locked_until > now()", u.ID, from) == 1
	}
	const attacker, owner = "203.0.113.7", "198.51.100.2"

	for range limit - 1 {
		wantErr(t, "a wrong password", signIn("wrong", attacker), user.ErrBadCredentials)
	}
	if addressLocked(attacker) {
		t.Fatalf("locked after %d failures, before the limit", limit-1)
	}
	wantErr(t, "the failure reaching the limit", signIn("wrong", attacker), user.ErrBadCredentials)
	if !addressLocked(attacker) {
		t.Fatalf("the address is not locked out after %d failures", limit)
	}
	wantErr(t, "the right password from the locked-out address", signIn(rightPassword, attacker), user.ErrBadCredentials)
	if err := signIn(rightPassword, owner); err != nil {
		t.Fatalf("the owner, from another address, is locked out too: %v", err)
	}
	if got := reread(t, d, u.ID); got.LockedUntil != nil {
		t.Fatalf("one address locked the whole account until %v", got.LockedUntil)
	}
	// Attempts from the locked-out address are not counted against the account.
	for range 4 * limit {
		wantErr(t, "the locked-out address trying on", signIn("wrong", attacker), user.ErrBadCredentials)
	}
	if got := reread(t, d, u.ID); got.LockedUntil != nil {
		t.Fatalf("a locked-out address's attempts locked the account until %v", got.LockedUntil)
	}

	// A spread attack: failures from many addresses lock the account at AccountLockFactor times the limit.
	for i := range user.AccountLockFactor*limit - 1 {
		wantErr(t, "a spread failure", signIn("wrong", fmt.Sprintf("192.0.2.%d", i%200)), user.ErrBadCredentials)
	}
	if got := reread(t, d, u.ID); got.LockedUntil != nil {
		t.Fatalf("locked before %d failures from all addresses", user.AccountLockFactor*limit)
	}
	wantErr(t, "the failure reaching the account's limit", signIn("wrong", "192.0.2.250"), user.ErrBadCredentials)
	if got := reread(t, d, u.ID); got.LockedUntil == nil || time.Until(*got.LockedUntil) < user.LockDuration-time.Minute {
		t.Fatalf("after %d failures from all addresses: locked until %v, want about %v from now", user.AccountLockFactor*limit, got.LockedUntil, user.LockDuration)
	}
	wantErr(t, "the owner while the account is locked", signIn(rightPassword, owner), user.ErrBadCredentials)

	if err := d.Store.Users().Lock(ctx, u.ID, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := signIn(rightPassword, owner); err != nil {
		t.Fatalf("the right password after the lock: %v", err)
	}
	if got := reread(t, d, u.ID); got.FailedLogins != 0 || got.LockedUntil != nil {
		t.Fatalf("after signing in: %d failures counted, locked until %v; want neither", got.FailedLogins, got.LockedUntil)
	}
}

// Losing the SafeShare administrator role revokes the account's access tokens (they carry the role),
// whatever their client, recorded with the change; granting it revokes nothing. No one changes their
// own role, whether named by their address (however written) or by their account.
func TestRevokingTheAdministratorRoleRevokesTheAccountsTokens(t *testing.T) {
	t.Parallel()
	d, ctx := testutil.NewDomain(t), context.Background()
	caller := create(t, d, user.NewUser{Email: "root@platform.example", SafeShareAdmin: true})
	target := create(t, d, user.NewUser{Email: "ops@platform.example", SafeShareAdmin: true})
	bystander := create(t, d, user.NewUser{Email: "user@example.com"})
	issued := time.Now().Add(-time.Minute)
	revocations := func() int { return d.Count(t, "SELECT count(*) FROM token_revocations") }

	_, err := d.Users.SetSafeShareAdmin(ctx, caller, " Root@Platform.example ", false)
	wantErr(t, "revoking one's own role", err, user.ErrOwnRole)
	_, err = d.Users.SetSafeShareAdmin(ctx, user.User{ID: caller.ID, Email: "old-address@platform.example"}, caller.Email, false)
	wantErr(t, "revoking one's own role under a former address", err, user.ErrOwnRole)
	gone := user.User{ID: d.IDs.New(), Email: "gone@platform.example"} // signed in, and the account deleted since
	_, err = d.Users.SetSafeShareAdmin(ctx, gone, gone.Email, true)
	wantErr(t, "granting oneself the role on one's deleted account's address", err, user.ErrOwnRole)
	accounts := d.Count(t, "SELECT count(*) FROM users WHERE email = $1", gone.Email)
	if !reread(t, d, caller.ID).SafeShareAdmin || revocations() != 0 || accounts != 0 {
		t.Fatal("a refused change of one's own role was stored")
	}

	granted, err := d.Users.SetSafeShareAdmin(ctx, caller, "new@platform.example", true)
	if err != nil || !granted.SafeShareAdmin || !reread(t, d, granted.ID).SafeShareAdmin {
		t.Fatalf("granting the role: %+v, %v", granted, err)
	}
	if n := revocations(); n != 0 || d.Revocations.Revoked(granted.ID, "any-client", "a-token", issued) {
		t.Fatalf("granting the role revoked tokens (%d recorded)", n)
	}

	got, err := d.Users.SetSafeShareAdmin(ctx, caller, target.Email, false)
	if err != nil || got.SafeShareAdmin || reread(t, d, target.ID).SafeShareAdmin {
		t.Fatalf("revoking the role: %+v, %v", got, err)
	}
	if n := d.Count(t, "SELECT count(*) FROM token_revocations WHERE user_id = $1 AND client_id = '' AND token_id = ''", target.ID); n != 1 {
		t.Errorf("%d revocations of the account recorded, want 1", n)
	}
	for _, client := range []string{"first-party", "third-party"} {
		if !d.Revocations.Revoked(target.ID, client, "a-token", issued) {
			t.Errorf("the former administrator's %s token issued before is not revoked", client)
		}
	}
	if d.Revocations.Revoked(bystander.ID, "first-party", "a-token", issued) {
		t.Error("another account's token is revoked")
	}
	if d.Revocations.Revoked(target.ID, "first-party", "a-new-token", time.Now().Add(2*time.Second)) {
		t.Error("a token issued after the change is refused")
	}
}

// A new password, and disabling the account, end everything it was signed in with, together: the
// sign-in sessions of the authorization pages, the refresh tokens, and (recorded, and in this
// instance's index) every access token. A disabled account cannot sign in, even with the right
// password; enabled again it can, and nothing old comes back.
func TestNewPasswordAndDisablingEndEverySession(t *testing.T) {
	t.Parallel()
	d := testutil.NewDomain(t)
	ctx := context.Background()
	u := create(t, d, user.NewUser{Email: "user@example.com", Password: rightPassword})
	_, grants := d.OAuth(t)
	signedIn := func() (string, time.Time) {
		t.Helper()
		res, err := grants.SignIn(ctx, clientapp.App{}, u.Email, rightPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		return res.Session, time.Now().Add(-time.Second).Truncate(time.Second) // an access token's iat by then
	}
	ended := func(what, session string, issuedAt time.Time) {
		t.Helper()
		if _, err := grants.SessionUser(ctx, session); err == nil {
			t.Errorf("%s: the sign-in session still works", what)
		}
		if !d.Revocations.Revoked(u.ID, "any-client", "any-token", issuedAt) {
			t.Errorf("%s: an access token issued before it is not revoked", what)
		}
	}

	session, iat := signedIn()
	revocations := d.Count(t, "SELECT count(*) FROM token_revocations WHERE user_id = $1", u.ID)
	if err := d.Users.SetPassword(ctx, u.Email, rightPassword); err != nil {
		t.Fatal(err)
	}
	ended("new password", session, iat)
	if n := d.Count(t, "SELECT count(*) FROM token_revocations WHERE user_id = $1", u.ID); n != revocations+1 {
		t.Errorf("%d revocations recorded, want %d", n, revocations+1)
	}

	session, iat = signedIn()
	if _, err := d.Users.SetDisabled(ctx, u.Email, true); err != nil {
		t.Fatal(err)
	}
	ended("disabled", session, iat)
	_, err := d.Users.Authenticate(ctx, u.Email, rightPassword, "192.0.2.1")
	wantErr(t, "a disabled account signing in", err, user.ErrDisabled)
	if _, err := d.Users.Active(ctx, u.ID); !errors.Is(err, user.ErrNotFound) {
		t.Errorf("a disabled account is active: %v", err)
	}
	if _, err := d.Users.SetDisabled(ctx, u.Email, false); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Users.Authenticate(ctx, u.Email, rightPassword, "192.0.2.1"); err != nil {
		t.Errorf("enabled again: %v", err)
	}
	if _, err := grants.SessionUser(ctx, session); err == nil {
		t.Error("enabling brought the old session back")
	}
}
