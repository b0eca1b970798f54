package keys

import (
	"context"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
)

func benchmarkSign(b *testing.B, alg string) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c, alg)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		b.Fatal(err)
	}
	now := c.Now()
	claims := jwt.Claims{
		Issuer:   "https://op.example/main",
		Subject:  "pairwise-subject",
		Audience: jwt.Audience{"client-1"},
		IssuedAt: jwt.NewNumericDate(now),
		Expiry:   jwt.NewNumericDate(now.Add(time.Hour)),
	}
	b.ReportAllocs()
	for b.Loop() {
		sk, err := m.Signer(ctx, "main", alg)
		if err != nil {
			b.Fatal(err)
		}
		_ = signJWT(b, sk, claims)
	}
}

// BenchmarkSignRS256 measures Signer lookup plus one RS256 JWT signature.
func BenchmarkSignRS256(b *testing.B) { benchmarkSign(b, RS256) }

// BenchmarkSignES256 measures Signer lookup plus one ES256 JWT signature.
func BenchmarkSignES256(b *testing.B) { benchmarkSign(b, ES256) }

// TestRSASignerIsPrecomputed: an RS256 signature costs one private-key
// operation with the CRT values (dP, dQ, qInv) computed when the key was
// opened, and the opened key is kept, so no signature pays for parsing,
// unsealing or precomputation again. (x509.ParsePKCS8PrivateKey runs
// Precompute; go-jose signs with the *rsa.PrivateKey as given.)
func TestRSASignerIsPrecomputed(t *testing.T) {
	ctx := context.Background()
	m := newTestManager(newMemStore(), newClock(), RS256)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	a, err := m.Signer(ctx, "main", RS256)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Signer(ctx, "main", RS256)
	if err != nil {
		t.Fatal(err)
	}
	k, ok := a.Key.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("RS256 key is %T", a.Key)
	}
	if k.Precomputed.Dp == nil || k.Precomputed.Dq == nil || k.Precomputed.Qinv == nil {
		t.Error("the opened RSA key has no CRT values: every signature would compute them")
	}
	if a.Key != b.Key {
		t.Error("each Signer call opened the key again")
	}
}
