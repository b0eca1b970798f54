-- Rate-limit counters: one row per key, its current fixed window and the
-- hits counted in it by every node (storage.RateCounter).
CREATE TABLE rate_counters (
    counter_key  TEXT    NOT NULL PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         BIGINT  NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX rate_counters_expires ON rate_counters (expires_at);
