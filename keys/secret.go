package keys

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"

	"github.com/oidcp/oidcp/storage"
)

// SecretSize is the length in bytes of a tenant secret.
const SecretSize = 32

// Secret returns the tenant's secret with that name (HMAC key for opaque
// tokens, pairwise salt, cookie keys), creating it on first use. Every
// node gets the same bytes: the first node to store it wins and the rest
// read the winner's (PutSecretIfAbsent). The secret is sealed under the
// KEK with its tenant and name as additional data, so a sealed secret
// copied to another tenant or name does not open. Secrets never change, so
// each is read and decrypted once per process. The caller must not modify
// the returned slice.
func (m *Manager) Secret(ctx context.Context, tenant, name string) ([]byte, error) {
	id := tenant + "\x00" + name
	m.mu.Lock()
	s, ok := m.secrets[id]
	m.mu.Unlock()
	if ok {
		return s, nil
	}

	fresh := make([]byte, SecretSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("keys: secret: %w", err)
	}
	aad := secretAAD(tenant, name)
	sealed, err := Seal(m.kek, fresh, aad)
	if err != nil {
		return nil, err
	}
	stored, err := m.store.PutSecretIfAbsent(ctx, storage.TenantSecret{
		Tenant: tenant, Name: name, Sealed: sealed, CreatedAt: m.opts.Now(),
	})
	if err != nil {
		return nil, fmt.Errorf("keys: store secret %q of tenant %q: %w", name, tenant, err)
	}
	s, err = Open(m.kek, stored.Sealed, aad)
	if err != nil {
		return nil, fmt.Errorf("keys: secret %q of tenant %q: %w", name, tenant, err)
	}
	if len(s) != SecretSize {
		return nil, fmt.Errorf("keys: secret %q of tenant %q is %d bytes, want %d", name, tenant, len(s), SecretSize)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.secrets[id]; ok {
		return cur, nil
	}
	m.secrets[id] = slices.Clip(s)
	return s, nil
}
