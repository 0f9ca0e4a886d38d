// Package password hashes and checks user passwords (and client secrets stored before they got their
// own fast hash, internal/clientapp) with Argon2id.
package password

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/alexedwards/argon2id"
)

// Params are the Argon2id costs. The stored hash records the costs it was made with, so a change of
// Params applies to new hashes while old ones still verify.
type Params = argon2id.Params

// Production costs: one of OWASP's equivalent Argon2id settings, 7 MiB and five passes with one lane
// (its list: 19 MiB × 2, 12 MiB × 3, 9 MiB × 4, 7 MiB × 5, "an equal level of defense"). Of these, the
// smallest memory is the quickest here, where the cores share one processor cache: on a 2-core server
// (32 MiB L3), BenchmarkOWASPSettings gave 17.4 ms per check alone and 11.3 ms per check two at once
// (89 checks/s) for 7 MiB × 5, against 20.9 ms and 13.9 ms (72 checks/s) for 19 MiB × 2; each hash in
// flight also holds 7 MiB rather than 19. One lane per hash lets the machine's cores serve that many
// sign-ins in parallel. Stored hashes record their costs, so hashes made with other settings still
// verify.
var Production = &Params{Memory: 7 * 1024, Iterations: 5, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Cheap costs, for tests only: the race detector makes real costs take seconds.
var Cheap = &Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Hasher makes and checks hashes. It lets at most a fixed number of hashes run at once and a bounded
// number wait for their turn, each for at most about two hashes' time; beyond that it refuses (ErrBusy),
// so a flood of sign-ins neither exhausts memory nor makes an accepted caller wait more than a hash or
// two before its own starts.
type Hasher struct {
	params     *Params
	slots      chan struct{}
	dummy      string
	waiting    atomic.Int64
	maxWaiting int64
	took       atomic.Int64 // a moving average of one hash's time, in nanoseconds
	checks     atomic.Int64 // Hash and Verify calls so far
	refused    atomic.Int64 // checks refused with ErrBusy
}

// ErrBusy: too many hashes are already waiting; the caller should try again shortly.
var ErrBusy = errors.New("too many password checks are waiting; try again shortly")

// WaitingPerCore is how many hashes may wait per core; each waits at most maxWaitHashes hashes' time
// (as the hashes have been taking lately), and at least minWait (cheap hashes, as in tests, would
// otherwise give up at once). A waiter normally gets a slot within one hash; the second hash's worth
// is slack for the scheduler, so that a closed loop of sign-ins at capacity is not refused.
const WaitingPerCore = 1

const maxWaitHashes = 2

const minWait = 50 * time.Millisecond

// NewHasher returns a hasher with the given costs, running at most one hash per core at once.
func NewHasher(p *Params) *Hasher {
	cores := runtime.NumCPU()
	h := &Hasher{params: p, slots: make(chan struct{}, cores), maxWaiting: int64(WaitingPerCore * cores)}
	start := time.Now()
	// A hash to check against when there is no real one, so an unknown account costs the same time as a
	// wrong password and does not reveal which accounts exist.
	d, err := argon2id.CreateHash("no account has this password", p)
	if err != nil {
		panic(err) // only fails if the system's random source fails
	}
	h.dummy = d
	h.took.Store(int64(time.Since(start)))
	return h
}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	if h.waiting.Add(1) > h.maxWaiting {
		h.waiting.Add(-1)
		h.refused.Add(1)
		return ErrBusy
	}
	defer h.waiting.Add(-1)
	wait := time.NewTimer(max(maxWaitHashes*time.Duration(h.took.Load()), minWait))
	defer wait.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-wait.C:
		h.refused.Add(1)
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Checks is how many hashes and checks (Hash and Verify calls) the hasher was asked for, refused ones
// included: what tests count to see that a path costs no Argon2id.
func (h *Hasher) Checks() int64 { return h.checks.Load() }

// Stats is a snapshot of the password checks, for the metrics.
type Stats struct {
	InUse, Capacity     int   // checks running now, and the most that run at once
	Waiting, MaxWaiting int   // checks queued for a slot now, and the most that may queue
	Checks, Refused     int64 // checks asked for so far, and those refused as busy (ErrBusy)
}

// Stats reads the checks' state; it takes no lock. (A check about to be refused counts as waiting for
// an instant, hence the bound.)
func (h *Hasher) Stats() Stats {
	return Stats{InUse: len(h.slots), Capacity: cap(h.slots), Waiting: int(min(h.waiting.Load(), h.maxWaiting)), MaxWaiting: int(h.maxWaiting),
		Checks: h.checks.Load(), Refused: h.refused.Load()}
}

// Saturated reports whether a check asked for now would be refused (ErrBusy): every slot is taken and
// as many callers wait as may. Callers check it before the work that leads to a hash (reading the
// account), so that beyond capacity a refusal costs next to nothing.
func (h *Hasher) Saturated() bool {
	return len(h.slots) == cap(h.slots) && h.waiting.Load() >= h.maxWaiting
}

// timed runs one hash and folds its time into the moving average.
func (h *Hasher) timed(f func()) {
	start := time.Now()
	f()
	d := int64(time.Since(start))
	old := h.took.Load()
	h.took.Store(old + (d-old)/8)
}

// Hash returns the encoded Argon2id hash of secret.
func (h *Hasher) Hash(ctx context.Context, secret string) (string, error) {
	h.checks.Add(1)
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	var (
		out string
		err error
	)
	h.timed(func() { out, err = argon2id.CreateHash(secret, h.params) })
	return out, err
}

// Verify reports whether secret matches the encoded hash. An empty hash (an account with no password)
// never matches, but costs as much time as one that does.
func (h *Hasher) Verify(ctx context.Context, secret, encoded string) (bool, error) {
	h.checks.Add(1)
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	if encoded == "" {
		h.timed(func() { _, _ = argon2id.ComparePasswordAndHash(secret, h.dummy) })
		return false, nil
	}
	var (
		ok  bool
		err error
	)
	h.timed(func() { ok, err = argon2id.ComparePasswordAndHash(secret, encoded) })
	return ok, err
}
