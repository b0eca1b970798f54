package backchannel

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Reasons a logout is sent (OutboxMessage.Reason, usage log).
const (
	ReasonGrantRevoked   = "grant_revoked"
	ReasonClientDisabled = "client_disabled"
	ReasonLogout         = "logout"
	ReasonSessionExpired = "session_expired"
)

// DefaultRetryWindow is how long a message is retried before it fails.
const DefaultRetryWindow = 15 * time.Minute

// EnqueueStore is what the Enqueuer needs of the storage contract.
type EnqueueStore interface {
	GetClient(ctx context.Context, tenant, id string) (storage.Client, error)
	EnqueueOutbox(ctx context.Context, ms ...storage.OutboxMessage) error
}

// Enqueuer queues logout messages. It implements consent.Notifier and
// provider.LogoutNotifier.
type Enqueuer struct {
	Store EnqueueStore
	Now   func() time.Time
	// RetryWindow: default DefaultRetryWindow.
	RetryWindow time.Duration
}

func (e *Enqueuer) message(c storage.Client, pid, chainID, grantID, reason string) storage.OutboxMessage {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	window := e.RetryWindow
	if window == 0 {
		window = DefaultRetryWindow
	}
	at := now().UTC()
	return storage.OutboxMessage{
		ID: rand.Text(), Tenant: c.Tenant, ClientID: c.ID, URI: c.BackchannelLogoutURI,
		Subject: pid, SessionID: chainID, GrantID: grantID, Reason: reason, State: storage.OutboxPending,
		CreatedAt: at, NextAttemptAt: at, GiveUpAt: at.Add(window),
	}
}

// client returns the client when it takes back-channel logouts.
func (e *Enqueuer) client(ctx context.Context, tenant, clientID string) (storage.Client, bool, error) {
	c, err := e.Store.GetClient(ctx, tenant, clientID)
	if errors.Is(err, storage.ErrNotFound) {
		return c, false, nil // deleted: nobody to tell, nothing to hold up
	}
	if err != nil {
		return c, false, fmt.Errorf("backchannel: client %q: %w", clientID, err)
	}
	return c, c.BackchannelLogoutURI != "", nil
}

// Revoked queues one logout per person and login session whose tokens a
// grant revocation or the kill-switch deactivated; for a revoked grant
// without live tokens, one for the person who gave it.
func (e *Enqueuer) Revoked(ctx context.Context, tenant, clientID string, res storage.RevokedGrants, reason string) error {
	c, ok, err := e.client(ctx, tenant, clientID)
	if err != nil || !ok {
		return err
	}
	grantID := ""
	if len(res.Grants) == 1 {
		grantID = res.Grants[0].ID
	}
	var ms []storage.OutboxMessage
	for _, s := range res.Sessions {
		ms = append(ms, e.message(c, s.Subject, s.SessionID, grantID, reason))
	}
	if len(res.Sessions) == 0 {
		for _, g := range res.Grants {
			pid := g.Subject
			if g.Actor != "" {
				pid = g.Actor // the person signed in, whose sub the client knows
			}
			ms = append(ms, e.message(c, pid, "", g.ID, reason))
		}
	}
	return e.Store.EnqueueOutbox(ctx, ms...)
}

// SessionEnded queues a logout for each client signed in to the ended
// login session chain of person pid.
func (e *Enqueuer) SessionEnded(ctx context.Context, tenant, pid, chainID string, clientIDs []string, reason string) error {
	var ms []storage.OutboxMessage
	for _, id := range clientIDs {
		c, ok, err := e.client(ctx, tenant, id)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		ms = append(ms, e.message(c, pid, chainID, "", reason))
	}
	return e.Store.EnqueueOutbox(ctx, ms...)
}
