package keys

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// memStore is an in-memory Store with the contract's semantics:
// ErrConflict on a duplicate kid, ErrNotFound on a missing one,
// read-modify-write under one lock, first secret wins.
type memStore struct {
	mu      sync.Mutex
	keys    map[string][]storage.Key // by tenant
	secrets map[string]storage.TenantSecret
	lists   int // ListKeys calls, to observe caching
}

var _ Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{keys: map[string][]storage.Key{}, secrets: map[string]storage.TenantSecret{}}
}

func cloneKey(k storage.Key) storage.Key {
	k.PrivateSealed = slices.Clone(k.PrivateSealed)
	k.PublicJWK = slices.Clone(k.PublicJWK)
	return k
}

func (s *memStore) CreateKey(_ context.Context, k storage.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, old := range s.keys[k.Tenant] {
		if old.KID == k.KID {
			return fmt.Errorf("key %s: %w", k.KID, storage.ErrConflict)
		}
	}
	s.keys[k.Tenant] = append(s.keys[k.Tenant], cloneKey(k))
	return nil
}

func (s *memStore) ListKeys(_ context.Context, tenant string) ([]storage.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists++
	out := make([]storage.Key, 0, len(s.keys[tenant]))
	for _, k := range s.keys[tenant] {
		out = append(out, cloneKey(k))
	}
	return out, nil
}

func (s *memStore) UpdateKey(_ context.Context, tenant, kid string, fn func(storage.Key) (storage.Key, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range s.keys[tenant] {
		if k.KID != kid {
			continue
		}
		nk, err := fn(cloneKey(k))
		if err != nil {
			return err
		}
		nk.Tenant, nk.KID = tenant, kid
		s.keys[tenant][i] = cloneKey(nk)
		return nil
	}
	return fmt.Errorf("key %s: %w", kid, storage.ErrNotFound)
}

func (s *memStore) PutSecretIfAbsent(_ context.Context, sec storage.TenantSecret) (storage.TenantSecret, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := sec.Tenant + "\x00" + sec.Name
	if old, ok := s.secrets[id]; ok {
		return old, nil
	}
	sec.Sealed = slices.Clone(sec.Sealed)
	s.secrets[id] = sec
	return sec, nil
}

// put overwrites or adds a raw row, as someone with database access could.
func (s *memStore) put(k storage.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, old := range s.keys[k.Tenant] {
		if old.KID == k.KID {
			s.keys[k.Tenant][i] = k
			return
		}
	}
	s.keys[k.Tenant] = append(s.keys[k.Tenant], k)
}

func (s *memStore) listCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
