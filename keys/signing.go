package keys

import (
	"context"
	"crypto"
	"fmt"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/oidcp/oidcp/storage"
)

// SigningKey is the key that signs a tenant's tokens for one alg now.
type SigningKey struct {
	KID string
	Alg string
	// Key is an *rsa.PrivateKey or *ecdsa.PrivateKey, which go-jose v4's
	// NewSigner accepts directly.
	Key crypto.Signer
}

// Signer returns the tenant's active key for alg at Now: ActivatesAt <=
// now < RetiresAt (or no RetiresAt), the most recently activated if
// several. Decrypted keys are cached, so signing costs no decryption.
func (m *Manager) Signer(ctx context.Context, tenant, alg string) (*SigningKey, error) {
	if !supportedAlg(alg) {
		return nil, fmt.Errorf("keys: alg %q: %w", alg, ErrUnsupportedAlg)
	}
	k, err := m.findKey(ctx, tenant, func(rows []storage.Key) (storage.Key, bool) {
		return pick(rows, alg, StateActive, m.opts.Now())
	})
	if err != nil {
		return nil, err
	}
	if k.KID == "" {
		return nil, fmt.Errorf("keys: tenant %q, alg %s: %w", tenant, alg, ErrNoSigningKey)
	}
	ok, err := m.open(k)
	if err != nil {
		return nil, err
	}
	return &SigningKey{KID: k.KID, Alg: k.Alg, Key: ok.signer}, nil
}

// JWKS returns the tenant's published public keys (RFC 7517 §5): every key
// whose publication window contains now, including a scheduled next key
// and retired keys whose tokens may still be in use. Newest first.
func (m *Manager) JWKS(ctx context.Context, tenant string) (jose.JSONWebKeySet, error) {
	rows, err := m.keys(ctx, tenant, false)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	now := m.opts.Now()
	pub := make([]storage.Key, 0, len(rows))
	for _, k := range rows {
		if published(k, now) {
			pub = append(pub, k)
		}
	}
	slices.SortFunc(pub, newestFirst)
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(pub))}
	for _, k := range pub {
		// Derived from the sealed key, not the stored JWK: see doc.go.
		ok, err := m.open(k)
		if err != nil {
			return jose.JSONWebKeySet{}, err
		}
		set.Keys = append(set.Keys, ok.public)
	}
	return set, nil
}

// PublicKey returns the published public key with that kid, for verifying
// the tenant's own tokens (id_token_hint, logout tokens) signed by any key
// still in the JWKS. The JWK's Algorithm is the only alg to accept for it.
func (m *Manager) PublicKey(ctx context.Context, tenant, kid string) (jose.JSONWebKey, error) {
	k, err := m.findKey(ctx, tenant, func(rows []storage.Key) (storage.Key, bool) {
		now := m.opts.Now()
		for _, k := range rows {
			if k.KID == kid && published(k, now) {
				return k, true
			}
		}
		return storage.Key{}, false
	})
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	if k.KID == "" {
		return jose.JSONWebKey{}, fmt.Errorf("keys: tenant %q, kid %q: %w", tenant, kid, ErrUnknownKID)
	}
	ok, err := m.open(k)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	return ok.public, nil
}

// findKey runs find on the cached rows and, on a miss, once more on rows
// reloaded from the store: another node may have created the key within
// the cache TTL (EnsureKeys keys sign at once). A zero Key means not found.
func (m *Manager) findKey(ctx context.Context, tenant string, find func([]storage.Key) (storage.Key, bool)) (storage.Key, error) {
	rows, err := m.keys(ctx, tenant, false)
	if err != nil {
		return storage.Key{}, err
	}
	if k, ok := find(rows); ok {
		return k, nil
	}
	rows, err = m.keys(ctx, tenant, true)
	if err != nil {
		return storage.Key{}, err
	}
	k, _ := find(rows)
	return k, nil
}
