package oauth

// Multi-factor sign-in: the restrictive token of the first step and the mfa grant that completes it
// (openapi.yaml, issueToken; ../shared/reference/mfa.md).

import (
	"context"
	"errors"
	"time"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/user"
)

// SecondFactor is what the authorization server needs of MFA (mfa.Service): whether a user's MFA is
// required and paired, and checking a code.
type SecondFactor interface {
	// Required: required is MFA enabled on the account (enabledOnAccount) or enforced by an
	// organisation the user is a member of (not Ad hoc); configured is an authenticator paired.
	Required(ctx context.Context, userID int64, enabledOnAccount bool) (required, configured bool, err error)
	// Check checks a code of the user's authenticator: false for a wrong, malformed or already used one
	// (it then changes nothing but the count of failures the caller keeps); an error only when the
	// check could not be made.
	Check(ctx context.Context, userID int64, code string) (bool, error)
}

// Challenge is the server's record of a restrictive token (the first step of an MFA sign-in): for whom
// and which client, the scope the full token will carry, the wrong codes so far, and whether the
// second step was done.
type Challenge struct {
	TokenID     string // the restrictive token's jti
	UserID      int64
	ClientAppID int64
	Scope       []string
	Failures    int
	SpentAt     *time.Time
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// ErrChallengeInvalid: no such challenge, or it was spent or ended by wrong codes meanwhile.
var ErrChallengeInvalid = errors.New("MFA sign-in step is not valid")

const (
	// RestrictiveLifetime is how long the first step's restrictive token lives.
	RestrictiveLifetime = 5 * time.Minute
	// MaxCodeFailures wrong codes end a restrictive token.
	MaxCodeFailures = 5
	// GrantMFA is the second step's grant type.
	GrantMFA = "mfa"
)

// AMR values (RFC 8176) of the tokens.
var (
	amrPassword = []string{"pwd"}
	amrMFA      = []string{"pwd", "otp"}
)

// ErrMFANotSetUp: the user's MFA is required but no authenticator is paired; they cannot sign in until
// they use their set-up link.
var ErrMFANotSetUp = errors.New("MFA is required for this account but no authenticator app is set up: use the set-up link emailed to you, or ask an administrator for a new one")

// mfaRequired says whether u must give a code to sign in, and refuses (ErrMFANotSetUp) a user whose MFA
// is required but not set up.
func (g *Grants) mfaRequired(ctx context.Context, u user.User) (bool, error) {
	if g.mfa == nil {
		return false, nil
	}
	required, configured, err := g.mfa.Required(ctx, u.ID, u.MFAEnabled)
	switch {
	case err != nil:
		return false, err
	case required && !configured:
		return false, ErrMFANotSetUp
	}
	return required, nil
}

// restrictive is the first step's answer: a restrictive token for the user and app, remembered as a
// challenge so the second step can count wrong codes and be done once. scope is what the full token
// will carry.
func (g *Grants) restrictive(ctx context.Context, u user.User, app clientapp.App, scope []string) (TokenResponse, error) {
	p := Principal{UserID: u.ID, Email: u.Email, ClientID: app.ClientID, Restrictive: true}
	signed, err := g.tokens.Sign(&p, RestrictiveLifetime)
	if err != nil {
		return TokenResponse{}, err
	}
	now := g.now()
	err = g.store.InTx(ctx, func(ctx context.Context) error {
		if err := g.store.DeleteChallengesExpiredBefore(ctx, u.ID, now); err != nil {
			return err
		}
		return g.store.CreateChallenge(ctx, Challenge{TokenID: p.TokenID, UserID: u.ID, ClientAppID: app.ID, Scope: scope,
			ExpiresAt: p.ExpiresAt, CreatedAt: now})
	})
	if err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{AccessToken: signed, ExpiresIn: int(RestrictiveLifetime / time.Second), Scope: scope, TokenID: p.TokenID,
		UserID: u.ID, Email: u.Email, MFARequired: true}, nil
}

// SecondStep is the outcome of a second step: whom it signed in, for which app and scope. Wrong is
// true when the code was wrong (Left more tries remain, 0 when the step is over).
type SecondStep struct {
	User  user.User
	Scope []string
	Wrong bool
	Left  int
}

// completeSecondStep checks the restrictive token raw (of app, not expired, not spent, not ended by
// wrong codes) and the code; on the right code it spends the challenge. Errors: ErrChallengeInvalid
// for a token that cannot complete a step; a wrong code is SecondStep.Wrong, counted on the challenge
// and towards the account's lockout from address.
func (g *Grants) completeSecondStep(ctx context.Context, app clientapp.App, raw, code, address string) (SecondStep, error) {
	if g.mfa == nil {
		return SecondStep{}, ErrChallengeInvalid
	}
	p, err := g.tokens.VerifyRestrictive(ctx, raw)
	if err != nil || p.ClientID != app.ClientID {
		return SecondStep{}, ErrChallengeInvalid
	}
	ch, err := g.store.Challenge(ctx, p.TokenID)
	if err != nil {
		return SecondStep{}, err
	}
	now := g.now()
	if ch.UserID != p.UserID || ch.ClientAppID != app.ID || ch.SpentAt != nil || ch.Failures >= MaxCodeFailures || !now.Before(ch.ExpiresAt) {
		return SecondStep{}, ErrChallengeInvalid
	}
	u, err := g.users.Active(ctx, ch.UserID)
	if errors.Is(err, user.ErrNotFound) || errors.Is(err, user.ErrDisabled) {
		return SecondStep{}, ErrChallengeInvalid
	}
	if err != nil {
		return SecondStep{}, err
	}
	locked, err := g.users.SecondFactorLocked(ctx, u, address)
	if err != nil {
		return SecondStep{}, err
	}
	ok := false
	if !locked {
		// A locked account's code is not even checked, and not counted: as with the password, its
		// answer is a wrong code's.
		if ok, err = g.mfa.Check(ctx, u.ID, code); err != nil {
			return SecondStep{}, err
		}
	}
	if !ok {
		n, err := g.store.AddChallengeFailure(ctx, ch.TokenID)
		if err != nil {
			return SecondStep{}, err
		}
		if !locked {
			if err := g.users.SecondFactorFailed(ctx, u.ID, address); err != nil {
				return SecondStep{}, err
			}
		}
		return SecondStep{User: u, Wrong: true, Left: max(MaxCodeFailures-n, 0)}, nil
	}
	if err := g.store.SpendChallenge(ctx, ch.TokenID, now); err != nil {
		return SecondStep{}, err // spent by a concurrent step, or ended by wrong codes meanwhile
	}
	return SecondStep{User: u, Scope: registered(ch.Scope, app)}, nil
}

// mfaGrant is the token endpoint's second step: the restrictive token and the current code give the
// full token response.
func (g *Grants) mfaGrant(ctx context.Context, app clientapp.App, req TokenRequest) (TokenResponse, error) {
	if req.MFAToken == "" || req.MFACode == "" {
		return TokenResponse{}, &Error{CodeInvalidRequest, "mfa_token and mfa_code are required"}
	}
	step, err := g.completeSecondStep(ctx, app, req.MFAToken, req.MFACode, req.Address)
	switch {
	case errors.Is(err, ErrChallengeInvalid):
		return TokenResponse{}, &Error{CodeInvalidGrant, "Invalid MFA token: it expired, was used, ended after five wrong codes or belongs to another client; sign in again"}
	case err != nil:
		return TokenResponse{}, err
	case step.Wrong && step.Left == 0:
		return TokenResponse{UserID: step.User.ID, Email: step.User.Email}, &Error{CodeInvalidGrant, "Wrong code; that was the fifth, so this sign-in is over: sign in again"}
	case step.Wrong:
		// The user rides along with the refusal, for the audit trail's record of the failure.
		return TokenResponse{UserID: step.User.ID, Email: step.User.Email}, &Error{CodeInvalidGrant, "Wrong code"}
	}
	return g.issueWith(ctx, step.User, app, step.Scope, "", 0, amrMFA)
}
