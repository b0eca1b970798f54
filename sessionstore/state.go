package sessionstore

import (
	"github.com/gorilla/sessions"

	"github.com/oidcp/oidcp/storage"
)

// stateKey is the Values key of the store's own bookkeeping for a session.
// gorilla's Session has no field for a store's private data; an unexported
// key type cannot collide with a handler's key, and encodeValues leaves it
// out, so it never reaches storage.
type stateKey struct{}

// state is what the store knows about a session beyond its Values.
type state struct {
	// stored reports whether rec exists in the backend (as rec.ID).
	stored bool
	// rec is the record as last read or written.
	rec storage.LoginSession
	// up holds the Login fields that have no column of their own.
	up upstream
}

// stateOf returns the session's state, attaching an empty one to a session
// this store did not build (e.g. sessions.NewSession by hand).
func stateOf(sess *sessions.Session) *state {
	if st, ok := sess.Values[stateKey{}].(*state); ok {
		return st
	}
	st := &state{}
	if sess.Values == nil {
		sess.Values = map[interface{}]interface{}{}
	}
	sess.Values[stateKey{}] = st
	return st
}
