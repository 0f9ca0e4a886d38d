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
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

func refreshToRow(t oauth.RefreshToken) refreshTokenRow {
	return refreshTokenRow{
		ID: t.ID, TokenHash: t.TokenHash, FamilyID: t.FamilyID, UserID: t.UserID, ClientAppID: t.ClientAppID,
		Scope: strings.Join(t.Scope, " "), ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt,
	}
}

func refreshFromRow(r refreshTokenRow) oauth.RefreshToken {
	return oauth.RefreshToken{
		ID: r.ID, TokenHash: r.TokenHash, FamilyID: r.FamilyID, UserID: r.UserID, ClientAppID: r.ClientAppID,
		Scope: strings.Fields(r.Scope), ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
		Spent: r.UsedAt != nil,
	}
}

// CreateRefreshToken implements oauth.RefreshStore.
func (s *Store) CreateRefreshToken(ctx context.Context, t oauth.RefreshToken) error {
	row := refreshToRow(t)
	return s.db.WithContext(ctx).Create(&row).Error
}

// RefreshTokenByHash implements oauth.RefreshStore.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string) (oauth.RefreshToken, error) {
	var row refreshTokenRow
	err := s.db.WithContext(ctx).Where("token_hash = ? AND revoked_at IS NULL", hash).Take(&row).Error
	if isNotFound(err) {
		return oauth.RefreshToken{}, oauth.ErrRefreshInvalid
	}
	if err != nil {
		return oauth.RefreshToken{}, err
	}
	return refreshFromRow(row), nil
}

// RotateRefreshToken implements oauth.RefreshStore. The row is locked (PostgreSQL) or the database is
// (SQLite's immediate transactions), so of two uses of one token exactly one succeeds and the other is
// treated as reuse.
func (s *Store) RotateRefreshToken(ctx context.Context, hash string, now time.Time, next oauth.RefreshToken) error {
	reused := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var row refreshTokenRow
		q := tx.Where("token_hash = ? AND revoked_at IS NULL", hash)
		if !s.embedded {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		err := q.Take(&row).Error
		if isNotFound(err) {
			return oauth.ErrRefreshInvalid
		}
		if err != nil {
			return err
		}
		if row.UsedAt != nil {
			reused = true
			return tx.Model(&refreshTokenRow{}).Where("family_id = ? AND revoked_at IS NULL", row.FamilyID).
				Update("revoked_at", now).Error
		}
		if err := tx.Model(&refreshTokenRow{}).Where("id = ?", row.ID).Update("used_at", now).Error; err != nil {
			return err
		}
		nr := refreshToRow(next)
		return tx.Create(&nr).Error
	})
	if err == nil && reused {
		return oauth.ErrRefreshReused
	}
	return err
}

type signingKeyRow struct {
	KID        string `gorm:"column:kid;primaryKey"`
	PrivatePEM string `gorm:"column:private_pem"`
	CreatedAt  time.Time
}

func (signingKeyRow) TableName() string { return "signing_keys" }

// SigningKeys implements oauth.KeyStore.
func (s *Store) SigningKeys(ctx context.Context) ([]oauth.SigningKey, error) {
	var rows []signingKeyRow
	if err := s.db.WithContext(ctx).Order("created_at, kid").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]oauth.SigningKey, len(rows))
	for i, r := range rows {
		out[i] = oauth.SigningKey{KID: r.KID, PrivatePEM: r.PrivatePEM, CreatedAt: r.CreatedAt.UTC()}
	}
	return out, nil
}

// AddSigningKey implements oauth.KeyStore.
func (s *Store) AddSigningKey(ctx context.Context, k oauth.SigningKey) error {
	row := signingKeyRow{KID: k.KID, PrivatePEM: k.PrivatePEM, CreatedAt: k.CreatedAt}
	return s.db.WithContext(ctx).Create(&row).Error
}
