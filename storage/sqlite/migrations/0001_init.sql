-- oidcp schema, SQLite. Times are INTEGER microseconds since the Unix
-- epoch (UTC), NULL when not set. Lists and client metadata are JSON text.
-- Keep in step with storage/postgres/migrations/0001_init.sql.

CREATE TABLE clients (
    tenant      TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    secret_hash BLOB,
    name        TEXT    NOT NULL DEFAULT '',
    public      BOOLEAN NOT NULL DEFAULT FALSE,
    disabled    BOOLEAN NOT NULL DEFAULT FALSE,
    metadata    TEXT    NOT NULL,
    created_at  INTEGER,
    updated_at  INTEGER,
    PRIMARY KEY (tenant, client_id)
);

-- One table for every TokenKind, so revoking a request, session or client
-- is one statement.
CREATE TABLE tokens (
    tenant           TEXT    NOT NULL,
    kind             TEXT    NOT NULL,
    signature        TEXT    NOT NULL,
    request_id       TEXT    NOT NULL DEFAULT '',
    client_id        TEXT    NOT NULL DEFAULT '',
    subject          TEXT    NOT NULL DEFAULT '',
    session_id       TEXT    NOT NULL DEFAULT '',
    grant_id         TEXT    NOT NULL DEFAULT '',
    active           BOOLEAN NOT NULL,
    access_signature TEXT    NOT NULL DEFAULT '',
    requested_at     INTEGER,
    expires_at       INTEGER,
    data             BLOB,
    PRIMARY KEY (tenant, kind, signature)
);
CREATE INDEX tokens_request ON tokens (tenant, request_id);
CREATE INDEX tokens_session ON tokens (tenant, session_id);
CREATE INDEX tokens_client ON tokens (tenant, client_id);
CREATE INDEX tokens_grant ON tokens (tenant, grant_id);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE sessions (
    id           TEXT NOT NULL PRIMARY KEY,
    tenant       TEXT NOT NULL,
    subject      TEXT NOT NULL DEFAULT '',
    auth_time    INTEGER,
    acr          TEXT NOT NULL DEFAULT '',
    amr          TEXT NOT NULL DEFAULT 'null',
    user_agent   TEXT NOT NULL DEFAULT '',
    clients      TEXT NOT NULL DEFAULT 'null',
    vals         BLOB,
    created_at   INTEGER,
    last_seen_at INTEGER,
    expires_at   INTEGER,
    ended_at     INTEGER
);
CREATE INDEX sessions_subject ON sessions (tenant, subject);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE signing_keys (
    tenant         TEXT NOT NULL,
    kid            TEXT NOT NULL,
    alg            TEXT NOT NULL,
    private_sealed BLOB,
    public_jwk     BLOB,
    created_at     INTEGER,
    activates_at   INTEGER,
    retires_at     INTEGER,
    unpublish_at   INTEGER,
    PRIMARY KEY (tenant, kid)
);

CREATE TABLE tenant_secrets (
    tenant     TEXT NOT NULL,
    name       TEXT NOT NULL,
    sealed     BLOB,
    created_at INTEGER,
    PRIMARY KEY (tenant, name)
);

-- Append-only usage log. AUTOINCREMENT keeps ids increasing even after
-- the newest rows are deleted, so keyset pagination never repeats an id.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant      TEXT NOT NULL,
    occurred_at INTEGER,
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    client_id   TEXT NOT NULL DEFAULT '',
    session_id  TEXT NOT NULL DEFAULT '',
    grant_id    TEXT NOT NULL DEFAULT '',
    detail      TEXT
);
CREATE INDEX events_actor ON events (tenant, actor);
CREATE INDEX events_subject ON events (tenant, subject);
CREATE INDEX events_time ON events (occurred_at);

CREATE TABLE flows (
    id         TEXT NOT NULL PRIMARY KEY,
    tenant     TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    data       BLOB,
    created_at INTEGER,
    expires_at INTEGER
);
CREATE INDEX flows_expires ON flows (expires_at);

CREATE TABLE persons (
    pid                  TEXT    NOT NULL PRIMARY KEY,
    given_name           TEXT    NOT NULL DEFAULT '',
    family_name          TEXT    NOT NULL DEFAULT '',
    birth_date           INTEGER,
    confidential_address BOOLEAN NOT NULL DEFAULT FALSE,
    lacks_capacity       BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at           INTEGER
);
