package keys

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/oidcp/oidcp/storage"
)

// forcedReloadGap limits reloads forced by a cache miss (an unknown kid in
// a token someone sent us) to one per tenant per second, so junk kids
// cannot turn into one database read each.
const forcedReloadGap = time.Second

// keySet is one tenant's cached key rows and the private keys opened so
// far. Opened keys survive reloads while their kid is still listed:
// sealed keys never change, so each is decrypted once per process.
type keySet struct {
	keys     []storage.Key
	loadedAt time.Time
	forcedAt time.Time
	opened   map[string]*openKey // by kid
}

// openKey is a decrypted key and its public JWK.
type openKey struct {
	signer crypto.Signer
	public jose.JSONWebKey
}

// keys returns the tenant's key rows, from cache when younger than
// CacheTTL. With force, a cached set is reloaded unless it was force-
// reloaded within forcedReloadGap. An empty set is never cached: a tenant
// without keys is being set up, maybe by another node right now.
func (m *Manager) keys(ctx context.Context, tenant string, force bool) ([]storage.Key, error) {
	now := m.opts.Now()
	m.mu.Lock()
	set := m.sets[tenant]
	if set != nil && len(set.keys) > 0 {
		fresh := now.Sub(set.loadedAt) < m.opts.CacheTTL && !now.Before(set.loadedAt)
		if fresh && !force {
			m.mu.Unlock()
			return set.keys, nil
		}
		if force && !set.forcedAt.IsZero() && now.Sub(set.forcedAt) < forcedReloadGap && !now.Before(set.forcedAt) {
			m.mu.Unlock()
			return set.keys, nil
		}
	}
	m.mu.Unlock()

	// Two goroutines may both reload; the second write wins and both
	// results are valid snapshots, so no single-flight is needed.
	rows, err := m.store.ListKeys(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("keys: list keys of tenant %q: %w", tenant, err)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	next := &keySet{keys: rows, loadedAt: now, opened: map[string]*openKey{}}
	if force {
		next.forcedAt = now
	}
	if old := m.sets[tenant]; old != nil {
		for _, k := range rows {
			if ok := old.opened[k.KID]; ok != nil {
				next.opened[k.KID] = ok
			}
		}
	}
	m.sets[tenant] = next
	return rows, nil
}

// invalidate makes the tenant's cached rows stale after this node changed
// them, so the next read reloads (opened keys are kept).
func (m *Manager) invalidate(tenant string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if set := m.sets[tenant]; set != nil {
		set.loadedAt = time.Time{}
		set.forcedAt = time.Time{}
	}
}

// open returns the decrypted key of row k, opening it on first use.
func (m *Manager) open(k storage.Key) (*openKey, error) {
	m.mu.Lock()
	set := m.sets[k.Tenant]
	if set != nil {
		if ok := set.opened[k.KID]; ok != nil {
			m.mu.Unlock()
			return ok, nil
		}
	}
	m.mu.Unlock()

	ok, err := m.openRow(k)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if set := m.sets[k.Tenant]; set != nil {
		set.opened[k.KID] = ok
	}
	return ok, nil
}

// openRow decrypts a row and checks that everything stored beside the
// sealed key agrees with it. The AAD already binds tenant, kid and alg;
// the checks catch a row whose public JWK was replaced, which would
// otherwise publish a key we do not hold.
func (m *Manager) openRow(k storage.Key) (*openKey, error) {
	der, err := Open(m.kek, k.PrivateSealed, keyAAD(k.Tenant, k.KID, k.Alg))
	if err != nil {
		return nil, fmt.Errorf("keys: key %s of tenant %q: %w", k.KID, k.Tenant, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: parse: %w", k.KID, err)
	}
	signer, ok := parsed.(crypto.Signer)
	if !ok || !keyFitsAlg(signer, k.Alg) {
		return nil, fmt.Errorf("keys: key %s: %T is not a %s key", k.KID, parsed, k.Alg)
	}
	kid, err := thumbprintKID(signer.Public())
	if err != nil {
		return nil, err
	}
	if kid != k.KID {
		return nil, fmt.Errorf("keys: key %s: kid is not the key's thumbprint", k.KID)
	}
	pub := publicJWK(signer.Public(), k.KID, k.Alg)
	want, err := json.Marshal(pub)
	if err != nil {
		return nil, fmt.Errorf("keys: key %s: marshal JWK: %w", k.KID, err)
	}
	if !jsonEqual(want, k.PublicJWK) {
		return nil, fmt.Errorf("keys: key %s: stored public JWK does not match the sealed private key", k.KID)
	}
	return &openKey{signer: signer, public: pub}, nil
}

func keyFitsAlg(s crypto.Signer, alg string) bool {
	switch key := s.(type) {
	case *rsa.PrivateKey:
		return alg == RS256 || alg == PS256
	case *ecdsa.PrivateKey:
		return alg == ES256 && key.Curve == elliptic.P256()
	}
	return false
}

// jsonEqual compares two JSON documents by value, so a backend that
// re-encodes JSON (PostgreSQL jsonb reorders keys) still matches.
func jsonEqual(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var va, vb map[string]any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ca, _ := json.Marshal(va) // map keys marshal sorted
	cb, _ := json.Marshal(vb)
	return bytes.Equal(ca, cb)
}
