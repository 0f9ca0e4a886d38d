package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cocoondata/access-service/internal/oauth"
)

type refreshTokenRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement:false"`
	TokenHash   string
	FamilyID    int64
	UserID      int64
	ClientAppID int64
	Scope       string
	ExpiresAt   time.Time
	UsedAt      *time.Time
	RevokedAt   *time.Time
	CreatedAt   time.Time
	MFA         bool `gorm:"column:mfa"`
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

type approvalRow struct {
	ID          int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID      int64
	ClientAppID int64
	Scope       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (approvalRow) TableName() string { return "approvals" }

type authorizationCodeRow struct {
	CodeHash      string `gorm:"primaryKey"`
	UserID        int64
	ClientAppID   int64
	RedirectURI   string `gorm:"column:redirect_uri"`
	Scope         string
	CodeChallenge string
	ExpiresAt     time.Time
	CreatedAt     time.Time
	UsedAt        *time.Time
	TokenID       string
	FamilyID      int64
	MFA           bool `gorm:"column:mfa"`
	Nonce         string
	AuthTime      *time.Time
}

func (authorizationCodeRow) TableName() string { return "authorization_codes" }

type authSessionRow struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    int64
	ExpiresAt time.Time
	CreatedAt time.Time
	MFA       bool `gorm:"column:mfa"`
	AuthTime  *time.Time
}

type mfaChallengeRow struct {
	TokenID     string `gorm:"primaryKey"`
	UserID      int64
	ClientAppID *int64 // NULL for a sign-in to the service's own pages (oauth.Challenge.ClientAppID 0)
	Scope       string
	Failures    int
	SpentAt     *time.Time
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

func (mfaChallengeRow) TableName() string { return "mfa_challenges" }

func (authSessionRow) TableName() string { return "auth_sessions" }

type signingKeyRow struct {
	KID        string `gorm:"column:kid;primaryKey"`
	PrivatePEM string `gorm:"column:private_pem"`
	CreatedAt  time.Time
	Generation int64
	SignsFrom  time.Time
	RetiredAt  *time.Time
}

func (signingKeyRow) TableName() string { return "signing_keys" }

// OAuth is the authorization server's store (oauth.Store): refresh tokens, approvals, authorization
// codes, sign-in sessions and signing keys. Only digests of tokens, codes and sessions are kept.
type OAuth struct{ scope }

func refreshToRow(t oauth.RefreshToken) refreshTokenRow {
	return refreshTokenRow{
		ID: t.ID, TokenHash: t.TokenHash, FamilyID: t.FamilyID, UserID: t.UserID, ClientAppID: t.ClientAppID,
		Scope: strings.Join(t.Scope, " "), ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt, MFA: t.MFA,
	}
}

func refreshFromRow(r refreshTokenRow) oauth.RefreshToken {
	return oauth.RefreshToken{
		ID: r.ID, TokenHash: r.TokenHash, FamilyID: r.FamilyID, UserID: r.UserID, ClientAppID: r.ClientAppID,
		Scope: strings.Fields(r.Scope), ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
		Spent: r.UsedAt != nil, MFA: r.MFA,
	}
}

// CreateRefreshToken stores a refresh token.
func (x OAuth) CreateRefreshToken(ctx context.Context, t oauth.RefreshToken) error {
	row := refreshToRow(t)
	return wrap(x.s.conn(ctx).Create(&row).Error, "oauth.create_refresh_token", t.ID)
}

// RefreshToken returns the unrevoked token with this digest, spent or not; oauth.ErrRefreshInvalid if
// there is none.
func (x OAuth) RefreshToken(ctx context.Context, hash string) (oauth.RefreshToken, error) {
	return x.refreshToken(ctx, x.s.conn(ctx), hash)
}

// LockRefreshToken is RefreshToken, with the row locked for the rest of the transaction (PostgreSQL;
// SQLite's write transactions are exclusive already), so of two uses of one token one waits for the
// other's outcome.
func (x OAuth) LockRefreshToken(ctx context.Context, hash string) (oauth.RefreshToken, error) {
	return x.refreshToken(ctx, x.s.forUpdate(x.s.conn(ctx)), hash)
}

func (x OAuth) refreshToken(_ context.Context, db *gorm.DB, hash string) (oauth.RefreshToken, error) {
	row, err := take1[refreshTokenRow](db.Where("token_hash = ? AND revoked_at IS NULL", hash), oauth.ErrRefreshInvalid, "oauth.refresh_token", "by digest")
	return refreshFromRow(row), err
}

// SpendRefreshToken marks the token used.
func (x OAuth) SpendRefreshToken(ctx context.Context, id int64, at time.Time) error {
	return wrap(x.s.conn(ctx).Model(&refreshTokenRow{}).Where("id = ?", id).Update("used_at", at).Error,
		"oauth.spend_refresh_token", id)
}

// revokeRefreshTokens revokes the unrevoked refresh tokens that match the condition.
func (x OAuth) revokeRefreshTokens(ctx context.Context, op string, at time.Time, query string, args ...any) error {
	err := x.s.conn(ctx).Model(&refreshTokenRow{}).Where(query+" AND revoked_at IS NULL", args...).Update("revoked_at", at).Error
	return wrap(err, op, args)
}

// RevokeRefreshFamily revokes every refresh token of the family.
func (x OAuth) RevokeRefreshFamily(ctx context.Context, familyID int64, at time.Time) error {
	return x.revokeRefreshTokens(ctx, "oauth.revoke_refresh_family", at, "family_id = ?", familyID)
}

// RevokeRefreshTokensOfPair revokes every refresh token the app holds for the user.
func (x OAuth) RevokeRefreshTokensOfPair(ctx context.Context, userID, appID int64, at time.Time) error {
	return x.revokeRefreshTokens(ctx, "oauth.revoke_refresh_tokens_of_pair", at, "user_id = ? AND client_app_id = ?", userID, appID)
}

// EndSessionsOfUser ends what the user is signed in with: every refresh token is revoked as of at and
// every sign-in session of the authorization pages deleted. Two statements: run it in a transaction.
func (x OAuth) EndSessionsOfUser(ctx context.Context, userID int64, at time.Time) error {
	if err := x.revokeRefreshTokens(ctx, "oauth.end_sessions_of_user", at, "user_id = ?", userID); err != nil {
		return err
	}
	return wrap(x.s.conn(ctx).Where("user_id = ?", userID).Delete(&authSessionRow{}).Error, "oauth.end_sessions_of_user", userID)
}

// RevokeRefreshTokensOfApp revokes every refresh token of the app.
func (x OAuth) RevokeRefreshTokensOfApp(ctx context.Context, appID int64, at time.Time) error {
	return x.revokeRefreshTokens(ctx, "oauth.revoke_refresh_tokens_of_app", at, "client_app_id = ?", appID)
}

func approvalFromRow(r approvalRow) oauth.Approval {
	return oauth.Approval{ID: r.ID, UserID: r.UserID, ClientAppID: r.ClientAppID, Scope: strings.Fields(r.Scope), CreatedAt: r.CreatedAt.UTC()}
}

func (x OAuth) approval(ctx context.Context, query string, args ...any) (oauth.Approval, error) {
	row, err := take1[approvalRow](x.s.conn(ctx).Where(query, args...), oauth.ErrApprovalNotFound, "oauth.approval", args)
	return approvalFromRow(row), err
}

// Approval returns the user's approval of the app; oauth.ErrApprovalNotFound if there is none.
func (x OAuth) Approval(ctx context.Context, userID, appID int64) (oauth.Approval, error) {
	return x.approval(ctx, "user_id = ? AND client_app_id = ?", userID, appID)
}

// ApprovalByID returns the user's approval with this id; oauth.ErrApprovalNotFound if the user has
// none with it.
func (x OAuth) ApprovalByID(ctx context.Context, userID, id int64) (oauth.Approval, error) {
	return x.approval(ctx, "id = ? AND user_id = ?", id, userID)
}

// SaveApproval stores a new approval, or replaces the scope of the pair's existing one.
func (x OAuth) SaveApproval(ctx context.Context, a oauth.Approval) error {
	row := approvalRow{ID: a.ID, UserID: a.UserID, ClientAppID: a.ClientAppID, Scope: strings.Join(a.Scope, " "),
		CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt}
	err := x.s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "client_app_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"scope", "updated_at"}),
	}).Create(&row).Error
	return wrap(err, "oauth.save_approval", a.ID)
}

// Approvals lists the user's approvals with their apps, newest first.
func (x OAuth) Approvals(ctx context.Context, userID int64) ([]oauth.ApprovalView, error) {
	var rows []struct {
		ID          int64
		UserID      int64
		ClientAppID int64
		Scope       string
		CreatedAt   time.Time
		ClientID    string
		AppName     string
		Description string
	}
	err := x.s.conn(ctx).Table("approvals").
		Select("approvals.id, approvals.user_id, approvals.client_app_id, approvals.scope, approvals.created_at, client_apps.client_id, client_apps.app_name, client_apps.description").
		Joins("JOIN client_apps ON client_apps.id = approvals.client_app_id").
		Where("approvals.user_id = ?", userID).
		Order("approvals.created_at DESC").Order("approvals.id DESC").
		Scan(&rows).Error
	if err != nil {
		return nil, wrap(err, "oauth.approvals", userID)
	}
	out := make([]oauth.ApprovalView, len(rows))
	for i, r := range rows {
		a := approvalRow{ID: r.ID, UserID: r.UserID, ClientAppID: r.ClientAppID, Scope: r.Scope, CreatedAt: r.CreatedAt}
		out[i] = oauth.ApprovalView{Approval: approvalFromRow(a), ClientID: r.ClientID, AppName: r.AppName, Description: r.Description}
	}
	return out, nil
}

// DeleteApproval deletes the approval; oauth.ErrApprovalNotFound if it is gone already.
func (x OAuth) DeleteApproval(ctx context.Context, id int64) error {
	return affected(x.s.conn(ctx).Where("id = ?", id).Delete(&approvalRow{}), oauth.ErrApprovalNotFound, "oauth.delete_approval", id)
}

// CreateCode stores an authorization code.
func (x OAuth) CreateCode(ctx context.Context, c oauth.Code) error {
	row := authorizationCodeRow{CodeHash: c.Hash, UserID: c.UserID, ClientAppID: c.ClientAppID, RedirectURI: c.RedirectURI,
		Scope: strings.Join(c.Scope, " "), CodeChallenge: c.Challenge, ExpiresAt: c.ExpiresAt, CreatedAt: c.CreatedAt, MFA: c.MFA,
		Nonce: c.Nonce, AuthTime: timePtr(c.AuthTime)}
	return wrap(x.s.conn(ctx).Create(&row).Error, "oauth.create_code", c.UserID)
}

// DeleteCodesExpiredBefore deletes the pair's codes that expired before the time given.
func (x OAuth) DeleteCodesExpiredBefore(ctx context.Context, userID, appID int64, before time.Time) error {
	err := x.s.conn(ctx).Where("user_id = ? AND client_app_id = ? AND expires_at < ?", userID, appID, before).Delete(&authorizationCodeRow{}).Error
	return wrap(err, "oauth.delete_expired_codes", userID)
}

// DeleteCodesOfPair deletes every code of the app for the user.
func (x OAuth) DeleteCodesOfPair(ctx context.Context, userID, appID int64) error {
	err := x.s.conn(ctx).Where("user_id = ? AND client_app_id = ?", userID, appID).Delete(&authorizationCodeRow{}).Error
	return wrap(err, "oauth.delete_codes_of_pair", userID)
}

// DeleteCodesOfApp deletes every code of the app.
func (x OAuth) DeleteCodesOfApp(ctx context.Context, appID int64) error {
	return wrap(x.s.conn(ctx).Where("client_app_id = ?", appID).Delete(&authorizationCodeRow{}).Error, "oauth.delete_codes_of_app", appID)
}

// CodeByHash returns the code with this digest, used or not; oauth.ErrCodeInvalid if there is none.
func (x OAuth) CodeByHash(ctx context.Context, hash string) (oauth.Code, error) {
	r, err := take1[authorizationCodeRow](x.s.conn(ctx).Where("code_hash = ?", hash), oauth.ErrCodeInvalid, "oauth.code", "by digest")
	if err != nil {
		return oauth.Code{}, err
	}
	return oauth.Code{Hash: r.CodeHash, UserID: r.UserID, ClientAppID: r.ClientAppID, RedirectURI: r.RedirectURI,
		Scope: strings.Fields(r.Scope), Challenge: r.CodeChallenge, ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
		UsedAt: utcPtr(r.UsedAt), TokenID: r.TokenID, FamilyID: r.FamilyID, MFA: r.MFA, Nonce: r.Nonce, AuthTime: utcOrZero(r.AuthTime)}, nil
}

// ClaimCode marks an unused code used, recording what its exchange issues; oauth.ErrCodeInvalid if it
// is gone or used already. The update's condition makes the claim atomic: of two concurrent exchanges
// exactly one claims the code.
func (x OAuth) ClaimCode(ctx context.Context, hash, tokenID string, familyID int64, now time.Time) error {
	res := x.s.conn(ctx).Model(&authorizationCodeRow{}).Where("code_hash = ? AND used_at IS NULL", hash).
		Updates(map[string]any{"used_at": now, "token_id": tokenID, "family_id": familyID})
	return affected(res, oauth.ErrCodeInvalid, "oauth.claim_code", "by digest")
}

// CreateSession stores a sign-in session.
func (x OAuth) CreateSession(ctx context.Context, sess oauth.Session) error {
	row := authSessionRow{TokenHash: sess.Hash, UserID: sess.UserID, ExpiresAt: sess.ExpiresAt, CreatedAt: sess.CreatedAt, MFA: sess.MFA, AuthTime: timePtr(sess.AuthTime)}
	return wrap(x.s.conn(ctx).Create(&row).Error, "oauth.create_session", sess.UserID)
}

// DeleteSessionsExpiredBefore deletes the user's sessions that expired before the time given.
func (x OAuth) DeleteSessionsExpiredBefore(ctx context.Context, userID int64, before time.Time) error {
	err := x.s.conn(ctx).Where("user_id = ? AND expires_at < ?", userID, before).Delete(&authSessionRow{}).Error
	return wrap(err, "oauth.delete_expired_sessions", userID)
}

// DeleteSession deletes the sign-in session with this digest; none is no error.
func (x OAuth) DeleteSession(ctx context.Context, hash string) error {
	return wrap(x.s.conn(ctx).Where("token_hash = ?", hash).Delete(&authSessionRow{}).Error, "oauth.delete_session", "by digest")
}

// SessionByHash returns the session with this digest if it is still valid at now;
// oauth.ErrSessionInvalid otherwise.
func (x OAuth) SessionByHash(ctx context.Context, hash string, now time.Time) (oauth.Session, error) {
	row, err := take1[authSessionRow](x.s.conn(ctx).Where("token_hash = ? AND expires_at > ?", hash, now), oauth.ErrSessionInvalid, "oauth.session", "by digest")
	if err != nil {
		return oauth.Session{}, err
	}
	return oauth.Session{Hash: row.TokenHash, UserID: row.UserID, ExpiresAt: row.ExpiresAt.UTC(), CreatedAt: row.CreatedAt.UTC(), MFA: row.MFA,
		AuthTime: utcOrZero(row.AuthTime)}, nil
}

// CreateChallenge stores the challenge of a restrictive token.
func (x OAuth) CreateChallenge(ctx context.Context, c oauth.Challenge) error {
	var app *int64
	if c.ClientAppID != 0 {
		app = &c.ClientAppID
	}
	row := mfaChallengeRow{TokenID: c.TokenID, UserID: c.UserID, ClientAppID: app, Scope: strings.Join(c.Scope, " "),
		Failures: c.Failures, SpentAt: c.SpentAt, ExpiresAt: c.ExpiresAt, CreatedAt: c.CreatedAt}
	return wrap(x.s.conn(ctx).Create(&row).Error, "oauth.create_challenge", c.UserID)
}

// Challenge returns the challenge of a restrictive token; oauth.ErrChallengeInvalid if there is none.
func (x OAuth) Challenge(ctx context.Context, tokenID string) (oauth.Challenge, error) {
	r, err := take1[mfaChallengeRow](x.s.conn(ctx).Where("token_id = ?", tokenID), oauth.ErrChallengeInvalid, "oauth.challenge", "by token id")
	if err != nil {
		return oauth.Challenge{}, err
	}
	var app int64
	if r.ClientAppID != nil {
		app = *r.ClientAppID
	}
	return oauth.Challenge{TokenID: r.TokenID, UserID: r.UserID, ClientAppID: app, Scope: strings.Fields(r.Scope),
		Failures: r.Failures, SpentAt: utcPtr(r.SpentAt), ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC()}, nil
}

// AddChallengeFailure counts a wrong code on the challenge, in the database (so wrong codes sent to
// several instances all count), and returns the count.
func (x OAuth) AddChallengeFailure(ctx context.Context, tokenID string) (int, error) {
	var n []int
	err := x.s.conn(ctx).Raw("UPDATE mfa_challenges SET failures = failures + 1 WHERE token_id = ? RETURNING failures", tokenID).Scan(&n).Error
	if err == nil && len(n) == 0 {
		err = oauth.ErrChallengeInvalid
	}
	if err != nil {
		return 0, wrap(err, "oauth.add_challenge_failure", "by token id")
	}
	return n[0], nil
}

// SpendChallenge marks the challenge done, if it is neither done nor ended by wrong codes: a
// conditional update, so of two concurrent second steps exactly one spends it.
func (x OAuth) SpendChallenge(ctx context.Context, tokenID string, now time.Time) error {
	res := x.s.conn(ctx).Model(&mfaChallengeRow{}).Where("token_id = ? AND spent_at IS NULL AND failures < ?", tokenID, oauth.MaxCodeFailures).
		Update("spent_at", now)
	return affected(res, oauth.ErrChallengeInvalid, "oauth.spend_challenge", "by token id")
}

// DeleteChallengesExpiredBefore deletes the user's challenges that expired before the time given.
func (x OAuth) DeleteChallengesExpiredBefore(ctx context.Context, userID int64, before time.Time) error {
	err := x.s.conn(ctx).Where("user_id = ? AND expires_at < ?", userID, before).Delete(&mfaChallengeRow{}).Error
	return wrap(err, "oauth.delete_expired_challenges", userID)
}

// SigningKeys returns every signing key, retired ones included, oldest (lowest generation) first.
func (x OAuth) SigningKeys(ctx context.Context) ([]oauth.SigningKey, error) {
	var rows []signingKeyRow
	if err := x.s.conn(ctx).Order("generation, kid").Find(&rows).Error; err != nil {
		return nil, wrap(err, "oauth.signing_keys", "")
	}
	out := make([]oauth.SigningKey, len(rows))
	for i, r := range rows {
		out[i] = oauth.SigningKey{KID: r.KID, PrivatePEM: r.PrivatePEM, CreatedAt: r.CreatedAt.UTC(),
			Generation: r.Generation, SignsFrom: r.SignsFrom.UTC()}
		if r.RetiredAt != nil {
			at := r.RetiredAt.UTC()
			out[i].RetiredAt = &at
		}
	}
	return out, nil
}

// AddSigningKey stores a signing key; oauth.ErrKeyConflict when a key of its generation exists already
// (another instance rotated first).
func (x OAuth) AddSigningKey(ctx context.Context, k oauth.SigningKey) error {
	row := signingKeyRow{KID: k.KID, PrivatePEM: k.PrivatePEM, CreatedAt: k.CreatedAt, Generation: k.Generation, SignsFrom: k.SignsFrom}
	if err := x.s.conn(ctx).Create(&row).Error; isDuplicate(err) {
		return oauth.ErrKeyConflict
	} else if err != nil {
		return wrap(err, "oauth.add_signing_key", k.KID)
	}
	return nil
}

// RetireSigningKey marks the key retired at the time given, unless it is already; it reports whether it
// marked it.
func (x OAuth) RetireSigningKey(ctx context.Context, kid string, at time.Time) (bool, error) {
	res := x.s.conn(ctx).Model(&signingKeyRow{}).Where("kid = ? AND retired_at IS NULL", kid).Update("retired_at", at)
	if res.Error != nil {
		return false, wrap(res.Error, "oauth.retire_signing_key", kid)
	}
	return res.RowsAffected > 0, nil
}

// LongestAccessTokenValidity is the longest access-token validity among the client apps, enabled or not;
// zero when there is no app.
func (x OAuth) LongestAccessTokenValidity(ctx context.Context) (time.Duration, error) {
	var seconds *int64
	if err := x.s.conn(ctx).Table("client_apps").Select("MAX(access_token_validity)").Scan(&seconds).Error; err != nil {
		return 0, wrap(err, "oauth.longest_access_token_validity", "")
	}
	if seconds == nil {
		return 0, nil
	}
	return time.Duration(*seconds) * time.Second, nil
}

// timePtr is t for a nullable column: nil for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// utcOrZero is a nullable column's time in UTC, or the zero time.
func utcOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
