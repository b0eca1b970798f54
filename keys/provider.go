package keys

import (
	"context"
	"crypto"

	jose "github.com/go-jose/go-jose/v4"
)

// The methods below are the shape provider.KeyManager asks for; they are
// thin views of Signer, PublicKey and JWKS so the provider needs no keys
// types.

// SigningKeyFor returns the kid and signer of the tenant's active key for alg.
func (m *Manager) SigningKeyFor(ctx context.Context, tenant, alg string) (string, crypto.Signer, error) {
	sk, err := m.Signer(ctx, tenant, alg)
	if err != nil {
		return "", nil, err
	}
	return sk.KID, sk.Key, nil
}

// VerificationKey returns the public key of any published key by kid.
func (m *Manager) VerificationKey(ctx context.Context, tenant, kid string) (crypto.PublicKey, error) {
	jwk, err := m.PublicKey(ctx, tenant, kid)
	if err != nil {
		return nil, err
	}
	return jwk.Key, nil
}

// PublicJWKS is JWKS under the name the provider uses.
func (m *Manager) PublicJWKS(ctx context.Context, tenant string) (jose.JSONWebKeySet, error) {
	return m.JWKS(ctx, tenant)
}
