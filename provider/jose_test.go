package provider

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"
	"time"

	josev4 "github.com/go-jose/go-jose/v4"
	"github.com/ory/fosite/token/jwt"
)

// oneKey is a signingKeys with one RSA key published for RS256.
type oneKey struct {
	kid string
	key *rsa.PrivateKey
}

func (o oneKey) SigningKeyFor(context.Context, string, string) (string, crypto.Signer, error) {
	return o.kid, o.key, nil
}

func (o oneKey) PublicKey(_ context.Context, _, kid string) (josev4.JSONWebKey, error) {
	if kid != o.kid {
		return josev4.JSONWebKey{}, errors.New("unknown kid")
	}
	return josev4.JSONWebKey{Key: o.key.Public(), KeyID: o.kid, Algorithm: "RS256", Use: "sig"}, nil
}

func (o oneKey) JWKS(context.Context, string) (josev4.JSONWebKeySet, error) {
	return josev4.JSONWebKeySet{}, nil
}

// TestDecodeChecksKIDAndAlg: a token verifies only under a published kid
// and with the alg that key was published for (RFC 8725 §3.1).
func TestDecodeChecksKIDAndAlg(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := &joseSigner{tenant: "main", keys: oneKey{kid: "k1", key: k}}
	claims := jwt.MapClaims{"iss": "https://op.example/main", "sub": "x", "exp": time.Now().Add(time.Minute).Unix()}
	for _, tc := range []struct {
		name, kid, alg string
		ok             bool
	}{
		{"published kid and alg", "k1", "RS256", true},
		{"same key, other alg", "k1", "PS256", false},
		{"unknown kid", "k2", "RS256", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := signJWT(k, tc.kid, tc.alg, claims, nil)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := s.Decode(t.Context(), raw)
			if tc.ok && (err != nil || tok.Claims["sub"] != "x") {
				t.Fatalf("Decode: %v, claims %v", err, tok)
			}
			if !tc.ok && err == nil {
				t.Fatal("Decode accepted the token")
			}
		})
	}
}
