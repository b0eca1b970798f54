package conformance

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func testRateCounters(t *testing.T, s storage.Storage) {
	w1, w2 := at(0), at(time.Minute)
	hit := func(key string, window time.Time, n int64) int64 {
		t.Helper()
		got, err := s.AddHits(ctx(t), key, window, window.Add(2*time.Minute), n)
		must(t, err, "AddHits")
		return got
	}
	t.Run("adds within a window", func(t *testing.T) {
		if got := hit("k1", w1, 1); got != 1 {
			t.Fatalf("first hit: %d, want 1", got)
		}
		if got := hit("k1", w1, 5); got != 6 {
			t.Fatalf("after adding 5: %d, want 6", got)
		}
		if got := hit("k2", w1, 2); got != 2 {
			t.Fatalf("another key: %d, want 2", got)
		}
	})
	t.Run("a newer window starts again", func(t *testing.T) {
		if got := hit("k1", w2, 1); got != 1 {
			t.Fatalf("next window: %d, want 1", got)
		}
		// A late flush for the old window must not reset the new one.
		if got := hit("k1", w1, 10); got != 1 {
			t.Fatalf("late hit for the old window: %d, want the new window's 1", got)
		}
		if got := hit("k1", w2, 1); got != 2 {
			t.Fatalf("new window after the late hit: %d, want 2", got)
		}
	})
	t.Run("concurrent hits all count", func(t *testing.T) {
		const n = 20
		errs := race(n, func(int) error {
			_, err := s.AddHits(ctx(t), "k-race", w1, w2, 1)
			return err
		})
		for _, err := range errs {
			must(t, err, "concurrent AddHits")
		}
		if got := hit("k-race", w1, 0); got != n {
			t.Fatalf("after %d concurrent hits: %d", n, got)
		}
	})
	t.Run("delete expired", func(t *testing.T) {
		// k2 expires at w1+2m, k1 at w2+2m.
		n, err := s.DeleteExpiredCounters(ctx(t), at(150*time.Second))
		must(t, err, "DeleteExpiredCounters")
		if n != 2 { // k2 and k-race
			t.Fatalf("deleted %d counters, want 2", n)
		}
		if got := hit("k2", w1, 1); got != 1 {
			t.Fatalf("a deleted counter restarts: %d, want 1", got)
		}
		if got := hit("k1", w2, 0); got != 2 {
			t.Fatalf("an unexpired counter kept its count: %d, want 2", got)
		}
	})
}
