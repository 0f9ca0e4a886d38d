package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cocoondata/access-service/internal/oauth"
	"github.com/cocoondata/access-service/internal/revocation"
)

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
}

func (authorizationCodeRow) TableName() string { return "authorization_codes" }

type authSessionRow struct {
	TokenHash string `gorm:"primaryKey"`
	UserID    int64
	ExpiresAt time.Time
	CreatedAt time.Time
}

func (authSessionRow) TableName() string { return "auth_sessions" }

type tokenRevocationRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     int64
	ClientID   string
	TokenID    string
	Cutoff     time.Time
	ExpiresAt  time.Time
	RecordedAt time.Time
}

func (tokenRevocationRow) TableName() string { return "token_revocations" }

func insertRevocation(tx *gorm.DB, e revocation.Entry) error {
	row := tokenRevocationRow{ID: e.ID, UserID: e.UserID, ClientID: e.ClientID, TokenID: e.TokenID,
		Cutoff: e.Cutoff, ExpiresAt: e.ExpiresAt, RecordedAt: e.RecordedAt}
	return tx.Create(&row).Error
}

// RevocationsSince implements revocation.Store.
func (s *Store) RevocationsSince(ctx context.Context, since, now time.Time) ([]revocation.Entry, error) {
	var rows []tokenRevocationRow
	if err := s.db.WithContext(ctx).Where("recorded_at >= ? AND expires_at > ?", since, now).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]revocation.Entry, len(rows))
	for i, r := range rows {
		out[i] = revocation.Entry{ID: r.ID, UserID: r.UserID, ClientID: r.ClientID, TokenID: r.TokenID,
			Cutoff: r.Cutoff.UTC(), ExpiresAt: r.ExpiresAt.UTC(), RecordedAt: r.RecordedAt.UTC()}
	}
	return out, nil
}

// RecordRevocation implements oauth.FlowStore.
func (s *Store) RecordRevocation(ctx context.Context, e revocation.Entry) error {
	return insertRevocation(s.db.WithContext(ctx), e)
}

// ApprovalFor implements oauth.FlowStore.
func (s *Store) ApprovalFor(ctx context.Context, userID, clientAppID int64) (oauth.Approval, error) {
	var row approvalRow
	err := s.db.WithContext(ctx).Where("user_id = ? AND client_app_id = ?", userID, clientAppID).Take(&row).Error
	if isNotFound(err) {
		return oauth.Approval{}, oauth.ErrApprovalNotFound
	}
	if err != nil {
		return oauth.Approval{}, err
	}
	return oauth.Approval{ID: row.ID, UserID: row.UserID, ClientAppID: row.ClientAppID,
		Scope: strings.Fields(row.Scope), CreatedAt: row.CreatedAt.UTC()}, nil
}

// SaveApproval implements oauth.FlowStore: a new approval, or the pair's existing one with its scope
// replaced.
func (s *Store) SaveApproval(ctx context.Context, a oauth.Approval) error {
	row := approvalRow{ID: a.ID, UserID: a.UserID, ClientAppID: a.ClientAppID, Scope: strings.Join(a.Scope, " "),
		CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "client_app_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"scope", "updated_at"}),
	}).Create(&row).Error
}

// ListApprovals implements oauth.FlowStore: newest first.
func (s *Store) ListApprovals(ctx context.Context, userID int64) ([]oauth.ApprovalView, error) {
	type joined struct {
		ID          int64
		UserID      int64
		ClientAppID int64
		Scope       string
		CreatedAt   time.Time
		ClientID    string
		AppName     string
		Description string
	}
	var rows []joined
	err := s.db.WithContext(ctx).Table("approvals").
		Select("approvals.id, approvals.user_id, approvals.client_app_id, approvals.scope, approvals.created_at, client_apps.client_id, client_apps.app_name, client_apps.description").
		Joins("JOIN client_apps ON client_apps.id = approvals.client_app_id").
		Where("approvals.user_id = ?", userID).
		Order("approvals.created_at DESC").Order("approvals.id DESC").
		Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]oauth.ApprovalView, len(rows))
	for i, r := range rows {
		out[i] = oauth.ApprovalView{
			Approval: oauth.Approval{ID: r.ID, UserID: r.UserID, ClientAppID: r.ClientAppID,
				Scope: strings.Fields(r.Scope), CreatedAt: r.CreatedAt.UTC()},
			ClientID: r.ClientID, AppName: r.AppName, Description: r.Description,
		}
	}
	return out, nil
}

// RevokeApproval implements oauth.FlowStore: in one transaction the approval goes, the pair's refresh
// tokens are revoked and its unused codes deleted, and the revocation of its access tokens is recorded.
func (s *Store) RevokeApproval(ctx context.Context, userID, approvalID int64, mk func(clientID string) revocation.Entry) (revocation.Entry, error) {
	var rev revocation.Entry
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var a approvalRow
		err := tx.Where("id = ? AND user_id = ?", approvalID, userID).Take(&a).Error
		if isNotFound(err) {
			return oauth.ErrApprovalNotFound
		}
		if err != nil {
			return err
		}
		var app clientAppRow
		if err := tx.Select("client_id").Where("id = ?", a.ClientAppID).Take(&app).Error; err != nil {
			return err
		}
		rev = mk(app.ClientID)
		res := tx.Where("id = ?", a.ID).Delete(&approvalRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return oauth.ErrApprovalNotFound // revoked at the same moment by another request
		}
		if err := tx.Model(&refreshTokenRow{}).Where("user_id = ? AND client_app_id = ? AND revoked_at IS NULL", userID, a.ClientAppID).
			Update("revoked_at", rev.RecordedAt).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ? AND client_app_id = ?", userID, a.ClientAppID).Delete(&authorizationCodeRow{}).Error; err != nil {
			return err
		}
		return insertRevocation(tx, rev)
	})
	if err != nil {
		return revocation.Entry{}, err
	}
	return rev, nil
}

// ExpireUser implements oauth.FlowStore: every refresh token of the user is revoked and every sign-in
// session of the authorization pages ends.
func (s *Store) ExpireUser(ctx context.Context, userID int64, now time.Time) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&refreshTokenRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		return tx.Where("user_id = ?", userID).Delete(&authSessionRow{}).Error
	})
}

// codeMemory is how long a code's row is kept after it expires, so a late second use is still seen as
// reuse.
const codeMemory = 10 * time.Minute

// CreateCode implements oauth.FlowStore. The pair's codes long expired are swept on the way.
func (s *Store) CreateCode(ctx context.Context, c oauth.Code) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ? AND client_app_id = ? AND expires_at < ?", c.UserID, c.ClientAppID, c.CreatedAt.Add(-codeMemory)).
			Delete(&authorizationCodeRow{}).Error; err != nil {
			return err
		}
		row := authorizationCodeRow{CodeHash: c.Hash, UserID: c.UserID, ClientAppID: c.ClientAppID, RedirectURI: c.RedirectURI,
			Scope: strings.Join(c.Scope, " "), CodeChallenge: c.Challenge, ExpiresAt: c.ExpiresAt, CreatedAt: c.CreatedAt}
		return tx.Create(&row).Error
	})
}

// CodeByHash implements oauth.FlowStore.
func (s *Store) CodeByHash(ctx context.Context, hash string) (oauth.Code, error) {
	var r authorizationCodeRow
	err := s.db.WithContext(ctx).Where("code_hash = ?", hash).Take(&r).Error
	if isNotFound(err) {
		return oauth.Code{}, oauth.ErrCodeInvalid
	}
	if err != nil {
		return oauth.Code{}, err
	}
	return oauth.Code{Hash: r.CodeHash, UserID: r.UserID, ClientAppID: r.ClientAppID, RedirectURI: r.RedirectURI,
		Scope: strings.Fields(r.Scope), Challenge: r.CodeChallenge, ExpiresAt: r.ExpiresAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
		UsedAt: utcPtr(r.UsedAt), TokenID: r.TokenID, FamilyID: r.FamilyID}, nil
}

// ClaimCode implements oauth.FlowStore. The update's condition makes the claim atomic.
func (s *Store) ClaimCode(ctx context.Context, hash, tokenID string, familyID int64, now time.Time) error {
	res := s.db.WithContext(ctx).Model(&authorizationCodeRow{}).Where("code_hash = ? AND used_at IS NULL", hash).
		Updates(map[string]any{"used_at": now, "token_id": tokenID, "family_id": familyID})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return oauth.ErrCodeInvalid
	}
	return nil
}

// RevokeRefreshFamilyByID implements oauth.FlowStore.
func (s *Store) RevokeRefreshFamilyByID(ctx context.Context, familyID int64, now time.Time) error {
	return s.db.WithContext(ctx).Model(&refreshTokenRow{}).Where("family_id = ? AND revoked_at IS NULL", familyID).
		Update("revoked_at", now).Error
}

// CreateSession implements oauth.FlowStore. Expired sessions of the same user are swept on the way.
func (s *Store) CreateSession(ctx context.Context, sess oauth.Session) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ? AND expires_at < ?", sess.UserID, sess.CreatedAt).Delete(&authSessionRow{}).Error; err != nil {
			return err
		}
		row := authSessionRow{TokenHash: sess.Hash, UserID: sess.UserID, ExpiresAt: sess.ExpiresAt, CreatedAt: sess.CreatedAt}
		return tx.Create(&row).Error
	})
}

// SessionByHash implements oauth.FlowStore.
func (s *Store) SessionByHash(ctx context.Context, hash string, now time.Time) (oauth.Session, error) {
	var row authSessionRow
	err := s.db.WithContext(ctx).Where("token_hash = ? AND expires_at > ?", hash, now).Take(&row).Error
	if isNotFound(err) {
		return oauth.Session{}, oauth.ErrSessionInvalid
	}
	if err != nil {
		return oauth.Session{}, err
	}
	return oauth.Session{Hash: row.TokenHash, UserID: row.UserID, ExpiresAt: row.ExpiresAt.UTC(), CreatedAt: row.CreatedAt.UTC()}, nil
}

// RevokeRefreshFamily implements oauth.FlowStore: the unrevoked refresh token with this digest, if the
// client holds it, is revoked with every token of its family. Unknown tokens are no error (RFC 7009).
func (s *Store) RevokeRefreshFamily(ctx context.Context, hash string, clientAppID int64, now time.Time) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var row refreshTokenRow
		err := tx.Where("token_hash = ? AND client_app_id = ?", hash, clientAppID).Take(&row).Error
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return tx.Model(&refreshTokenRow{}).Where("family_id = ? AND revoked_at IS NULL", row.FamilyID).
			Update("revoked_at", now).Error
	})
}
