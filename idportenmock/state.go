package idportenmock

import (
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

// memState is the mock's whole memory: one mutex, tables with expiry.
type memState struct {
	mu      sync.Mutex
	pars    table[authRequest]
	pending table[pendingLogin]
	codes   table[codeGrant]
	// used remembers redeemed codes until they would have expired, with the
	// access token issued for each, so a replay revokes it (RFC 6749 §4.1.2).
	used   table[string]
	tokens table[accessToken]
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
	maxRequests = 5_000   // pushed requests, pending logins
	maxIssued   = 100_000 // codes, used codes, access tokens
)

func newMemState() *memState {
	return &memState{
		pars:    table[authRequest]{m: map[string]entry[authRequest]{}, max: maxRequests},
		pending: table[pendingLogin]{m: map[string]entry[pendingLogin]{}, max: maxRequests},
		codes:   table[codeGrant]{m: map[string]entry[codeGrant]{}, max: maxIssued},
		used:    table[string]{m: map[string]entry[string]{}, max: maxIssued},
		tokens:  table[accessToken]{m: map[string]entry[accessToken]{}, max: maxIssued},
	}
}

// put stores v until exp and, at most every sweepEvery, deletes the
// table's expired entries, which keeps memory bounded without a
// background goroutine. A full table first drops its expired entries,
// then its oldest one.
func put[V any](mu *sync.Mutex, t *table[V], k string, v V, now, exp time.Time) {
	mu.Lock()
	defer mu.Unlock()
	_, replace := t.m[k]
	full := !replace && t.max > 0 && len(t.m) >= t.max
	if full || now.Sub(t.swept) >= sweepEvery || now.Before(t.swept) {
		for key, e := range t.m {
			if !now.Before(e.exp) {
				delete(t.m, key)
			}
		}
		t.swept = now
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

// remove deletes k whether or not it has expired.
func remove[V any](mu *sync.Mutex, t *table[V], k string) {
	mu.Lock()
	defer mu.Unlock()
	delete(t.m, k)
}

// revokeSID drops every access token of one login (end session).
func (m *memState) revokeSID(sid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.tokens.m {
		if e.v.Auth.SID == sid {
			delete(m.tokens.m, k)
		}
	}
}
