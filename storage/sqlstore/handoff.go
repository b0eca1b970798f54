package sqlstore

import (
	"context"
	"time"

	"github.com/oidcp/oidcp/storage"
)

const handoffCols = `token_hash, tenant, portal_client_id, target_client_id, target_link_uri, session_chain, holder, acting_for, relation, created_at, expires_at`

func scanHandoff(sc interface{ Scan(...any) error }) (storage.HandoffTicket, error) {
	var t storage.HandoffTicket
	err := sc.Scan(&t.Hash, &t.Tenant, &t.PortalClientID, &t.TargetClientID, &t.TargetLinkURI, &t.SessionChain,
		&t.Holder, &t.ActingFor, &t.Relation, timeCol{&t.CreatedAt}, timeCol{&t.ExpiresAt})
	return t, err
}

// CreateHandoffTicket stores a hand-off ticket; ErrConflict if its hash
// exists.
func (s *Store) CreateHandoffTicket(ctx context.Context, t storage.HandoffTicket) error {
	_, err := s.exec(ctx, `INSERT INTO handoff_tickets (`+handoffCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		t.Hash, t.Tenant, t.PortalClientID, t.TargetClientID, t.TargetLinkURI, t.SessionChain,
		t.Holder, t.ActingFor, t.Relation, s.tm(t.CreatedAt), s.tm(t.ExpiresAt))
	return s.wrap("create handoff ticket", err)
}

// TakeHandoffTicket deletes and returns a ticket in one statement
// (DELETE ... RETURNING), so of two concurrent callers exactly one gets
// it and the other ErrNotFound.
func (s *Store) TakeHandoffTicket(ctx context.Context, tenant, hash string) (storage.HandoffTicket, error) {
	t, err := scanHandoff(s.queryRow(ctx, `DELETE FROM handoff_tickets WHERE tenant = $1 AND token_hash = $2 RETURNING `+handoffCols, tenant, hash))
	return t, s.wrap("take handoff ticket", err)
}

// DeleteExpiredHandoffTickets removes tickets that expired before t.
func (s *Store) DeleteExpiredHandoffTickets(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.execN(ctx, `DELETE FROM handoff_tickets WHERE expires_at < $1`, s.tm(before))
	return n, s.wrap("delete expired handoff tickets", err)
}
