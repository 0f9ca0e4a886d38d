// Package audit keeps the audit trail: one record per request made within an organisation's scope and
// per sign-in attempt. Records hold plain ids and emails, not references, so they outlive the
// organisations and accounts they name.
package audit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
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
	// CategoryMFA: a change of a user's MFA, or a second sign-in step (the platform's trail: no organisation).
	CategoryMFA = "mfa"
	// CategoryUnknown: a request in an organisation's scope that matched no operation.
	CategoryUnknown = "unknown"
)

// Filter selects the records of an export. Nil members do not filter.
type Filter struct {
	OrganisationID   int64
	From, Until      *time.Time // From inclusive, Until exclusive
	ClientID         *string
	Action, Category *string
}

// ErrBadRange: the export's start is after its end.
var ErrBadRange = errs.New(errs.Invalid, "Invalid time range", "startTime is after endTime")

// Store keeps records.
type Store interface {
	// Add stores the records, all or none.
	Add(ctx context.Context, rs []Record) error
	// Page is one page of the organisation's records, ordered by time.
	Page(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Record], error)
	// Export calls fn for each matching record, oldest first, reading in batches so memory stays flat
	// however many there are.
	Export(ctx context.Context, f Filter, fn func(Record) error) error
}

// Service is the audit trail. Records are written off the request's path: Add queues a record (stamped
// with its id and time) and returns; one writer stores what is queued in batches, one statement each,
// so a request never waits for its own record and a flood of requests costs the database a few
// statements rather than one each. List and Export first wait until every record queued before them is
// stored, so whoever reads the trail sees every request answered before. Close stores what is queued.
type Service struct {
	store Store
	ids   *ids.Generator
	now   func() time.Time
	log   *slog.Logger

	mu     sync.RWMutex // held for reading while queueing, for writing to close the queue
	closed bool
	queue  chan item
	done   chan struct{}
	// writes is the context of the writer's statements; Close cancels it when the database keeps it
	// waiting longer than closeWait, and what is left is logged instead.
	writes     context.Context
	stopWrites context.CancelFunc
}

// item is a record to store or, with a nil record, a marker closed once everything before it is stored.
type item struct {
	rec    *Record
	marker chan struct{}
}

const (
	// QueueLength bounds the records waiting to be stored; beyond it Add waits for room.
	QueueLength = 4096
	// maxBatch is the most records one statement stores.
	maxBatch = 256
	// writeTimeout bounds one batch's write.
	writeTimeout = 5 * time.Second
)

// closeWait bounds how long Close waits for the database to take what is queued; past it the rest is
// logged, so a service whose database has gone away still stops promptly.
var closeWait = 5 * time.Second

// ErrClosed: the trail is closed (the service is shutting down).
var ErrClosed = errors.New("the audit trail is closed")

// NewService returns the audit trail over the store and starts its writer; Close stops it.
func NewService(s Store, g *ids.Generator, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	svc := &Service{
		store: s, ids: g, log: log, queue: make(chan item, QueueLength), done: make(chan struct{}),
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	svc.writes, svc.stopWrites = context.WithCancel(context.Background())
	go svc.write()
	return svc
}

// Add queues a record, giving it an id and the current time. It waits only when QueueLength records
// are already waiting (the database is down or slow), and then at most until ctx ends.
func (s *Service) Add(ctx context.Context, r Record) error {
	r.ID, r.Time = s.ids.New(), s.now()
	return s.enqueue(ctx, item{rec: &r})
}

func (s *Service) enqueue(ctx context.Context, it item) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	select {
	case s.queue <- it:
		return nil
	default:
	}
	select {
	case s.queue <- it:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sync waits until every record queued before it is stored (or given up on and logged).
func (s *Service) Sync(ctx context.Context) error {
	m := make(chan struct{})
	if err := s.enqueue(ctx, item{marker: m}); err != nil {
		if errors.Is(err, ErrClosed) {
			return nil // Close stored everything
		}
		return err
	}
	select {
	case <-m:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stores the records still queued and stops the writer. If the database has not taken them
// within closeWait, the rest are logged instead.
func (s *Service) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.queue)
	}
	s.mu.Unlock()
	select {
	case <-s.done:
	case <-time.After(closeWait):
		s.stopWrites()
		<-s.done
	}
	s.stopWrites()
}

// write is the writer: it takes what is queued, up to maxBatch records, and stores it in one statement.
func (s *Service) write() {
	defer close(s.done)
	batch := make([]Record, 0, maxBatch)
	var markers []chan struct{}
	take := func(it item) {
		if it.rec != nil {
			batch = append(batch, *it.rec)
		} else {
			markers = append(markers, it.marker)
		}
	}
	for it := range s.queue {
		take(it)
	more:
		for len(batch) < maxBatch {
			select {
			case it, ok := <-s.queue:
				if !ok {
					break more
				}
				take(it)
			default:
				break more
			}
		}
		s.save(batch)
		for _, m := range markers {
			close(m)
		}
		clear(batch)
		batch, markers = batch[:0], markers[:0]
	}
}

// save writes a batch, trying once more after a short pause; records that still cannot be written are
// logged, one line each, so the trail can be restored from the log.
func (s *Service) save(batch []Record) {
	if len(batch) == 0 {
		return
	}
	var err error
	for attempt := range 2 {
		if attempt > 0 {
			select {
			case <-time.After(200 * time.Millisecond):
			case <-s.writes.Done():
			}
		}
		if err = s.writes.Err(); err != nil {
			break // Close gave up on the database
		}
		ctx, cancel := context.WithTimeout(s.writes, writeTimeout)
		err = s.store.Add(ctx, batch)
		cancel()
		if err == nil {
			return
		}
	}
	for _, r := range batch {
		s.log.Error("audit record not written", "error", err.Error(), "id", r.ID, "time", r.Time,
			"method", r.Method, "path", r.Path, "status", r.Status, "action", r.Action, "category", r.Category,
			"organisation_id", deref(r.OrganisationID), "user_id", deref(r.UserID), "user_email", deref(r.UserEmail),
			"client_id", deref(r.ClientID), "remote", r.RemoteAddress)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// List returns one page of the organisation's records, counting every record queued before the call.
func (s *Service) List(ctx context.Context, orgID int64, q listing.Query) (listing.Page[Record], error) {
	if err := s.Sync(ctx); err != nil {
		return listing.Page[Record]{}, err
	}
	return s.store.Page(ctx, orgID, q)
}

// Export calls fn for each record matching f, oldest first, including every record queued before the
// call.
func (s *Service) Export(ctx context.Context, f Filter, fn func(Record) error) error {
	if f.From != nil && f.Until != nil && !f.From.Before(*f.Until) {
		return ErrBadRange
	}
	if err := s.Sync(ctx); err != nil {
		return err
	}
	return s.store.Export(ctx, f, fn)
}
