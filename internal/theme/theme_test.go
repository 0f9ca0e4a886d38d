package theme

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cocoondata/access-service/internal/errs"
)

func TestNamesAreTheDocumentedFifteenInOrder(t *testing.T) {
	names := Names()
	if len(names) != 15 || !slices.IsSorted(names) {
		t.Fatalf("%v", names)
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
		ok                bool
	}{
		{SupportLink, "https://support.example.com", "https://support.example.com", true},
		{SupportLink, " HTTP://support.example.com/a?b=c#d ", "HTTP://support.example.com/a?b=c#d", true},
		{SupportLink, "https://", "", false},
		{SupportLink, "mailto:help@example.com", "", false},
		{SupportLink, "https://exa mple.com", "", false},
		{SupportLink, "//example.com/x", "", false},
		{AdminEmail, "Help@Example.COM", "help@example.com", true},
		{AdminEmail, "Help <help@example.com>", "", false},
		{OrgRemovalActionDays, "1", "1", true},
		{OrgRemovalActionDays, "365", "365", true},
		{OrgRemovalActionDays, "+12", "12", true},
		{OrgRemovalActionDays, "-1", "", false},
		{OrgRemovalActionDays, "1.5", "", false},
		{ApplicationName, "Acme Share", "Acme Share", true},
		{ApplicationName, "Acme\u0085Share", "", false}, // a C1 control character
		{ApplicationName, "", "", false},
		{Copyright, "©" + string(slices.Repeat([]rune{'x'}, MaxLength-1)), "", true},
		{Copyright, string(slices.Repeat([]rune{'x'}, MaxLength+1)), "", false},
	} {
		got, err := Check(tc.name, tc.value)
		if (err == nil) != tc.ok || (tc.ok && tc.want != "" && got != tc.want) {
			t.Errorf("%s %q: %q %v", tc.name, tc.value, got, err)
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("%s %q: %v is not Invalid", tc.name, tc.value, err)
		}
	}
	if _, err := Check("colour", "blue"); !errors.Is(err, ErrUnknown) {
		t.Errorf("unknown: %v", err)
	}
}

// memStore is a Store in memory that counts its reads.
type memStore struct {
	mu     sync.Mutex
	values map[string]string
	reads  int
}

func (m *memStore) All(context.Context) (map[string]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reads++
	out := map[string]string{}
	for k, v := range m.values {
		out[k] = v
	}
	return out, nil
}

func (m *memStore) Set(_ context.Context, name, value string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.values[name] = value
	return nil
}

func (m *memStore) Clear(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.values, name)
	return nil
}

// TestCache: the theme is read from the store once per CacheFor; another writer's change is seen once
// the copy ages out, this service's own change at once.
func TestCache(t *testing.T) {
	ctx := context.Background()
	st := &memStore{values: map[string]string{}}
	s := NewService(st)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }

	th, err := s.Current(ctx)
	if err != nil || th.Text(ApplicationName) != DefaultApplicationName || th.RemovalActionDays() != DefaultRemovalActionDays ||
		th.Value(SupportLink) != nil {
		t.Fatalf("defaults: %v %v", th, err)
	}
	var body map[string]*string
	if err := json.Unmarshal(th.JSON(), &body); err != nil || len(body) != 15 || *body[OrgRemovalActionDays] != "7" {
		t.Fatalf("%s %v", th.JSON(), err)
	}
	st.values[CompanyName] = "Elsewhere Ltd" // another instance's change
	now = now.Add(CacheFor - time.Millisecond)
	if th, _ := s.Current(ctx); th.Value(CompanyName) != nil || st.reads != 1 {
		t.Fatalf("read again within CacheFor: %d reads", st.reads)
	}
	now = now.Add(time.Millisecond)
	if th, _ := s.Current(ctx); th.Text(CompanyName) != "Elsewhere Ltd" || st.reads != 2 {
		t.Fatalf("not read after CacheFor: %d reads", st.reads)
	}
	if _, err := s.Set(ctx, OrgRemovalActionDays, "30"); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.RemovalActionDays(ctx); d != 30 {
		t.Fatalf("own change not seen at once: %d", d)
	}
	if _, err := s.Set(ctx, OrgRemovalActionDays, "0"); err == nil {
		t.Fatal("0 days accepted")
	}
	if d, _ := s.RemovalActionDays(ctx); d != 30 {
		t.Fatalf("a refused value changed the days: %d", d)
	}
	if p, err := s.Clear(ctx, OrgRemovalActionDays); err != nil || *p.Value != "7" {
		t.Fatalf("%v %v", p, err)
	}
	if d, _ := s.RemovalActionDays(ctx); d != 7 {
		t.Fatalf("cleared: %d", d)
	}
}
