package keys

import (
	"context"
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
