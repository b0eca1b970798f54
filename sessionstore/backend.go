package sessionstore

import (
	"context"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Backend is the part of storage.SessionStore this package needs. Errors
// are the storage sentinels (storage.ErrNotFound, storage.ErrInactive).
type Backend interface {
	CreateSession(ctx context.Context, s storage.LoginSession) error
	GetSession(ctx context.Context, id string) (storage.LoginSession, error)
	// UpdateSession reads, applies fn and writes in one transaction.
	UpdateSession(ctx context.Context, id string, fn func(storage.LoginSession) (storage.LoginSession, error)) error
	// AddSessionClient records clientID in the clients of a tenant's
	// session that has not ended, in one statement when known is the
	// stored list; ErrInactive or ErrNotFound otherwise.
	AddSessionClient(ctx context.Context, tenant, id string, known []string, clientID string) ([]string, error)
	// TouchSession sets LastSeenAt; ErrInactive if the session has ended.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// EndSession marks the session ended; ErrInactive if it already was.
	EndSession(ctx context.Context, id string, at time.Time) error
}

// Interface guard: every storage backend can serve this package.
var _ Backend = (storage.SessionStore)(nil)
