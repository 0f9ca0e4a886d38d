package store

import (
	"context"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/clientapp"
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
	var row clientAppRow
	err := s.db.WithContext(ctx).Where("client_id = ?", clientID).Take(&row).Error
	if isNotFound(err) {
		return clientapp.App{}, clientapp.ErrNotFound
	}
	if err != nil {
		return clientapp.App{}, err
	}
	return clientAppFromRow(row), nil
}
