package sessionstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func TestIdleTimeout(t *testing.T) {
	cases := []struct {
		name    string
		idle    time.Duration // since the last touch
		wantNew bool
	}{
		{"29m59s", 29*time.Minute + 59*time.Second, false},
		{"exactly 30m", 30 * time.Minute, false},
		{"30m and 1µs (storage resolution)", 30*time.Minute + time.Microsecond, true},
		{"31m", 31 * time.Minute, true},
	}
	// The second origin has nanoseconds, which storage does not keep.
	origins := []time.Duration{0, 123456789 * time.Nanosecond}
	for _, origin := range origins {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s from +%v", tc.name, origin), func(t *testing.T) {
				c := newClock()
				c.Advance(origin)
				be := newFake()
				s := New(be, testOptions(c))
				b := &browser{}
				id := startSession(t, s, b)
				// Some activity first, so the idle clock runs from a touch.
				c.Advance(10 * time.Minute)
				get(t, s, b)
				lastSeen := c.Now().Truncate(time.Microsecond)
				if got := be.row(t, id).LastSeenAt; !got.Equal(lastSeen) {
					t.Fatalf("LastSeenAt = %v, want %v", got, lastSeen)
				}

				c.Advance(tc.idle)
				sess, _ := get(t, s, b)
				if sess.IsNew != tc.wantNew {
					t.Fatalf("IsNew = %v, want %v", sess.IsNew, tc.wantNew)
				}
				row := be.row(t, id)
				if !tc.wantNew {
					if row.EndedAt != nil || sess.Values["flow"] != "pending" {
						t.Fatalf("live session: ended=%v values=%v", row.EndedAt, sess.Values)
					}
					return
				}
				if row.EndedAt == nil {
					t.Fatal("idle-expired session was not ended in storage")
				}
				if want := lastSeen.Add(30 * time.Minute); !row.EndedAt.Equal(want) {
					t.Fatalf("EndedAt = %v, want the idle expiry %v", row.EndedAt, want)
				}
				if sess.Values["flow"] != nil || s.ID(sess) != "" {
					t.Fatal("expired session's values leaked into the new one")
				}
			})
		}
	}
}

func TestAbsoluteTimeoutDespiteActivity(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	start := c.Now()
	id := startSession(t, s, b)

	// A request every 5 minutes keeps the session from idling.
	for c.Now().Before(start.Add(115 * time.Minute)) {
		c.Advance(5 * time.Minute)
		if sess, _ := get(t, s, b); sess.IsNew {
			t.Fatalf("session lost at %v after start", c.Now().Sub(start))
		}
	}
	c.t = start.Add(120*time.Minute - time.Nanosecond)
	if sess, _ := get(t, s, b); sess.IsNew {
		t.Fatal("session lost just before the absolute timeout")
	}
	c.t = start.Add(120 * time.Minute)
	sess, _ := get(t, s, b)
	if !sess.IsNew {
		t.Fatal("session still valid at the absolute timeout")
	}
	row := be.row(t, id)
	if row.EndedAt == nil || !row.EndedAt.Equal(start.Add(120*time.Minute)) {
		t.Fatalf("EndedAt = %v, want %v", row.EndedAt, start.Add(120*time.Minute))
	}
	if !row.ExpiresAt.Equal(start.Add(120 * time.Minute)) {
		t.Fatalf("ExpiresAt = %v, want created+120m", row.ExpiresAt)
	}
}

func TestConfiguredTimeouts(t *testing.T) {
	c := newClock()
	be := newFake()
	opts := testOptions(c)
	opts.IdleTimeout = 5 * time.Minute
	opts.AbsoluteTimeout = 10 * time.Minute
	opts.TouchEvery = 10 * time.Second
	s := New(be, opts)
	b := &browser{}
	startSession(t, s, b)
	c.Advance(5*time.Minute + time.Second)
	if sess, _ := get(t, s, b); !sess.IsNew {
		t.Fatal("configured idle timeout not applied")
	}
}

func TestTouchRateLimit(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	b := &browser{}
	start := c.Now()
	id := startSession(t, s, b)

	steps := []struct {
		at          time.Duration
		wantTouches int
		wantSeen    time.Duration
	}{
		{10 * time.Second, 0, 0},
		{30 * time.Second, 0, 0},
		{59 * time.Second, 0, 0},
		{60 * time.Second, 1, 60 * time.Second},
		{61 * time.Second, 1, 60 * time.Second},
		{119 * time.Second, 1, 60 * time.Second},
		{120 * time.Second, 2, 120 * time.Second},
		{10 * time.Minute, 3, 10 * time.Minute},
	}
	for _, st := range steps {
		c.t = start.Add(st.at)
		// Several requests at the same instant write at most once.
		for range 3 {
			if sess, _ := get(t, s, b); sess.IsNew {
				t.Fatalf("at %v: session lost", st.at)
			}
		}
		if be.touches != st.wantTouches {
			t.Fatalf("at %v: %d touches, want %d", st.at, be.touches, st.wantTouches)
		}
		if got := be.row(t, id).LastSeenAt; !got.Equal(start.Add(st.wantSeen)) {
			t.Fatalf("at %v: LastSeenAt = %v, want %v", st.at, got.Sub(start), st.wantSeen)
		}
	}
	if be.updates != 0 {
		t.Fatalf("reads caused %d full updates", be.updates)
	}
}

func TestExpired(t *testing.T) {
	c := newClock()
	be := newFake()
	s := New(be, testOptions(c))
	id := startSession(t, s, &browser{})
	rec := be.row(t, id)
	now := c.Now()
	cases := []struct {
		at   time.Duration
		want bool
	}{
		{0, false},
		{30 * time.Minute, false},
		{30*time.Minute + 1, true},
	}
	for _, tc := range cases {
		if got := s.Expired(rec, now.Add(tc.at)); got != tc.want {
			t.Errorf("Expired at +%v = %v, want %v", tc.at, got, tc.want)
		}
	}
	rec.LastSeenAt = now.Add(110 * time.Minute)
	if !s.Expired(rec, now.Add(120*time.Minute)) {
		t.Error("absolute timeout not applied by Expired")
	}
	ended := now
	rec.EndedAt = &ended
	if !s.Expired(rec, now) {
		t.Error("ended session not Expired")
	}
}

// TestOptionsExpired: the rule without a Store, for callers that list
// sessions (the account package), with the defaults for zero timeouts.
func TestOptionsExpired(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	rec := storage.LoginSession{CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(DefaultAbsoluteTimeout)}
	for _, tc := range []struct {
		name string
		o    Options
		at   time.Duration
		want bool
	}{
		{"fresh", Options{}, 0, false},
		{"default idle, at its end", Options{}, DefaultIdleTimeout, false},
		{"default idle, past it", Options{}, DefaultIdleTimeout + 1, true},
		{"a shorter idle", Options{IdleTimeout: 5 * time.Minute}, 6 * time.Minute, true},
		{"a shorter absolute than the record's", Options{IdleTimeout: time.Hour, AbsoluteTimeout: 50 * time.Minute}, 50 * time.Minute, true},
	} {
		if got := tc.o.Expired(rec, now.Add(tc.at)); got != tc.want {
			t.Errorf("%s: Expired at +%v = %v, want %v", tc.name, tc.at, got, tc.want)
		}
	}
	ended := now
	rec.EndedAt = &ended
	if !(Options{}).Expired(rec, now) {
		t.Error("ended session not Expired")
	}
}
