package sqlstore

import (
	"context"
	"time"
)

// AddHits upserts key's counter in one statement, so concurrent callers on
// any node add up exactly: the same window adds, a newer window restarts
// the count, an older (late) window leaves the row alone.
func (s *Store) AddHits(ctx context.Context, key string, window, expires time.Time, n int64) (int64, error) {
	var count int64
	err := s.queryRow(ctx, `INSERT INTO rate_counters (counter_key, window_start, hits, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (counter_key) DO UPDATE SET
  hits = CASE WHEN rate_counters.window_start = excluded.window_start THEN rate_counters.hits + excluded.hits
              WHEN rate_counters.window_start < excluded.window_start THEN excluded.hits
              ELSE rate_counters.hits END,
  expires_at = CASE WHEN rate_counters.window_start <= excluded.window_start THEN excluded.expires_at
              ELSE rate_counters.expires_at END,
  window_start = CASE WHEN rate_counters.window_start < excluded.window_start THEN excluded.window_start
              ELSE rate_counters.window_start END
RETURNING hits`, key, s.tm(window), n, s.tm(expires)).Scan(&count)
	return count, s.wrap("add hits", err)
}

// DeleteExpiredCounters removes counters that expired before t.
func (s *Store) DeleteExpiredCounters(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.execN(ctx, `DELETE FROM rate_counters WHERE expires_at < $1`, s.tm(before))
	return n, s.wrap("delete expired counters", err)
}
