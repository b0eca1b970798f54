package provider

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v3"

	"github.com/oidcp/oidcp/storage"
)

// TestTokenEndpointAuthSigningAlgorithm: the registered key decides which
// alg a private_key_jwt assertion must use.
func TestTokenEndpointAuthSigningAlgorithm(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ec := func(c elliptic.Curve) crypto.PublicKey {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k.Public()
	}
	p256 := ec(elliptic.P256())
	for _, tc := range []struct {
		name    string
		keys    []jose.JSONWebKey
		jwksURI string
		want    string
	}{
		{"rsa without alg", []jose.JSONWebKey{{Key: rsaKey.Public()}}, "", "RS256"},
		{"rsa with alg PS256", []jose.JSONWebKey{{Key: rsaKey.Public(), Algorithm: "PS256", Use: "sig"}}, "", "PS256"},
		{"ec P-256", []jose.JSONWebKey{{Key: p256}}, "", "ES256"},
		{"ec P-384", []jose.JSONWebKey{{Key: ec(elliptic.P384())}}, "", "ES384"},
		{"ec P-521", []jose.JSONWebKey{{Key: ec(elliptic.P521())}}, "", "ES512"},
		{"encryption key skipped", []jose.JSONWebKey{{Key: rsaKey.Public(), Use: "enc"}, {Key: p256}}, "", "ES256"},
		{"first signing key wins", []jose.JSONWebKey{{Key: p256}, {Key: rsaKey.Public()}}, "", "ES256"},
		{"jwks_uri", nil, "https://client.example/jwks", "RS256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := storage.Client{TokenEndpointAuthMethod: "private_key_jwt", JWKSURI: tc.jwksURI}
			if tc.keys != nil {
				raw, err := json.Marshal(jose.JSONWebKeySet{Keys: tc.keys})
				if err != nil {
					t.Fatal(err)
				}
				c.JWKS = raw
			}
			f := &fositeClient{c: c}
			if got := f.GetTokenEndpointAuthSigningAlgorithm(); got != tc.want {
				t.Errorf("alg = %q, want %q", got, tc.want)
			}
			// fosite only looks at keys marked for signing.
			if set := f.GetJSONWebKeys(); set != nil {
				for i, k := range set.Keys {
					if want := tc.keys[i].Use; k.Use != want && (want != "" || k.Use != "sig") {
						t.Errorf("key %d: use %q, registered %q", i, k.Use, want)
					}
				}
			}
		})
	}
}
