package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// RecordDPoPProof inserts the proof's (tenant, jkt, jti) unless it is
// there, in one statement, so of two nodes recording the same proof at
// once exactly one succeeds; the other gets ErrConflict.
func (s *Store) RecordDPoPProof(ctx context.Context, p storage.DPoPProof) error {
	n, err := s.execN(ctx, `INSERT INTO dpop_proofs (tenant, jkt, jti, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (tenant, jkt, jti) DO NOTHING`, p.Tenant, p.JKT, p.JTI, s.tm(p.ExpiresAt))
	if err != nil {
		return s.wrap("record dpop proof", err)
	}
	if n == 0 {
		return fmt.Errorf("record dpop proof: jti already used: %w", storage.ErrConflict)
	}
	return nil
}

// DeleteExpiredDPoPProofs removes proof records that expired before t.
func (s *Store) DeleteExpiredDPoPProofs(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.execN(ctx, `DELETE FROM dpop_proofs WHERE expires_at < $1`, s.tm(before))
	return n, s.wrap("delete expired dpop proofs", err)
}
