package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/oidcp/oidcp/storage"
)

const sessionCols = `id, tenant, subject, auth_time, acr, amr, user_agent, clients, vals, created_at, last_seen_at,
	expires_at, ended_at`

func (s *Store) sessionArgs(ls storage.LoginSession) []any {
	return []any{ls.ID, ls.Tenant, ls.Subject, s.tm(ls.AuthTime), ls.ACR, jsonCol{ls.AMR}, ls.UserAgent,
		jsonCol{ls.Clients}, blob(ls.Values), s.tm(ls.CreatedAt), s.tm(ls.LastSeenAt), s.tm(ls.ExpiresAt),
		s.tmPtr(ls.EndedAt)}
}

func scanSession(sc interface{ Scan(...any) error }) (storage.LoginSession, error) {
	var ls storage.LoginSession
	err := sc.Scan(&ls.ID, &ls.Tenant, &ls.Subject, timeCol{&ls.AuthTime}, &ls.ACR, jsonCol{&ls.AMR}, &ls.UserAgent,
		jsonCol{&ls.Clients}, &ls.Values, timeCol{&ls.CreatedAt}, timeCol{&ls.LastSeenAt}, timeCol{&ls.ExpiresAt},
		timePtrCol{&ls.EndedAt})
	return ls, err
}

// CreateSession stores a new login session; ErrConflict if the id exists.
func (s *Store) CreateSession(ctx context.Context, ls storage.LoginSession) error {
	_, err := s.exec(ctx, `INSERT INTO sessions (`+sessionCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, s.sessionArgs(ls)...)
	return s.wrap("create session", err)
}

// GetSession returns a session, ended or not; ErrNotFound when absent.
func (s *Store) GetSession(ctx context.Context, id string) (storage.LoginSession, error) {
	ls, err := scanSession(s.queryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = $1`, id))
	return ls, s.wrap("get session", err)
}

// UpdateSession reads the session, applies fn and writes the result in one
// transaction. An error from fn aborts the update and is returned as is.
func (s *Store) UpdateSession(ctx context.Context, id string, fn func(storage.LoginSession) (storage.LoginSession, error)) error {
	return s.inTx(ctx, func(ctx context.Context) error {
		old, err := scanSession(s.queryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE id = $1`+s.d.ForUpdate, id))
		if err != nil {
			return s.wrap("update session", err)
		}
		ls, err := fn(old)
		if err != nil {
			return err
		}
		if ls.ID != id {
			return fmt.Errorf("update session: %w", errKeyChanged)
		}
		_, err = s.exec(ctx, `UPDATE sessions SET tenant = $2, subject = $3, auth_time = $4, acr = $5, amr = $6,
			user_agent = $7, clients = $8, vals = $9, created_at = $10, last_seen_at = $11, expires_at = $12,
			ended_at = $13 WHERE id = $1`, s.sessionArgs(ls)...)
		return s.wrap("update session", err)
	})
}

// AddSessionClient records clientID in the session's clients. known is
// the caller's copy of the stored list, so the common case (the session
// was created or read earlier in the same request) is one compare-and-set
// UPDATE, committed before it returns: a back-channel logout reads the
// list to know whom to tell. The stored list is compared as the text
// jsonCol writes, which is deterministic, so a copy that round-tripped
// through the store compares equal. When the compare fails (another
// client was added meanwhile, or the session ended, is another tenant's
// or is absent) UpdateSession's read-modify-write decides under the
// row's lock (SQLite: the write lock), and keeps whatever the other
// writer added.
func (s *Store) AddSessionClient(ctx context.Context, tenant, id string, known []string, clientID string) ([]string, error) {
	if slices.Contains(known, clientID) {
		return known, nil
	}
	added := append(slices.Clone(known), clientID)
	n, err := s.execN(ctx, `UPDATE sessions SET clients = $4
		WHERE id = $1 AND tenant = $2 AND ended_at IS NULL AND clients = $3`,
		id, tenant, jsonCol{known}, jsonCol{added})
	if err != nil {
		return nil, s.wrap("add session client", err)
	}
	if n == 1 {
		return added, nil
	}
	var out []string
	err = s.UpdateSession(ctx, id, func(old storage.LoginSession) (storage.LoginSession, error) {
		if old.EndedAt != nil || old.Tenant != tenant {
			return old, fmt.Errorf("add session client: %w", storage.ErrInactive)
		}
		if !slices.Contains(old.Clients, clientID) {
			old.Clients = append(slices.Clone(old.Clients), clientID)
		}
		out = old.Clients
		return old, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// TouchSession sets LastSeenAt of a session that has not ended: one
// statement, no read. ErrInactive if it ended, ErrNotFound if absent.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	n, err := s.execN(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND ended_at IS NULL`, id, s.tm(at))
	if err != nil {
		return s.wrap("touch session", err)
	}
	if n == 1 {
		return nil
	}
	return s.inactiveOrNotFound(ctx, "touch session", `SELECT 1 FROM sessions WHERE id = $1`, id)
}

// EndSession marks the session ended at at; of two concurrent callers one
// succeeds and the other gets ErrInactive. ErrNotFound if absent.
func (s *Store) EndSession(ctx context.Context, id string, at time.Time) error {
	n, err := s.execN(ctx, `UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL`, id, s.tm(at))
	if err != nil {
		return s.wrap("end session", err)
	}
	if n == 1 {
		return nil
	}
	return s.inactiveOrNotFound(ctx, "end session", `SELECT 1 FROM sessions WHERE id = $1`, id)
}

// ListSessions returns a person's sessions in a tenant that have not been
// ended, newest first. Whether one has idled or expired is the caller's
// decision (it owns the clock and the timeouts).
func (s *Store) ListSessions(ctx context.Context, tenant, subject string) ([]storage.LoginSession, error) {
	out, err := queryAll(ctx, s, scanSession, `SELECT `+sessionCols+` FROM sessions
		WHERE tenant = $1 AND subject = $2 AND ended_at IS NULL ORDER BY created_at DESC, id`, tenant, subject)
	return out, s.wrap("list sessions", err)
}

// ListExpiredSessions returns up to limit logged-in sessions of a tenant
// that have not been ended but idled (LastSeenAt before idleBefore) or
// reached their absolute expiry (ExpiresAt at or before now), oldest
// first.
func (s *Store) ListExpiredSessions(ctx context.Context, tenant string, idleBefore, now time.Time, limit int) ([]storage.LoginSession, error) {
	out, err := queryAll(ctx, s, scanSession, `SELECT `+sessionCols+` FROM sessions
		WHERE tenant = $1 AND ended_at IS NULL AND subject <> '' AND (last_seen_at < $2 OR expires_at <= $3)
		ORDER BY last_seen_at, id LIMIT $4`, tenant, s.tm(idleBefore), s.tm(now), limit)
	return out, s.wrap("list expired sessions", err)
}

// DeleteExpiredSessions removes sessions whose absolute expiry is before t.
func (s *Store) DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.execN(ctx, `DELETE FROM sessions WHERE expires_at < $1`, s.tm(before))
	return n, s.wrap("delete expired sessions", err)
}
