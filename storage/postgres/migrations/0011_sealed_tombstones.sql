-- The tombstones of sealed access tokens revoked on their own, which
-- every node reads as a set a few times a second (ListSealedTombstones).
-- The predicate is repeated in that query word for word.
CREATE INDEX tokens_sealed_tombstones ON tokens (tenant, expires_at)
    WHERE kind = 'access_token' AND signature LIKE 'sealed-revoked:%';
