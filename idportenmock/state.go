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

// memState is the mock's whole memory: one mutex, maps with expiry.
type memState struct {
	mu      sync.Mutex
	pars    map[string]entry[authRequest]
	pending map[string]entry[pendingLogin]
	codes   map[string]entry[codeGrant]
	// used remembers redeemed codes until they would have expired, with the
	// access token issued for each, so a replay revokes it (RFC 6749 §4.1.2).
	used   map[string]entry[string]
	tokens map[string]entry[accessToken]
}

type entry[V any] struct {
	v   V
	exp time.Time
}

func newMemState() *memState {
	return &memState{
		pars:    map[string]entry[authRequest]{},
		pending: map[string]entry[pendingLogin]{},
		codes:   map[string]entry[codeGrant]{},
		used:    map[string]entry[string]{},
		tokens:  map[string]entry[accessToken]{},
	}
}

// put stores v until exp and sweeps expired entries of the same map, which
// keeps memory bounded without a background goroutine.
func put[V any](mu *sync.Mutex, m map[string]entry[V], k string, v V, now, exp time.Time) {
	mu.Lock()
	defer mu.Unlock()
	for key, e := range m {
		if !now.Before(e.exp) {
			delete(m, key)
		}
	}
	m[k] = entry[V]{v: v, exp: exp}
}

// get returns an unexpired entry without removing it.
func get[V any](mu *sync.Mutex, m map[string]entry[V], k string, now time.Time) (V, bool) {
	mu.Lock()
	defer mu.Unlock()
	e, ok := m[k]
	if !ok || !now.Before(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// take removes and returns an unexpired entry: one-time use.
func take[V any](mu *sync.Mutex, m map[string]entry[V], k string, now time.Time) (V, bool) {
	mu.Lock()
	defer mu.Unlock()
	e, ok := m[k]
	delete(m, k)
	if !ok || !now.Before(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// remove deletes k whether or not it has expired.
func remove[V any](mu *sync.Mutex, m map[string]entry[V], k string) {
	mu.Lock()
	defer mu.Unlock()
	delete(m, k)
}

// revokeSID drops every access token of one login (end session).
func (m *memState) revokeSID(sid string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, e := range m.tokens {
		if e.v.Auth.SID == sid {
			delete(m.tokens, k)
		}
	}
}
