// Package memo keeps a value read from the store in memory for a bounded time: the one way the
// service's read-mostly settings (platform properties, the theme, the language bundles) are cached.
// The bound is how long a change made on another instance takes to be seen here; Forget makes a change
// made here seen at once.
package memo

import (
	"context"
	"sync/atomic"
	"time"
)

// Value is one cached value. Reads are lock-free; a read of the store takes no lock either (a caller
// inside a transaction may read through it, and on the embedded store, whose one connection that
// transaction holds, a second reader holding a lock while it waits for the connection would never let
// the first one in). Two reads that miss at once both go to the store; the later one kept wins, and
// either is at most maxAge old.
type Value[T any] struct {
	maxAge time.Duration
	now    func() time.Time
	cur    atomic.Pointer[entry[T]]
	// gen counts Forget's calls; a read begun before the last one is not kept.
	gen atomic.Uint64
}

type entry[T any] struct {
	v      *T
	readAt time.Time
	gen    uint64
}

// New returns an empty cache whose values are answered from memory for maxAge; now is the clock
// (tests turn it).
func New[T any](maxAge time.Duration, now func() time.Time) *Value[T] {
	return &Value[T]{maxAge: maxAge, now: now}
}

// Get returns the value read at most maxAge ago and after the last Forget; otherwise it calls load,
// with the value held before (nil when there is none) so load may revalidate it cheaply and return it
// unchanged, and keeps what load returns. An error is returned as is and nothing is kept.
func (m *Value[T]) Get(ctx context.Context, load func(ctx context.Context, held *T) (*T, error)) (*T, error) {
	gen := m.gen.Load()
	now := m.now()
	e := m.cur.Load()
	if e != nil && e.gen == gen && now.Sub(e.readAt) < m.maxAge {
		return e.v, nil
	}
	var held *T
	if e != nil {
		held = e.v
	}
	v, err := load(ctx, held)
	if err != nil {
		return nil, err
	}
	if m.gen.Load() == gen {
		m.cur.Store(&entry[T]{v: v, readAt: now, gen: gen})
	}
	return v, nil
}

// Forget makes the next Get read the store; a read under way when it is called is not kept. Whatever
// changes the value calls it after the change commits.
func (m *Value[T]) Forget() { m.gen.Add(1) }
