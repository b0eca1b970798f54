package sqlstore

import (
	"context"

	"github.com/oidcp/oidcp/storage"
)

// PutSecretIfAbsent stores sec unless (tenant, name) exists, then returns
// what is stored. INSERT ... ON CONFLICT DO NOTHING waits for a concurrent
// inserter to finish, so the SELECT after it sees the winner's value and
// racing nodes agree on one secret.
func (s *Store) PutSecretIfAbsent(ctx context.Context, sec storage.TenantSecret) (storage.TenantSecret, error) {
	_, err := s.exec(ctx, `INSERT INTO tenant_secrets (tenant, name, sealed, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant, name) DO NOTHING`, sec.Tenant, sec.Name, blob(sec.Sealed), s.tm(sec.CreatedAt))
	if err != nil {
		return storage.TenantSecret{}, s.wrap("put secret", err)
	}
	out, err := s.getSecret(ctx, sec.Tenant, sec.Name)
	return out, s.wrap("put secret", err)
}

// GetSecret returns the stored secret (tenant, name), or ErrNotFound.
func (s *Store) GetSecret(ctx context.Context, tenant, name string) (storage.TenantSecret, error) {
	out, err := s.getSecret(ctx, tenant, name)
	return out, s.wrap("get secret", err)
}

func (s *Store) getSecret(ctx context.Context, tenant, name string) (storage.TenantSecret, error) {
	var out storage.TenantSecret
	err := s.queryRow(ctx, `SELECT tenant, name, sealed, created_at FROM tenant_secrets WHERE tenant = $1 AND name = $2`,
		tenant, name).Scan(&out.Tenant, &out.Name, &out.Sealed, timeCol{&out.CreatedAt})
	return out, err
}
