package idportenmock

import (
	"testing"
	"time"
)

// put deletes expired entries, but at most every sweepEvery, so a busy
// table is not scanned on every login.
func TestPutSweepsExpiredEntriesPeriodically(t *testing.T) {
	st := newMemState()
	t0 := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	put(&st.mu, &st.codes, "old", codeGrant{}, t0, t0.Add(time.Second))
	put(&st.mu, &st.codes, "a", codeGrant{}, t0.Add(2*time.Second), t0.Add(time.Minute))
	if _, ok := get(&st.mu, &st.codes, "old", t0.Add(2*time.Second)); ok {
		t.Error("an expired entry is returned")
	}
	if _, kept := st.codes.m["old"]; !kept {
		t.Error("swept before sweepEvery passed")
	}
	put(&st.mu, &st.codes, "b", codeGrant{}, t0.Add(sweepEvery), t0.Add(time.Minute))
	if _, kept := st.codes.m["old"]; kept {
		t.Error("the expired entry survived a sweep")
	}
	if len(st.codes.m) != 2 {
		t.Errorf("%d entries, want the 2 live ones", len(st.codes.m))
	}
}
