package idportenmock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"
)

// authRequest is a validated authorization request, whether it came by PAR
// or as plain query parameters.
type authRequest struct {
	ClientID      string
	RedirectURI   string
	State         string
	Nonce         string
	CodeChallenge string
	Scope         string
	WantHigh      bool   // acr_values asked for idporten-loa-high
	Locale        string // nb, nn or en
	LoginHint     string
	Prompt        string
}

// pendingLogin is an authorization waiting for the person on the page.
type pendingLogin struct {
	Req  authRequest
	CSRF string // also in a cookie: double submit binds the POST to this browser
}

// authentication is what the login established.
type authentication struct {
	PID      string
	ACR      string
	AMR      []string
	AuthTime time.Time
	SID      string
}

// codeGrant is an issued authorization code.
type codeGrant struct {
	Req  authRequest
	Auth authentication
}

// accessToken is an opaque access token's server-side record.
type accessToken struct {
	ClientID string
	Subject  string
	Locale   string
	Auth     authentication
}

// Store keeps the mock's short-lived state: pending logins, the markers
// of used pushed requests and redeemed codes, revoked access tokens and
// ended logins (seal.go: the requests, codes and tokens themselves are
// self-contained), each as an opaque value under a kind and a random
// key, until it expires. The
// default is in this process's memory; oidcp passes one on its shared
// database (NewFlowStore), so that several nodes behind a load balancer
// act as one mock, as the real ID-porten does.
type Store interface {
	// Put stores value under (kind, key) until expires, replacing an
	// earlier value.
	Put(ctx context.Context, kind, key string, value []byte, expires time.Time) error
	// Get returns the value unless it is absent or expired at now
	// (ErrNotFound).
	Get(ctx context.Context, kind, key string, now time.Time) ([]byte, error)
	// Take returns and deletes the value in one step, so of two
	// concurrent callers only one gets it; ErrNotFound when absent or
	// expired at now.
	Take(ctx context.Context, kind, key string, now time.Time) ([]byte, error)
	// Add stores value under (kind, key) until expires unless a value is
	// there already, and reports whether it stored it: of concurrent
	// callers with one key exactly one gets true. A value past its
	// expiry but not yet removed counts as there (keys are random and
	// used once, so only a replay meets it), so nothing is ever
	// replaced. now only sweeps. When a bounded store is full of live
	// values it fails (ErrFull) rather than forget one.
	Add(ctx context.Context, kind, key string, value []byte, now, expires time.Time) (bool, error)
}

// ErrNotFound means a Store holds no live value under the key.
var ErrNotFound = errors.New("idportenmock: not found")

// ErrFull means a bounded Store cannot Add without forgetting a live
// marker, which would let a code or request be used twice.
var ErrFull = errors.New("idportenmock: state store full")

// Kinds of stored state.
const (
	// kindPARUsed marks a pushed request used at /authorize, until it
	// would have expired: one use (RFC 9126 §4).
	kindPARUsed = "par-used"
	kindPending = "pending" // logins waiting for the person on the page
	// kindUsed marks a redeemed code until it would have expired, with
	// the jti of the access token issued for it, so a replay revokes
	// that token (RFC 6749 §4.1.2).
	kindUsed = "code-used"
	// kindRevoked marks an access token (by jti) revoked, as long as it
	// could live.
	kindRevoked = "revoked"
	// kindEnded marks a login (sid) ended at /endsession: its access
	// tokens no longer work. Kept as long as an access token lives.
	kindEnded = "ended"
)

// memStore is the in-memory Store: one mutex, tables with expiry.
type memStore struct {
	mu     sync.Mutex
	now    func() time.Time
	tables map[string]*table[[]byte]
}

// table is one kind of entry by key, each until its expiry, and at most
// max of them.
type table[V any] struct {
	m map[string]entry[V]
	// swept is when expired entries were last deleted.
	swept time.Time
	max   int
}

type entry[V any] struct {
	v   V
	exp time.Time
}

// sweepEvery is how often put deletes a table's expired entries. Sweeping
// on every put would scan the whole table per login, which under a load
// test is thousands of live entries per request; an entry thus outlives
// its expiry by at most this long (get and take never return it).
const sweepEvery = 10 * time.Second

// Table caps. Anyone can start a login at the mock, so expiry alone does
// not bound its memory; past a cap the entry closest to expiry (the
// oldest: a table's entries share one lifetime) makes room. A request is
// at most maxRequestBytes (server.go), so the request tables stay under
// 100 MiB. Codes, used codes and tokens are many more under a load test
// (120 s of access tokens at hundreds of logins a second) but small.
const (
	maxRequests = 5_000   // pending logins
	maxIssued   = 100_000 // markers of used requests and codes, revocations, logouts
)

// NewMemoryStore returns a Store in this process's memory, bounded per
// kind (maxRequests, maxIssued), sweeping expired entries by now (nil:
// time.Now).
func NewMemoryStore(now func() time.Time) Store { return newMemStore(now) }

func newMemStore(now func() time.Time) *memStore {
	if now == nil {
		now = time.Now
	}
	m := &memStore{now: now, tables: map[string]*table[[]byte]{}}
	for kind, max := range map[string]int{
		kindPending: maxRequests,
		kindPARUsed: maxIssued, kindUsed: maxIssued, kindRevoked: maxIssued, kindEnded: maxIssued,
	} {
		m.tables[kind] = &table[[]byte]{m: map[string]entry[[]byte]{}, max: max}
	}
	return m
}

func (m *memStore) table(kind string) (*table[[]byte], error) {
	t, ok := m.tables[kind]
	if !ok {
		return nil, fmt.Errorf("idportenmock: unknown kind %q", kind)
	}
	return t, nil
}

// Put implements Store.
func (m *memStore) Put(_ context.Context, kind, key string, value []byte, expires time.Time) error {
	t, err := m.table(kind)
	if err != nil {
		return err
	}
	put(&m.mu, t, key, value, m.now(), expires)
	return nil
}

// Get implements Store.
func (m *memStore) Get(_ context.Context, kind, key string, now time.Time) ([]byte, error) {
	t, err := m.table(kind)
	if err != nil {
		return nil, err
	}
	v, ok := get(&m.mu, t, key, now)
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

// Take implements Store.
func (m *memStore) Take(_ context.Context, kind, key string, now time.Time) ([]byte, error) {
	t, err := m.table(kind)
	if err != nil {
		return nil, err
	}
	v, ok := take(&m.mu, t, key, now)
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

// Add implements Store.
func (m *memStore) Add(_ context.Context, kind, key string, value []byte, now, expires time.Time) (bool, error) {
	t, err := m.table(kind)
	if err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := t.m[key]; ok {
		return false, nil
	}
	if t.max > 0 && len(t.m) >= t.max {
		sweepLocked(t, now)
		if len(t.m) >= t.max {
			return false, ErrFull
		}
	}
	putLocked(t, key, value, now, expires)
	return true, nil
}

// put stores v until exp and, at most every sweepEvery, deletes the
// table's expired entries, which keeps memory bounded without a
// background goroutine. A full table first drops its expired entries,
// then its oldest one.
func put[V any](mu *sync.Mutex, t *table[V], k string, v V, now, exp time.Time) {
	mu.Lock()
	defer mu.Unlock()
	putLocked(t, k, v, now, exp)
}

// putLocked is put with the table's mutex held.
func putLocked[V any](t *table[V], k string, v V, now, exp time.Time) {
	_, replace := t.m[k]
	full := !replace && t.max > 0 && len(t.m) >= t.max
	if full || now.Sub(t.swept) >= sweepEvery || now.Before(t.swept) {
		sweepLocked(t, now)
	}
	if !replace && t.max > 0 && len(t.m) >= t.max {
		var oldest string
		var first time.Time
		for key, e := range t.m {
			if oldest == "" || e.exp.Before(first) {
				oldest, first = key, e.exp
			}
		}
		delete(t.m, oldest)
	}
	t.m[k] = entry[V]{v: v, exp: exp}
}

// sweepLocked deletes the table's expired entries; mutex held.
func sweepLocked[V any](t *table[V], now time.Time) {
	for key, e := range t.m {
		if !now.Before(e.exp) {
			delete(t.m, key)
		}
	}
	t.swept = now
}

// get returns an unexpired entry without removing it.
func get[V any](mu *sync.Mutex, t *table[V], k string, now time.Time) (V, bool) {
	mu.Lock()
	defer mu.Unlock()
	e, ok := t.m[k]
	if !ok || !now.Before(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// take removes and returns an unexpired entry: one-time use.
func take[V any](mu *sync.Mutex, t *table[V], k string, now time.Time) (V, bool) {
	mu.Lock()
	defer mu.Unlock()
	e, ok := t.m[k]
	delete(t.m, k)
	if !ok || !now.Before(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// save stores v (as JSON) under (kind, key) until exp.
func save[V any](ctx context.Context, s *Server, kind, key string, v V, exp time.Time) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.store.Put(ctx, kind, key, b, exp)
}

// load returns the live value under (kind, key); ok is false when there
// is none, err is set when the store failed.
func load[V any](ctx context.Context, s *Server, kind, key string) (v V, ok bool, err error) {
	return decode[V](s.store.Get(ctx, kind, key, s.now()))
}

// claim is load that also deletes the value: one-time use.
func claim[V any](ctx context.Context, s *Server, kind, key string) (v V, ok bool, err error) {
	return decode[V](s.store.Take(ctx, kind, key, s.now()))
}

func decode[V any](b []byte, err error) (v V, ok bool, _ error) {
	switch {
	case errors.Is(err, ErrNotFound):
		return v, false, nil
	case err != nil:
		return v, false, err
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, false, fmt.Errorf("idportenmock: stored %T: %w", v, err)
	}
	return v, true, nil
}
