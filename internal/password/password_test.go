package password

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestHasherQueueBounded: with every slot taken, a caller waits about one hash's time at most; up to
// maxWaiting callers wait; the next is refused at once with ErrBusy; the waiting ones finish when slots
// free up.
func TestHasherQueueBounded(t *testing.T) {
	h := NewHasher(Cheap)
	hash, err := h.Hash(context.Background(), "secret")
	if err != nil {
		t.Fatal(err)
	}
	for range cap(h.slots) {
		h.slots <- struct{}{}
	}
	// A waiter gives up after about one hash's time.
	h.took.Store(int64(50 * time.Millisecond))
	start := time.Now()
	if _, err := h.Verify(context.Background(), "secret", hash); !errors.Is(err, ErrBusy) {
		t.Fatalf("waiting longer than a hash: %v", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond || d > 2*time.Second {
		t.Fatalf("gave up after %s, want about 50ms", d)
	}
	h.took.Store(int64(time.Hour)) // from here on, waiters wait until a slot frees
	var wg sync.WaitGroup
	errs := make(chan error, h.maxWaiting)
	for range h.maxWaiting {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := h.Verify(context.Background(), "secret", hash)
			if err == nil && !ok {
				err = errors.New("no match")
			}
			errs <- err
		}()
	}
	for deadline := time.Now().Add(5 * time.Second); h.waiting.Load() < h.maxWaiting; {
		if time.Now().After(deadline) {
			t.Fatalf("%d waiting", h.waiting.Load())
		}
		time.Sleep(time.Millisecond)
	}
	start = time.Now()
	if _, err := h.Verify(context.Background(), "secret", hash); !errors.Is(err, ErrBusy) {
		t.Fatalf("beyond the queue: %v", err)
	}
	if time.Since(start) > time.Second {
		t.Fatal("the refusal waited")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, ErrBusy) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with a deadline: %v", err)
	}
	for range cap(h.slots) {
		<-h.slots
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if h.waiting.Load() != 0 {
		t.Fatalf("%d still counted as waiting", h.waiting.Load())
	}
}
