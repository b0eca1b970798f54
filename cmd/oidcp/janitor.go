package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// janitorStore is what the janitor deletes from.
type janitorStore interface {
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error)
	DeleteExpiredFlows(ctx context.Context, before time.Time) (int64, error)
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int64, error)
	DeleteExpiredCounters(ctx context.Context, before time.Time) (int64, error)
	DeleteExpiredDPoPProofs(ctx context.Context, before time.Time) (int64, error)
	DeleteEventsBefore(ctx context.Context, tenant string, before time.Time) (int64, error)
	DeleteExpiredHandoffTickets(ctx context.Context, before time.Time) (int64, error)
}

// tenantRetention is how long a tenant keeps its usage log
// (usage_log_retention).
type tenantRetention struct {
	tenant string
	keep   time.Duration
}

var _ janitorStore = storage.Storage(nil)

// janitorGrace keeps expired token records a while: an expired refresh
// token presented again is still recognised as reuse rather than unknown.
const janitorGrace = time.Hour

// runJanitor deletes expired tokens, flows and sessions, and usage-log
// events past their tenant's retention, every interval until ctx ends.
// Every node runs it; the deletes are idempotent.
func runJanitor(ctx context.Context, s janitorStore, retain []tenantRetention, interval time.Duration, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sweep(ctx, s, retain, now(), log)
		}
	}
}

// sweep is one janitor pass.
func sweep(ctx context.Context, s janitorStore, retain []tenantRetention, now time.Time, log *slog.Logger) {
	tasks := []struct {
		what string
		fn   func(context.Context, time.Time) (int64, error)
		at   time.Time
	}{
		{"tokens", s.DeleteExpiredTokens, now.Add(-janitorGrace)},
		{"flows", s.DeleteExpiredFlows, now},
		{"sessions", s.DeleteExpiredSessions, now},
		{"rate counters", s.DeleteExpiredCounters, now},
		{"hand-off tickets", s.DeleteExpiredHandoffTickets, now},
		{"dpop proofs", s.DeleteExpiredDPoPProofs, now},
	}
	for _, task := range tasks {
		n, err := task.fn(ctx, task.at)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("janitor: delete expired failed", "what", task.what, "err", err)
		case n > 0:
			log.Debug("janitor: deleted expired", "what", task.what, "count", n)
		}
	}
	for _, r := range retain {
		n, err := s.DeleteEventsBefore(ctx, r.tenant, now.Add(-r.keep))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("janitor: delete usage-log events past retention failed", "tenant", r.tenant, "err", err)
		case n > 0:
			log.Debug("janitor: deleted usage-log events past retention", "tenant", r.tenant, "count", n)
		}
	}
}
