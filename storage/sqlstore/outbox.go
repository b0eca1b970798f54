package sqlstore

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/oidcp/oidcp/storage"
)

const outboxCols = `id, tenant, client_id, uri, subject, session_id, grant_id, reason, state, attempts, last_error,
	claim, created_at, next_attempt_at, give_up_at, locked_until, done_at`

func scanOutbox(sc interface{ Scan(...any) error }) (storage.OutboxMessage, error) {
	var m storage.OutboxMessage
	var locked time.Time
	err := sc.Scan(&m.ID, &m.Tenant, &m.ClientID, &m.URI, &m.Subject, &m.SessionID, &m.GrantID, &m.Reason, &m.State,
		&m.Attempts, &m.LastError, &m.Claim, timeCol{&m.CreatedAt}, timeCol{&m.NextAttemptAt}, timeCol{&m.GiveUpAt},
		timeCol{&locked}, timePtrCol{&m.DoneAt})
	return m, err
}

// EnqueueOutbox stores new pending messages, all or none.
func (s *Store) EnqueueOutbox(ctx context.Context, ms ...storage.OutboxMessage) error {
	if len(ms) == 0 {
		return nil
	}
	// One multi-row INSERT per chunk, in the caller's transaction (a
	// revocation's) or its own. locked_until starts at the creation
	// time: no lease.
	return s.inTx(ctx, func(ctx context.Context) error {
		err := s.upsertRows(ctx, len(ms), `INSERT INTO backchannel_outbox (`+outboxCols+`) VALUES`, "", func(i int) []any {
			m := ms[i]
			if m.State == "" {
				m.State = storage.OutboxPending
			}
			return []any{m.ID, m.Tenant, m.ClientID, m.URI, m.Subject, m.SessionID, m.GrantID, m.Reason, m.State, m.Attempts,
				m.LastError, "", s.tm(m.CreatedAt), s.tm(m.NextAttemptAt), s.tm(m.GiveUpAt), s.tm(m.CreatedAt), nil}
		})
		return s.wrap("enqueue outbox", err)
	})
}

// ClaimOutbox leases due messages in one statement. On PostgreSQL the
// rows are picked FOR UPDATE SKIP LOCKED, so concurrent claimers take
// disjoint rows without waiting; a row another claimer committed first
// fails the re-checked lease condition. SQLite runs one writer at a time.
func (s *Store) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]storage.OutboxMessage, error) {
	claim := rand.Text()
	ms, err := queryAll(ctx, s, scanOutbox, `UPDATE backchannel_outbox SET claim = $1, locked_until = $2
		WHERE id IN (SELECT id FROM backchannel_outbox WHERE state = 'pending' AND next_attempt_at <= $3 AND locked_until <= $3
			ORDER BY next_attempt_at, id LIMIT $4`+s.d.SkipLocked+`)
		AND state = 'pending' AND locked_until <= $3
		RETURNING `+outboxCols, claim, s.tm(now.Add(lease)), s.tm(now), limit)
	return ms, s.wrap("claim outbox", err)
}

// FinishOutbox records one attempt of a message the caller's claim holds.
func (s *Store) FinishOutbox(ctx context.Context, id, claim string, res storage.OutboxResult) (storage.OutboxMessage, error) {
	var out storage.OutboxMessage
	err := s.inTx(ctx, func(ctx context.Context) error {
		m, err := scanOutbox(s.queryRow(ctx, `SELECT `+outboxCols+` FROM backchannel_outbox WHERE id = $1`+s.d.ForUpdate, id))
		if err != nil {
			return s.wrap("finish outbox", err)
		}
		if m.State != storage.OutboxPending || claim == "" || m.Claim != claim {
			return fmt.Errorf("finish outbox: %w", storage.ErrInactive)
		}
		m.Attempts++
		m.LastError = res.Error
		m.Claim = ""
		switch {
		case res.Delivered:
			m.State, m.LastError = storage.OutboxDelivered, ""
		case !res.RetryAt.IsZero() && !res.RetryAt.After(m.GiveUpAt):
			m.NextAttemptAt = res.RetryAt
		default:
			m.State = storage.OutboxFailed
		}
		if m.State != storage.OutboxPending {
			at := res.At.UTC().Truncate(time.Microsecond)
			m.DoneAt = &at
		}
		_, err = s.exec(ctx, `UPDATE backchannel_outbox SET state = $2, attempts = $3, last_error = $4, claim = '',
			next_attempt_at = $5, locked_until = $6, done_at = $7 WHERE id = $1`,
			id, m.State, m.Attempts, m.LastError, s.tm(m.NextAttemptAt), s.tm(res.At), s.tmPtr(m.DoneAt))
		out = m
		return s.wrap("finish outbox", err)
	})
	return out, err
}

// GetOutbox returns one message; ErrNotFound when absent.
func (s *Store) GetOutbox(ctx context.Context, id string) (storage.OutboxMessage, error) {
	m, err := scanOutbox(s.queryRow(ctx, `SELECT `+outboxCols+` FROM backchannel_outbox WHERE id = $1`, id))
	return m, s.wrap("get outbox", err)
}

// ListOutbox returns a tenant's messages (for one client unless clientID
// is empty), oldest first.
func (s *Store) ListOutbox(ctx context.Context, tenant, clientID string) ([]storage.OutboxMessage, error) {
	q, args := `SELECT `+outboxCols+` FROM backchannel_outbox WHERE tenant = $1`, []any{tenant}
	if clientID != "" {
		q, args = q+` AND client_id = $2`, append(args, clientID)
	}
	ms, err := queryAll(ctx, s, scanOutbox, q+` ORDER BY created_at, id`, args...)
	return ms, s.wrap("list outbox", err)
}

// DeleteDoneOutbox removes delivered and failed messages finished before t.
func (s *Store) DeleteDoneOutbox(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.execN(ctx, `DELETE FROM backchannel_outbox WHERE state <> 'pending' AND done_at < $1`, s.tm(before))
	return n, s.wrap("delete done outbox", err)
}
