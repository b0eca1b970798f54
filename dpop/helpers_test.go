package dpop

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/storage"
)

// memReplay is the storage contract's RecordDPoPProof in memory.
type memReplay struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (m *memReplay) RecordDPoPProof(_ context.Context, p storage.DPoPProof) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = map[string]time.Time{}
	}
	k := p.Tenant + "\x00" + p.JKT + "\x00" + p.JTI
	if _, ok := m.seen[k]; ok {
		return storage.ErrConflict
	}
	m.seen[k] = p.ExpiresAt
	return nil
}

var testNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const testURL = "https://op.example/main/token"

func newTestVerifier(t *testing.T, edit func(*Options)) *Verifier {
	t.Helper()
	o := Options{Tenant: "main", Replay: &memReplay{}, Now: func() time.Time { return testNow }}
	if edit != nil {
		edit(&o)
	}
	v, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var (
	ecKey, _    = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecKey2, _   = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _   = rsa.GenerateKey(rand.Reader, 2048)
	_, edKey, _ = ed25519.GenerateKey(rand.Reader)
)

// publicJWK is key's public JWK as a JSON object.
func publicJWK(t *testing.T, key crypto.Signer) map[string]any {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: key.Public()})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func jkt(t *testing.T, key crypto.Signer) string {
	t.Helper()
	b, _ := json.Marshal(publicJWK(t, key))
	s, err := Thumbprint(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claims are a valid token-request proof's claims at testNow.
func claims() map[string]any {
	return map[string]any{"jti": rand.Text(), "htm": "POST", "htu": testURL, "iat": testNow.Unix()}
}

// proof builds a compact JWS by hand, so a test can make any header and
// any signature, valid or not. key is a crypto.Signer, or []byte for HS256.
func proof(t *testing.T, alg string, key any, header, cl map[string]any) string {
	t.Helper()
	h := map[string]any{"typ": "dpop+jwt", "alg": alg}
	if s, ok := key.(crypto.Signer); ok {
		h["jwk"] = publicJWK(t, s)
	}
	for k, v := range header {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	hb, _ := json.Marshal(h)
	return proofRaw(t, alg, key, hb, cl)
}

// proofRaw signs the header given as bytes, for headers a map cannot
// make (member order, duplicates).
func proofRaw(t *testing.T, alg string, key any, header []byte, cl map[string]any) string {
	t.Helper()
	cb, _ := json.Marshal(cl)
	input := b64(header) + "." + b64(cb)
	return input + "." + b64(signBytes(t, alg, key, []byte(input)))
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func signBytes(t *testing.T, alg string, key any, in []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(in)
	switch alg {
	case "none":
		return nil
	case "HS256":
		m := hmac.New(sha256.New, key.([]byte))
		m.Write(in)
		return m.Sum(nil)
	case "ES256":
		r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), sum[:])
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	case "RS256":
		sig, err := rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	case "PS256":
		sig, err := rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	case "EdDSA":
		return ed25519.Sign(key.(ed25519.PrivateKey), in)
	}
	t.Fatalf("no signer for %s", alg)
	return nil
}
