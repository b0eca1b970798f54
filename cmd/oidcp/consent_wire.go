package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/backchannel"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/provider"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// consentWiring is the consent service and the back-channel logout
// enqueuer and worker, built once from the configuration and shared by
// serve, the CLI and the admin API.
type consentWiring struct {
	service *consent.Service
	enqueue *backchannel.Enqueuer
	worker  *backchannel.Worker // Tokens is set once the provider exists
	ender   sessionEnder        // set once the provider exists
	store   storage.Storage
	now     func() time.Time
}

func newConsentWiring(cfg Config, store storage.Storage, now func() time.Time, hc *http.Client, log *slog.Logger) (*consentWiring, error) {
	cats := map[string]*consent.Catalogue{}
	for _, t := range cfg.Tenants {
		c, err := t.catalogue()
		if err != nil {
			return nil, fmt.Errorf("tenant %q data_scopes: %w", t.Name, err)
		}
		cats[t.Name] = c
	}
	regs := map[string]string{}
	for _, t := range cfg.Tenants {
		regs[t.Name] = t.reads()
	}
	enq := &backchannel.Enqueuer{Store: store, Now: now}
	svc := consent.NewService(store, consent.Options{Catalogues: cats, Now: now, Notifier: enq,
		Relations: registryRelations{store: store, registries: regs, now: now}})
	w := &backchannel.Worker{Store: store, HTTP: hc, Now: now, Log: log}
	return &consentWiring{service: svc, enqueue: enq, worker: w, store: store, now: now}, nil
}

// registryRelations decides whether a representative's relation holds
// now as the login's chooser does: the tenant's registry (registry.Lookup)
// under the representation rules, and the relation must let its holder
// consent (an ordinary power of attorney does not).
type registryRelations struct {
	store      registry.Reader
	registries map[string]string // tenant -> registry it reads
	now        func() time.Time
}

func (r registryRelations) RelationHolds(ctx context.Context, tenant, actor, subject, relation string) (bool, error) {
	reg, ok := r.registries[tenant]
	if !ok {
		return false, fmt.Errorf("unknown tenant %q", tenant)
	}
	h, err := registry.Lookup(ctx, r.store, reg, actor)
	if err != nil {
		return false, err
	}
	kind := representation.RelationKind(relation)
	for _, c := range representation.Choices(h.Holder, h.Relations, h.Persons, []representation.RelationKind{kind}, false, r.now()) {
		if c.Subject.PID == subject && c.Relation.Kind == kind && c.Decision.MayConsent {
			return true, nil
		}
	}
	return false, nil
}

// clientCacheTTL is how long a node may keep using a client record it
// read (provider's client cache): the kill-switch revokes once more after
// it, so that nothing a node issued on a stale record survives.
const clientCacheTTL = provider.ClientCacheTTL

// killResult is what the kill-switch did.
type killResult struct {
	Tenant        string `json:"tenant"`
	ClientID      string `json:"client_id"`
	Disabled      bool   `json:"disabled"`
	GrantsRevoked int    `json:"grants_revoked"`
	TokensRevoked int64  `json:"tokens_revoked"`
	// ClientCredentialsVoided says that the client's client_credentials
	// access tokens are void too: they are sealed, in no row, so
	// tokens_revoked cannot count them.
	ClientCredentialsVoided bool `json:"client_credentials_tokens_voided"`
	LogoutsQueued           int  `json:"backchannel_logouts_queued"`
}

// errNoReason: the kill-switch is logged with the operator's reason.
var errNoReason = errors.New("a reason is required: it goes into the usage log")

// disableClient is the operator's kill-switch: the client is disabled
// (invalid_client everywhere, no new login), then every grant and every
// code and token it holds is revoked in one transaction that also queues
// a back-channel logout per person and session. A second sweep after the
// nodes' client cache has expired catches anything issued meanwhile.
func (cw *consentWiring) disableClient(ctx context.Context, tenant, id, operator, reason string) (killResult, error) {
	res := killResult{Tenant: tenant, ClientID: id}
	if reason == "" {
		return res, errNoReason
	}
	if err := cw.setDisabled(ctx, tenant, id, true); err != nil {
		return res, err
	}
	res.Disabled = true
	rev := storage.Revocation{By: consent.RevokedByOperator, Actor: operator, Reason: reason}
	for sweep := range 2 {
		if sweep == 1 {
			select {
			case <-ctx.Done():
				return res, ctx.Err()
			case <-time.After(clientCacheTTL + 100*time.Millisecond):
			}
		}
		r, err := cw.service.RevokeClient(ctx, tenant, id, rev)
		if err != nil {
			return res, err
		}
		res.GrantsRevoked += len(r.Grants)
		res.TokensRevoked += r.Tokens
		res.ClientCredentialsVoided = true // RevokeClient moved the client's tokens_revoked_at
		res.LogoutsQueued += len(r.Sessions)
		if len(r.Sessions) == 0 {
			res.LogoutsQueued += len(r.Grants)
		}
	}
	if err := audit.Record(ctx, cw.store, cw.now(), audit.Event{Tenant: tenant, Kind: "client_disabled", ClientID: id,
		Detail: map[string]any{"operator": operator, "reason": reason, "grants_revoked": res.GrantsRevoked, "tokens_revoked": res.TokensRevoked}}); err != nil {
		return res, err
	}
	return res, nil
}

// setDisabled sets the client's kill-switch flag; a missing client is
// storage.ErrNotFound, named for the operator.
func (cw *consentWiring) setDisabled(ctx context.Context, tenant, id string, disabled bool) error {
	err := cw.store.UpdateClient(ctx, tenant, id, func(c storage.Client) (storage.Client, error) {
		c.Disabled = disabled
		c.UpdatedAt = cw.now().UTC().Truncate(time.Microsecond)
		return c, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("client %q not found in tenant %q: %w", id, tenant, err)
	}
	if err != nil {
		return fmt.Errorf("set client %q disabled=%v: %w", id, disabled, err)
	}
	return nil
}

// enableClient reverses only the disabling: revoked grants and tokens
// stay revoked.
func (cw *consentWiring) enableClient(ctx context.Context, tenant, id, operator, reason string) error {
	if err := cw.setDisabled(ctx, tenant, id, false); err != nil {
		return err
	}
	return audit.Record(ctx, cw.store, cw.now(), audit.Event{Tenant: tenant, Kind: "client_enabled", ClientID: id,
		Detail: map[string]any{"operator": operator, "reason": reason}})
}

// sessionEnder ends expired login sessions with their tokens and
// back-channel logouts (*provider.Provider).
type sessionEnder interface {
	EndExpiredSessions(ctx context.Context) (int, error)
}

// outboxKeep is how long delivered and failed back-channel logouts stay
// in the outbox for operators to inspect.
const outboxKeep = 7 * 24 * time.Hour

// announcingStore is the janitor's store: before expired sessions are
// deleted, their end is announced (tokens revoked, back-channel logout
// queued), and finished outbox messages past outboxKeep are removed.
type announcingStore struct {
	storage.Storage
	sessions sessionEnder
	now      func() time.Time
	log      *slog.Logger
}

func (s announcingStore) DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error) {
	if s.sessions != nil {
		if n, err := s.sessions.EndExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("janitor: end expired sessions", "err", err)
		} else if n > 0 {
			s.log.Debug("janitor: ended expired sessions", "count", n)
		}
	}
	if _, err := s.Storage.DeleteDoneOutbox(ctx, s.now().Add(-outboxKeep)); err != nil && ctx.Err() == nil {
		s.log.Warn("janitor: delete finished back-channel logouts", "err", err)
	}
	return s.Storage.DeleteExpiredSessions(ctx, before)
}
