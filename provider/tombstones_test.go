package provider

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// fakeTombstones is a tombstone table a test writes to, with a clock.
type fakeTombstones struct {
	mu    sync.Mutex
	ids   []string
	err   error
	loads int
	now   time.Time
}

func (f *fakeTombstones) load(_ context.Context, _ time.Time, limit int) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads++
	if f.err != nil {
		return nil, f.err
	}
	if len(f.ids) > limit {
		return append([]string(nil), f.ids[:limit]...), nil
	}
	return append([]string(nil), f.ids...), nil
}

func (f *fakeTombstones) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeTombstones) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *fakeTombstones) set(ids ...string) {
	f.mu.Lock()
	f.ids = ids
	f.mu.Unlock()
}

func (f *fakeTombstones) loadCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loads
}

// settle waits for a reload the set started in the background.
func settle(t *testing.T, s *tombstoneSet) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); s.loading.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the background reload did not finish")
		}
	}
}

// TestTombstoneSet: the node's copy answers only while it is younger than
// maxAge, holds this node's own revocations from the moment they are
// written, reloads in the background, keeps its last copy through a
// failed reload (until it is too old), and gives up above its limit.
func TestTombstoneSet(t *testing.T) {
	f := &fakeTombstones{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), ids: []string{"sealed-1"}}
	s := newTombstoneSet(f.load, f.clock, slog.New(slog.DiscardHandler))
	s.limit = 3

	ask := func(id string, wantRevoked, wantKnown bool) {
		t.Helper()
		if r, k := s.revoked(id); r != wantRevoked || k != wantKnown {
			t.Fatalf("revoked(%s) = %v, %v; want %v, %v", id, r, k, wantRevoked, wantKnown)
		}
	}

	ask("sealed-1", false, false) // no copy yet: the caller reads the row
	settle(t, s)
	ask("sealed-1", true, true)
	ask("sealed-2", false, true)

	// noReload runs step and fails if that started a reload.
	noReload := func(why string, step func()) {
		t.Helper()
		n := f.loadCount()
		step()
		settle(t, s)
		if f.loadCount() != n {
			t.Fatal(why)
		}
	}

	// Fresh: no reload.
	f.advance(s.refreshAfter / 2)
	noReload("a copy younger than refreshAfter was reloaded", func() { ask("sealed-2", false, true) })

	// This node's revocation counts at once, and survives a reload whose
	// query began before it was written.
	s.add("sealed-2")
	ask("sealed-2", true, true)
	s.reload(t.Context(), f.clock()) // same clock reading: began no later than the add
	ask("sealed-2", true, true)
	f.advance(time.Millisecond)
	s.reload(t.Context(), f.clock()) // began after it; the table does not have it (never committed, say)
	ask("sealed-2", false, true)

	// Another node's revocation arrives with the next reload.
	f.set("sealed-1", "sealed-3")
	f.advance(s.refreshAfter + time.Millisecond)
	ask("sealed-3", false, true) // the old copy answers, and a reload starts
	settle(t, s)
	ask("sealed-3", true, true)

	// A failed reload keeps the copy until it is maxAge old; then rows.
	f.mu.Lock()
	f.err = errors.New("database away")
	f.mu.Unlock()
	f.advance(s.refreshAfter + time.Millisecond)
	ask("sealed-3", true, true)
	settle(t, s)
	f.advance(s.maxAge)
	ask("sealed-3", false, false)
	settle(t, s)
	f.mu.Lock()
	f.err = nil
	f.mu.Unlock()
	// A failed reload a moment ago: no retry yet.
	noReload("retried a failed reload before refreshAfter", func() { ask("sealed-3", false, false) })
	f.advance(s.refreshAfter + time.Millisecond)
	ask("sealed-3", false, false)
	settle(t, s)
	ask("sealed-3", true, true)

	// Above the limit: no copy, and no reload before retryOverLimit.
	f.set("sealed-1", "sealed-3", "sealed-4", "sealed-5")
	f.advance(s.refreshAfter + time.Millisecond)
	s.revoked("sealed-1")
	settle(t, s)
	ask("sealed-1", false, false)
	settle(t, s)
	f.advance(s.retryOverLimit / 2)
	noReload("reloaded while over the limit, before retryOverLimit", func() { ask("sealed-1", false, false) })
	f.set("sealed-1")
	f.advance(s.retryOverLimit)
	ask("sealed-1", false, false)
	settle(t, s)
	ask("sealed-1", true, true)
	ask("sealed-4", false, true)

	// A clock that went back does not make an old copy young.
	f.advance(-time.Hour)
	ask("sealed-1", false, false)
}

// tombstoneReadCounter counts reads of sealed-token tombstone rows.
type tombstoneReadCounter struct {
	storage.Storage
	n atomic.Int64
}

func (c *tombstoneReadCounter) GetToken(ctx context.Context, tenant string, kind storage.TokenKind, sig string) (storage.TokenRecord, error) {
	if strings.HasPrefix(sig, storage.SealedTombstonePrefix) {
		c.n.Add(1)
	}
	return c.Storage.GetToken(ctx, tenant, kind, sig)
}

// TestIntrospectionReadsNoTombstoneRow: once a node holds a fresh copy
// of the tombstones, introspecting a sealed token reads no row for it,
// and a revocation on another node reaches it within ClientCacheTTL.
func TestIntrospectionReadsNoTombstoneRow(t *testing.T) {
	db := openSQLite(t)
	reads := &tombstoneReadCounter{}
	a := newHarnessOn(t, db, nil)
	b := newHarnessOn(t, db, func(s storage.Storage) storage.Storage { reads.Storage = s; return reads })
	a.client("machine", machineClient)
	tok := a.ccToken("machine")

	if got := b.introspect("machine", tok); got["active"] != true {
		t.Fatalf("introspection: %v", got)
	}
	settle(t, b.p.tenants["main"].fstore.tombstones)
	before := reads.n.Load()
	for range 5 {
		if got := b.introspect("machine", tok); got["active"] != true {
			t.Fatalf("introspection: %v", got)
		}
	}
	if n := reads.n.Load() - before; n != 0 {
		t.Fatalf("five introspections with a fresh copy read %d tombstone rows, want none", n)
	}

	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/main/revoke", strings.NewReader(url.Values{"token": {tok}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("machine", toolSecret)
	if status, out := a.jsonDo(req); status != http.StatusOK {
		t.Fatalf("revoke: %d %v", status, out)
	}
	b.now = b.now.Add(ClientCacheTTL + time.Millisecond)
	if got := b.introspect("machine", tok); got["active"] != false {
		t.Fatalf("revoked on another node, introspected past the copy's bound: %v", got)
	}
	settle(t, b.p.tenants["main"].fstore.tombstones)
	before = reads.n.Load()
	if got := b.introspect("machine", tok); got["active"] != false {
		t.Fatalf("revoked on another node, from the reloaded copy: %v", got)
	}
	if n := reads.n.Load() - before; n != 0 {
		t.Fatalf("the reloaded copy read %d tombstone rows, want none", n)
	}
}

// TestTombstoneAddedOnlyOnceCommitted: a revocation written outside a
// transaction is committed, so the node's copy holds it at once; one
// written inside a transaction is not yet, so the copy waits for a reload
// (a rolled-back revocation must not void the token, and a reload that
// began before the commit must not drop it).
func TestTombstoneAddedOnlyOnceCommitted(t *testing.T) {
	h := newHarnessOn(t, openSQLite(t), nil)
	fs := h.p.tenants["main"].fstore
	local := func(id string) bool {
		fs.tombstones.mu.Lock()
		defer fs.tombstones.mu.Unlock()
		_, ok := fs.tombstones.local[id]
		return ok
	}
	txctx, err := fs.BeginTX(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.voidSealed(txctx, "sealed-in-tx"); err != nil {
		t.Fatal(err)
	}
	if local("sealed-in-tx") {
		t.Fatal("a revocation not yet committed is in the node's copy")
	}
	if err := fs.Rollback(txctx); err != nil {
		t.Fatal(err)
	}
	if err := fs.voidSealed(t.Context(), "sealed-alone"); err != nil {
		t.Fatal(err)
	}
	if !local("sealed-alone") {
		t.Fatal("a committed revocation is not in the node's copy")
	}
}
