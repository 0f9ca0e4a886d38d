package store

import (
	"context"
	"time"

	"github.com/cocoondata/access-service/internal/passwordlink"
	"github.com/cocoondata/access-service/internal/user"
)

// The emailed links to choose a password (migration 00022). Only digests of the links' tokens are
// kept, and errors name them "by digest", never by value.

type passwordLinkRow struct {
	Digest    string `gorm:"primaryKey"`
	UserID    int64
	Purpose   string
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (passwordLinkRow) TableName() string { return "password_links" }

// PasswordLinks is the links' store (passwordlink.Store).
type PasswordLinks struct{ scope }

// PasswordLinks are the invitation and password reset links (passwordlinks.go).
func (s *Store) PasswordLinks() PasswordLinks { return PasswordLinks{scope{s}} }

// LockUser takes the user's row lock (as MFA.LockUser does).
func (x PasswordLinks) LockUser(ctx context.Context, userID int64) error {
	return MFA(x).LockUser(ctx, userID)
}

// AddLink stores a link.
func (x PasswordLinks) AddLink(ctx context.Context, l passwordlink.Link) error {
	row := passwordLinkRow{Digest: l.Digest, UserID: l.UserID, Purpose: string(l.Purpose), ExpiresAt: l.ExpiresAt, UsedAt: l.UsedAt, CreatedAt: l.CreatedAt}
	err := x.s.conn(ctx).Create(&row).Error
	if isForeignKey(err) {
		return user.ErrNotFound
	}
	return wrap(err, "password_links.add", l.UserID)
}

// ExpireLinks makes the user's unused links of the purpose (every purpose if "") that are still valid
// at at expire at at.
func (x PasswordLinks) ExpireLinks(ctx context.Context, userID int64, purpose passwordlink.Purpose, at time.Time) error {
	q := x.s.conn(ctx).Model(&passwordLinkRow{}).Where("user_id = ? AND used_at IS NULL AND expires_at > ?", userID, at)
	if purpose != "" {
		q = q.Where("purpose = ?", string(purpose))
	}
	return wrap(q.Update("expires_at", at).Error, "password_links.expire", userID)
}

// Link reads the link with this digest, under lock.
func (x PasswordLinks) Link(ctx context.Context, digest string) (passwordlink.Link, error) {
	q := x.s.forUpdate(x.s.conn(ctx)).Where("digest = ?", digest)
	row, err := take1[passwordLinkRow](q, passwordlink.ErrLinkUnknown, "password_links.link", "by digest")
	if err != nil {
		return passwordlink.Link{}, err
	}
	return passwordlink.Link{Digest: row.Digest, UserID: row.UserID, Purpose: passwordlink.Purpose(row.Purpose),
		ExpiresAt: row.ExpiresAt.UTC(), UsedAt: utcPtr(row.UsedAt), CreatedAt: row.CreatedAt.UTC()}, nil
}

// MarkLinkUsed sets the link's used_at if it is unused.
func (x PasswordLinks) MarkLinkUsed(ctx context.Context, digest string, at time.Time) error {
	res := x.s.conn(ctx).Model(&passwordLinkRow{}).Where("digest = ? AND used_at IS NULL", digest).Update("used_at", at)
	return affected(res, passwordlink.ErrLinkUsed, "password_links.mark_used", "by digest")
}

var _ passwordlink.Store = PasswordLinks{}
