-- Consent grants (tillatelser) and the back-channel logout outbox.
-- Keep in step with the other backend's 0005_consent.sql. Token records
-- already carry grant_id (0001, indexed), so revoking a grant is one
-- UPDATE of tokens by (tenant, grant_id).

CREATE TABLE grants (
    id             TEXT NOT NULL PRIMARY KEY,
    tenant         TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    subject        TEXT NOT NULL,
    actor          TEXT NOT NULL DEFAULT '',
    relation       TEXT NOT NULL DEFAULT '',
    scopes         TEXT NOT NULL DEFAULT 'null',
    created_at     TIMESTAMPTZ,
    expires_at     TIMESTAMPTZ,
    revoked_at     TIMESTAMPTZ,
    revoked_by     TEXT NOT NULL DEFAULT '',
    revoked_actor  TEXT NOT NULL DEFAULT '',
    revoked_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX grants_client ON grants (tenant, client_id);
CREATE INDEX grants_subject ON grants (tenant, subject);
CREATE INDEX grants_actor ON grants (tenant, actor);

-- Back-channel logout deliveries waiting, retried, done or given up.
-- A node claims due rows by setting claim and locked_until; a row whose
-- lease ran out (the node died mid-delivery) is due again.
CREATE TABLE backchannel_outbox (
    id              TEXT    NOT NULL PRIMARY KEY,
    tenant          TEXT    NOT NULL,
    client_id       TEXT    NOT NULL,
    uri             TEXT    NOT NULL,
    subject         TEXT    NOT NULL DEFAULT '',
    session_id      TEXT    NOT NULL DEFAULT '',
    grant_id        TEXT    NOT NULL DEFAULT '',
    reason          TEXT    NOT NULL DEFAULT '',
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    claim           TEXT    NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    give_up_at      TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ NOT NULL,
    done_at         TIMESTAMPTZ
);
CREATE INDEX backchannel_outbox_due ON backchannel_outbox (state, next_attempt_at);
