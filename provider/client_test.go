package provider

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/go-jose/go-jose/v3"

	"github.com/oidcp/oidcp/outbound"
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

// TestJWKSFetchBounded: a client's jwks_uri is fetched with a size limit;
// a normal set resolves, an oversized one fails instead of being read
// into memory.
func TestJWKSFetchBounded(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "k1", Algorithm: "RS256"}}})
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, _ *http.Request) { w.Write(set) })
	mux.HandleFunc("/huge", func(w http.ResponseWriter, _ *http.Request) {
		// Valid JSON that never ends within the limit.
		w.Write([]byte(`{"keys":[` + string(set[9:len(set)-2])))
		pad := bytes.Repeat([]byte(` `), 64<<10)
		for range 8 {
			w.Write(pad)
		}
		w.Write([]byte(`]}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	f := newJWKSFetcher(withDefaults(Config{DevMode: true}).HTTPClient)
	got, err := f.Resolve(t.Context(), srv.URL+"/small", true)
	if err != nil || len(got.Keys) != 1 || got.Keys[0].Use != "sig" {
		t.Fatalf("small set: %v %+v", err, got)
	}
	if _, err := f.Resolve(t.Context(), srv.URL+"/huge", true); err == nil {
		t.Fatal("a JWK Set over the size limit was accepted")
	}
}

// TestJWKSURIPointingAtLoopbackRefused: outside dev mode the provider
// fetches a client's jwks_uri through the outbound client, which refuses
// a loopback address before connecting (SSRF); the same URL in dev mode
// is fetched.
func TestJWKSURIPointingAtLoopbackRefused(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "k1", Algorithm: "RS256"}}})
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Write(set)
	}))
	defer srv.Close()

	f := newJWKSFetcher(withDefaults(Config{}).HTTPClient)
	_, err = f.Resolve(t.Context(), srv.URL+"/jwks", true)
	if !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("jwks_uri on 127.0.0.1 outside dev mode: %v, want a refusal", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback jwks_uri was fetched %d times", n)
	}

	dev := newJWKSFetcher(withDefaults(Config{DevMode: true}).HTTPClient)
	if got, err := dev.Resolve(t.Context(), srv.URL+"/jwks", true); err != nil || len(got.Keys) != 1 {
		t.Errorf("dev mode: %v %+v", err, got)
	}
}
