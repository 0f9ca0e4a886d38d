package memo

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestValue: the value comes from memory for maxAge, then from the store again (load sees what was held);
// Forget drops it at once, and a read begun before a Forget is not kept; an error keeps nothing.
func TestValue(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	m := New[int](2*time.Second, func() time.Time { return now })
	stored, reads := 1, 0
	var lastHeld *int
	load := func(_ context.Context, held *int) (*int, error) {
		reads++
		lastHeld = held
		v := stored
		return &v, nil
	}
	get := func() int {
		v, err := m.Get(ctx, load)
		if err != nil {
			t.Fatal(err)
		}
		return *v
	}
	for range 5 {
		if get() != 1 {
			t.Fatal("first value")
		}
	}
	if reads != 1 || lastHeld != nil {
		t.Fatalf("%d reads, held %v", reads, lastHeld)
	}
	stored = 2
	now = now.Add(2*time.Second - time.Nanosecond)
	if get() != 1 {
		t.Fatal("read again before maxAge")
	}
	now = now.Add(time.Nanosecond)
	if get() != 2 || reads != 2 || lastHeld == nil || *lastHeld != 1 {
		t.Fatalf("after maxAge: %d reads, held %v", reads, lastHeld)
	}
	stored = 3
	m.Forget()
	if get() != 3 {
		t.Fatal("Forget did not drop the value")
	}
	// A read under way when Forget is called is returned but not kept.
	stored = 4
	m.Forget()
	v, _ := m.Get(ctx, func(ctx context.Context, held *int) (*int, error) {
		m.Forget() // a change commits while this read is under way
		return load(ctx, held)
	})
	if *v != 4 {
		t.Fatal(*v)
	}
	stored = 5
	if get() != 5 {
		t.Fatal("kept a read begun before a Forget")
	}
	boom := errors.New("store down")
	m.Forget()
	if _, err := m.Get(ctx, func(context.Context, *int) (*int, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if get() != 5 || reads != 6 {
		t.Fatalf("after an error: %d reads", reads)
	}
}
