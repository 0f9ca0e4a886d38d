package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/listing"
)

type auditRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	OccurredAt     time.Time
	OrganisationID *int64
	UserID         *int64
	UserEmail      *string
	ClientID       *string
	Method         string
	Path           string
	Status         int
	RemoteAddress  string
	Action         string
	Category       string
}

func (auditRow) TableName() string { return "audit_records" }

func auditFromRow(r auditRow) audit.Record {
	return audit.Record{
		ID: r.ID, Time: r.OccurredAt.UTC(), OrganisationID: r.OrganisationID, UserID: r.UserID, UserEmail: r.UserEmail,
		ClientID: r.ClientID, Method: r.Method, Path: r.Path, Status: r.Status, RemoteAddress: r.RemoteAddress,
		Action: r.Action, Category: r.Category,
	}
}

// AddAuditRecords implements audit.Store: one statement for the whole batch.
func (s *Store) AddAuditRecords(ctx context.Context, rs []audit.Record) error {
	rows := make([]auditRow, len(rs))
	for i, r := range rs {
		rows[i] = auditRow{
			ID: r.ID, OccurredAt: r.Time, OrganisationID: r.OrganisationID, UserID: r.UserID, UserEmail: r.UserEmail,
			ClientID: r.ClientID, Method: r.Method, Path: r.Path, Status: r.Status, RemoteAddress: r.RemoteAddress,
			Action: r.Action, Category: r.Category,
		}
	}
	return s.db.WithContext(ctx).Create(&rows).Error
}

// AuditRecords implements audit.Store.
func (s *Store) AuditRecords(ctx context.Context, orgID int64, q listing.Query) ([]audit.Record, int, error) {
	base := s.db.WithContext(ctx).Model(&auditRow{}).Where("organisation_id = ?", orgID)
	var total int64
	if err := base.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []auditRow
	if err := page(base.Session(&gorm.Session{}), q, "occurred_at", "id").Find(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]audit.Record, len(rows))
	for i, r := range rows {
		out[i] = auditFromRow(r)
	}
	return out, int(total), nil
}

// exportBatch is how many records an export reads at a time.
const exportBatch = 500

// ExportAuditRecords implements audit.Store. It pages by (occurred_at, id) rather than by offset, so
// records written during the export neither repeat nor shift the rest.
func (s *Store) ExportAuditRecords(ctx context.Context, f audit.Filter, fn func(audit.Record) error) error {
	var after *auditRow
	for {
		q := s.db.WithContext(ctx).Where("organisation_id = ?", f.OrganisationID)
		if f.From != nil {
			q = q.Where("occurred_at >= ?", *f.From)
		}
		if f.Until != nil {
			q = q.Where("occurred_at < ?", *f.Until)
		}
		if f.ClientID != nil {
			q = q.Where("client_id = ?", *f.ClientID)
		}
		if f.Action != nil {
			q = q.Where("action = ?", *f.Action)
		}
		if f.Category != nil {
			q = q.Where("category = ?", *f.Category)
		}
		if after != nil {
			q = q.Where("(occurred_at > ? OR (occurred_at = ? AND id > ?))", after.OccurredAt, after.OccurredAt, after.ID)
		}
		var rows []auditRow
		if err := q.Order("occurred_at ASC").Order("id ASC").Limit(exportBatch).Find(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(auditFromRow(r)); err != nil {
				return err
			}
		}
		if len(rows) < exportBatch {
			return nil
		}
		after = &rows[len(rows)-1]
	}
}
