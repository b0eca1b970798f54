package conformance

import (
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

	jose "github.com/go-jose/go-jose/v4"
)

// keySet is an OP's public signing keys.
type keySet struct {
	Keys []jose.JSONWebKey
}

// byKid returns the keys that may have signed a JWS with header kid and alg.
func (k *keySet) candidates(kid, alg string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, key := range k.Keys {
		if key.Use == "enc" {
			continue
		}
		if kid != "" && key.KeyID != kid {
			continue
		}
		if key.Algorithm != "" && alg != "" && key.Algorithm != alg {
			continue
		}
		out = append(out, key)
	}
	return out
}

// keys returns the OP's JWKS, fetching it once per run.
func (e *env) keySet() (*keySet, error) {
	if e.keys != nil || e.keysErr != nil {
		return e.keys, e.keysErr
	}
	d, err := e.discovery()
	if err != nil {
		e.keysErr = err
		return nil, err
	}
	status, _, body, err := e.fetch(d.Str("jwks_uri"))
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("jwks_uri answered HTTP %d", status)
	}
	if err != nil {
		e.keysErr = err
		return nil, err
	}
	var ks jose.JSONWebKeySet
	if err := json.Unmarshal(body, &ks); err != nil {
		e.keysErr = fmt.Errorf("jwks: %w", err)
		return nil, e.keysErr
	}
	e.keys = &keySet{Keys: ks.Keys}
	return e.keys, nil
}

// validateJWKS checks a fetched JWK Set (RFC 7517 §5, OIDC Core §10.1) and
// returns the keys it could parse.
func validateJWKS(rec recorder, status int, contentType string, body []byte) *keySet {
	const ref = "RFC7517-5"
	if status != http.StatusOK {
		rec.Errorf(ref, "jwks_uri answered HTTP %d, want 200", status)
		return nil
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/json" && mt != "application/jwk-set+json" {
		rec.Warnf(ref, "jwks_uri Content-Type is %q, want application/json or application/jwk-set+json", contentType)
	}
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || raw.Keys == nil {
		rec.Errorf(ref, "jwks_uri did not return a JSON object with a keys array: %v", err)
		return nil
	}
	rec.OKf(ref, "JWKS has %d keys", len(raw.Keys))
	ks := &keySet{}
	kids := map[string]int{}
	rs256 := false
	for i, r := range raw.Keys {
		var k jose.JSONWebKey
		if err := json.Unmarshal(r, &k); err != nil {
			rec.Errorf(ref, "key %d does not parse as a JWK: %v", i, err)
			continue
		}
		if !k.Valid() {
			rec.Errorf(ref, "key %d (kid %q) is not a valid key", i, k.KeyID)
			continue
		}
		if !k.IsPublic() {
			rec.Errorf("RFC7517-5", "key %d (kid %q) contains private key material", i, k.KeyID)
			continue
		}
		if k.Use != "" && k.Use != "sig" && k.Use != "enc" {
			rec.Errorf("RFC7517-4.2", "key %d (kid %q) has use %q, want sig or enc", i, k.KeyID, k.Use)
		}
		if k.KeyID == "" && len(raw.Keys) > 1 {
			rec.Warnf("OIDC-Core-10.1", "key %d has no kid although the set holds several keys", i)
		}
		if k.KeyID != "" {
			kids[k.KeyID]++
		}
		if pk, ok := k.Key.(*rsa.PublicKey); ok {
			if pk.N.BitLen() < 2048 {
				rec.Errorf("RFC7518-3.3", "RSA key %q is %d bits, want at least 2048", k.KeyID, pk.N.BitLen())
			} else if k.Use != "enc" && (k.Algorithm == "" || k.Algorithm == "RS256") {
				rs256 = true
			}
		}
		ks.Keys = append(ks.Keys, k)
	}
	distinct := true
	for kid, n := range kids {
		if n > 1 {
			distinct = false
			rec.Errorf("RFC7517-4.5", "kid %q is used by %d keys", kid, n)
		}
	}
	if distinct {
		rec.OKf("RFC7517-4.5", "key ids are distinct")
	}
	rec.Check(rs256, "OIDC-Core-15.1", "JWKS holds an RSA signing key of at least 2048 bits usable for RS256")
	return ks
}
