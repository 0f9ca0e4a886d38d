package oauth_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/testutil"
	"github.com/cocoondata/access-service/internal/user"
)

const (
	userPassword = "correct horse battery staple"
	clientSecret = "third-party-secret-of-32-characters"
	redirectURI  = "https://third-party.example/callback"
)

// server is the authorization server over a fresh database, with one third-party app (it asks users
// for their approval) and its users.
type server struct {
	d      *testutil.Domain
	tokens *oauth.Tokens
	grants *oauth.Grants
	app    clientapp.App
}

func newServer(t *testing.T) *server {
	t.Helper()
	d := testutil.NewDomain(t)
	tokens, grants := d.OAuth(t)
	app, err := d.Apps.Create(context.Background(), clientapp.NewApp{
		ClientID: "third-party", Secret: clientSecret, AppName: "Third party",
		AccessTokenValidity: time.Hour, RefreshTokenValidity: 24 * time.Hour,
		GrantTypes:   []string{clientapp.GrantPassword, clientapp.GrantRefreshToken, clientapp.GrantAuthorizationCode},
		RedirectURIs: []string{redirectURI},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &server{d: d, tokens: tokens, grants: grants, app: app}
}

func (s *server) newUser(t *testing.T, email string) user.User {
	t.Helper()
	u, err := s.d.Users.Create(context.Background(), user.NewUser{Email: email, Password: userPassword})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// token asks the token endpoint, as the app.
func (s *server) token(req oauth.TokenRequest) (oauth.TokenResponse, error) {
	req.Client = oauth.ClientCredentials{BasicID: s.app.ClientID, BasicSecret: clientSecret, HasBasic: true}
	return s.grants.Token(context.Background(), req)
}

func (s *server) passwordGrant(t *testing.T, u user.User) oauth.TokenResponse {
	t.Helper()
	resp, err := s.token(oauth.TokenRequest{GrantType: clientapp.GrantPassword, Username: u.Email, Password: userPassword})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (s *server) refresh(raw string) (oauth.TokenResponse, error) {
	return s.token(oauth.TokenRequest{GrantType: clientapp.GrantRefreshToken, RefreshToken: raw})
}

func (s *server) exchange(code string) (oauth.TokenResponse, error) {
	return s.token(oauth.TokenRequest{GrantType: clientapp.GrantAuthorizationCode, Code: code, RedirectURI: redirectURI})
}

// approve signs the user in, has them approve the app and returns the authorization code it gets.
func (s *server) approve(t *testing.T, u user.User) string {
	t.Helper()
	ctx := context.Background()
	res, err := s.grants.SignIn(ctx, s.app, u.Email, userPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	signedIn, err := s.grants.SessionUser(ctx, res.Session)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.grants.Check(ctx, oauth.AuthRequest{ResponseType: oauth.ResponseCode, ClientID: s.app.ClientID, RedirectURI: redirectURI, Scope: "read"})
	if err != nil {
		t.Fatal(err)
	}
	to, err := s.grants.Approve(ctx, signedIn, a)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := url.Parse(to)
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("approval sent the browser to %q: %v", to, err)
	}
	return loc.Query().Get("code")
}

func wantInvalidGrant(t *testing.T, what string, err error) {
	t.Helper()
	var oe *oauth.Error
	if !errors.As(err, &oe) || oe.Code != oauth.CodeInvalidGrant {
		t.Errorf("%s: got %v, want invalid_grant", what, err)
	}
}

// wantAccess checks whether the access token is still accepted.
func (s *server) wantAccess(t *testing.T, what string, accessToken string, valid bool) {
	t.Helper()
	_, err := s.tokens.Verify(context.Background(), accessToken)
	if (err == nil) != valid {
		t.Errorf("%s: verifying gives %v, want valid=%v", what, err, valid)
	}
}

// Refresh-token rotation: a spent token used again is refused, and its whole family (every token from
// the same sign-in) is revoked, so the token its first use issued no longer works. Other sign-ins'
// tokens are untouched.
func TestReusedRefreshTokenRevokesItsFamily(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	u := s.newUser(t, "user@example.com")
	first, other := s.passwordGrant(t, u), s.passwordGrant(t, u)
	rotated, err := s.refresh(first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	s.wantAccess(t, "the access token the first rotation issued, before the reuse", rotated.AccessToken, true)

	_, err = s.refresh(first.RefreshToken)
	wantInvalidGrant(t, "the spent token again", err)
	_, err = s.refresh(rotated.RefreshToken)
	wantInvalidGrant(t, "the token the first rotation issued", err)
	// The access tokens go too (issue 16, 3): the one the thief's rotation minted, and every other the
	// client holds for the account; the message says so.
	s.wantAccess(t, "the access token the first rotation issued", rotated.AccessToken, false)
	s.wantAccess(t, "the sign-in's first access token", first.AccessToken, false)
	// Another sign-in's refresh token still works, and what it mints now is valid.
	again, err := s.refresh(other.RefreshToken)
	if err != nil {
		t.Fatalf("another sign-in's token: %v", err)
	}
	s.wantAccess(t, "an access token minted after the reuse", again.AccessToken, true)
}

// An authorization code used twice: the second use is refused and revokes what the first obtained.
func TestReusedCodeRevokesWhatItsFirstUseObtained(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	code := s.approve(t, s.newUser(t, "user@example.com"))
	first, err := s.exchange(code)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.exchange(code)
	wantInvalidGrant(t, "the code again", err)
	s.wantAccess(t, "the first exchange's access token", first.AccessToken, false)
	_, err = s.refresh(first.RefreshToken)
	wantInvalidGrant(t, "the first exchange's refresh token", err)
}

// pairState is what a (user, app) pair holds, as committed.
type pairState struct{ approvals, refreshTokens, codes, revocations int }

func (s *server) pair(t *testing.T, u user.User) pairState {
	t.Helper()
	c := func(q string) int { return s.d.Count(t, q, u.ID, s.app.ID) }
	return pairState{
		approvals:     c("SELECT count(*) FROM approvals WHERE user_id = $1 AND client_app_id = $2"),
		refreshTokens: c("SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND client_app_id = $2 AND revoked_at IS NULL"),
		codes:         c("SELECT count(*) FROM authorization_codes WHERE user_id = $1 AND client_app_id = $2"),
		revocations: s.d.Count(t, "SELECT count(*) FROM token_revocations WHERE user_id = $1 AND client_id = $2",
			u.ID, s.app.ClientID),
	}
}

// Revoking an approval ends, in one go, everything the user gave the app: its refresh tokens and
// codes for the user go, and its access tokens for the user are refused (the index knows at once). An
// approval that is not the user's is ErrApprovalNotFound and changes nothing. Other users keep theirs.
func TestRevokeApprovalEndsWhatThePairWasGiven(t *testing.T) {
	t.Parallel()
	s, ctx := newServer(t), context.Background()
	u, bystander := s.newUser(t, "user@example.com"), s.newUser(t, "bystander@example.com")
	issued, err := s.exchange(s.approve(t, u))
	if err != nil {
		t.Fatal(err)
	}
	unused := s.approve(t, u)
	theirs, err := s.exchange(s.approve(t, bystander))
	if err != nil {
		t.Fatal(err)
	}
	approvals, err := s.grants.Approvals(ctx, u.ID)
	if err != nil || len(approvals) != 1 {
		t.Fatalf("approvals: %+v, %v", approvals, err)
	}

	before := s.pair(t, u)
	if want := (pairState{approvals: 1, refreshTokens: 1, codes: 2}); before != want {
		t.Fatalf("the pair holds %+v, want %+v", before, want)
	}
	for _, try := range []struct {
		name             string
		userID, approval int64
	}{{"an unknown approval", u.ID, s.d.IDs.New()}, {"another user's approval", bystander.ID, approvals[0].ID}} {
		err := s.grants.RevokeApproval(ctx, try.userID, try.approval)
		if !errors.Is(err, oauth.ErrApprovalNotFound) {
			t.Errorf("revoking %s: %v, want %v", try.name, err, oauth.ErrApprovalNotFound)
		}
	}
	if after := s.pair(t, u); after != before {
		t.Fatalf("refused revocations changed the pair: %+v, was %+v", after, before)
	}
	s.wantAccess(t, "before revoking", issued.AccessToken, true)

	if err := s.grants.RevokeApproval(ctx, u.ID, approvals[0].ID); err != nil {
		t.Fatal(err)
	}
	if got, want := s.pair(t, u), (pairState{revocations: 1}); got != want {
		t.Errorf("after revoking, the pair holds %+v, want %+v", got, want)
	}
	s.wantAccess(t, "after revoking", issued.AccessToken, false)
	_, err = s.refresh(issued.RefreshToken)
	wantInvalidGrant(t, "the pair's refresh token", err)
	_, err = s.exchange(unused)
	wantInvalidGrant(t, "the pair's unused code", err)

	s.wantAccess(t, "another user's token", theirs.AccessToken, true)
	if _, err := s.refresh(theirs.RefreshToken); err != nil {
		t.Errorf("another user's refresh token: %v", err)
	}
}

// ExpireUser ends the user's refresh tokens and sign-in sessions together; other users keep theirs.
func TestExpireUserEndsRefreshTokensAndSessions(t *testing.T) {
	t.Parallel()
	s, ctx := newServer(t), context.Background()
	u, bystander := s.newUser(t, "user@example.com"), s.newUser(t, "bystander@example.com")
	var sessions [2]string
	var issued [2]oauth.TokenResponse
	for i, who := range []user.User{u, bystander} {
		var err error
		res, err := s.grants.SignIn(ctx, s.app, who.Email, userPassword, "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		sessions[i] = res.Session
		issued[i] = s.passwordGrant(t, who)
	}

	if err := s.grants.ExpireUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.refresh(issued[0].RefreshToken)
	wantInvalidGrant(t, "the expired user's refresh token", err)
	if _, err := s.grants.SessionUser(ctx, sessions[0]); !errors.Is(err, oauth.ErrSessionInvalid) {
		t.Errorf("the expired user's session: %v, want %v", err, oauth.ErrSessionInvalid)
	}
	if _, err := s.refresh(issued[1].RefreshToken); err != nil {
		t.Errorf("another user's refresh token: %v", err)
	}
	if _, err := s.grants.SessionUser(ctx, sessions[1]); err != nil {
		t.Errorf("another user's session: %v", err)
	}
}
