-- The citizen's usage log ("Bruk og tilganger"): one person's events are
-- read newest first, a page at a time, by keyset (id below the cursor).
-- A person's events are those they acted in or that were done for them,
-- so the read is two index-ordered scans, one per column, merged; these
-- indexes end in id so each scan stops after a page without sorting.
-- They replace the (tenant, actor) and (tenant, subject) indexes of 0001,
-- which they cover. Retention deletes a tenant's events older than a
-- cut-off, hence (tenant, occurred_at) in place of (occurred_at).
-- Keep in step with the other backend's 0007_usage_log.sql.
CREATE INDEX events_subject_id ON events (tenant, subject, id DESC);
CREATE INDEX events_actor_id ON events (tenant, actor, id DESC);
CREATE INDEX events_tenant_time ON events (tenant, occurred_at);
DROP INDEX events_actor;
DROP INDEX events_subject;
DROP INDEX events_time;
