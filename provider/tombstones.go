package provider

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// tombstoneSet is one node's copy of a tenant's sealed-token tombstones,
// so that a sealed token's use does not read the database to learn that
// it was not revoked on its own (reading it was a third of an
// introspection's CPU, the database's included).
//
// The copy is a snapshot of every live tombstone, read whole with one
// indexed query, so it holds every revocation committed before that
// query began; a snapshot older than maxAge is not used. A revocation on
// another node is therefore honoured here for at most maxAge (the same
// bound as the client cache's, which already governs the kill-switch),
// and one on this node not at all: add puts it in the copy as soon as
// its tombstone is written. A use that finds no usable copy reads the
// tombstone row as before, and starts a reload in the background once
// the copy is older than refreshAfter, so the database sees a reload a
// few times a second under load and none when idle. A tenant with more
// live tombstones than limit (a tool revoking its tokens by the
// thousand) goes back to the row read until the count falls, trying
// again every retryOverLimit.
type tombstoneSet struct {
	load           func(ctx context.Context, now time.Time, limit int) ([]string, error)
	now            func() time.Time
	maxAge         time.Duration
	refreshAfter   time.Duration
	retryOverLimit time.Duration
	limit          int
	log            *slog.Logger

	snap    atomic.Pointer[tombstoneSnapshot]
	loading atomic.Bool

	mu        sync.Mutex           // serialises add and a reload's swap
	local     map[string]time.Time // this node's revocations, kept until a snapshot began after them
	overUntil time.Time            // over limit: no reload before this
}

type tombstoneSnapshot struct {
	ids map[string]struct{}
	at  time.Time // when the query that read it began
}

// Defaults: a reload every quarter second under load, a copy trusted for
// at most ClientCacheTTL.
const (
	tombstoneRefresh        = 250 * time.Millisecond
	tombstoneLimit          = 10000
	tombstoneRetryOverLimit = 10 * time.Second
)

func newTombstoneSet(load func(ctx context.Context, now time.Time, limit int) ([]string, error), now func() time.Time, log *slog.Logger) *tombstoneSet {
	if log == nil {
		log = slog.Default()
	}
	return &tombstoneSet{
		load: load, now: now, log: log,
		maxAge: ClientCacheTTL, refreshAfter: tombstoneRefresh,
		retryOverLimit: tombstoneRetryOverLimit, limit: tombstoneLimit,
		local: map[string]time.Time{},
	}
}

// revoked tells whether the sealed token with request ID id has a
// tombstone, when known tells that the copy could answer; otherwise the
// caller reads the row. It never waits for the database.
func (t *tombstoneSet) revoked(id string) (revoked, known bool) {
	if t == nil {
		return false, false
	}
	now := t.now()
	s := t.snap.Load()
	if s == nil || now.Sub(s.at) > t.refreshAfter {
		t.reloadInBackground(now)
	}
	if s == nil || now.Sub(s.at) > t.maxAge || now.Before(s.at) {
		return false, false
	}
	_, revoked = s.ids[id]
	return revoked, true
}

// add records a revocation made on this node, once its tombstone is
// written, so this node never honours the token again.
func (t *tombstoneSet) add(id string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.local[id] = t.now()
	if s := t.snap.Load(); s != nil {
		ids := make(map[string]struct{}, len(s.ids)+1)
		for k := range s.ids {
			ids[k] = struct{}{}
		}
		ids[id] = struct{}{}
		t.snap.Store(&tombstoneSnapshot{ids: ids, at: s.at})
	}
}

func (t *tombstoneSet) reloadInBackground(now time.Time) {
	t.mu.Lock()
	over := now.Before(t.overUntil)
	t.mu.Unlock()
	if over || !t.loading.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer t.loading.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), t.maxAge)
		defer cancel()
		t.reload(ctx)
	}()
}

// reload reads a new snapshot and puts it in place of the old one; on an
// error the old one stays, to be used until it is maxAge old.
func (t *tombstoneSet) reload(ctx context.Context) {
	start := t.now()
	ids, err := t.load(ctx, start, t.limit+1)
	if err != nil {
		t.log.Debug("reading the sealed-token tombstones failed; uses read the row", "err", err)
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(ids) > t.limit {
		if t.snap.Swap(nil) != nil || t.overUntil.IsZero() {
			t.log.Warn("more live sealed-token tombstones than a node keeps; each use reads its row", "limit", t.limit)
		}
		t.overUntil = start.Add(t.retryOverLimit)
		return
	}
	t.overUntil = time.Time{}
	set := make(map[string]struct{}, len(ids)+len(t.local))
	for _, id := range ids {
		set[id] = struct{}{}
	}
	for id, at := range t.local {
		if start.After(at) { // the query began after the tombstone was written
			delete(t.local, id)
			continue
		}
		set[id] = struct{}{}
	}
	t.snap.Store(&tombstoneSnapshot{ids: set, at: start})
}
