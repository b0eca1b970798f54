package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/oidcp/oidcp/idportenmock"
	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/storage"
)

// mockState is what every node's ID-porten mock must share to act as
// one OP behind a load balancer: its pending logins and one-time-use
// markers, its signing key and its pairwise salt (which also keys its
// self-contained codes and tokens). The zero value keeps each in
// the process (tests of one mock).
type mockState struct {
	Store idportenmock.Store
	Key   *rsa.PrivateKey
	Salt  []byte
}

// mockSecretTenant names the mock's records among the tenant secrets, as
// among the flows; no tenant may be called that (reservedTenants).
const mockSecretTenant = idportenmock.Tenant

// sharedMockState puts the mock's state in the database every node
// uses: its records as flows, its salt as a tenant secret, and its RSA
// key sealed under a tenant secret (itself sealed under the KEK), so
// both nodes publish the same JWKS and sign with the same key. The first
// node to store the key wins; the others read it.
func sharedMockState(ctx context.Context, store storage.Storage, km *keys.Manager) (mockState, error) {
	salt, err := km.Secret(ctx, mockSecretTenant, "pairwise-salt")
	if err != nil {
		return mockState{}, fmt.Errorf("idporten mock salt: %w", err)
	}
	sealKey, err := km.Secret(ctx, mockSecretTenant, "signing-key-seal")
	if err != nil {
		return mockState{}, fmt.Errorf("idporten mock key: %w", err)
	}
	aad := []byte("oidcp/idporten-mock/signing-key/v1")
	stored, err := store.GetSecret(ctx, mockSecretTenant, "signing-key")
	if errors.Is(err, storage.ErrNotFound) {
		// Only the first start makes a key: RSA generation takes a
		// noticeable while, and a stored key is the one to use anyway.
		stored, err = storeMockKey(ctx, store, sealKey, aad)
	}
	if err != nil {
		return mockState{}, fmt.Errorf("idporten mock key: %w", err)
	}
	der, err := keys.Open(sealKey, stored.Sealed, aad)
	if err != nil {
		return mockState{}, fmt.Errorf("idporten mock key: %w", err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return mockState{}, fmt.Errorf("idporten mock key: %w", err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return mockState{}, errors.New("idporten mock key: the stored key is not RSA")
	}
	return mockState{Store: idportenmock.NewFlowStore(store), Key: key, Salt: salt}, nil
}

// storeMockKey makes the mock's RSA key and stores it sealed, unless
// another node stored one meanwhile; it returns the stored one.
func storeMockKey(ctx context.Context, store storage.Storage, sealKey, aad []byte) (storage.TenantSecret, error) {
	fresh, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return storage.TenantSecret{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(fresh)
	if err != nil {
		return storage.TenantSecret{}, err
	}
	sealed, err := keys.Seal(sealKey, der, aad)
	if err != nil {
		return storage.TenantSecret{}, err
	}
	return store.PutSecretIfAbsent(ctx, storage.TenantSecret{Tenant: mockSecretTenant, Name: "signing-key", Sealed: sealed, CreatedAt: time.Now()})
}
