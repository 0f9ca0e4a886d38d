package oauth

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// memKeyStore is a KeyStore in memory, with the store's rule that a generation is unique.
type memKeyStore struct {
	mu      sync.Mutex
	keys    []SigningKey
	longest time.Duration
	reads   atomic.Int64
}

// MemKeyStore is memKeyStore for the package's external tests.
type MemKeyStore = memKeyStore

func (m *memKeyStore) SigningKeys(context.Context) ([]SigningKey, error) {
	m.reads.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]SigningKey(nil), m.keys...), nil
}

func (m *memKeyStore) AddSigningKey(_ context.Context, k SigningKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.keys {
		if o.Generation == k.Generation || o.KID == k.KID {
			return ErrKeyConflict
		}
	}
	m.keys = append(m.keys, k)
	return nil
}

func (m *memKeyStore) RetireSigningKey(_ context.Context, kid string, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.keys {
		if m.keys[i].KID == kid && m.keys[i].RetiredAt == nil {
			m.keys[i].RetiredAt = &at
			return true, nil
		}
	}
	return false, nil
}

func (m *memKeyStore) LongestAccessTokenValidity(context.Context) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.longest, nil
}
