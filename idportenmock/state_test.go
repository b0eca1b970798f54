package idportenmock

import (
	"context"
	"errors"
	"testing"
	"time"
)

// put deletes expired entries, but at most every sweepEvery, so a busy
// table is not scanned on every login.
func TestPutSweepsExpiredEntriesPeriodically(t *testing.T) {
	st := newMemStore(nil)
	codes := st.tables[kindUsed]
	t0 := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	put(&st.mu, codes, "old", nil, t0, t0.Add(time.Second))
	put(&st.mu, codes, "a", nil, t0.Add(2*time.Second), t0.Add(time.Minute))
	if _, ok := get(&st.mu, codes, "old", t0.Add(2*time.Second)); ok {
		t.Error("an expired entry is returned")
	}
	if _, kept := codes.m["old"]; !kept {
		t.Error("swept before sweepEvery passed")
	}
	put(&st.mu, codes, "b", nil, t0.Add(sweepEvery), t0.Add(time.Minute))
	if _, kept := codes.m["old"]; kept {
		t.Error("the expired entry survived a sweep")
	}
	if len(codes.m) != 2 {
		t.Errorf("%d entries, want the 2 live ones", len(codes.m))
	}
}

// Anyone can start logins at the mock: a table never holds more than its
// cap, and the oldest pending login makes room for a new one.
func TestMockPendingLoginsBounded(t *testing.T) {
	st := newMemStore(nil)
	pending := st.tables[kindPending]
	pending.max = 3
	t0 := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	for i, k := range []string{"a", "b", "c", "d", "e"} {
		now := t0.Add(time.Duration(i) * time.Second)
		put(&st.mu, pending, k, []byte(k), now, now.Add(pendingLifetime))
	}
	if n := len(pending.m); n != 3 {
		t.Fatalf("%d pending logins, want the cap of 3", n)
	}
	now := t0.Add(5 * time.Second)
	for _, k := range []string{"a", "b"} {
		if _, ok := get(&st.mu, pending, k, now); ok {
			t.Errorf("pending login %q, among the oldest, was kept", k)
		}
	}
	for _, k := range []string{"c", "d", "e"} {
		if _, ok := get(&st.mu, pending, k, now); !ok {
			t.Errorf("pending login %q, among the newest, was evicted", k)
		}
	}
	// Expired entries go first: after the lifetime, a put keeps only itself.
	later := t0.Add(pendingLifetime + time.Hour)
	put(&st.mu, pending, "f", nil, later, later.Add(pendingLifetime))
	if n := len(pending.m); n != 1 {
		t.Errorf("%d pending logins after all expired, want 1", n)
	}
	if newMemStore(nil).tables[kindPending].max == 0 {
		t.Error("the mock's pending logins have no cap")
	}
}

// A marker is never forgotten to make room while it is live: a full
// table refuses the new one (the request fails) instead of letting an
// old code or request be used again, and takes new ones once old ones
// expire. An existing marker is never replaced, expired or not.
func TestMarkersNotEvictedWhileLive(t *testing.T) {
	st := newMemStore(nil)
	used := st.tables[kindUsed]
	used.max = 3
	ctx := context.Background()
	t0 := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	for i, k := range []string{"a", "b", "c"} {
		now := t0.Add(time.Duration(i) * time.Second)
		if ok, err := st.Add(ctx, kindUsed, k, nil, now, now.Add(time.Minute)); !ok || err != nil {
			t.Fatalf("Add(%q) = %v, %v", k, ok, err)
		}
	}
	now := t0.Add(5 * time.Second)
	if ok, err := st.Add(ctx, kindUsed, "d", nil, now, now.Add(time.Minute)); ok || !errors.Is(err, ErrFull) {
		t.Errorf("Add to a table full of live markers = %v, %v; want ErrFull", ok, err)
	}
	for _, k := range []string{"a", "b", "c"} {
		if ok, err := st.Add(ctx, kindUsed, k, nil, now, now.Add(time.Minute)); ok || err != nil {
			t.Errorf("second Add(%q) = %v, %v; want false: the first use is remembered", k, ok, err)
		}
	}
	later := t0.Add(2 * time.Minute)
	if ok, err := st.Add(ctx, kindUsed, "d", nil, later, later.Add(time.Minute)); !ok || err != nil {
		t.Errorf("Add once the others expired = %v, %v", ok, err)
	}
}
