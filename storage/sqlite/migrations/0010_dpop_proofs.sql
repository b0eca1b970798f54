-- The jti of every DPoP proof accepted (RFC 9449 §11.1), shared by every
-- node so a proof is used once across the cluster. A row lives as long
-- as its proof could still be accepted (its iat window); the janitor
-- removes it after that.
CREATE TABLE dpop_proofs (
    tenant     TEXT    NOT NULL,
    jkt        TEXT    NOT NULL,
    jti        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, jkt, jti)
);
CREATE INDEX dpop_proofs_expires ON dpop_proofs (expires_at);
