package store

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/cocoondata/access-service/internal/mfa"
	"github.com/cocoondata/access-service/internal/user"
)

// The MFA tables (migration 00011). TOTP keys are secrets: they leave the store only for the mfa
// package's code checks and pairing pages, and never appear in the errors below (keyed by user id or
// "by digest").

type mfaAuthenticatorRow struct {
	UserID   int64  `gorm:"primaryKey;autoIncrement:false"`
	TOTPKey  string `gorm:"column:totp_key"`
	LastStep int64
	PairedAt time.Time
}

func (mfaAuthenticatorRow) TableName() string { return "mfa_authenticators" }

type mfaPairingRow struct {
	UserID    int64  `gorm:"primaryKey;autoIncrement:false"`
	TOTPKey   string `gorm:"column:totp_key"`
	CreatedAt time.Time
}

func (mfaPairingRow) TableName() string { return "mfa_pairings" }

type mfaSetupLinkRow struct {
	Digest    string `gorm:"primaryKey"`
	UserID    int64
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
	TurnsOn   bool
}

func (mfaSetupLinkRow) TableName() string { return "mfa_setup_links" }

// MFA is the second factor's store (mfa.Store).
type MFA struct{ scope }

// Authenticator reads the user's active authenticator.
func (x MFA) Authenticator(ctx context.Context, userID int64) (mfa.Authenticator, error) {
	row, err := take1[mfaAuthenticatorRow](x.s.conn(ctx).Where("user_id = ?", userID), mfa.ErrNotConfigured, "mfa.authenticator", userID)
	if err != nil {
		return mfa.Authenticator{}, err
	}
	return mfa.Authenticator{UserID: row.UserID, Key: row.TOTPKey, LastStep: row.LastStep, PairedAt: row.PairedAt.UTC()}, nil
}

// UseStep moves the user's last step forward to step, in one conditional statement: of two
// transactions using the same step, the second waits for the first's row lock (PostgreSQL; SQLite has
// one writer at a time anyway), then finds the condition false and changes nothing.
func (x MFA) UseStep(ctx context.Context, userID int64, key string, step int64) (bool, error) {
	res := x.s.conn(ctx).Model(&mfaAuthenticatorRow{}).
		Where("user_id = ? AND totp_key = ? AND last_step < ?", userID, key, step).
		Update("last_step", step)
	if res.Error != nil {
		return false, wrap(res.Error, "mfa.use_step", userID)
	}
	return res.RowsAffected == 1, nil
}

// Activate stores the user's active authenticator, replacing any.
func (x MFA) Activate(ctx context.Context, a mfa.Authenticator) error {
	row := mfaAuthenticatorRow{UserID: a.UserID, TOTPKey: a.Key, LastStep: a.LastStep, PairedAt: a.PairedAt}
	err := x.s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"totp_key", "last_step", "paired_at"}),
	}).Create(&row).Error
	if isForeignKey(err) {
		return user.ErrNotFound
	}
	return wrap(err, "mfa.activate", a.UserID)
}

// Pending reads the user's pending pairing under lock.
func (x MFA) Pending(ctx context.Context, userID int64) (mfa.PendingPairing, error) {
	row, err := take1[mfaPairingRow](x.s.forUpdate(x.s.conn(ctx)).Where("user_id = ?", userID), mfa.ErrNoPairing, "mfa.pending", userID)
	if err != nil {
		return mfa.PendingPairing{}, err
	}
	return mfa.PendingPairing{UserID: row.UserID, Key: row.TOTPKey, CreatedAt: row.CreatedAt.UTC()}, nil
}

// SetPending stores the user's pending pairing, replacing any.
func (x MFA) SetPending(ctx context.Context, p mfa.PendingPairing) error {
	row := mfaPairingRow{UserID: p.UserID, TOTPKey: p.Key, CreatedAt: p.CreatedAt}
	err := x.s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"totp_key", "created_at"}),
	}).Create(&row).Error
	if isForeignKey(err) {
		return user.ErrNotFound
	}
	return wrap(err, "mfa.set_pending", p.UserID)
}

// DeletePending deletes the user's pending pairing.
func (x MFA) DeletePending(ctx context.Context, userID int64) error {
	return affected(x.s.conn(ctx).Where("user_id = ?", userID).Delete(&mfaPairingRow{}), mfa.ErrNoPairing, "mfa.delete_pending", userID)
}

// Forget deletes the user's active authenticator and pending pairing.
func (x MFA) Forget(ctx context.Context, userID int64) error {
	db := x.s.conn(ctx)
	if err := db.Where("user_id = ?", userID).Delete(&mfaAuthenticatorRow{}).Error; err != nil {
		return wrap(err, "mfa.forget", userID)
	}
	return wrap(db.Where("user_id = ?", userID).Delete(&mfaPairingRow{}).Error, "mfa.forget", userID)
}

// LockUser takes the user's row lock (FOR NO KEY UPDATE on PostgreSQL: it does not hold up the
// foreign-key checks of rows that name the user, only other changes of the user's row).
// Unpaired are the organisation's members other than Ad hoc ones with no authenticator (only userID, if
// not 0), by email.
func (x MFA) Unpaired(ctx context.Context, orgID, userID int64) ([]mfa.Account, error) {
	q := x.s.conn(ctx).Table("memberships").Select("users.id, users.email, users.mfa_enabled, users.safeshare_admin").
		Joins("JOIN users ON users.id = memberships.user_id").
		Joins("LEFT JOIN mfa_authenticators a ON a.user_id = memberships.user_id").
		Where("memberships.organisation_id = ? AND memberships.role <> ? AND a.user_id IS NULL", orgID, "Ad hoc")
	if userID != 0 {
		q = q.Where("memberships.user_id = ?", userID)
	}
	var rows []struct {
		ID             int64
		Email          string
		MFAEnabled     bool `gorm:"column:mfa_enabled"`
		SafeShareAdmin bool `gorm:"column:safeshare_admin"`
	}
	if err := q.Order("users.email").Scan(&rows).Error; err != nil {
		return nil, wrap(err, "mfa.unpaired", orgID)
	}
	out := make([]mfa.Account, len(rows))
	for i, r := range rows {
		out[i] = mfa.Account{ID: r.ID, Email: r.Email, MFAEnabled: r.MFAEnabled, SafeShareAdmin: r.SafeShareAdmin}
	}
	return out, nil
}

// SetEnabled turns MFA on or off on the user's account.
func (x MFA) SetEnabled(ctx context.Context, userID int64, on bool) error {
	res := x.s.conn(ctx).Model(&userRow{}).Where("id = ?", userID).Update("mfa_enabled", on)
	return affected(res, user.ErrNotFound, "mfa.set_enabled", userID)
}

func (x MFA) LockUser(ctx context.Context, userID int64) error {
	q := x.s.conn(ctx).Model(&userRow{}).Select("id").Where("id = ?", userID)
	if !x.s.embedded {
		q = q.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	var ids []int64
	if err := q.Find(&ids).Error; err != nil {
		return wrap(err, "mfa.lock_user", userID)
	}
	if len(ids) == 0 {
		return user.ErrNotFound
	}
	return nil
}

// AddLink stores a set-up link.
func (x MFA) AddLink(ctx context.Context, l mfa.SetupLink) error {
	row := mfaSetupLinkRow{Digest: l.Digest, UserID: l.UserID, ExpiresAt: l.ExpiresAt, UsedAt: l.UsedAt, CreatedAt: l.CreatedAt, TurnsOn: l.TurnsOn}
	err := x.s.conn(ctx).Create(&row).Error
	if isForeignKey(err) {
		return user.ErrNotFound
	}
	return wrap(err, "mfa.add_link", l.UserID)
}

// ExpireLinks makes the user's unused links that are still valid at at expire at at.
func (x MFA) ExpireLinks(ctx context.Context, userID int64, at time.Time) error {
	err := x.s.conn(ctx).Model(&mfaSetupLinkRow{}).
		Where("user_id = ? AND used_at IS NULL AND expires_at > ?", userID, at).
		Update("expires_at", at).Error
	return wrap(err, "mfa.expire_links", userID)
}

// Link reads the link with this digest and its user's email, under lock.
func (x MFA) Link(ctx context.Context, digest string) (mfa.SetupLink, error) {
	type linkWithEmail struct {
		Row   mfaSetupLinkRow `gorm:"embedded"`
		Email string
	}
	q := x.s.conn(ctx).Table("mfa_setup_links").
		Select("mfa_setup_links.*, users.email").
		Joins("JOIN users ON users.id = mfa_setup_links.user_id").
		Where("mfa_setup_links.digest = ?", digest)
	if !x.s.embedded {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "mfa_setup_links"}})
	}
	row, err := take1[linkWithEmail](q, mfa.ErrLinkUnknown, "mfa.link", "by digest")
	if err != nil {
		return mfa.SetupLink{}, err
	}
	l := mfa.SetupLink{Digest: row.Row.Digest, UserID: row.Row.UserID, Email: row.Email, ExpiresAt: row.Row.ExpiresAt.UTC(),
		UsedAt: utcPtr(row.Row.UsedAt), CreatedAt: row.Row.CreatedAt.UTC(), TurnsOn: row.Row.TurnsOn}
	return l, nil
}

// MarkLinkUsed sets the link's used_at if it is unused.
func (x MFA) MarkLinkUsed(ctx context.Context, digest string, at time.Time) error {
	res := x.s.conn(ctx).Model(&mfaSetupLinkRow{}).Where("digest = ? AND used_at IS NULL", digest).Update("used_at", at)
	return affected(res, mfa.ErrLinkUsed, "mfa.mark_link_used", "by digest")
}

var _ mfa.Store = MFA{}
