package property

import (
	"context"
	"testing"
	"time"
)

type countingStore struct {
	reads int
	value string
}

func (c *countingStore) All(context.Context) ([]Property, error) {
	c.reads++
	return []Property{{Name: ContentServiceURL, Value: c.value}}, nil
}

// TestValuesCached: values come from memory for CacheFor, then from the store again; Forget drops them.
func TestValuesCached(t *testing.T) {
	st := &countingStore{value: "a"}
	s := NewService(st)
	now := time.Now()
	s.now = func() time.Time { return now }
	for range 10 {
		v, err := s.Values(context.Background())
		if err != nil || v[ContentServiceURL] != "a" {
			t.Fatal(v, err)
		}
		v[ContentServiceURL] = "changed by a caller"
	}
	if st.reads != 1 {
		t.Fatalf("%d reads", st.reads)
	}
	st.value = "b"
	now = now.Add(CacheFor)
	if v, _ := s.Values(context.Background()); v[ContentServiceURL] != "b" || st.reads != 2 {
		t.Fatalf("after CacheFor: %v, %d reads", v, st.reads)
	}
	st.value = "c"
	s.Forget()
	if v, _ := s.Values(context.Background()); v[ContentServiceURL] != "c" {
		t.Fatalf("after Forget: %v", v)
	}
}
