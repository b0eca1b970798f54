package keys

import (
	"context"
	"crypto"
)

// SigningKeyFor is Signer in the shape provider.KeyManager asks for, so
// the provider needs no keys types: the kid and signer of the tenant's
// active key for alg. (JWKS and PublicKey it uses as they are.)
func (m *Manager) SigningKeyFor(ctx context.Context, tenant, alg string) (string, crypto.Signer, error) {
	sk, err := m.Signer(ctx, tenant, alg)
	if err != nil {
		return "", nil, err
	}
	return sk.KID, sk.Key, nil
}
