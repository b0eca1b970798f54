-- The citizen's usage log ("Bruk og tilganger"): one person's events are
-- read newest first, a page at a time, by keyset (id below the cursor).
-- A person's events are those done for them (subject) and those in which
-- they acted for someone else (actor, actor <> subject), so the read is
-- two index-ordered scans merged; the indexes end in id so each scan
-- stops after a page without sorting. The second is partial: most events
-- are a person's own use, and its scan must not wade through them. The
-- full actor index serves "what did this person do". They replace the
-- (tenant, actor) and (tenant, subject) indexes of 0001, which they cover.
-- Retention deletes a tenant's events older than a cut-off, hence
-- (tenant, occurred_at) in place of (occurred_at).
-- Keep in step with the other backend's 0007_usage_log.sql.
CREATE INDEX events_subject_id ON events (tenant, subject, id DESC);
CREATE INDEX events_actor_id ON events (tenant, actor, id DESC);
CREATE INDEX events_acted_for_other_id ON events (tenant, actor, id DESC) WHERE actor <> subject;
CREATE INDEX events_tenant_time ON events (tenant, occurred_at);
DROP INDEX events_actor;
DROP INDEX events_subject;
DROP INDEX events_time;
