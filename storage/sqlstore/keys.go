package sqlstore

import (
	"context"
	"fmt"

	"github.com/oidcp/oidcp/storage"
)

const keyCols = `tenant, kid, alg, private_sealed, public_jwk, created_at, activates_at, retires_at, unpublish_at`

func (s *Store) keyArgs(k storage.Key) []any {
	return []any{k.Tenant, k.KID, k.Alg, blob(k.PrivateSealed), blob(k.PublicJWK), s.tm(k.CreatedAt),
		s.tm(k.ActivatesAt), s.tm(k.RetiresAt), s.tm(k.UnpublishAt)}
}

func scanKey(sc interface{ Scan(...any) error }) (storage.Key, error) {
	var k storage.Key
	err := sc.Scan(&k.Tenant, &k.KID, &k.Alg, &k.PrivateSealed, &k.PublicJWK, timeCol{&k.CreatedAt},
		timeCol{&k.ActivatesAt}, timeCol{&k.RetiresAt}, timeCol{&k.UnpublishAt})
	return k, err
}

// CreateKey stores a sealed signing key; ErrConflict if the kid exists in the tenant.
func (s *Store) CreateKey(ctx context.Context, k storage.Key) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, s.keyArgs(k)...)
	return s.wrap("create key", err)
}

// ListKeys returns a tenant's keys, oldest first.
func (s *Store) ListKeys(ctx context.Context, tenant string) ([]storage.Key, error) {
	ks, err := queryAll(ctx, s, scanKey, `SELECT `+keyCols+` FROM signing_keys WHERE tenant = $1 ORDER BY created_at, kid`, tenant)
	return ks, s.wrap("list keys", err)
}

// UpdateKey reads the key, applies fn and writes the result in one
// transaction. An error from fn aborts the update and is returned as is.
func (s *Store) UpdateKey(ctx context.Context, tenant, kid string, fn func(storage.Key) (storage.Key, error)) error {
	return s.inTx(ctx, func(ctx context.Context) error {
		old, err := scanKey(s.queryRow(ctx, `SELECT `+keyCols+` FROM signing_keys WHERE tenant = $1 AND kid = $2`+s.d.ForUpdate,
			tenant, kid))
		if err != nil {
			return s.wrap("update key", err)
		}
		k, err := fn(old)
		if err != nil {
			return err
		}
		if k.Tenant != tenant || k.KID != kid {
			return fmt.Errorf("update key: %w", errKeyChanged)
		}
		_, err = s.exec(ctx, `UPDATE signing_keys SET alg = $3, private_sealed = $4, public_jwk = $5, created_at = $6,
			activates_at = $7, retires_at = $8, unpublish_at = $9 WHERE tenant = $1 AND kid = $2`, s.keyArgs(k)...)
		return s.wrap("update key", err)
	})
}
