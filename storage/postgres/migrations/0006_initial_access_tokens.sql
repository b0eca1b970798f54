-- Initial access tokens of self-service registration (RFC 7591 §3): one
-- per vendor and tenant, stored as the SHA-256 of the token.
CREATE TABLE initial_access_tokens (
    tenant     TEXT        NOT NULL,
    vendor     TEXT        NOT NULL,
    token_hash TEXT        NOT NULL,
    created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    PRIMARY KEY (tenant, vendor)
);
CREATE UNIQUE INDEX initial_access_tokens_hash ON initial_access_tokens (tenant, token_hash);
