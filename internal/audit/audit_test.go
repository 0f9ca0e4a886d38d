package audit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/audit"
	"github.com/cocoondata/access-service/internal/ids"
	"github.com/cocoondata/access-service/internal/listing"
)

// fakeStore records each batch it is given. While gate is open (non-nil and not closed) every write
// waits on it; fail makes the next writes fail.
type fakeStore struct {
	mu      sync.Mutex
	batches [][]audit.Record
	gate    chan struct{}
	fail    int // how many writes fail before they succeed again; -1: all
	tries   int
	// signIns are the sign-in tallies given, and inTx whether each came inside a transaction.
	signIns []audit.SignInTally
	users   []audit.SignInUser
	inTx    []bool
}

type fakeTx struct{}

func (f *fakeStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(context.WithValue(ctx, fakeTx{}, true))
}

func (f *fakeStore) AddSignIns(ctx context.Context, days []audit.SignInTally, users []audit.SignInUser) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.signIns = append(f.signIns, days...)
	f.users = append(f.users, users...)
	f.inTx = append(f.inTx, ctx.Value(fakeTx{}) != nil)
	return nil
}

func (f *fakeStore) Add(ctx context.Context, rs []audit.Record) error {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries++
	if f.fail != 0 {
		if f.fail > 0 {
			f.fail--
		}
		return errors.New("database unavailable")
	}
	f.batches = append(f.batches, append([]audit.Record(nil), rs...))
	return nil
}

func (f *fakeStore) all() []audit.Record {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []audit.Record
	for _, b := range f.batches {
		all = append(all, b...)
	}
	return all
}

func (f *fakeStore) Page(context.Context, int64, listing.Query) (listing.Page[audit.Record], error) {
	all := f.all()
	return listing.Page[audit.Record]{Items: all, Count: len(all)}, nil
}

func (f *fakeStore) Export(ctx context.Context, _ audit.Filter, fn func(audit.Record) error) error {
	all := f.all()
	for _, r := range all {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) stored() (records, statements int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.batches {
		records += len(b)
	}
	return records, len(f.batches)
}

func newService(t *testing.T, f *fakeStore, log *slog.Logger) *audit.Service {
	t.Helper()
	g, err := ids.NewGenerator()
	if err != nil {
		t.Fatal(err)
	}
	s := audit.NewService(f, g, log)
	t.Cleanup(s.Close)
	return s
}

func rec(i int) audit.Record {
	return audit.Record{Method: "GET", Path: fmt.Sprintf("/api/v1/organisations/1/users/%d", i), Status: 200, Action: audit.ActionRetrieved, Category: audit.CategoryUsers, Operation: "listMembers"}
}

// TestRecordsAreBatched: records queued while a write is under way are stored together, at most 256 to
// a statement, in the order they were added, and List sees every one added before it.
func TestRecordsAreBatched(t *testing.T) {
	f := &fakeStore{gate: make(chan struct{})}
	s := newService(t, f, nil)
	const n = 600
	for i := range n {
		if err := s.Add(t.Context(), rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	close(f.gate)
	f.gate = nil
	f.mu.Unlock()
	page, err := s.List(t.Context(), 1, listing.Query{})
	all, total := page.Items, page.Count
	if err != nil || total != n {
		t.Fatalf("List after %d adds: %d records, %v", n, total, err)
	}
	_, statements := f.stored()
	// The first record is written alone (the writer takes it as soon as it is queued), the other 599 in
	// batches of at most 256: 1 + 3.
	if statements > 4 {
		t.Errorf("%d records took %d statements, want at most 4", n, statements)
	}
	for _, b := range f.batches {
		if len(b) > 256 {
			t.Errorf("a batch of %d records", len(b))
		}
	}
	seen := map[int64]bool{}
	for i, r := range all {
		if r.Path != rec(i).Path {
			t.Fatalf("record %d is %s: order not kept", i, r.Path)
		}
		if r.ID == 0 || r.Time.IsZero() || seen[r.ID] {
			t.Fatalf("record %d: id %d, time %v", i, r.ID, r.Time)
		}
		seen[r.ID] = true
	}
}

// TestRecordTimeIsWhenAdded: a record's time is when it was added, not when it was written.
func TestRecordTimeIsWhenAdded(t *testing.T) {
	f := &fakeStore{gate: make(chan struct{})}
	s := newService(t, f, nil)
	before := time.Now().UTC().Truncate(time.Microsecond) // records keep whole microseconds
	if err := s.Add(t.Context(), rec(0)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	f.mu.Lock()
	close(f.gate)
	f.gate = nil
	f.mu.Unlock()
	page, err := s.List(t.Context(), 1, listing.Query{})
	all := page.Items
	if err != nil || len(all) != 1 {
		t.Fatalf("%d records, %v", len(all), err)
	}
	if d := all[0].Time.Sub(before); d < 0 || d > 40*time.Millisecond {
		t.Errorf("stamped %s after it was added", d)
	}
}

// TestCloseStoresWhatIsQueued: Close waits until every queued record is stored; after it Add refuses and
// Sync has nothing to wait for.
func TestCloseStoresWhatIsQueued(t *testing.T) {
	f := &fakeStore{gate: make(chan struct{})}
	g, _ := ids.NewGenerator()
	s := audit.NewService(f, g, nil)
	for i := range 10 {
		if err := s.Add(t.Context(), rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned with records still queued")
	case <-time.After(50 * time.Millisecond):
	}
	close(f.gate)
	<-closed
	if n, _ := f.stored(); n != 10 {
		t.Fatalf("%d of 10 records stored", n)
	}
	if err := s.Add(t.Context(), rec(11)); !errors.Is(err, audit.ErrClosed) {
		t.Fatalf("Add after Close: %v", err)
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatalf("Sync after Close: %v", err)
	}
	s.Close() // twice is harmless
}

// TestCloseGivesUpOnAStuckDatabase: when the database does not take the queued records, Close stops
// waiting after closeWait and logs each record that was not stored.
func TestCloseGivesUpOnAStuckDatabase(t *testing.T) {
	defer audit.SetCloseWait(100 * time.Millisecond)()
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &buf}, nil))
	f := &fakeStore{gate: make(chan struct{})} // never opened
	g, _ := ids.NewGenerator()
	s := audit.NewService(f, g, log)
	for i := range 300 {
		if err := s.Add(t.Context(), rec(i)); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %s with the database stuck", d)
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if n := strings.Count(out, `"msg":"audit record not written"`); n != 300 {
		t.Fatalf("%d of 300 records logged", n)
	}
}

// TestFullQueueWaitsAtMostUntilTheContextEnds: with the database stuck and the queue full, Add waits for
// room only as long as its context allows.
func TestFullQueueWaitsAtMostUntilTheContextEnds(t *testing.T) {
	f := &fakeStore{gate: make(chan struct{})}
	s := newService(t, f, nil)
	t.Cleanup(func() { close(f.gate) }) // before Close (cleanups run last first)
	// One record is with the (stuck) writer, QueueLength wait.
	for i := range audit.QueueLength + 1 {
		if err := s.Add(t.Context(), rec(i)); err != nil {
			t.Fatalf("add %d: %v", i, err)
		}
	}
	for deadline := time.Now().Add(2 * time.Second); ; {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		err := s.Add(ctx, rec(-1))
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("Add to a full queue: %v", err)
		}
	}
	// The records that found no room are counted as dropped; the queue is full.
	if st := s.Stats(); st.Dropped < 1 || st.Queued != audit.QueueLength {
		t.Fatalf("stats with the queue full: %+v", st)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := s.Sync(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Sync with the database stuck: %v", err)
	}
}

// TestFailedWrites: a write that fails is tried once more; records that still cannot be stored are
// logged, one line each with what the record holds.
func TestFailedWrites(t *testing.T) {
	t.Run("a second try stores the batch", func(t *testing.T) {
		f := &fakeStore{fail: 1}
		s := newService(t, f, nil)
		if err := s.Add(t.Context(), rec(1)); err != nil {
			t.Fatal(err)
		}
		if err := s.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n, _ := f.stored(); n != 1 || f.tries != 2 {
			t.Fatalf("%d stored after %d tries", n, f.tries)
		}
		if st := s.Stats(); st.Written != 1 || st.Dropped != 0 || st.Capacity != audit.QueueLength {
			t.Fatalf("stats after a stored record: %+v", st)
		}
	})
	t.Run("otherwise each record is logged", func(t *testing.T) {
		var buf bytes.Buffer
		var mu sync.Mutex
		log := slog.New(slog.NewJSONHandler(lockedWriter{&mu, &buf}, nil))
		f := &fakeStore{fail: -1, gate: make(chan struct{})}
		s := newService(t, f, log)
		for i := range 3 {
			if err := s.Add(t.Context(), rec(i)); err != nil {
				t.Fatal(err)
			}
		}
		close(f.gate)
		if err := s.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		out := buf.String()
		mu.Unlock()
		if n := strings.Count(out, `"msg":"audit record not written"`); n != 3 {
			t.Fatalf("%d records logged, want 3:\n%s", n, out)
		}
		if st := s.Stats(); st.Dropped != 3 || st.Written != 0 {
			t.Fatalf("stats after three records not written: %+v, want 3 dropped", st)
		}
		for i := range 3 {
			if !strings.Contains(out, rec(i).Path) {
				t.Errorf("the log lacks %s", rec(i).Path)
			}
		}
	})
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestActionOf(t *testing.T) {
	for method, want := range map[string]string{
		"POST": audit.ActionCreated, "GET": audit.ActionRetrieved, "HEAD": audit.ActionRetrieved, "PUT": audit.ActionUpdated,
		"PATCH": audit.ActionUpdated, "DELETE": audit.ActionDeleted, "OPTIONS": audit.ActionOther, "OTHER": audit.ActionOther, "": audit.ActionOther,
	} {
		if got := audit.ActionOf(method); got != want {
			t.Errorf("%q: %s, want %s", method, got, want)
		}
	}
}

func TestCategoryOfTag(t *testing.T) {
	for tag, want := range map[string]string{
		"oauth": "AUTH", "mfa": "AUTH", "members": "USERS", "administrators": "USERS", "users": "USERS",
		"organisations": "ORGANISATIONS", "audit": "ORGANISATIONS", "statistics": "ORGANISATIONS", "whitelist": "WHITELIST",
		"clearances": "CLEARANCES", "classifications": "CLASSIFICATIONS", "plans": "PLANS", "clientapps": "CLIENTAPPS",
		"properties": "CONFIG", "theme": "CONFIG", "languages": "CONFIG", "dashboards": "CONFIG", "contacts": "CONTACTS",
	} {
		if got, ok := audit.CategoryOfTag(tag); got != want || !ok {
			t.Errorf("%s: %s %v, want %s", tag, got, ok, want)
		}
	}
	if got, ok := audit.CategoryOfTag("no-such-tag"); got != audit.CategoryOther || ok {
		t.Errorf("an unknown tag: %s %v", got, ok)
	}
}

// TestTallySignIns: only sign-ins that succeeded or failed count, per UTC day; each user once a day
// per column, by the address the record names or else by id; a record naming nobody counts in the
// totals only.
func TestTallySignIns(t *testing.T) {
	day1 := time.Date(2026, 11, 29, 23, 59, 59, 0, time.UTC)
	day2 := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	id := func(v int64) *int64 { return &v }
	email := func(v string) *string { return &v }
	rs := []audit.Record{
		{Time: day2, UserID: id(7), SignIn: audit.SignInSucceeded},
		{Time: day1, UserID: id(7), SignIn: audit.SignInSucceeded},
		{Time: day1, UserID: id(7), SignIn: audit.SignInSucceeded},
		{Time: day1, UserID: id(7), SignIn: audit.SignInFailed},
		{Time: day1, UserEmail: email("x@example.com"), SignIn: audit.SignInFailed},                // a wrong password
		{Time: day1, UserID: id(9), UserEmail: email("x@example.com"), SignIn: audit.SignInFailed}, // then a wrong code: the same person
		{Time: day1, SignIn: audit.SignInFailed},
		{Time: day1, UserID: id(8), Operation: audit.OperationSignInFirstStep}, // neither
		{Time: day1, UserID: id(8), Operation: "getOrganisation"},
	}
	days, users := audit.TallySignIns(rs)
	if fmt.Sprint(days) != "[{2026-11-29 2 4} {2026-11-30 1 0}]" {
		t.Errorf("days: %v", days)
	}
	if fmt.Sprint(users) != "[{2026-11-29 7 false} {2026-11-29 7 true} {2026-11-29 email:x@example.com true} {2026-11-30 7 false}]" {
		t.Errorf("users: %v", users)
	}
}

// TestSignInsCountInTheBatchTransaction: a batch with sign-ins gives the store its tallies inside the
// transaction that stores its records.
func TestSignInsCountInTheBatchTransaction(t *testing.T) {
	f := &fakeStore{}
	s := newService(t, f, nil)
	uid := int64(3)
	if err := s.Add(t.Context(), audit.Record{Method: "POST", Path: "/api/oauth/token", UserID: &uid, SignIn: audit.SignInSucceeded}); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.signIns) != 1 || f.signIns[0].Successes != 1 || len(f.users) != 1 || f.users[0].Who != "3" || !f.inTx[0] {
		t.Fatalf("%v %v %v", f.signIns, f.users, f.inTx)
	}
}
