package keys

import (
	"context"
	"crypto/rsa"
	"fmt"
	"slices"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	testLead = 10 * time.Minute
	testMax  = time.Hour
	testTTL  = 30 * time.Second
)

func newTestManager(st Store, c *clock, algs ...string) *Manager {
	return New(st, testKEK(7), Options{
		Now:               c.Now,
		Algs:              algs,
		PublishLead:       testLead,
		MaxSignedLifetime: testMax,
		CacheTTL:          testTTL,
	})
}

// signJWT signs claims with sk the way the provider does (go-jose v4,
// kid header).
func signJWT(t testing.TB, sk *SigningKey, claims any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", sk.KID)
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(sk.Alg), Key: sk.Key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// verifyWithJWKS verifies token as a relying party would: only alg is
// accepted, the key is found by kid in set and must declare that alg.
func verifyWithJWKS(token string, set jose.JSONWebKeySet, alg string) (jwt.Claims, error) {
	var c jwt.Claims
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return c, err
	}
	kid := tok.Headers[0].KeyID
	ks := set.Key(kid)
	if len(ks) != 1 {
		return c, fmt.Errorf("kid %q: %d keys in JWKS", kid, len(ks))
	}
	if ks[0].Algorithm != alg || ks[0].Use != "sig" || !ks[0].IsPublic() {
		return c, fmt.Errorf("kid %q: JWK alg=%q use=%q public=%v", kid, ks[0].Algorithm, ks[0].Use, ks[0].IsPublic())
	}
	if err := tok.Claims(ks[0], &c); err != nil {
		return c, err
	}
	return c, nil
}

func jwksKIDs(t testing.TB, m *Manager, tenant string) []string {
	t.Helper()
	set, err := m.JWKS(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	slices.Sort(kids)
	return kids
}

func signerKID(t testing.TB, m *Manager, tenant, alg string) string {
	t.Helper()
	sk, err := m.Signer(context.Background(), tenant, alg)
	if err != nil {
		t.Fatal(err)
	}
	return sk.KID
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func rsaBits(sk *SigningKey) int {
	k, ok := sk.Key.(*rsa.PrivateKey)
	if !ok {
		return 0
	}
	return k.N.BitLen()
}
