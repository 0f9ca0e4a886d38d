package store

import (
	"context"
	"strings"
	"time"

	"github.com/cocoondata/access-service/internal/clientapp"
	"github.com/cocoondata/access-service/internal/listing"
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
	RedirectURIs         string `gorm:"column:redirect_uris"`             // space-separated; URIs hold no spaces
	PostLogoutURIs       string `gorm:"column:post_logout_redirect_uris"` // space-separated, as RedirectURIs
	Scope                string // space-separated
	AutoApprove          bool
	Enabled              bool
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

func (clientAppRow) TableName() string { return "client_apps" }

var (
	clientAppColumns = []string{"id", "client_id", "secret_hash", "app_name", "description", "access_token_validity",
		"refresh_token_validity", "grant_types", "redirect_uris", "post_logout_redirect_uris", "scope", "auto_approve", "enabled", "created_at", "updated_at"}
	clientAppByID       = newHotRead("client_apps", clientAppColumns, "id")
	clientAppByClientID = newHotRead("client_apps", clientAppColumns, "client_id")
)

// fields are the row's fields in the order of clientAppColumns.
func (r *clientAppRow) fields() []any {
	return []any{&r.ID, &r.ClientID, &r.SecretHash, &r.AppName, &r.Description, &r.AccessTokenValidity,
		&r.RefreshTokenValidity, &r.GrantTypes, &r.RedirectURIs, &r.PostLogoutURIs, &r.Scope, &r.AutoApprove, &r.Enabled, &r.CreatedAt, &r.UpdatedAt}
}

func clientAppToRow(a clientapp.App) clientAppRow {
	r := clientAppRow{
		ID: a.ID, ClientID: a.ClientID, AppName: a.AppName, Description: a.Description,
		AccessTokenValidity: int(a.AccessTokenValidity / time.Second), RefreshTokenValidity: int(a.RefreshTokenValidity / time.Second),
		GrantTypes: strings.Join(a.GrantTypes, " "), RedirectURIs: strings.Join(a.RedirectURIs, " "),
		PostLogoutURIs: strings.Join(a.PostLogoutRedirectURIs, " "),
		Scope:          strings.Join(a.Scope, " "), AutoApprove: a.AutoApprove, Enabled: a.Enabled,
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
		PostLogoutRedirectURIs: strings.Fields(r.PostLogoutURIs),
		AutoApprove:            r.AutoApprove, Enabled: r.Enabled, CreatedAt: r.CreatedAt.UTC(),
	}
	if r.SecretHash != nil {
		a.SecretHash = *r.SecretHash
	}
	return a
}

// ClientApps is the client applications' store (clientapp.Store).
type ClientApps struct{ scope }

// Create stores a new app; a clientId in use is clientapp.ErrClientIDTaken.
func (x ClientApps) Create(ctx context.Context, a clientapp.App) error {
	row := clientAppToRow(a)
	err := x.s.conn(ctx).Create(&row).Error
	if isDuplicate(err) {
		return clientapp.ErrClientIDTaken
	}
	return wrap(err, "client_apps.create", a.ClientID)
}

// ByClientID reads the app with this clientId.
func (x ClientApps) ByClientID(ctx context.Context, clientID string) (clientapp.App, error) {
	return x.one(ctx, clientAppByClientID, clientID)
}

// ByID reads the app with this record id.
func (x ClientApps) ByID(ctx context.Context, id int64) (clientapp.App, error) {
	return x.one(ctx, clientAppByID, id)
}

func (x ClientApps) one(ctx context.Context, read hotRead, key any) (clientapp.App, error) {
	var row clientAppRow
	if err := x.s.take(ctx, read, key, clientapp.ErrNotFound, &row, row.fields()...); err != nil {
		return clientapp.App{}, err
	}
	return clientAppFromRow(row), nil
}

// Lock reads the app with this record id and locks it for the rest of the transaction.
func (x ClientApps) Lock(ctx context.Context, id int64) (clientapp.App, error) {
	row, err := take1[clientAppRow](x.s.forUpdate(x.s.conn(ctx)).Where("id = ?", id), clientapp.ErrNotFound, "client_apps.lock", id)
	return clientAppFromRow(row), err
}

var clientAppList = listSpec{id: "id", sorts: map[string]string{
	"": "app_name", "appName": "app_name", "clientId": "client_id", "createdAt": "created_at"}}

// List returns one page of the apps.
func (x ClientApps) List(ctx context.Context, q listing.Query) (listing.Page[clientapp.App], error) {
	p, err := list(x.s.conn(ctx).Model(&clientAppRow{}), q, clientAppList, "", always(clientAppFromRow))
	return p, wrap(err, "client_apps.list", q.SortBy)
}

// Update stores every member of a except ClientID, Enabled and CreatedAt.
func (x ClientApps) Update(ctx context.Context, a clientapp.App) error {
	r := clientAppToRow(a)
	return x.set(ctx, "client_apps.update", a.ID, map[string]any{
		"secret_hash": r.SecretHash, "app_name": r.AppName, "description": r.Description,
		"access_token_validity": r.AccessTokenValidity, "refresh_token_validity": r.RefreshTokenValidity,
		"grant_types": r.GrantTypes, "redirect_uris": r.RedirectURIs, "post_logout_redirect_uris": r.PostLogoutURIs, "scope": r.Scope,
		"auto_approve": r.AutoApprove, "updated_at": time.Now().UTC(),
	})
}

// SetEnabled enables or disables the app.
func (x ClientApps) SetEnabled(ctx context.Context, id int64, enabled bool) error {
	return x.set(ctx, "client_apps.set_enabled", id, map[string]any{"enabled": enabled, "updated_at": time.Now().UTC()})
}

// ReplaceSecretHash stores newHash as the app's secret hash if it is still oldHash (clientapp.Store).
// It is a change of storage, not of the app, so updated_at stays as it is.
func (x ClientApps) ReplaceSecretHash(ctx context.Context, id int64, oldHash, newHash string) error {
	err := x.s.conn(ctx).Model(&clientAppRow{}).Where("id = ? AND secret_hash = ?", id, oldHash).UpdateColumn("secret_hash", newHash).Error
	return wrap(err, "client_apps.replace_secret_hash", id)
}

func (x ClientApps) set(ctx context.Context, op string, id int64, cols map[string]any) error {
	return affected(x.s.conn(ctx).Model(&clientAppRow{}).Where("id = ?", id).Updates(cols), clientapp.ErrNotFound, op, id)
}

// Delete removes the app; its approvals, refresh tokens and codes go by cascade.
func (x ClientApps) Delete(ctx context.Context, id int64) error {
	return affected(x.s.conn(ctx).Where("id = ?", id).Delete(&clientAppRow{}), clientapp.ErrNotFound, "client_apps.delete", id)
}
