package ratelimit

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"
)

// memCounter is a shared counter as the storage contract defines it.
type memCounter struct {
	mu     sync.Mutex
	m      map[string]memEntry
	writes int
}

type memEntry struct {
	window time.Time
	hits   int64
}

func (c *memCounter) AddHits(_ context.Context, key string, window, _ time.Time, n int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	e := c.m[key]
	switch {
	case e.window.Equal(window):
		e.hits += n
	case e.window.Before(window):
		e = memEntry{window: window, hits: n}
	}
	c.m[key] = e
	return e.hits, nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLimiterSharedBetweenNodes(t *testing.T) {
	counter := &memCounter{m: map[string]memEntry{}}
	clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 10, 0, time.UTC)}
	a, b := New(counter, clk.now), New(counter, clk.now)
	rule := Rule{Name: "src", Limit: 3, Window: time.Minute}
	allow := func(l *Limiter) Decision {
		t.Helper()
		d, err := l.Allow(context.Background(), rule, "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for i, l := range []*Limiter{a, b, a} {
		if !allow(l).Allowed {
			t.Fatalf("hit %d refused within the limit", i+1)
		}
	}
	d := allow(b)
	if d.Allowed || d.RetryAfter != 50*time.Second {
		t.Fatalf("fourth hit over two nodes: %+v, want refused with 50s to the window's end", d)
	}
	if a.Spent(rule, "10.0.0.1").Allowed {
		t.Fatal("Spent on node a: not spent, though a saw the count reach the limit")
	}
	if d, _ := a.Allow(context.Background(), rule, "10.0.0.2"); !d.Allowed {
		t.Fatal("another key is limited too")
	}
	clk.t = clk.t.Add(time.Minute)
	if !allow(a).Allowed || !a.Spent(rule, "10.0.0.1").Allowed {
		t.Fatal("still limited in the next window")
	}
}

// A large limit is counted in batches: a write per hundredth of it.
func TestLimiterBatchesWrites(t *testing.T) {
	counter := &memCounter{m: map[string]memEntry{}}
	clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	l := New(counter, clk.now)
	rule := Rule{Name: "tok", Limit: 1000, Window: time.Minute}
	for i := range 1000 {
		if d, _ := l.Allow(context.Background(), rule, "c"); !d.Allowed {
			t.Fatalf("hit %d refused", i+1)
		}
	}
	if counter.writes != 100 {
		t.Errorf("%d writes for 1000 hits, want 100", counter.writes)
	}
	if d, _ := l.Allow(context.Background(), rule, "c"); d.Allowed {
		t.Error("hit 1001 allowed")
	}
}

func TestLimiterBoundsMemory(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	l := New(&memCounter{m: map[string]memEntry{}}, clk.now)
	rule := Rule{Name: "src", Limit: 1, Window: time.Minute}
	for i := range maxSlots + 10 {
		l.Allow(context.Background(), rule, netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String())
	}
	if n := len(l.slots); n > maxSlots {
		t.Errorf("%d slots, want at most %d", n, maxSlots)
	}
	// Slots whose window has ended make room first; a longer rule's
	// current window is kept.
	l = New(&memCounter{m: map[string]memEntry{}}, clk.now)
	long := Rule{Name: "fail", Limit: 1, Window: 5 * time.Minute}
	l.Allow(context.Background(), long, "client")
	for i := range maxSlots - 1 {
		l.Allow(context.Background(), rule, strconv.Itoa(i))
	}
	clk.t = clk.t.Add(time.Minute)
	l.Allow(context.Background(), rule, "new")
	if n := len(l.slots); n != 2 {
		t.Errorf("%d slots after the short windows ended, want 2", n)
	}
	if l.Spent(long, "client").Allowed {
		t.Error("the long rule's spent key was dropped with the ended windows")
	}
}

func TestSource(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"peer", "192.0.2.7:4321", "", nil, "192.0.2.7"},
		{"forwarded-for ignored without trusted proxies", "192.0.2.7:4321", "198.51.100.1", nil, "192.0.2.7"},
		{"forwarded-for ignored from an untrusted peer", "192.0.2.7:4321", "198.51.100.1", proxies, "192.0.2.7"},
		{"behind a trusted proxy", "10.1.2.3:4321", "198.51.100.1", proxies, "198.51.100.1"},
		{"forged entries left of the proxy's ignored", "10.1.2.3:4321", "203.0.113.9, 198.51.100.1, 10.9.9.9", proxies, "198.51.100.1"},
		{"ipv6 counts per /64", "[2001:db8:1:2:3:4:5:6]:443", "", nil, "2001:db8:1:2::/64"},
		{"ipv4-mapped", "[::ffff:192.0.2.7]:443", "", nil, "192.0.2.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := Source(r, tc.trusted); got != tc.want {
				t.Errorf("Source = %q, want %q", got, tc.want)
			}
		})
	}
}
