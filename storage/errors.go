package storage

import "errors"

// Sentinels that backends translate driver errors into. Callers use
// errors.Is; the wrapped error carries the detail.
var (
	// ErrNotFound means no record matched.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict means a unique key already exists.
	ErrConflict = errors.New("storage: conflict")
	// ErrInactive means the record exists but was already used, revoked or
	// deactivated; a conditional state change found nothing to change.
	ErrInactive = errors.New("storage: inactive")
	// ErrSerialization means a concurrent transaction won; retry or fail.
	ErrSerialization = errors.New("storage: serialization failure")
	// ErrUnavailable means the database could not be reached or did not
	// answer in time (connection refused or lost, server shutting down,
	// deadline exceeded). Nothing about the record is known: callers must
	// not read it as not found or inactive, but answer "try again later".
	ErrUnavailable = errors.New("storage: unavailable")
)
