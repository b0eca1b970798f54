package provider

import (
	"context"
	"errors"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
)

// expiryBatch bounds the sessions one sweep ends per tenant.
const expiryBatch = 500

// EndExpiredSessions ends the login sessions that idled or reached their
// absolute expiry since the last sweep: each is marked ended (one node
// wins the conditional update), the tokens of its chain are revoked, and
// a back-channel logout is queued for the clients signed in to it. The
// janitor calls it before it deletes expired sessions; it returns how
// many sessions it ended.
func (p *Provider) EndExpiredSessions(ctx context.Context) (int, error) {
	now := p.now().UTC()
	ended := 0
	var errs []error
	for _, name := range p.order {
		t := p.tenants[name]
		recs, err := p.store.ListExpiredSessions(ctx, t.name, now.Add(-p.cfg.SessionIdle), now, expiryBatch)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, rec := range recs {
			chain := sessionstore.ChainID(rec)
			why := "idle"
			if !now.Before(rec.ExpiresAt) {
				why = "absolute"
			}
			// Ending the session, revoking its tokens, the usage-log
			// event and the back-channel logouts are one transaction: a
			// failure or crash half way leaves the session to the next
			// sweep instead of ended with live tokens.
			err := storage.InTx(ctx, p.store, func(tx context.Context) error {
				if err := p.store.EndSession(tx, rec.ID, now); err != nil {
					return err
				}
				n, err := p.store.RevokeBySession(tx, t.name, chain)
				if err != nil {
					return err
				}
				if err := p.eventTx(tx, t, audit.Event{Kind: audit.SessionEnded, Actor: rec.Subject, Subject: rec.Subject, SessionID: chain,
					Detail: map[string]any{"reason": "expired_" + why, "tokens_revoked": n}}); err != nil {
					return err
				}
				return p.queueLogouts(tx, t, rec.Subject, chain, rec.Clients, "session_expired")
			})
			switch {
			case errors.Is(err, storage.ErrInactive), errors.Is(err, storage.ErrNotFound):
				// another node ended it
			case err != nil:
				errs = append(errs, err)
			default:
				ended++
			}
		}
	}
	return ended, errors.Join(errs...)
}
