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
			if err := p.store.EndSession(ctx, rec.ID, now); err != nil {
				if !errors.Is(err, storage.ErrInactive) && !errors.Is(err, storage.ErrNotFound) {
					errs = append(errs, err)
				}
				continue // another node ended it
			}
			ended++
			chain := sessionstore.ChainID(rec)
			why := "idle"
			if !now.Before(rec.ExpiresAt) {
				why = "absolute"
			}
			n, err := p.store.RevokeBySession(ctx, t.name, chain)
			if err != nil {
				errs = append(errs, err)
			}
			p.event(ctx, t, audit.Event{Kind: audit.SessionEnded, Actor: rec.Subject, Subject: rec.Subject, SessionID: chain,
				Detail: map[string]any{"reason": "expired_" + why, "tokens_revoked": n}})
			p.notifySessionEnded(ctx, t, rec.Subject, chain, rec.Clients, "session_expired")
		}
	}
	return ended, errors.Join(errs...)
}
