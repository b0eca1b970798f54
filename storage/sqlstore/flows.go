package sqlstore

import (
	"context"
	"time"

	"github.com/oidcp/oidcp/storage"
)

const flowCols = `id, tenant, purpose, data, created_at, expires_at`

func scanFlow(sc interface{ Scan(...any) error }) (storage.Flow, error) {
	var f storage.Flow
	err := sc.Scan(&f.ID, &f.Tenant, &f.Purpose, &f.Data, timeCol{&f.CreatedAt}, timeCol{&f.ExpiresAt})
	return f, err
}

// CreateFlow stores flow state; ErrConflict if the id exists.
//
// Outside a transaction its INSERT carries the dialect's RelaxedCommit:
// a flow only starts something (a login at the eID, a logout), so one
// lost in a database crash leaves a browser whose flow is unknown and
// must start again, never a step taken twice; TakeFlow, the flow's one
// use, commits synchronously. IssueTokens says why a later synchronous
// commit always keeps it.
func (s *Store) CreateFlow(ctx context.Context, f storage.Flow) error {
	_, err := s.exec(ctx, `INSERT INTO flows (`+flowCols+`) VALUES ($1, $2, $3, $4, $5, $6)`+s.relaxedCommit(ctx),
		f.ID, f.Tenant, f.Purpose, blob(f.Data), s.tm(f.CreatedAt), s.tm(f.ExpiresAt))
	return s.wrap("create flow", err)
}

// GetFlow returns a flow bound to purpose; ErrNotFound when absent or
// bound to another purpose. Expiry is the caller's to check.
func (s *Store) GetFlow(ctx context.Context, id, purpose string) (storage.Flow, error) {
	f, err := scanFlow(s.queryRow(ctx, `SELECT `+flowCols+` FROM flows WHERE id = $1 AND purpose = $2`, id, purpose))
	return f, s.wrap("get flow", err)
}

// TakeFlow deletes and returns a flow in one statement (DELETE ...
// RETURNING), so of two concurrent callers exactly one gets it and the
// other ErrNotFound. A purpose mismatch leaves the flow in place.
func (s *Store) TakeFlow(ctx context.Context, id, purpose string) (storage.Flow, error) {
	f, err := scanFlow(s.queryRow(ctx, `DELETE FROM flows WHERE id = $1 AND purpose = $2 RETURNING `+flowCols, id, purpose))
	return f, s.wrap("take flow", err)
}

// DeleteExpiredFlows removes flows that expired before t.
func (s *Store) DeleteExpiredFlows(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.execN(ctx, `DELETE FROM flows WHERE expires_at < $1`, s.tm(before))
	return n, s.wrap("delete expired flows", err)
}
