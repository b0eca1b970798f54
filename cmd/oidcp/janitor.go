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
}

var _ janitorStore = storage.Storage(nil)

// janitorGrace keeps expired token records a while: an expired refresh
// token presented again is still recognised as reuse rather than unknown.
const janitorGrace = time.Hour

// runJanitor deletes expired tokens, flows and sessions every interval
// until ctx ends. Every node runs it; the deletes are idempotent.
func runJanitor(ctx context.Context, s janitorStore, interval time.Duration, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sweep(ctx, s, now(), log)
		}
	}
}

// sweep is one janitor pass.
func sweep(ctx context.Context, s janitorStore, now time.Time, log *slog.Logger) {
	tasks := []struct {
		what string
		fn   func(context.Context, time.Time) (int64, error)
		at   time.Time
	}{
		{"tokens", s.DeleteExpiredTokens, now.Add(-janitorGrace)},
		{"flows", s.DeleteExpiredFlows, now},
		{"sessions", s.DeleteExpiredSessions, now},
		{"rate counters", s.DeleteExpiredCounters, now},
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
}
