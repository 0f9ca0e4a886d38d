// Package password hashes and checks secrets (user passwords and client secrets) with Argon2id.
package password

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"

	"github.com/alexedwards/argon2id"
)

// Params are the Argon2id costs. The stored hash records the costs it was made with, so a change of
// Params applies to new hashes while old ones still verify.
type Params = argon2id.Params

// Production costs: OWASP's Argon2id recommendation (19 MiB, two passes, one lane). One lane per hash
// lets the machine's cores serve that many sign-ins in parallel.
var Production = &Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Cheap costs, for tests only: the race detector makes real costs take seconds.
var Cheap = &Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// Hasher makes and checks hashes. It lets at most a fixed number of hashes run at once and a bounded
// number wait for their turn; beyond that it refuses at once (ErrBusy), so a flood of sign-ins neither
// exhausts memory nor makes every caller wait longer than a few hashes.
type Hasher struct {
	params     *Params
	slots      chan struct{}
	dummy      string
	waiting    atomic.Int64
	maxWaiting int64
}

// ErrBusy: too many hashes are already waiting; the caller should try again shortly.
var ErrBusy = errors.New("too many password checks are waiting; try again shortly")

// WaitingPerCore is how many hashes may wait per core: with one hash running per core, a caller waits
// for at most this many hashes before its own starts.
const WaitingPerCore = 1

// NewHasher returns a hasher with the given costs, running at most one hash per core at once.
func NewHasher(p *Params) *Hasher {
	cores := runtime.NumCPU()
	h := &Hasher{params: p, slots: make(chan struct{}, cores), maxWaiting: int64(WaitingPerCore * cores)}
	// A hash to check against when there is no real one, so an unknown account costs the same time as a
	// wrong password and does not reveal which accounts exist.
	d, err := argon2id.CreateHash("no account has this password", p)
	if err != nil {
		panic(err) // only fails if the system's random source fails
	}
	h.dummy = d
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
		return ErrBusy
	}
	defer h.waiting.Add(-1)
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the encoded Argon2id hash of secret.
func (h *Hasher) Hash(ctx context.Context, secret string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return argon2id.CreateHash(secret, h.params)
}

// Verify reports whether secret matches the encoded hash. An empty hash (an account with no password)
// never matches, but costs as much time as one that does.
func (h *Hasher) Verify(ctx context.Context, secret, encoded string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	if encoded == "" {
		_, _ = argon2id.ComparePasswordAndHash(secret, h.dummy)
		return false, nil
	}
	return argon2id.ComparePasswordAndHash(secret, encoded)
}
