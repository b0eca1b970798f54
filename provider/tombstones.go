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
	nLocal  atomic.Int32 // len(local), so that a use locks mu only when there are some

	mu sync.Mutex // guards what follows
	// local holds this node's own revocations by when they were written,
	// until a snapshot that began after them is in place; one older than
	// maxAge is dropped, since any copy still trusted began after it.
	local     map[string]time.Time
	nextTry   time.Time // after a failed or over-limit reload: none before this
	overLimit bool      // the last reload found more than limit: warned once
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
	if _, ok := s.ids[id]; ok {
		return true, true
	}
	if t.nLocal.Load() > 0 {
		t.mu.Lock()
		_, ok := t.local[id]
		t.mu.Unlock()
		return ok, true
	}
	return false, true
}

// add records a revocation made on this node once its tombstone is
// committed, so this node never honours the token again.
func (t *tombstoneSet) add(id string) {
	if t == nil {
		return
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pruneLocked(now)
	t.local[id] = now
	t.nLocal.Store(int32(len(t.local)))
}

// pruneLocked drops local revocations older than maxAge.
func (t *tombstoneSet) pruneLocked(now time.Time) {
	for id, at := range t.local {
		if now.Sub(at) > t.maxAge {
			delete(t.local, id)
		}
	}
	t.nLocal.Store(int32(len(t.local)))
}

func (t *tombstoneSet) reloadInBackground(now time.Time) {
	t.mu.Lock()
	wait := now.Before(t.nextTry)
	t.mu.Unlock()
	if wait || !t.loading.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer t.loading.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), t.maxAge)
		defer cancel()
		t.reload(ctx, now)
	}()
}

// reload reads a new snapshot and puts it in place of the old one; start
// is a clock reading taken before the query begins (the request's that
// asked for it: the goroutine reads no clock of its own). On an error
// the old one stays, to be used until it is maxAge old, and the next try
// waits refreshAfter; over the limit there is no copy, and the next try
// waits retryOverLimit.
func (t *tombstoneSet) reload(ctx context.Context, start time.Time) {
	ids, err := t.load(ctx, start, t.limit+1)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pruneLocked(start)
	if err != nil {
		t.log.Debug("reading the sealed-token tombstones failed; uses read the row", "err", err)
		t.nextTry = start.Add(t.refreshAfter)
		return
	}
	if len(ids) > t.limit {
		if !t.overLimit {
			t.log.Warn("more live sealed-token tombstones than a node keeps; each use reads its row", "limit", t.limit)
		}
		t.overLimit = true
		t.snap.Store(nil)
		t.nextTry = start.Add(t.retryOverLimit)
		return
	}
	t.overLimit, t.nextTry = false, time.Time{}
	set := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		set[id] = struct{}{}
	}
	for id, at := range t.local {
		if start.After(at) { // the query began after the tombstone was committed
			delete(t.local, id)
		}
	}
	t.nLocal.Store(int32(len(t.local)))
	t.snap.Store(&tombstoneSnapshot{ids: set, at: start})
}
