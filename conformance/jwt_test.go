package conformance

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

type testKeys struct {
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
	set  *keySet
	jwks []byte
}

var sharedKeys *testKeys

func newTestKeys(t *testing.T) *testKeys {
	t.Helper()
	if sharedKeys != nil {
		return sharedKeys
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub := []jose.JSONWebKey{
		{Key: &rk.PublicKey, KeyID: "rsa-1", Algorithm: "RS256", Use: "sig"},
		{Key: &ek.PublicKey, KeyID: "ec-1", Algorithm: "ES256", Use: "sig"},
	}
	b, _ := json.Marshal(jose.JSONWebKeySet{Keys: pub})
	sharedKeys = &testKeys{rsa: rk, ec: ek, set: &keySet{Keys: pub}, jwks: b}
	return sharedKeys
}

func (k *testKeys) sign(t *testing.T, claims map[string]any, alg jose.SignatureAlgorithm, kid string, hdr map[jose.HeaderKey]any) string {
	t.Helper()
	var key any = k.rsa
	if alg == jose.ES256 {
		key = k.ec
	}
	opts := (&jose.SignerOptions{}).WithHeader("kid", kid)
	for hk, v := range hdr {
		opts = opts.WithHeader(hk, v)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := json.Marshal(claims)
	js, err := s.Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := js.CompactSerialize()
	return out
}

var testNow = time.Unix(1_800_000_000, 0)

func goodIDClaims() map[string]any {
	return map[string]any{
		"iss": testIssuer, "aud": "client-1", "sub": "user-1", "nonce": "n-0S6",
		"iat": float64(testNow.Unix()), "exp": float64(testNow.Add(time.Hour).Unix()), "auth_time": float64(testNow.Unix() - 10),
	}
}

func TestCheckIDToken(t *testing.T) {
	k := newTestKeys(t)
	at := "access-token-value"
	atHash, _ := halfHash("RS256", at)
	exp := idTokenExpect{Issuer: testIssuer, ClientID: "client-1", Nonce: "n-0S6", AccessToken: at, Now: testNow}
	tests := []struct {
		name   string
		token  func() string
		expect func(x *idTokenExpect)
		want   []string
	}{
		{name: "good", token: func() string { return k.sign(t, goodIDClaims(), jose.RS256, "rsa-1", nil) }},
		{name: "good with at_hash", token: func() string {
			c := goodIDClaims()
			c["at_hash"] = atHash
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}},
		{name: "wrong at_hash", token: func() string {
			c := goodIDClaims()
			c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA"
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, want: []string{"at_hash"}},
		{name: "tampered payload", token: func() string {
			tok := k.sign(t, goodIDClaims(), jose.RS256, "rsa-1", nil)
			parts := strings.Split(tok, ".")
			c := goodIDClaims()
			c["sub"] = "attacker"
			p, _ := json.Marshal(c)
			return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
		}, want: []string{"signature"}},
		{name: "unknown kid", token: func() string { return k.sign(t, goodIDClaims(), jose.RS256, "other", nil) }, want: []string{"no key"}},
		{name: "alg none", token: func() string {
			h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`))
			p, _ := json.Marshal(goodIDClaims())
			return h + "." + base64.RawURLEncoding.EncodeToString(p) + "."
		}, want: []string{"alg is none"}},
		{name: "ES256 when RS256 registered", token: func() string { return k.sign(t, goodIDClaims(), jose.ES256, "ec-1", nil) }, want: []string{"alg is ES256"}},
		{name: "ES256 registered", token: func() string { return k.sign(t, goodIDClaims(), jose.ES256, "ec-1", nil) },
			expect: func(x *idTokenExpect) { x.Alg = "ES256"; x.AccessToken = "" }},
		{name: "wrong issuer", token: func() string {
			c := goodIDClaims()
			c["iss"] = "https://evil.example.test"
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, want: []string{"iss"}},
		{name: "wrong audience", token: func() string {
			c := goodIDClaims()
			c["aud"] = "client-2"
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, want: []string{"aud"}},
		{name: "multi aud without azp", token: func() string {
			c := goodIDClaims()
			c["aud"] = []any{"client-1", "api"}
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, want: []string{"azp"}},
		{name: "multi aud with azp", token: func() string {
			c := goodIDClaims()
			c["aud"] = []any{"client-1", "api"}
			c["azp"] = "client-1"
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}},
		{name: "expired", token: func() string {
			c := goodIDClaims()
			c["exp"] = float64(testNow.Add(-time.Hour).Unix())
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, want: []string{"exp"}},
		{name: "missing exp", token: func() string {
			c := goodIDClaims()
			delete(c, "exp")
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, want: []string{"exp is present"}},
		{name: "iat in the future", token: func() string {
			c := goodIDClaims()
			c["iat"] = float64(testNow.Add(time.Hour).Unix())
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, want: []string{"iat"}},
		{name: "nonce mismatch", token: func() string {
			c := goodIDClaims()
			c["nonce"] = "other"
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, want: []string{"nonce"}},
		{name: "nonce when none sent", token: func() string { return k.sign(t, goodIDClaims(), jose.RS256, "rsa-1", nil) },
			expect: func(x *idTokenExpect) { x.Nonce = "" }, want: []string{"carries a nonce"}},
		{name: "auth_time required and missing", token: func() string {
			c := goodIDClaims()
			delete(c, "auth_time")
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, expect: func(x *idTokenExpect) { x.AuthTimeRequired = true }, want: []string{"auth_time is missing"}},
		{name: "empty sub", token: func() string {
			c := goodIDClaims()
			c["sub"] = ""
			return k.sign(t, c, jose.RS256, "rsa-1", nil)
		}, want: []string{"sub"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := exp
			if tc.expect != nil {
				tc.expect(&x)
			}
			var l stepLog
			if j := checkIDToken(&l, tc.token(), k.set, x); j == nil {
				t.Fatal("token did not decode")
			}
			l.wantFailures(t, tc.want...)
		})
	}
}

func TestCheckIDTokenNotAJWT(t *testing.T) {
	var l stepLog
	if j := checkIDToken(&l, "a.b", newTestKeys(t).set, idTokenExpect{}); j != nil {
		t.Fatal("want nil")
	}
	l.wantFailures(t, "not a JWT")
}

func TestHalfHash(t *testing.T) {
	// Expected value computed independently (Python hashlib: left half of
	// SHA-256, base64url without padding).
	got, err := halfHash("RS256", "jHkWEdUXMU1BwAsC4vtUsZwnNcxhUs0t5O0IL0IF")
	if err != nil {
		t.Fatal(err)
	}
	if got != "jeyZlUreW8mArY2F2f42Kw" {
		t.Fatalf("at_hash = %s, want jeyZlUreW8mArY2F2f42Kw", got)
	}
	if _, err := halfHash("HS1", "x"); err == nil {
		t.Fatal("want error for unknown alg")
	}
}

func TestValidateJWKS(t *testing.T) {
	k := newTestKeys(t)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	enc := func(keys ...jose.JSONWebKey) []byte { b, _ := json.Marshal(jose.JSONWebKeySet{Keys: keys}); return b }
	tests := []struct {
		name string
		body []byte
		ct   string
		want []string
		warn bool
	}{
		{name: "good", body: k.jwks},
		{name: "duplicate kid", body: enc(
			jose.JSONWebKey{Key: &k.rsa.PublicKey, KeyID: "same", Use: "sig"},
			jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "same", Use: "sig"}), want: []string{"kid \"same\""}},
		{name: "private key published", body: enc(jose.JSONWebKey{Key: k.rsa, KeyID: "priv", Use: "sig"}), want: []string{"private key material", "RS256"}},
		{name: "small rsa key", body: enc(jose.JSONWebKey{Key: &small.PublicKey, KeyID: "small", Use: "sig"}), want: []string{"1024 bits", "RS256"}},
		{name: "no rsa key", body: enc(jose.JSONWebKey{Key: &k.ec.PublicKey, KeyID: "ec", Use: "sig"}), want: []string{"RS256"}},
		{name: "not a set", body: []byte(`{"kty":"RSA"}`), want: []string{"keys array"}},
		{name: "odd content type warns", body: k.jwks, ct: "text/plain", warn: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.ct
			if ct == "" {
				ct = "application/json"
			}
			var l stepLog
			validateJWKS(&l, 200, ct, tc.body)
			l.wantFailures(t, tc.want...)
			if tc.warn && len(l.with(StepWarning)) == 0 {
				t.Error("want a warning")
			}
		})
	}
}

func TestCheckLogoutToken(t *testing.T) {
	k := newTestKeys(t)
	good := func() map[string]any {
		return map[string]any{
			"iss": testIssuer, "aud": "client-1", "sub": "user-1", "sid": "sid-1", "jti": "j1",
			"iat": float64(testNow.Unix()), "exp": float64(testNow.Add(2 * time.Minute).Unix()),
			"events": map[string]any{backchannelEvent: map[string]any{}},
		}
	}
	x := logoutExpect{Issuer: testIssuer, ClientID: "client-1", Sub: "user-1", Sid: "sid-1", SidRequired: true, Now: testNow}
	typ := map[jose.HeaderKey]any{"typ": "logout+jwt"}
	tests := []struct {
		name   string
		mutate func(map[string]any)
		hdr    map[jose.HeaderKey]any
		want   []string
	}{
		{name: "good", mutate: func(map[string]any) {}, hdr: typ},
		{name: "nonce present", mutate: func(c map[string]any) { c["nonce"] = "n" }, hdr: typ, want: []string{"nonce"}},
		{name: "events missing", mutate: func(c map[string]any) { delete(c, "events") }, hdr: typ, want: []string{"events"}},
		{name: "event not an object", mutate: func(c map[string]any) { c["events"] = map[string]any{backchannelEvent: true} }, hdr: typ, want: []string{"events"}},
		{name: "no sub nor sid", mutate: func(c map[string]any) { delete(c, "sub"); delete(c, "sid") }, hdr: typ, want: []string{"sub or sid", "sid is present"}},
		{name: "wrong sid", mutate: func(c map[string]any) { c["sid"] = "other" }, hdr: typ, want: []string{"sid equals"}},
		{name: "no jti", mutate: func(c map[string]any) { delete(c, "jti") }, hdr: typ, want: []string{"jti"}},
		{name: "wrong typ", mutate: func(map[string]any) {}, hdr: map[jose.HeaderKey]any{"typ": "JWT"}, want: []string{"typ"}},
		{name: "wrong aud", mutate: func(c map[string]any) { c["aud"] = "client-2" }, hdr: typ, want: []string{"aud"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := good()
			tc.mutate(c)
			var l stepLog
			checkLogoutToken(&l, k.sign(t, c, jose.RS256, "rsa-1", tc.hdr), k.set, x)
			l.wantFailures(t, tc.want...)
		})
	}
}
