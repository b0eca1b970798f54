package keys

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/oidcp/oidcp/storage"
)

func TestSignersPerAlg(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	set, err := m.JWKS(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		alg     string
		isRSA   bool
		wrongAs jose.SignatureAlgorithm // a verifier expecting this alg must reject
	}{
		{RS256, true, jose.PS256},
		{PS256, true, jose.RS256},
		{ES256, false, jose.RS256},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			sk, err := m.Signer(ctx, "main", tt.alg)
			if err != nil {
				t.Fatal(err)
			}
			switch k := sk.Key.(type) {
			case *rsa.PrivateKey:
				if !tt.isRSA || k.N.BitLen() != DefaultRSABits {
					t.Fatalf("RSA key of %d bits for %s", k.N.BitLen(), tt.alg)
				}
			case *ecdsa.PrivateKey:
				if tt.isRSA || k.Curve.Params().Name != "P-256" {
					t.Fatalf("EC key %s for %s", k.Curve.Params().Name, tt.alg)
				}
			default:
				t.Fatalf("key type %T", sk.Key)
			}
			tok := signJWT(t, sk, jwt.Claims{Subject: "pairwise-sub", Issuer: "https://op.example/main"})
			parsed, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(tt.alg)})
			if err != nil {
				t.Fatal(err)
			}
			if h := parsed.Signatures[0].Header; h.Algorithm != tt.alg || h.KeyID != sk.KID {
				t.Fatalf("header alg=%s kid=%s, want %s %s", h.Algorithm, h.KeyID, tt.alg, sk.KID)
			}
			claims, err := verifyWithJWKS(tok, set, tt.alg)
			if err != nil {
				t.Fatal(err)
			}
			if claims.Subject != "pairwise-sub" {
				t.Fatalf("sub = %q", claims.Subject)
			}
			if _, err := jose.ParseSigned(tok, []jose.SignatureAlgorithm{tt.wrongAs}); err == nil {
				t.Fatalf("%s token accepted by a verifier that only allows %s", tt.alg, tt.wrongAs)
			}
			pub, err := m.PublicKey(ctx, "main", sk.KID)
			if err != nil {
				t.Fatal(err)
			}
			if pub.Algorithm != tt.alg || !pub.IsPublic() {
				t.Fatalf("PublicKey alg=%s public=%v", pub.Algorithm, pub.IsPublic())
			}
			if _, err := parsed.Verify(pub); err != nil {
				t.Fatalf("PublicKey does not verify: %v", err)
			}
		})
	}
}

func TestJWKSEntries(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	set, err := m.JWKS(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 3 {
		t.Fatalf("%d keys in JWKS, want 3", len(doc.Keys))
	}
	for _, k := range doc.Keys {
		if k["kid"] == "" || k["alg"] == "" || k["use"] != "sig" {
			t.Errorf("JWK %v lacks kid, alg or use=sig", k)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Errorf("JWK %s publishes private member %q", k["kid"], private)
			}
		}
	}
}

func TestLookupErrors(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c, ES256)

	if _, err := m.Signer(ctx, "main", ES256); !errors.Is(err, ErrNoSigningKey) {
		t.Errorf("Signer before EnsureKeys: %v, want ErrNoSigningKey", err)
	}
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"unsupported alg", func() error { _, err := m.Signer(ctx, "main", "HS256"); return err }, ErrUnsupportedAlg},
		{"alg not configured", func() error { _, err := m.Signer(ctx, "main", RS256); return err }, ErrNoSigningKey},
		{"other tenant", func() error { _, err := m.Signer(ctx, "sandbox", ES256); return err }, ErrNoSigningKey},
		{"unknown kid", func() error { _, err := m.PublicKey(ctx, "main", "nope"); return err }, ErrUnknownKID},
		{"bad alg option", func() error {
			return New(st, testKEK(7), Options{Now: c.Now, Algs: []string{"none"}}).EnsureKeys(ctx, "main")
		}, ErrUnsupportedAlg},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestDatabaseWriterCannotPublishKeys: someone who can write rows but does
// not hold the KEK can neither move a sealed key elsewhere nor get a
// public key of their own published.
func TestDatabaseWriterCannotPublishKeys(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	src := newMemStore()
	m := newTestManager(src, c, ES256)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	rows, _ := src.ListKeys(ctx, "main")
	good := rows[0]

	// A key of another tenant, to splice its public half into good's row.
	other := newMemStore()
	om := newTestManager(other, c, ES256)
	if err := om.EnsureKeys(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	orows, _ := other.ListKeys(ctx, "x")

	moved := good
	moved.Tenant = "sandbox"
	swappedJWK := good
	swappedJWK.PublicJWK = orows[0].PublicJWK
	relabelled := good
	relabelled.Alg = RS256 // same sealed ES256 key claimed as RS256

	tests := []struct {
		name   string
		tenant string
		alg    string
		row    storage.Key
	}{
		{"row copied to another tenant", "sandbox", ES256, moved},
		{"public JWK replaced", "main", ES256, swappedJWK},
		{"alg changed", "main", RS256, relabelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newMemStore()
			st.put(tt.row)
			fresh := New(st, testKEK(7), Options{Now: c.Now, Algs: []string{tt.alg}})
			if _, err := fresh.JWKS(ctx, tt.tenant); err == nil {
				t.Error("JWKS published a tampered row")
			}
			if _, err := fresh.Signer(ctx, tt.tenant, tt.alg); err == nil {
				t.Error("Signer used a tampered row")
			}
			if _, err := fresh.PublicKey(ctx, tt.tenant, good.KID); err == nil {
				t.Error("PublicKey returned a tampered row")
			}
		})
	}

	// Control: the untouched row works with the right KEK and fails with another.
	st := newMemStore()
	st.put(good)
	if _, err := New(st, testKEK(7), Options{Now: c.Now}).JWKS(ctx, "main"); err != nil {
		t.Fatalf("untouched row: %v", err)
	}
	if _, err := New(st, testKEK(8), Options{Now: c.Now}).JWKS(ctx, "main"); !errors.Is(err, ErrOpen) {
		t.Fatalf("wrong KEK: %v, want ErrOpen", err)
	}
}

func TestCacheAvoidsStoreAndDecryption(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	m := newTestManager(st, c, ES256)
	if err := m.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	first, err := m.Signer(ctx, "main", ES256)
	if err != nil {
		t.Fatal(err)
	}
	lists := st.listCalls()
	for range 100 {
		sk, err := m.Signer(ctx, "main", ES256)
		if err != nil {
			t.Fatal(err)
		}
		if sk.Key != first.Key {
			t.Fatal("private key re-opened within the cache TTL")
		}
	}
	if n := st.listCalls() - lists; n != 0 {
		t.Fatalf("%d store reads within the cache TTL, want 0", n)
	}
	c.Advance(testTTL)
	sk, err := m.Signer(ctx, "main", ES256)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.listCalls() - lists; n != 1 {
		t.Fatalf("%d store reads after the TTL, want 1", n)
	}
	if sk.Key != first.Key {
		t.Fatal("private key re-decrypted after a reload of unchanged rows")
	}
}

// TestUnknownKIDReloads: a node whose cache is fresh still finds a key
// another node created and signed with at once, but junk kids cost at
// most one store read per second.
func TestUnknownKIDReloads(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	b := newTestManager(st, c, ES256)
	a := newTestManager(st, c, ES256, PS256)
	if err := b.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.JWKS(ctx, "main"); err != nil { // b caches ES256 only
		t.Fatal(err)
	}
	if err := a.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	sk, err := a.Signer(ctx, "main", PS256)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.PublicKey(ctx, "main", sk.KID); err != nil {
		t.Fatalf("b does not find a's new key: %v", err)
	}

	c.Advance(time.Second) // past the gap after the reload above
	lists := st.listCalls()
	for range 20 {
		if _, err := b.PublicKey(ctx, "main", "junk"); !errors.Is(err, ErrUnknownKID) {
			t.Fatal(err)
		}
	}
	if n := st.listCalls() - lists; n != 1 {
		t.Fatalf("%d store reads for 20 junk kids within a second, want 1", n)
	}
	c.Advance(time.Second)
	_, _ = b.PublicKey(ctx, "main", "junk")
	if n := st.listCalls() - lists; n != 2 {
		t.Fatalf("%d store reads after a second, want 2", n)
	}
}

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name string
		o    Options
		ok   bool
	}{
		{"zero takes defaults", Options{}, true},
		{"all algs", Options{Algs: []string{RS256, ES256, PS256}}, true},
		{"HS256", Options{Algs: []string{"HS256"}}, false},
		{"none", Options{Algs: []string{"none"}}, false},
		{"cache TTL equals lead", Options{PublishLead: time.Minute, CacheTTL: time.Minute}, false},
		{"cache TTL below lead", Options{PublishLead: time.Minute, CacheTTL: 59 * time.Second}, true},
		{"negative lifetime", Options{MaxSignedLifetime: -time.Second}, false},
		{"RSA 1024", Options{RSABits: 1024}, false},
		{"RSA 3072", Options{RSABits: 3072}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.o.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestSecret(t *testing.T) {
	ctx := context.Background()
	st, c := newMemStore(), newClock()
	a, b := newTestManager(st, c), newTestManager(st, c)

	s1, err := a.Secret(ctx, "main", "token-hmac")
	if err != nil {
		t.Fatal(err)
	}
	if len(s1) != SecretSize || bytes.Equal(s1, make([]byte, SecretSize)) {
		t.Fatalf("secret %x is not 32 random bytes", s1)
	}
	s2, err := b.Secret(ctx, "main", "token-hmac")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s1, s2) {
		t.Fatal("two managers sharing a store disagree on the secret")
	}
	again, _ := a.Secret(ctx, "main", "token-hmac")
	if !bytes.Equal(s1, again) {
		t.Fatal("secret changed between calls")
	}
	otherName, _ := a.Secret(ctx, "main", "pairwise-salt")
	otherTenant, _ := a.Secret(ctx, "sandbox", "token-hmac")
	if bytes.Equal(s1, otherName) || bytes.Equal(s1, otherTenant) {
		t.Fatal("secrets of different names or tenants are equal")
	}
	stored := st.secrets["main\x00token-hmac"]
	if bytes.Contains(stored.Sealed, s1) {
		t.Fatal("secret stored in the clear")
	}

	// Wrong KEK, and a sealed secret copied under another name, fail.
	if _, err := New(st, testKEK(8), Options{Now: c.Now}).Secret(ctx, "main", "token-hmac"); !errors.Is(err, ErrOpen) {
		t.Fatalf("wrong KEK: %v, want ErrOpen", err)
	}
	moved := stored
	moved.Name = "cookie-hash"
	if _, err := st.PutSecretIfAbsent(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if _, err := newTestManager(st, c).Secret(ctx, "main", "cookie-hash"); !errors.Is(err, ErrOpen) {
		t.Fatalf("moved secret: %v, want ErrOpen", err)
	}
}
