package store

import (
	"context"
	"time"

	"github.com/cocoondata/access-service/internal/revocation"
)

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

// Revocations is the store of access-token revocations (revocation.Store).
type Revocations struct{ scope }

// Record stores an entry.
func (x Revocations) Record(ctx context.Context, e revocation.Entry) error {
	row := tokenRevocationRow{ID: e.ID, UserID: e.UserID, ClientID: e.ClientID, TokenID: e.TokenID,
		Cutoff: e.Cutoff, ExpiresAt: e.ExpiresAt, RecordedAt: e.RecordedAt}
	return wrap(x.s.conn(ctx).Create(&row).Error, "revocations.record", e.ID)
}

// Since returns the entries recorded at or after since that have not expired at now.
func (x Revocations) Since(ctx context.Context, since, now time.Time) ([]revocation.Entry, error) {
	var rows []tokenRevocationRow
	if err := x.s.conn(ctx).Where("recorded_at >= ? AND expires_at > ?", since, now).Find(&rows).Error; err != nil {
		return nil, wrap(err, "revocations.since", since)
	}
	out := make([]revocation.Entry, len(rows))
	for i, r := range rows {
		out[i] = revocation.Entry{ID: r.ID, UserID: r.UserID, ClientID: r.ClientID, TokenID: r.TokenID,
			Cutoff: r.Cutoff.UTC(), ExpiresAt: r.ExpiresAt.UTC(), RecordedAt: r.RecordedAt.UTC()}
	}
	return out, nil
}
