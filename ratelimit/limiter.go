package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// Counter is the shared count of hits per key and window
// (storage.RateCounter).
type Counter interface {
	AddHits(ctx context.Context, key string, window, expires time.Time, n int64) (int64, error)
}

// Rule is one limit: at most Limit hits per key in each Window.
type Rule struct {
	// Name prefixes every key counted under the rule.
	Name string
	// Limit is the number of hits a key may make per window; zero or less
	// means no limit.
	Limit  int64
	Window time.Duration
}

// Decision is the outcome of counting one hit.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until the window ends, when not allowed.
	RetryAfter time.Duration
}

// Limiter counts hits locally and in the shared Counter.
//
// A node adds its hits to the shared counter in batches of a hundredth of
// the limit (at least one), so a busy client costs one write per batch,
// not per request; a rule's decision is the shared count from the last
// write plus this node's hits since. With N nodes, a key can therefore
// overshoot by at most N batches in a window; limits of 100 or less write
// through on every hit and are exact. Hits still in a batch when a window
// ends are not carried over.
type Limiter struct {
	counter Counter
	now     func() time.Time
	mu      sync.Mutex
	slots   map[string]*slot
}

type slot struct {
	window  time.Time
	end     time.Time
	global  int64 // the shared count at the last write
	pending int64 // this node's hits not yet written
	writing bool
}

// maxSlots bounds the in-memory table (keys include source addresses,
// which an attacker chooses); past it, slots of ended windows are dropped,
// and if that is not enough, all of them.
const maxSlots = 100_000

// maxKeyLen is the longest key stored as is; longer ones (a client_id is
// the caller's to choose) are stored as their SHA-256.
const maxKeyLen = 128

// New returns a Limiter over counter with the clock now.
func New(counter Counter, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{counter: counter, now: now, slots: map[string]*slot{}}
}

// Allow counts one hit of key under rule and reports whether it is within
// the limit. On a counter error the decision stands on this node's own
// count and the error is returned for the caller to log.
func (l *Limiter) Allow(ctx context.Context, rule Rule, key string) (Decision, error) {
	if rule.Limit <= 0 || rule.Window <= 0 {
		return Decision{Allowed: true}, nil
	}
	now := l.now()
	win, end := window(now, rule.Window)
	k := storageKey(rule.Name, key)

	l.mu.Lock()
	s := l.slot(k, win, end)
	s.pending++
	n := s.global + s.pending
	var flush int64
	if !s.writing && s.pending >= batch(rule.Limit) {
		flush, s.writing = s.pending, true
	}
	l.mu.Unlock()

	var err error
	if flush > 0 {
		var got int64
		got, err = l.counter.AddHits(ctx, k, win, end.Add(rule.Window), flush)
		l.mu.Lock()
		s.writing = false
		if err == nil && s.window.Equal(win) {
			s.pending -= flush
			s.global = max(s.global, got)
			n = s.global + s.pending
		}
		l.mu.Unlock()
	}
	if n > rule.Limit {
		return Decision{RetryAfter: end.Sub(now)}, err
	}
	return Decision{Allowed: true}, err
}

// Spent reports, without counting a hit or asking the shared counter,
// whether key has used up rule's limit in the current window as far as
// this node knows (its own hits and the shared count at its last write).
// With a limit of 100 or less every hit is written through, so a node
// learns of other nodes' hits at its own next hit.
func (l *Limiter) Spent(rule Rule, key string) Decision {
	if rule.Limit <= 0 || rule.Window <= 0 {
		return Decision{Allowed: true}
	}
	now := l.now()
	win, end := window(now, rule.Window)
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.slots[storageKey(rule.Name, key)]
	if !ok || !s.window.Equal(win) || s.global+s.pending < rule.Limit {
		return Decision{Allowed: true}
	}
	return Decision{RetryAfter: end.Sub(now)}
}

// slot returns key's slot for the window [win, end), starting it afresh
// when the stored one belongs to an earlier window. l.mu is held.
func (l *Limiter) slot(k string, win, end time.Time) *slot {
	s, ok := l.slots[k]
	if ok && s.window.Equal(win) {
		return s
	}
	if ok && s.window.After(win) {
		// The clock went back; count in the newer window.
		return s
	}
	if !ok && len(l.slots) >= maxSlots {
		now := l.now()
		for key, old := range l.slots {
			if !old.end.After(now) && !old.writing {
				delete(l.slots, key)
			}
		}
		if len(l.slots) >= maxSlots {
			l.slots = map[string]*slot{}
		}
	}
	s = &slot{window: win, end: end}
	l.slots[k] = s
	return s
}

// window returns the fixed window holding now: its start and end.
func window(now time.Time, size time.Duration) (time.Time, time.Time) {
	start := now.Truncate(size)
	return start, start.Add(size)
}

// batch is how many hits a node counts before it writes them.
func batch(limit int64) int64 { return max(1, limit/100) }

func storageKey(rule, key string) string {
	k := rule + ":" + key
	if len(k) > maxKeyLen {
		sum := sha256.Sum256([]byte(key))
		k = rule + ":sha256:" + hex.EncodeToString(sum[:])
	}
	return k
}
