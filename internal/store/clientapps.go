package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/revocation"
)

type clientAppRow struct {
	ID                   int64 `gorm:"primaryKey;autoIncrement:false"`
	ClientID             string
	SecretHash           *string
	AppName              string
	Description          string
	AccessTokenValidity  int
	RefreshTokenValidity int
	GrantTypes           string // space-separated
	RedirectURIs         string `gorm:"column:redirect_uris"` // space-separated; URIs hold no spaces
	Scope                string // space-separated
	AutoApprove          bool
	Enabled              bool
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

func (clientAppRow) TableName() string { return "client_apps" }

var (
	clientAppColumns = []string{"id", "client_id", "secret_hash", "app_name", "description", "access_token_validity",
		"refresh_token_validity", "grant_types", "redirect_uris", "scope", "auto_approve", "enabled", "created_at", "updated_at"}
	clientAppByID       = newHotRead("client_apps", clientAppColumns, "id")
	clientAppByClientID = newHotRead("client_apps", clientAppColumns, "client_id")
)

// fields are the row's fields in the order of clientAppColumns.
func (r *clientAppRow) fields() []any {
	return []any{&r.ID, &r.ClientID, &r.SecretHash, &r.AppName, &r.Description, &r.AccessTokenValidity,
		&r.RefreshTokenValidity, &r.GrantTypes, &r.RedirectURIs, &r.Scope, &r.AutoApprove, &r.Enabled, &r.CreatedAt, &r.UpdatedAt}
}

// clientApp reads the app whose key (read's column) is key.
func (s *Store) clientApp(ctx context.Context, read hotRead, key any) (clientapp.App, error) {
	var row clientAppRow
	err := s.take(ctx, read, key, &row, row.fields()...)
	if isNotFound(err) {
		return clientapp.App{}, clientapp.ErrNotFound
	}
	if err != nil {
		return clientapp.App{}, err
	}
	return clientAppFromRow(row), nil
}

func clientAppToRow(a clientapp.App) clientAppRow {
	r := clientAppRow{
		ID: a.ID, ClientID: a.ClientID, AppName: a.AppName, Description: a.Description,
		AccessTokenValidity: int(a.AccessTokenValidity / time.Second), RefreshTokenValidity: int(a.RefreshTokenValidity / time.Second),
		GrantTypes: strings.Join(a.GrantTypes, " "), RedirectURIs: strings.Join(a.RedirectURIs, " "),
		Scope: strings.Join(a.Scope, " "), AutoApprove: a.AutoApprove, Enabled: a.Enabled,
		CreatedAt: a.CreatedAt, UpdatedAt: a.CreatedAt,
	}
	if a.SecretHash != "" {
		r.SecretHash = &a.SecretHash
	}
	return r
}

func clientAppFromRow(r clientAppRow) clientapp.App {
	a := clientapp.App{
		ID: r.ID, ClientID: r.ClientID, AppName: r.AppName, Description: r.Description,
		AccessTokenValidity: time.Duration(r.AccessTokenValidity) * time.Second, RefreshTokenValidity: time.Duration(r.RefreshTokenValidity) * time.Second,
		GrantTypes: strings.Fields(r.GrantTypes), RedirectURIs: strings.Fields(r.RedirectURIs), Scope: strings.Fields(r.Scope),
		AutoApprove: r.AutoApprove, Enabled: r.Enabled, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.SecretHash != nil {
		a.SecretHash = *r.SecretHash
	}
	return a
}

// CreateClientApp implements clientapp.Store.
func (s *Store) CreateClientApp(ctx context.Context, a clientapp.App) error {
	row := clientAppToRow(a)
	err := s.db.WithContext(ctx).Create(&row).Error
	if isDuplicate(err) {
		return clientapp.ErrClientIDTaken
	}
	return err
}

// ClientAppByClientID implements clientapp.Store.
func (s *Store) ClientAppByClientID(ctx context.Context, clientID string) (clientapp.App, error) {
	return s.clientApp(ctx, clientAppByClientID, clientID)
}

// ClientAppByID implements clientapp.Store.
func (s *Store) ClientAppByID(ctx context.Context, id int64) (clientapp.App, error) {
	return s.clientApp(ctx, clientAppByID, id)
}

var clientAppSortColumns = map[string]string{"appName": "app_name", "clientId": "client_id", "createdAt": "created_at"}

// ListClientApps implements clientapp.Store. Ties are broken by id, so pages never overlap.
func (s *Store) ListClientApps(ctx context.Context, q clientapp.ListQuery) ([]clientapp.App, int, error) {
	col, ok := clientAppSortColumns[q.SortBy]
	if !ok {
		col = "app_name"
	}
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	var total int64
	if err := s.db.WithContext(ctx).Model(&clientAppRow{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	db := s.db.WithContext(ctx).Order(col + " " + dir).Order("id " + dir).Offset(q.Offset)
	if q.Limit > 0 {
		db = db.Limit(q.Limit)
	}
	var rows []clientAppRow
	if err := db.Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]clientapp.App, len(rows))
	for i, r := range rows {
		out[i] = clientAppFromRow(r)
	}
	return out, int(total), nil
}

// UpdateClientApp implements clientapp.Store.
func (s *Store) UpdateClientApp(ctx context.Context, a clientapp.App) error {
	r := clientAppToRow(a)
	res := s.db.WithContext(ctx).Model(&clientAppRow{}).Where("id = ?", a.ID).Updates(map[string]any{
		"secret_hash": r.SecretHash, "app_name": r.AppName, "description": r.Description,
		"access_token_validity": r.AccessTokenValidity, "refresh_token_validity": r.RefreshTokenValidity,
		"grant_types": r.GrantTypes, "redirect_uris": r.RedirectURIs, "scope": r.Scope,
		"auto_approve": r.AutoApprove, "updated_at": time.Now().UTC(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return clientapp.ErrNotFound
	}
	return nil
}

// DeleteClientApp implements clientapp.Store. Approvals, refresh tokens and codes go by cascade.
func (s *Store) DeleteClientApp(ctx context.Context, id int64, rev revocation.Entry) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&clientAppRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return clientapp.ErrNotFound
		}
		return insertRevocation(tx, rev)
	})
}

// ToggleClientApp implements clientapp.Store.
func (s *Store) ToggleClientApp(ctx context.Context, id int64, mk func(clientID string) revocation.Entry) (clientapp.App, revocation.Entry, error) {
	var (
		row clientAppRow
		rev revocation.Entry
	)
	err := s.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Where("id = ?", id)
		if !s.embedded {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		err := q.Take(&row).Error
		if isNotFound(err) {
			return clientapp.ErrNotFound
		}
		if err != nil {
			return err
		}
		row.Enabled = !row.Enabled
		if err := tx.Model(&clientAppRow{}).Where("id = ?", id).
			Updates(map[string]any{"enabled": row.Enabled, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		if row.Enabled {
			return nil
		}
		rev = mk(row.ClientID)
		if err := tx.Model(&refreshTokenRow{}).Where("client_app_id = ? AND revoked_at IS NULL", id).
			Update("revoked_at", rev.RecordedAt).Error; err != nil {
			return err
		}
		if err := tx.Where("client_app_id = ?", id).Delete(&authorizationCodeRow{}).Error; err != nil {
			return err
		}
		return insertRevocation(tx, rev)
	})
	if err != nil {
		return clientapp.App{}, revocation.Entry{}, err
	}
	if row.Enabled {
		rev = revocation.Entry{}
	}
	return clientAppFromRow(row), rev, nil
}
