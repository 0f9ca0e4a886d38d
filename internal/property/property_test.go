package property

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
	"github.com/cocoondata/access-service/internal/listing"
)

// memStore is a Store in memory with the migrated properties; reads counts All's calls.
type memStore struct {
	props []Property
	reads int
}

func newMemStore() *memStore {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return &memStore{props: []Property{
		{ID: 1, Name: PasswordMinLength, Value: "12", Kind: Integer, Public: true, Modified: at},
		{ID: 2, Name: PasswordMaxLength, Value: "1024", Kind: Integer, Public: true, Modified: at},
		{ID: 3, Name: PasswordMaxRetries, Value: "5", Kind: Integer, Modified: at},
		{ID: 5, Name: ContentServiceURL, Value: "", Kind: URL, Public: true, Modified: at},
		{ID: 6, Name: WebappServiceURL, Value: "", Kind: URL, Public: true, Modified: at},
		{ID: 7, Name: TemporaryPasswordExpiryHours, Value: "72", Kind: Integer, Modified: at},
		{ID: 8, Name: GoogleAnalyticsTrackingCode, Value: "", Kind: String, Public: true, Modified: at},
		{ID: 9, Name: GoogleAnalyticsTrackingDomain, Value: "", Kind: String, Public: true, Modified: at},
		{ID: 10, Name: RequireLoginOnLaunch, Value: "false", Kind: Boolean, Public: true, Modified: at},
		{ID: 11, Name: DocumentViewerEnabled, Value: "true", Kind: Boolean, Public: true, Modified: at},
	}}
}

func (m *memStore) InTx(ctx context.Context, fn func(context.Context) error) error {
	saved := slices.Clone(m.props)
	if err := fn(ctx); err != nil {
		m.props = saved
		return err
	}
	return nil
}
func (m *memStore) All(context.Context) ([]Property, error) {
	m.reads++
	return slices.Clone(m.props), nil
}
func (m *memStore) LockAll(context.Context) ([]Property, error) { return slices.Clone(m.props), nil }
func (m *memStore) List(context.Context, listing.Query) (listing.Page[Property], error) {
	return listing.Page[Property]{Items: slices.Clone(m.props), Count: len(m.props)}, nil
}
func (m *memStore) ByID(_ context.Context, id int64) (Property, error) {
	for _, p := range m.props {
		if p.ID == id {
			return p, nil
		}
	}
	return Property{}, ErrNotFound
}
func (m *memStore) SetValue(_ context.Context, id int64, value string, at time.Time) error {
	for i := range m.props {
		if m.props[i].ID == id {
			m.props[i].Value, m.props[i].Modified = value, at
			return nil
		}
	}
	return ErrNotFound
}

func (m *memStore) set(name, value string) {
	for i := range m.props {
		if m.props[i].Name == name {
			m.props[i].Value = value
		}
	}
}

// TestValuesCached: values come from memory for CacheFor, then from the store again; Forget drops them,
// and a snapshot is typed.
func TestValuesCached(t *testing.T) {
	st := newMemStore()
	s := NewService(st)
	now := time.Now()
	s.now = func() time.Time { return now }
	ctx := context.Background()
	for range 10 {
		snap, err := s.Current(ctx)
		if err != nil || snap.PasswordPolicy != (PasswordPolicy{12, 1024}) || snap.MaxPasswordRetries != 5 ||
			snap.TemporaryLinkValidity != 72*time.Hour || snap.RequireLoginOnLaunch || !snap.DocumentViewerEnabled {
			t.Fatal(snap, err)
		}
	}
	if st.reads != 1 {
		t.Fatalf("%d reads", st.reads)
	}
	st.set(ContentServiceURL, "https://b.example")
	now = now.Add(CacheFor - time.Nanosecond)
	if snap, _ := s.Current(ctx); snap.ContentServiceURL != "" {
		t.Fatalf("before CacheFor: %q", snap.ContentServiceURL)
	}
	now = now.Add(time.Nanosecond)
	if snap, _ := s.Current(ctx); snap.ContentServiceURL != "https://b.example" || st.reads != 2 {
		t.Fatalf("after CacheFor: %q, %d reads", snap.ContentServiceURL, st.reads)
	}
	st.set(ContentServiceURL, "https://c.example")
	s.Forget()
	if snap, _ := s.Current(ctx); snap.ContentServiceURL != "https://c.example" {
		t.Fatalf("after Forget: %q", snap.ContentServiceURL)
	}
	if v, ok := (&Snapshot{values: map[string]string{"x": "y"}}).Value("x"); !ok || v != "y" {
		t.Fatal(v, ok)
	}
}

// TestForgetDuringRead: a read that began before Forget is not kept: the next read goes to the store.
func TestForgetDuringRead(t *testing.T) {
	st := &forgettingStore{memStore: newMemStore()}
	s := NewService(st)
	st.during = s.Forget
	if _, err := s.Current(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.during = nil
	if _, err := s.Current(context.Background()); err != nil || st.reads != 2 {
		t.Fatalf("%d reads, %v", st.reads, err)
	}
}

type forgettingStore struct {
	*memStore
	during func()
}

func (f *forgettingStore) All(ctx context.Context) ([]Property, error) {
	if f.during != nil {
		f.during()
	}
	return f.memStore.All(ctx)
}

// TestCheck: each kind takes what the spec says and refuses the rest, naming propertyValue.
func TestCheck(t *testing.T) {
	all := newMemStore().props
	byName := func(name string) Property {
		for _, p := range all {
			if p.Name == name {
				return p
			}
		}
		t.Fatalf("no %s", name)
		return Property{}
	}
	long := strings.Repeat("é", MaxStringLength)
	cases := []struct {
		name    string
		value   any
		want    string // "" with refused
		refused bool
	}{
		{PasswordMinLength, float64(16), "16", false},
		{PasswordMinLength, "16", "16", false},
		{PasswordMinLength, "016", "16", false},
		{PasswordMinLength, float64(8), "8", false},
		{PasswordMinLength, float64(1024), "1024", false},
		{PasswordMinLength, 20, "20", false},
		{PasswordMinLength, float64(7), "", true},
		{PasswordMinLength, float64(1025), "", true},
		{PasswordMinLength, 16.5, "", true},
		{PasswordMinLength, "16.0", "", true},
		{PasswordMinLength, "-16", "", true},
		{PasswordMinLength, "+16", "", true},
		{PasswordMinLength, " 16", "", true},
		{PasswordMinLength, "", "", true},
		{PasswordMinLength, "99999999999999999999999", "", true},
		{PasswordMinLength, 1e300, "", true},
		{PasswordMinLength, math.Inf(1), "", true},
		{PasswordMinLength, math.NaN(), "", true},
		{PasswordMinLength, true, "", true},
		{PasswordMinLength, []any{float64(16)}, "", true},
		{PasswordMinLength, map[string]any{"v": float64(16)}, "", true},
		{PasswordMaxLength, float64(4096), "4096", false},
		{PasswordMaxLength, float64(4097), "", true},
		{PasswordMaxLength, float64(12), "12", false},
		{PasswordMaxLength, float64(11), "", true}, // below the minimum (12)
		{PasswordMaxRetries, float64(1), "1", false},
		{PasswordMaxRetries, float64(0), "", true},
		{PasswordMaxRetries, float64(101), "", true},
		{TemporaryPasswordExpiryHours, float64(8760), "8760", false},
		{TemporaryPasswordExpiryHours, float64(8761), "", true},
		{RequireLoginOnLaunch, true, "true", false},
		{RequireLoginOnLaunch, "false", "false", false},
		{RequireLoginOnLaunch, "TRUE", "", true},
		{RequireLoginOnLaunch, "1", "", true},
		{RequireLoginOnLaunch, float64(1), "", true},
		{ContentServiceURL, "https://content.example.com/base", "https://content.example.com/base", false},
		{ContentServiceURL, "http://127.0.0.1:8081", "http://127.0.0.1:8081", false},
		{ContentServiceURL, "", "", false},
		{ContentServiceURL, "ftp://content.example.com", "", true},
		{ContentServiceURL, "content.example.com", "", true},
		{ContentServiceURL, "/relative", "", true},
		{ContentServiceURL, "https://", "", true},
		{ContentServiceURL, "https://:443", "", true},
		{ContentServiceURL, "https://a.example/x y", "", true},
		{ContentServiceURL, "https://a.example/\n", "", true},
		{ContentServiceURL, "https://a.example/" + strings.Repeat("x", MaxStringLength), "", true},
		{ContentServiceURL, float64(1), "", true},
		{GoogleAnalyticsTrackingCode, "UA-000000-1", "UA-000000-1", false},
		{GoogleAnalyticsTrackingCode, "", "", false},
		{GoogleAnalyticsTrackingCode, long, long, false},
		{GoogleAnalyticsTrackingCode, long + "x", "", true},
		{GoogleAnalyticsTrackingCode, "a\tb", "", true},
		{GoogleAnalyticsTrackingCode, "a\u0085b", "", true},
		{GoogleAnalyticsTrackingCode, float64(12), "", true},
		{GoogleAnalyticsTrackingCode, false, "", true},
	}
	for _, tc := range cases {
		got, err := Check(all, byName(tc.name), tc.value)
		if tc.refused {
			var items errs.Items
			var ve *ValueError
			if !errors.As(err, &items) || len(items) != 1 || items[0].Name() != "propertyValue" || !errors.As(err, &ve) ||
				!errs.Is(err, errs.Invalid) || ve.Name != tc.name {
				t.Errorf("%s %#v: %q %v, want a refusal naming propertyValue", tc.name, tc.value, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %#v: %q %v, want %q", tc.name, tc.value, got, err, tc.want)
		}
	}
}

// TestSet: a value is stored and seen at once; a refused one and none at all change nothing; the
// password lengths bound each other; an unknown property is ErrNotFound.
func TestSet(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	s := NewService(st)
	if _, err := s.Current(ctx); err != nil { // held in memory from here
		t.Fatal(err)
	}
	p, err := s.Set(ctx, 1, "20")
	if err != nil || p.Value != "20" || p.Name != PasswordMinLength || !p.Modified.After(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatal(p, err)
	}
	if snap, _ := s.Current(ctx); snap.PasswordPolicy.MinLength != 20 {
		t.Fatalf("the setting instance does not see its change: %+v", snap.PasswordPolicy)
	}
	before := slices.Clone(st.props)
	for _, v := range []any{float64(1025), "x", nil} {
		p, err := s.Set(ctx, 1, v)
		if v == nil {
			if err != nil || p.Value != "20" {
				t.Errorf("no value: %v %v", p, err)
			}
		} else if !errs.Is(err, errs.Invalid) {
			t.Errorf("%v: %v", v, err)
		}
	}
	if !slices.Equal(before, st.props) {
		t.Fatal("a refused value changed something")
	}
	if _, err := s.Set(ctx, 2, float64(19)); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "from 20 to 4096") {
		t.Errorf("max below min: %v", err)
	}
	if _, err := s.Set(ctx, 2, float64(30)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, 1, float64(31)); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "from 8 to 30") {
		t.Errorf("min above max: %v", err)
	}
	if _, err := s.Set(ctx, 4, float64(30)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := s.Set(ctx, 4, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id, no value: %v", err)
	}
	if p, err := s.SetByName(ctx, WebappServiceURL, "https://safeshare.example.com"); err != nil || p.ID != 6 {
		t.Fatal(p, err)
	}
	if snap, _ := s.Current(ctx); snap.WebappServiceURL != "https://safeshare.example.com" {
		t.Fatal(snap.WebappServiceURL)
	}
}

// TestBadStoredValue: a stored value the service cannot read is an error, not a zero.
func TestBadStoredValue(t *testing.T) {
	st := newMemStore()
	st.set(PasswordMaxRetries, "many")
	if _, err := NewService(st).Current(context.Background()); err == nil {
		t.Fatal("no error")
	}
	st = newMemStore()
	st.set(DocumentViewerEnabled, "yes")
	if _, err := NewService(st).Current(context.Background()); err == nil {
		t.Fatal("no error")
	}
}

// TestConcurrentReadsAndForget: readers, Forget and Set at once share snapshots safely (run with -race).
func TestConcurrentReadsAndForget(t *testing.T) {
	st := newMemStore()
	s := NewService(&lockedStore{Store: st})
	ctx := context.Background()
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				snap, err := s.Current(ctx)
				if err != nil || snap.PasswordPolicy.MaxLength != 1024 {
					t.Error(snap, err)
					return
				}
				s.Forget()
			}
		}()
	}
	for range 4 {
		<-done
	}
}

// lockedStore serialises a Store's calls, as a database would.
type lockedStore struct {
	mu sync.Mutex
	Store
}

func (l *lockedStore) All(ctx context.Context) ([]Property, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.Store.All(ctx)
}
