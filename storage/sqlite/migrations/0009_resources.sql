-- Protected resources that token exchange (RFC 8693) may target, each
-- with its inbound access policy (allowed clients, accepted scopes) as
-- JSON: the policy is read whole, never queried by its parts.
CREATE TABLE resources (
    tenant     TEXT    NOT NULL,
    audience   TEXT    NOT NULL,
    policy     TEXT    NOT NULL,
    created_at INTEGER,
    updated_at INTEGER,
    PRIMARY KEY (tenant, audience)
);
