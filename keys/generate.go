package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/oidcp/oidcp/storage"
)

// generateKey makes a fresh key pair for alg and seals it for tenant. Each
// alg gets its own key: RS256 and PS256 never share an RSA key, so a key is
// only ever used with one algorithm.
func (m *Manager) generateKey(tenant, alg string, now, activatesAt time.Time) (storage.Key, error) {
	priv, err := newPrivateKey(alg, m.opts.RSABits)
	if err != nil {
		return storage.Key{}, err
	}
	kid, err := thumbprintKID(priv.Public())
	if err != nil {
		return storage.Key{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return storage.Key{}, fmt.Errorf("keys: marshal %s key: %w", alg, err)
	}
	sealed, err := Seal(m.kek, der, keyAAD(tenant, kid, alg))
	if err != nil {
		return storage.Key{}, err
	}
	pub, err := json.Marshal(publicJWK(priv.Public(), kid, alg))
	if err != nil {
		return storage.Key{}, fmt.Errorf("keys: marshal %s JWK: %w", alg, err)
	}
	return storage.Key{
		Tenant:        tenant,
		KID:           kid,
		Alg:           alg,
		PrivateSealed: sealed,
		PublicJWK:     pub,
		CreatedAt:     now,
		ActivatesAt:   activatesAt,
	}, nil
}

func newPrivateKey(alg string, rsaBits int) (crypto.Signer, error) {
	switch alg {
	case RS256, PS256:
		k, err := rsa.GenerateKey(rand.Reader, rsaBits)
		if err != nil {
			return nil, fmt.Errorf("keys: generate %s key: %w", alg, err)
		}
		return k, nil
	case ES256:
		// RFC 7518 §3.4: ES256 is ECDSA on P-256 with SHA-256.
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("keys: generate %s key: %w", alg, err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("keys: alg %q: %w", alg, ErrUnsupportedAlg)
}

// thumbprintKID is the RFC 7638 SHA-256 thumbprint of the public key,
// base64url without padding: unique per key without any coordination
// between nodes, and checkable by anyone holding the public key.
func thumbprintKID(pub crypto.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("keys: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// publicJWK is the JWKS entry of a key (RFC 7517 §4: kid, alg, use=sig).
func publicJWK(pub crypto.PublicKey, kid, alg string) jose.JSONWebKey {
	return jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"}
}
