package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cocoondata/access-service/internal/listing"
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
	Disabled       bool
}

func (userRow) TableName() string { return "users" }

type loginFailureRow struct {
	UserID      int64  `gorm:"primaryKey;autoIncrement:false"`
	Address     string `gorm:"primaryKey"`
	Failures    int
	LockedUntil *time.Time
}

func (loginFailureRow) TableName() string { return "login_failures" }

var (
	userColumns = []string{"id", "email", "password_hash", "first_name", "last_name", "other_name", "mobile_number",
		"mfa_enabled", "safeshare_admin", "failed_logins", "locked_until", "created_at", "updated_at", "disabled"}
	userByID    = newHotRead("users", userColumns, "id")
	userByEmail = newHotRead("users", userColumns, "email")
)

// mfaRequiredSQL is whether a user's MFA is required, package mfa's rule (Service.StateOf) as SQL: enabled
// on the account, or enforced by an organisation the user is a member of other than Ad hoc. The lists
// of users show it as mfaEnabled, in the statement that reads them.
const mfaRequiredSQL = "(users.mfa_enabled OR EXISTS (SELECT 1 FROM memberships em JOIN organisations eo ON eo.id = em.organisation_id " +
	"WHERE em.user_id = users.id AND em.role <> 'Ad hoc' AND eo.enforce_mfa))"

// userShapeColumns are the users columns as the lists of users read them: mfa_enabled is mfaRequiredSQL.
var userShapeColumns = func() string {
	cols := make([]string, len(userColumns))
	for i, c := range userColumns {
		cols[i] = "users." + c
		if c == "mfa_enabled" {
			cols[i] = mfaRequiredSQL + " AS mfa_enabled"
		}
	}
	return strings.Join(cols, ", ")
}()

// fields are the row's fields in the order of userColumns.
func (r *userRow) fields() []any {
	return []any{&r.ID, &r.Email, &r.PasswordHash, &r.FirstName, &r.LastName, &r.OtherName, &r.MobileNumber,
		&r.MFAEnabled, &r.SafeShareAdmin, &r.FailedLogins, &r.LockedUntil, &r.CreatedAt, &r.UpdatedAt, &r.Disabled}
}

func userToRow(u user.User) userRow {
	r := userRow{
		ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, OtherName: u.OtherName,
		MobileNumber: u.MobileNumber, MFAEnabled: u.MFAEnabled, SafeShareAdmin: u.SafeShareAdmin,
		FailedLogins: u.FailedLogins, LockedUntil: u.LockedUntil, CreatedAt: u.CreatedAt, UpdatedAt: u.CreatedAt,
		Disabled: u.Disabled,
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
		Disabled: r.Disabled,
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

// Users is the accounts' store (user.Store).
type Users struct{ scope }

// Create stores a new account; an email in use is user.ErrEmailTaken.
func (x Users) Create(ctx context.Context, u user.User) error {
	row := userToRow(u)
	err := x.s.conn(ctx).Create(&row).Error
	if isDuplicate(err) {
		return user.ErrEmailTaken
	}
	return wrap(err, "users.create", u.Email)
}

// ByID reads the account with this id.
func (x Users) ByID(ctx context.Context, id int64) (user.User, error) {
	return x.one(ctx, userByID, id)
}

// ByEmail reads the account with this (normalized) email.
func (x Users) ByEmail(ctx context.Context, email string) (user.User, error) {
	return x.one(ctx, userByEmail, email)
}

func (x Users) one(ctx context.Context, read hotRead, key any) (user.User, error) {
	var row userRow
	if err := x.s.take(ctx, read, key, user.ErrNotFound, &row, row.fields()...); err != nil {
		return user.User{}, err
	}
	return userFromRow(row), nil
}

// set updates the account's columns; no such account is user.ErrNotFound.
func (x Users) set(ctx context.Context, op string, id int64, cols map[string]any) error {
	return affected(x.s.conn(ctx).Model(&userRow{}).Where("id = ?", id).Updates(cols), user.ErrNotFound, op, id)
}

// SetPasswordHash replaces the account's password hash and clears its failed sign-ins and lock.
func (x Users) SetPasswordHash(ctx context.Context, id int64, hash string) error {
	return x.set(ctx, "users.set_password", id, map[string]any{
		"password_hash": hash, "failed_logins": 0, "locked_until": nil, "updated_at": time.Now().UTC(),
	})
}

// AddLoginFailure counts one more failed sign-in in the database (so failures from several instances
// at once all count) and returns the count.
func (x Users) AddLoginFailure(ctx context.Context, id int64) (int, error) {
	db := x.s.conn(ctx)
	res := db.Model(&userRow{}).Where("id = ?", id).Update("failed_logins", gorm.Expr("failed_logins + 1"))
	if err := affected(res, user.ErrNotFound, "users.add_login_failure", id); err != nil {
		return 0, err
	}
	row, err := take1[userRow](db.Select("failed_logins").Where("id = ?", id), user.ErrNotFound, "users.add_login_failure", id)
	return row.FailedLogins, err
}

// AddressFailures are the failed sign-ins to the account from the address since its last success or
// lock, and when the address's lock out of the account ends (nil: none).
func (x Users) AddressFailures(ctx context.Context, id int64, address string) (int, *time.Time, error) {
	row, err := take1[loginFailureRow](x.s.conn(ctx).Where("user_id = ? AND address = ?", id, address), gorm.ErrRecordNotFound, "users.address_failures", id)
	if isNotFound(err) {
		return 0, nil, nil
	}
	return row.Failures, utcPtr(row.LockedUntil), err
}

// AddAddressFailure counts one more failed sign-in to the account from the address, in the database,
// and returns that count.
func (x Users) AddAddressFailure(ctx context.Context, id int64, address string) (int, error) {
	db := x.s.conn(ctx)
	err := db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}, {Name: "address"}},
		DoUpdates: clause.Assignments(map[string]any{"failures": gorm.Expr("login_failures.failures + 1")}),
	}).Create(&loginFailureRow{UserID: id, Address: address, Failures: 1}).Error
	if err != nil {
		return 0, wrap(err, "users.add_address_failure", id)
	}
	row, err := take1[loginFailureRow](db.Where("user_id = ? AND address = ?", id, address), user.ErrNotFound, "users.add_address_failure", id)
	return row.Failures, err
}

// LockAddress locks the address out of the account until the time given and starts its count afresh.
func (x Users) LockAddress(ctx context.Context, id int64, address string, until time.Time) error {
	err := x.s.conn(ctx).Model(&loginFailureRow{}).Where("user_id = ? AND address = ?", id, address).
		Updates(map[string]any{"failures": 0, "locked_until": until}).Error
	return wrap(err, "users.lock_address", id)
}

// ClearAddressFailures forgets the address's failed sign-ins to the account and its lock.
func (x Users) ClearAddressFailures(ctx context.Context, id int64, address string) error {
	err := x.s.conn(ctx).Where("user_id = ? AND address = ?", id, address).Delete(&loginFailureRow{}).Error
	return wrap(err, "users.clear_address_failures", id)
}

// ClearAllAddressFailures forgets the failed sign-ins to the account from every address, and their locks.
func (x Users) ClearAllAddressFailures(ctx context.Context, id int64) error {
	err := x.s.conn(ctx).Where("user_id = ?", id).Delete(&loginFailureRow{}).Error
	return wrap(err, "users.clear_all_address_failures", id)
}

// Lock locks the account until the time given and starts its count of failures afresh.
func (x Users) Lock(ctx context.Context, id int64, until time.Time) error {
	return x.set(ctx, "users.lock", id, map[string]any{"failed_logins": 0, "locked_until": until})
}

// ClearLoginFailures forgets the account's failed sign-ins and lock.
func (x Users) ClearLoginFailures(ctx context.Context, id int64) error {
	return x.set(ctx, "users.clear_login_failures", id, map[string]any{"failed_logins": 0, "locked_until": nil})
}

// AnySafeShareAdmin reports whether any account holds the platform role.
func (x Users) AnySafeShareAdmin(ctx context.Context) (bool, error) {
	var n int64
	err := x.s.conn(ctx).Model(&userRow{}).Where("safeshare_admin = ?", true).Limit(1).Count(&n).Error
	return n > 0, wrap(err, "users.any_safeshare_admin", "")
}

// UpdateProfile replaces the account's profile.
func (x Users) UpdateProfile(ctx context.Context, id int64, p user.Profile) error {
	return x.set(ctx, "users.update_profile", id, map[string]any{
		"first_name": p.FirstName, "last_name": p.LastName, "other_name": p.OtherName,
		"mobile_number": p.MobileNumber, "updated_at": time.Now().UTC(),
	})
}

// Ensure stores u unless an account with its email exists, and returns the account. It is safe
// against a concurrent creation of the same email.
func (x Users) Ensure(ctx context.Context, u user.User) (user.User, error) {
	db := x.s.conn(ctx)
	row := userToRow(u)
	if err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "email"}}, DoNothing: true}).Create(&row).Error; err != nil {
		return user.User{}, wrap(err, "users.ensure", u.Email)
	}
	var got userRow
	if err := db.Where("email = ?", u.Email).Take(&got).Error; err != nil {
		return user.User{}, wrap(err, "users.ensure", u.Email)
	}
	return userFromRow(got), nil
}

// SetDisabled disables or enables the account.
func (x Users) SetDisabled(ctx context.Context, id int64, disabled bool) error {
	return x.set(ctx, "users.set_disabled", id, map[string]any{"disabled": disabled, "updated_at": time.Now().UTC()})
}

// SetSafeShareAdmin grants or revokes the platform role.
func (x Users) SetSafeShareAdmin(ctx context.Context, id int64, admin bool) error {
	return x.set(ctx, "users.set_safeshare_admin", id, map[string]any{"safeshare_admin": admin, "updated_at": time.Now().UTC()})
}

var safeShareAdminList = listSpec{id: "id", sorts: map[string]string{
	"": "email", "email": "email", "firstName": "first_name", "lastName": "last_name", "id": "id"}}

// SafeShareAdmins returns one page of the SafeShare administrators; q.Search (lower case) matches the
// email.
func (x Users) SafeShareAdmins(ctx context.Context, q listing.Query) (listing.Page[user.User], error) {
	base := x.s.conn(ctx).Model(&userRow{}).Where("safeshare_admin = ?", true)
	if q.Search != "" {
		base = base.Where("email LIKE ? ESCAPE '\\'", likePattern(q.Search))
	}
	p, err := list(base, q, safeShareAdminList, userShapeColumns, always(userFromRow))
	return p, wrap(err, "users.safeshare_admins", q.Search)
}
