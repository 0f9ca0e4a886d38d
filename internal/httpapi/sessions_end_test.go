package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/revocation"
	"github.com/cocoondata/access-service/internal/testutil"
)

// TestNewPasswordOrDisablingEndsEverySession (issue 16, 2): an operator's new password, or disabling
// the account, ends what it was signed in with: its refresh tokens at once, its access tokens on every
// instance within the revocation poll. The change is made through a second instance, as the CLI would
// (another process on the same database). A disabled account cannot sign in; enabled again, it can, and
// its old tokens stay dead.
func TestNewPasswordOrDisablingEndsEverySession(t *testing.T) {
	e := newEnv(t)
	operator := testutil.Start(t, testutil.WithDatabase(e.svc.Config.DatabaseURL), testutil.WithEnv("ACCESS_ISSUER", e.svc.Config.Issuer))
	ctx := context.Background()
	signIn := func(password string) (access, refresh string, status int) {
		r := e.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": alice, "password": password})
		if r.Status != http.StatusOK {
			return "", "", r.Status
		}
		b := r.JSON(t)
		return b["access_token"].(string), b["refresh_token"].(string), r.Status
	}
	refreshes := func(refresh string) int {
		return e.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "refresh_token", "refresh_token": refresh}).Status
	}
	// GET /api/v1 reads no account: only the token's revocation refuses it (GET /users/me would also
	// refuse a disabled account's token by reading the account).
	directory := func(access string) int { return e.svc.Client.Get(t, "/api/v1", access).Status }
	refusedWithinPoll := func(what, access string, since time.Time) {
		t.Helper()
		for directory(access) != http.StatusUnauthorized {
			if time.Since(since) > revocation.PollInterval+2*time.Second {
				t.Fatalf("%s: the access token still works after %v", what, time.Since(since))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	access, refresh, _ := signIn(testutil.Password)
	if meStatus(t, e.svc, access) != http.StatusOK {
		t.Fatal("a fresh token refused")
	}
	const newPassword = "an entirely new password"
	start := time.Now()
	if err := operator.Users.SetPassword(ctx, alice, newPassword); err != nil {
		t.Fatal(err)
	}
	if s := refreshes(refresh); s != http.StatusBadRequest {
		t.Errorf("the refresh token from before the new password: %d, want 400", s)
	}
	refusedWithinPoll("new password", access, start)
	if _, _, s := signIn(testutil.Password); s != http.StatusBadRequest {
		t.Errorf("the old password: %d, want 400", s)
	}

	access, refresh, s := signIn(newPassword)
	if s != http.StatusOK {
		t.Fatalf("the new password: %d", s)
	}
	start = time.Now()
	if _, err := operator.Users.SetDisabled(ctx, alice, true); err != nil {
		t.Fatal(err)
	}
	if s := refreshes(refresh); s != http.StatusBadRequest {
		t.Errorf("a disabled account's refresh token: %d, want 400", s)
	}
	refusedWithinPoll("disabled", access, start)
	r := e.svc.Client.PostForm(t, "/api/oauth/token", basic, map[string]string{"grant_type": "password", "username": alice, "password": newPassword})
	if r.Status != http.StatusBadRequest || r.JSON(t)["error_description"] != "The account is disabled" {
		t.Errorf("a disabled account signs in: %d %s", r.Status, r.Body)
	}

	if _, err := operator.Users.SetDisabled(ctx, alice, false); err != nil {
		t.Fatal(err)
	}
	again, _, s := signIn(newPassword)
	if s != http.StatusOK || meStatus(t, e.svc, again) != http.StatusOK {
		t.Fatalf("enabled again, the account cannot sign in: %d", s)
	}
	if directory(access) != http.StatusUnauthorized || meStatus(t, e.svc, access) != http.StatusUnauthorized {
		t.Error("enabling the account brought its old token back")
	}
}
