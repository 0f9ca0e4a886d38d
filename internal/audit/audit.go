// Package audit keeps the audit trail: one record per request made within an organisation's scope and
// per sign-in attempt. Records hold plain ids and emails, not references, so they outlive the
// organisations and accounts they name.
package audit

import (
	"context"
	"errors"
	"time"

	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
)

// Record is one audited request.
type Record struct {
	ID             int64
	Time           time.Time
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

// Categories of records the service writes besides the resource a path names.
const (
	CategoryAuthentication = "authentication"
	CategoryOrganisation   = "organisation"
	CategoryRemoval        = "removal"
	CategoryMembers        = "members"
	CategoryAudit          = "audit"
)

// Filter selects the records of an export. Nil members do not filter.
type Filter struct {
	OrganisationID   int64
	From, Until      *time.Time // From inclusive, Until exclusive
	ClientID         *string
	Action, Category *string
}

// ErrBadRange: the export's start is after its end.
var ErrBadRange = errors.New("startTime is after endTime")

// Store keeps records.
type Store interface {
	AddAuditRecord(ctx context.Context, r Record) error
	AuditRecords(ctx context.Context, orgID int64, q listing.Query) ([]Record, int, error)
	// ExportAuditRecords calls fn for each matching record, oldest first, reading in batches so memory
	// stays flat however many there are.
	ExportAuditRecords(ctx context.Context, f Filter, fn func(Record) error) error
}

// Service is the audit trail.
type Service struct {
	store Store
	ids   *ids.Generator
	now   func() time.Time
}

// NewService returns the audit trail over the store.
func NewService(s Store, g *ids.Generator) *Service {
	return &Service{store: s, ids: g, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Add stores a record, giving it an id and the current time.
func (s *Service) Add(ctx context.Context, r Record) error {
	r.ID, r.Time = s.ids.New(), s.now()
	return s.store.AddAuditRecord(ctx, r)
}

// List returns one page of the organisation's records and how many there are.
func (s *Service) List(ctx context.Context, orgID int64, q listing.Query) ([]Record, int, error) {
	return s.store.AuditRecords(ctx, orgID, q)
}

// Export calls fn for each record matching f, oldest first.
func (s *Service) Export(ctx context.Context, f Filter, fn func(Record) error) error {
	if f.From != nil && f.Until != nil && !f.From.Before(*f.Until) {
		return ErrBadRange
	}
	return s.store.ExportAuditRecords(ctx, f, fn)
}
