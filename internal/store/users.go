package store

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cocoondata/access-service/internal/listing"
	"github.com/cocoondata/access-service/internal/revocation"
	"github.com/cocoondata/access-service/internal/user"
)

type userRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	Email          string
	PasswordHash   *string
	FirstName      *string
	LastName       *string
	OtherName      *string
	MobileNumber   *string
	MFAEnabled     bool `gorm:"column:mfa_enabled"`
	SafeShareAdmin bool `gorm:"column:safeshare_admin"`
	FailedLogins   int
	LockedUntil    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (userRow) TableName() string { return "users" }

var (
	userColumns = []string{"id", "email", "password_hash", "first_name", "last_name", "other_name", "mobile_number",
		"mfa_enabled", "safeshare_admin", "failed_logins", "locked_until", "created_at", "updated_at"}
	userByID    = newHotRead("users", userColumns, "id")
	userByEmail = newHotRead("users", userColumns, "email")
)

// fields are the row's fields in the order of userColumns.
func (r *userRow) fields() []any {
	return []any{&r.ID, &r.Email, &r.PasswordHash, &r.FirstName, &r.LastName, &r.OtherName, &r.MobileNumber,
		&r.MFAEnabled, &r.SafeShareAdmin, &r.FailedLogins, &r.LockedUntil, &r.CreatedAt, &r.UpdatedAt}
}

func userToRow(u user.User) userRow {
	r := userRow{
		ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, OtherName: u.OtherName,
		MobileNumber: u.MobileNumber, MFAEnabled: u.MFAEnabled, SafeShareAdmin: u.SafeShareAdmin,
		FailedLogins: u.FailedLogins, LockedUntil: u.LockedUntil, CreatedAt: u.CreatedAt, UpdatedAt: u.CreatedAt,
	}
	if u.PasswordHash != "" {
		r.PasswordHash = &u.PasswordHash
	}
	return r
}

func userFromRow(r userRow) user.User {
	u := user.User{
		ID: r.ID, Email: r.Email, FirstName: r.FirstName, LastName: r.LastName, OtherName: r.OtherName,
		MobileNumber: r.MobileNumber, MFAEnabled: r.MFAEnabled, SafeShareAdmin: r.SafeShareAdmin,
		FailedLogins: r.FailedLogins, LockedUntil: utcPtr(r.LockedUntil), CreatedAt: r.CreatedAt.UTC(),
	}
	if r.PasswordHash != nil {
		u.PasswordHash = *r.PasswordHash
	}
	return u
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// CreateUser implements user.Store.
func (s *Store) CreateUser(ctx context.Context, u user.User) error {
	row := userToRow(u)
	err := s.db.WithContext(ctx).Create(&row).Error
	if isDuplicate(err) {
		return user.ErrEmailTaken
	}
	return err
}

// UserByID implements user.Store.
func (s *Store) UserByID(ctx context.Context, id int64) (user.User, error) {
	return s.oneUser(ctx, userByID, id)
}

// UserByEmail implements user.Store; email is already normalized.
func (s *Store) UserByEmail(ctx context.Context, email string) (user.User, error) {
	return s.oneUser(ctx, userByEmail, email)
}

func (s *Store) oneUser(ctx context.Context, read hotRead, key any) (user.User, error) {
	var row userRow
	err := s.take(ctx, read, key, &row, row.fields()...)
	if isNotFound(err) {
		return user.User{}, user.ErrNotFound
	}
	if err != nil {
		return user.User{}, err
	}
	return userFromRow(row), nil
}

// SetPasswordHash implements user.Store. A new password also lifts a lock.
func (s *Store) SetPasswordHash(ctx context.Context, id int64, hash string) error {
	res := s.db.WithContext(ctx).Model(&userRow{}).Where("id = ?", id).Updates(map[string]any{
		"password_hash": hash, "failed_logins": 0, "locked_until": nil, "updated_at": time.Now().UTC(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return user.ErrNotFound
	}
	return nil
}

// RecordLoginFailure implements user.Store. The count is raised in the database, so failures from
// several instances at once all count.
func (s *Store) RecordLoginFailure(ctx context.Context, id int64, maxRetries int, lockUntil time.Time) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&userRow{}).Where("id = ?", id).
			Update("failed_logins", gorm.Expr("failed_logins + 1")).Error; err != nil {
			return err
		}
		return tx.Model(&userRow{}).Where("id = ? AND failed_logins >= ?", id, maxRetries).
			Updates(map[string]any{"failed_logins": 0, "locked_until": lockUntil}).Error
	})
}

// RecordLoginSuccess implements user.Store.
func (s *Store) RecordLoginSuccess(ctx context.Context, id int64) error {
	return s.db.WithContext(ctx).Model(&userRow{}).Where("id = ?", id).
		Updates(map[string]any{"failed_logins": 0, "locked_until": nil}).Error
}

// AnySafeShareAdmin implements user.Store.
func (s *Store) AnySafeShareAdmin(ctx context.Context) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&userRow{}).Where("safeshare_admin = ?", true).Limit(1).Count(&n).Error
	return n > 0, err
}

// UpdateProfile implements user.Store.
func (s *Store) UpdateProfile(ctx context.Context, id int64, p user.Profile) error {
	res := s.db.WithContext(ctx).Model(&userRow{}).Where("id = ?", id).Updates(map[string]any{
		"first_name": p.FirstName, "last_name": p.LastName, "other_name": p.OtherName,
		"mobile_number": p.MobileNumber, "updated_at": time.Now().UTC(),
	})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return user.ErrNotFound
	}
	return nil
}

// ensureUser stores u unless an account with its email exists, and returns the account. It is safe
// against a concurrent creation of the same email.
func ensureUser(tx *gorm.DB, u user.User) (userRow, error) {
	row := userToRow(u)
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "email"}}, DoNothing: true}).Create(&row).Error; err != nil {
		return userRow{}, err
	}
	var got userRow
	err := tx.Where("email = ?", u.Email).Take(&got).Error
	return got, err
}

// EnsureUser implements user.Store.
func (s *Store) EnsureUser(ctx context.Context, u user.User) (user.User, error) {
	row, err := ensureUser(s.db.WithContext(ctx), u)
	if err != nil {
		return user.User{}, err
	}
	return userFromRow(row), nil
}

// SetSafeShareAdmin implements user.Store.
func (s *Store) SetSafeShareAdmin(ctx context.Context, id int64, admin bool, rev revocation.Entry) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&userRow{}).Where("id = ?", id).
			Updates(map[string]any{"safeshare_admin": admin, "updated_at": time.Now().UTC()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return user.ErrNotFound
		}
		if rev.ID != 0 {
			return insertRevocation(tx, rev)
		}
		return nil
	})
}

// SafeShareAdmins implements user.Store.
func (s *Store) SafeShareAdmins(ctx context.Context, q listing.Query) ([]user.User, int, error) {
	base := s.db.WithContext(ctx).Model(&userRow{}).Where("safeshare_admin = ?", true)
	if q.Search != "" {
		base = base.Where("email LIKE ? ESCAPE '\\'", likePattern(q.Search))
	}
	column := map[string]string{"email": "email", "firstName": "first_name", "lastName": "last_name", "id": "id"}[q.SortBy]
	if column == "" {
		column = "email"
	}
	var total int64
	if err := base.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []userRow
	if err := page(base.Session(&gorm.Session{}), q, column, "id").Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]user.User, len(rows))
	for i, r := range rows {
		out[i] = userFromRow(r)
	}
	return out, int(total), nil
}
