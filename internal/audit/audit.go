// Package audit keeps the audit trail: one record per request made within an organisation's scope and
// per sign-in attempt. Records hold plain ids and emails, not references, so they outlive the
// organisations and accounts they name.
package audit

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	// Action is what the request did, by its method (ActionOf); Category what it was about (one of the
	// Category values, from the operation's spec tag: CategoryOfTag); Operation which operation it was
	// (its operationId, or a more precise name: a removal's cancel or decline, a sign-in's step).
	Action    string
	Category  string
	Operation string
	// SignIn is what a sign-in attempt came to: SignInSucceeded, SignInFailed, or "" for every other
	// record (a first step whose code is still to come among them). The sign-in dashboard counts these.
	SignIn SignIn
}

// Actions: what a request did, by its method. A sign-in (a POST) is ActionCreated.
const (
	ActionCreated   = "CREATED"
	ActionRetrieved = "RETRIEVED"
	ActionUpdated   = "UPDATED"
	ActionDeleted   = "DELETED"
	ActionOther     = "OTHER"
)

// ActionOf is the action of a request made with the method.
func ActionOf(method string) string {
	switch method {
	case http.MethodPost:
		return ActionCreated
	case http.MethodGet, http.MethodHead:
		return ActionRetrieved
	case http.MethodPut, http.MethodPatch:
		return ActionUpdated
	case http.MethodDelete:
		return ActionDeleted
	}
	return ActionOther
}

// Categories: what a request was about (the spec's AuditCategory).
const (
	CategoryAuth            = "AUTH"
	CategoryCollaborations  = "COLLABORATIONS"
	CategoryCollections     = "COLLECTIONS"
	CategoryContacts        = "CONTACTS"
	CategoryKeys            = "KEYS"
	CategoryNotifications   = "NOTIFICATIONS"
	CategoryObjects         = "OBJECTS"
	CategoryUsers           = "USERS"
	CategoryOrganisations   = "ORGANISATIONS"
	CategoryWhitelist       = "WHITELIST"
	CategoryClearances      = "CLEARANCES"
	CategoryClassifications = "CLASSIFICATIONS"
	CategoryPlans           = "PLANS"
	CategoryClientApps      = "CLIENTAPPS"
	CategoryConfig          = "CONFIG"
	// CategoryOther: the request matched no operation (its path is the client's text, never a category).
	CategoryOther = "OTHER"
)

// tagCategories is the one table from the spec's operation tags to categories. A tag missing here
// (a new area of the spec) is CategoryOther until it is added; TestEveryTagHasACategory in httpapi
// names any such tag.
var tagCategories = map[string]string{
	"oauth": CategoryAuth, "mfa": CategoryAuth, "approvals": CategoryAuth,
	"users": CategoryUsers, "members": CategoryUsers, "administrators": CategoryUsers,
	"organisations": CategoryOrganisations, "audit": CategoryOrganisations, "statistics": CategoryOrganisations,
	"whitelist":  CategoryWhitelist,
	"clearances": CategoryClearances, "classifications": CategoryClassifications,
	"plans": CategoryPlans, "clientapps": CategoryClientApps,
	"properties": CategoryConfig, "theme": CategoryConfig, "languages": CategoryConfig, "dashboards": CategoryConfig,
	"discovery":  CategoryConfig,
	"contacts":   CategoryContacts,
	"operations": CategoryOther, "documentation": CategoryOther,
}

// CategoryOfTag is the category of an operation with the spec tag, and whether the table knows it.
func CategoryOfTag(tag string) (string, bool) {
	c, ok := tagCategories[tag]
	if !ok {
		return CategoryOther, false
	}
	return c, true
}

// Operation names of records that are not one operation's request each.
const (
	// OperationUnknown: the request matched no operation.
	OperationUnknown = "unknown"
	// OperationToken: a token request that is no sign-in (an unknown or missing grant type).
	OperationToken = "token"
	// OperationSignIn: the password grant, or the sign-in page's form.
	OperationSignIn = "signIn"
	// OperationExchangeCode: the authorization-code grant (its user signed in on the pages, recorded
	// there; the exchange is no sign-in of its own).
	OperationExchangeCode = "exchangeCode"
	// OperationSignInFirstStep: a sign-in whose password was right and whose code is still to come.
	OperationSignInFirstStep = "signInFirstStep"
	// OperationSignInSecondFactor: the second step (the mfa grant, or the code page's form).
	OperationSignInSecondFactor = "signInSecondFactor"
	// OperationRefreshToken: the refresh-token grant (not a sign-in: nobody gave credentials).
	OperationRefreshToken = "refreshToken"
)

// SignIn is what a sign-in attempt came to, as the handler that ran it saw it:
//
//   - SignInSucceeded: a sign-in completed: the password grant or the authorization-code grant issued
//     tokens with no second step pending, the second step (the mfa grant or the code page) took the
//     right code, or the sign-in page accepted a password with no second step to come.
//   - SignInFailed: the user's credentials were refused: a wrong password, a locked or disabled
//     account, MFA required but not set up (password grant or sign-in page), a wrong code in the
//     second step.
//   - "" (neither): every other record, and among sign-in records the first step of an MFA sign-in
//     (the password was right, the code is still to come: its second step counts), a refresh, a client
//     that failed to authenticate, a malformed request, a refused authorization code, an MFA token
//     that cannot complete a step, a refused page form (CSRF).
type SignIn string

const (
	SignInSucceeded SignIn = "succeeded"
	SignInFailed    SignIn = "failed"
)

// SignInTally is what a batch of records adds to the sign-in counts of one UTC day ("YYYY-MM-DD").
type SignInTally struct {
	Day                 string
	Successes, Failures int64
}

// SignInUser is a user who, on a UTC day, succeeded (Failed false) or failed to sign in: the key the
// dashboard's uniqueLogin counts once a day per column. Who is "email:" and the address the record
// names (the address given, or the account's) or, for a record naming no address, the account's id:
// the address first, because a wrong password names no account (the token endpoint does not say which
// exist) while a wrong code does, and the same person must count once.
type SignInUser struct {
	Day    string
	Who    string
	Failed bool
}

// DayOf is the UTC day of a time, as the sign-in counts key it.
func DayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// TallySignIns is what the records add to the sign-in counts: per day (sorted), and the distinct
// users per day and column (sorted), so concurrent writers lock the same rows in the same order.
// A sign-in record that names neither a user nor an address counts in the totals, not among users.
func TallySignIns(rs []Record) ([]SignInTally, []SignInUser) {
	days := map[string]*SignInTally{}
	users := map[SignInUser]bool{}
	for _, r := range rs {
		if r.SignIn != SignInSucceeded && r.SignIn != SignInFailed {
			continue
		}
		day := DayOf(r.Time)
		d := days[day]
		if d == nil {
			d = &SignInTally{Day: day}
			days[day] = d
		}
		failed := r.SignIn == SignInFailed
		if failed {
			d.Failures++
		} else {
			d.Successes++
		}
		if who := signInWho(r); who != "" {
			users[SignInUser{Day: day, Who: who, Failed: failed}] = true
		}
	}
	outDays := make([]SignInTally, 0, len(days))
	for _, d := range days {
		outDays = append(outDays, *d)
	}
	slices.SortFunc(outDays, func(a, b SignInTally) int { return strings.Compare(a.Day, b.Day) })
	outUsers := make([]SignInUser, 0, len(users))
	for u := range users {
		outUsers = append(outUsers, u)
	}
	slices.SortFunc(outUsers, func(a, b SignInUser) int {
		return cmp.Or(strings.Compare(a.Day, b.Day), strings.Compare(a.Who, b.Who), cmp.Compare(boolInt(a.Failed), boolInt(b.Failed)))
	})
	return outDays, outUsers
}

// signInWho is the user a sign-in record counts for (SignInUser.Who); the store's backfill and drift
// check (migration 00014) compute the same from the columns.
func signInWho(r Record) string {
	if r.UserEmail != nil && *r.UserEmail != "" {
		return "email:" + *r.UserEmail
	}
	if r.UserID != nil {
		return strconv.FormatInt(*r.UserID, 10)
	}
	return ""
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

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
	// InTx runs fn in one transaction carried in its context.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Add stores the records, all or none.
	Add(ctx context.Context, rs []Record) error
	// AddSignIns adds a batch's sign-ins to the daily counts: each day's totals, and each user not yet
	// counted that day in that column once (the uniqueLogin counts).
	AddSignIns(ctx context.Context, days []SignInTally, users []SignInUser) error
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

	// written and dropped count the records stored, and those that never reached the database: not
	// queued (the queue stayed full until the request's end, or the trail was closed) or given up on
	// after a failed write (and logged instead).
	written, dropped atomic.Int64
}

// Stats is a snapshot of the trail's queue, for the metrics.
type Stats struct {
	Queued, Capacity int // records (and markers) waiting to be stored now; QueueLength
	Written, Dropped int64
}

// Stats reads the queue's state; it takes no lock.
func (s *Service) Stats() Stats {
	return Stats{Queued: len(s.queue), Capacity: cap(s.queue), Written: s.written.Load(), Dropped: s.dropped.Load()}
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
	err := s.enqueue(ctx, item{rec: &r})
	if err != nil {
		s.dropped.Add(1)
	}
	return err
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
		err = s.store1(ctx, batch)
		cancel()
		if err == nil {
			s.written.Add(int64(len(batch)))
			return
		}
	}
	s.dropped.Add(int64(len(batch)))
	for _, r := range batch {
		s.log.Error("audit record not written", "error", err.Error(), "id", r.ID, "time", r.Time,
			"method", r.Method, "path", r.Path, "status", r.Status, "action", r.Action, "category", r.Category,
			"operation", r.Operation, "sign_in", string(r.SignIn),
			"organisation_id", deref(r.OrganisationID), "user_id", deref(r.UserID), "user_email", deref(r.UserEmail),
			"client_id", deref(r.ClientID), "remote", r.RemoteAddress)
	}
}

// store1 stores one batch: its records and, in the same transaction, what its sign-ins add to the daily
// counts, so the counts never differ from the records they count.
func (s *Service) store1(ctx context.Context, batch []Record) error {
	days, users := TallySignIns(batch)
	if len(days) == 0 {
		return s.store.Add(ctx, batch)
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.Add(ctx, batch); err != nil {
			return err
		}
		return s.store.AddSignIns(ctx, days, users)
	})
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
