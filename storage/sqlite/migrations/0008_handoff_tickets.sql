-- One-time tickets of the portal's hand-off to a tool (package handoff),
-- stored as the SHA-256 of the ticket with what it is bound to.
CREATE TABLE handoff_tickets (
    token_hash       TEXT        NOT NULL,
    tenant           TEXT        NOT NULL,
    portal_client_id TEXT        NOT NULL,
    target_client_id TEXT        NOT NULL,
    target_link_uri  TEXT        NOT NULL,
    session_chain    TEXT        NOT NULL,
    holder           TEXT        NOT NULL,
    acting_for       TEXT        NOT NULL DEFAULT '',
    relation         TEXT        NOT NULL DEFAULT '',
    created_at       INTEGER,
    expires_at       INTEGER,
    PRIMARY KEY (tenant, token_hash)
);
CREATE INDEX handoff_tickets_expires ON handoff_tickets (expires_at);
