package password

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
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
		if h.Saturated() {
			t.Fatal("saturated with a slot free")
		}
		h.slots <- struct{}{}
	}
	if h.Saturated() {
		t.Fatal("saturated with no caller waiting")
	}
	// A waiter gives up after about two hashes' time.
	h.took.Store(int64(50 * time.Millisecond))
	start := time.Now()
	if _, err := h.Verify(context.Background(), "secret", hash); !errors.Is(err, ErrBusy) {
		t.Fatalf("waiting longer than a hash: %v", err)
	}
	if d := time.Since(start); d < 90*time.Millisecond || d > 2*time.Second {
		t.Fatalf("gave up after %s, want about 100ms", d)
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
	if !h.Saturated() {
		t.Fatal("every slot taken and the queue full, but not saturated")
	}
	if st := h.Stats(); st.InUse != st.Capacity || st.Waiting != st.MaxWaiting || st.Refused != 1 {
		t.Fatalf("stats with every slot taken and the queue full: %+v", st)
	}
	start = time.Now()
	if _, err := h.Verify(context.Background(), "secret", hash); !errors.Is(err, ErrBusy) {
		t.Fatalf("beyond the queue: %v", err)
	}
	if st := h.Stats(); st.Refused != 2 {
		t.Fatalf("refusals counted: %d, want 2", st.Refused)
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

// BenchmarkOWASPSettings compares OWASP's equivalent Argon2id settings, one check at a time and one per
// core at once (the reason for Production's choice):
//
//	go test -run XXX -bench OWASPSettings -cpu 1,2 ./internal/password/
//
// With -cpu 1 ns/op is one check's time; with -cpu 2 it is the time per check when two run at once, so
// perfect scaling halves it.
func BenchmarkOWASPSettings(b *testing.B) {
	for _, p := range []*Params{
		{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		{Memory: 12 * 1024, Iterations: 3, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		{Memory: 9 * 1024, Iterations: 4, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		{Memory: 7 * 1024, Iterations: 5, Parallelism: 1, SaltLength: 16, KeyLength: 32},
	} {
		b.Run(fmt.Sprintf("%dMiB-x%d", p.Memory/1024, p.Iterations), func(b *testing.B) {
			hash, err := argon2id.CreateHash("a password to check", p)
			if err != nil {
				b.Fatal(err)
			}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if ok, err := argon2id.ComparePasswordAndHash("a password to check", hash); !ok || err != nil {
						b.Error("no match")
					}
				}
			})
		})
	}
}

// TestChecksCounts: every Hash and Verify call counts, the one against the dummy hash included.
func TestChecksCounts(t *testing.T) {
	h := NewHasher(Cheap)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "secret")
	if err != nil {
		t.Fatal(err)
	}
	for _, encoded := range []string{hash, ""} {
		if _, err := h.Verify(ctx, "secret", encoded); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.Checks(); got != 3 {
		t.Fatalf("%d checks counted, want 3", got)
	}
}
