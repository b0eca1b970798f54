package dpop

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func check(p string) Check { return Check{Proof: p, Method: "POST", URL: testURL} }

func TestVerifyAcceptsEachAlg(t *testing.T) {
	v := newTestVerifier(t, nil)
	for alg, key := range map[string]crypto.Signer{"ES256": ecKey, "RS256": rsaKey, "PS256": rsaKey, "EdDSA": edKey} {
		p, err := v.Verify(t.Context(), check(proof(t, alg, key, nil, claims())))
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if want := jkt(t, key); p.JKT != want || p.Alg != alg {
			t.Fatalf("%s: proof %+v, want jkt %s", alg, p, want)
		}
	}
}

// wantRefused runs Verify and wants an *Error of code whose description
// contains frag.
func wantRefused(t *testing.T, v *Verifier, c Check, code, frag string) *Error {
	t.Helper()
	_, err := v.Verify(t.Context(), c)
	e, ok := AsError(err)
	if !ok || e.Code != code || !strings.Contains(e.Description, frag) {
		t.Fatalf("Verify: %v, want %s mentioning %q", err, code, frag)
	}
	return e
}

// One failing proof per rule of RFC 9449 §4.3.
func TestVerifyRules(t *testing.T) {
	with := func(edit func(map[string]any)) map[string]any {
		c := claims()
		edit(c)
		return c
	}
	other := publicJWK(t, ecKey2)
	private := maps.Clone(publicJWK(t, ecKey))
	private["d"] = b64(ecKey.D.Bytes())
	// go-jose takes the key from "jwk"; a later "JWK" must not be what
	// the private-member check looks at.
	pb, _ := json.Marshal(private)
	publicb, _ := json.Marshal(publicJWK(t, ecKey))
	privateThenJWK := []byte(`{"typ":"dpop+jwt","alg":"ES256","jwk":` + string(pb) + `,"JWK":` + string(publicb) + `}`)
	for _, tc := range []struct {
		name  string
		proof string
		frag  string
	}{
		{"no proof", "", "missing"},
		{"not a JWS", "a.b", "compact JWS"},
		{"wrong typ", proof(t, "ES256", ecKey, map[string]any{"typ": "JWT"}, claims()), "typ"},
		{"no typ", proof(t, "ES256", ecKey, map[string]any{"typ": nil}, claims()), "typ"},
		{"alg none", proof(t, "none", ecKey, nil, claims()), "asymmetric"},
		{"alg HS256", proof(t, "HS256", []byte("0123456789abcdef0123456789abcdef"), map[string]any{"jwk": map[string]any{"kty": "oct", "k": "MDEy"}}, claims()), "asymmetric"},
		{"symmetric jwk", proof(t, "ES256", ecKey, map[string]any{"jwk": map[string]any{"kty": "oct", "k": "MDEy"}}, claims()), "symmetric"},
		{"private jwk", proof(t, "ES256", ecKey, map[string]any{"jwk": private}, claims()), "private key member"},
		{"typ only in another case", proof(t, "ES256", ecKey, map[string]any{"typ": nil, "TYP": "dpop+jwt"}, claims()), "typ"},
		{"private jwk hidden behind JWK", proofRaw(t, "ES256", ecKey, privateThenJWK, claims()), "private key member"},
		{"no jwk", proof(t, "ES256", ecKey, map[string]any{"jwk": nil}, claims()), "no jwk"},
		{"signature by another key", proof(t, "ES256", ecKey, map[string]any{"jwk": other}, claims()), "signature"},
		{"alg that does not fit the key", tamperAlg(t), "signature"},
		{"tampered payload", tamper(proof(t, "ES256", ecKey, nil, claims())), "signature"},
		{"htm mismatch", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["htm"] = "GET" })), "htm"},
		{"htm lower case", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["htm"] = "post" })), "htm"},
		{"htm only in another case", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["HTM"] = c["htm"]; delete(c, "htm") })), "htm"},
		{"jti only in another case", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["JTI"] = c["jti"]; delete(c, "jti") })), "jti"},
		{"htu mismatch", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["htu"] = "https://op.example/main/userinfo" })), "htu"},
		{"htu other host", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["htu"] = "https://evil.example/main/token" })), "htu"},
		{"htu other scheme", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["htu"] = "http://op.example/main/token" })), "htu"},
		{"no jti", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { delete(c, "jti") })), "jti"},
		{"no iat", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { delete(c, "iat") })), "iat"},
		{"iat as string", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["iat"] = "1700000000" })), "iat"},
		{"iat too old", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["iat"] = testNow.Add(-61 * time.Second).Unix() })), "ago"},
		{"iat in the future", proof(t, "ES256", ecKey, nil, with(func(c map[string]any) { c["iat"] = testNow.Add(61 * time.Second).Unix() })), "future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRefused(t, newTestVerifier(t, nil), check(tc.proof), CodeInvalidProof, tc.frag)
		})
	}
}

// tamper changes the payload after signing.
func tamper(p string) string {
	parts := strings.Split(p, ".")
	parts[1] = b64([]byte(`{"jti":"x","htm":"POST","htu":"` + testURL + `","iat":` + strconv.FormatInt(testNow.Unix(), 10) + `}`))
	return strings.Join(parts, ".")
}

// tamperAlg is an ES256 signature presented as RS256 with the EC key.
func tamperAlg(t *testing.T) string {
	p := proof(t, "ES256", ecKey, nil, claims())
	parts := strings.Split(p, ".")
	h := map[string]any{"typ": "dpop+jwt", "alg": "RS256", "jwk": publicJWK(t, ecKey)}
	hb, _ := json.Marshal(h)
	parts[0] = b64(hb)
	return strings.Join(parts, ".")
}

func TestVerifyWindowEdges(t *testing.T) {
	v := newTestVerifier(t, nil)
	for _, d := range []time.Duration{-60 * time.Second, 60 * time.Second} {
		c := claims()
		c["iat"] = testNow.Add(d).Unix()
		if _, err := v.Verify(t.Context(), check(proof(t, "ES256", ecKey, nil, c))); err != nil {
			t.Fatalf("iat now%+v: %v", d, err)
		}
	}
	wide := newTestVerifier(t, func(o *Options) { o.Window = 5 * time.Minute })
	c := claims()
	c["iat"] = testNow.Add(-4 * time.Minute).Unix()
	if _, err := wide.Verify(t.Context(), check(proof(t, "ES256", ecKey, nil, c))); err != nil {
		t.Fatalf("a configured window of 5 min: %v", err)
	}
}

func TestVerifyHTUNormalised(t *testing.T) {
	v := newTestVerifier(t, nil)
	for _, htu := range []string{
		"https://op.example/main/token",
		"HTTPS://OP.EXAMPLE/main/token",
		"https://op.example:443/main/token",
		"https://op.example/main/token?x=1",
		"https://op.example/main/token#frag",
		"https://op.example/main/%74oken",
		"https://op.example/main/./token",
	} {
		c := claims()
		c["htu"] = htu
		if _, err := v.Verify(t.Context(), Check{Proof: proof(t, "ES256", ecKey, nil, c), Method: "POST", URL: testURL + "?grant_type=x"}); err != nil {
			t.Errorf("htu %s: %v", htu, err)
		}
	}
}

func TestVerifyJTISingleUse(t *testing.T) {
	v := newTestVerifier(t, nil)
	p := proof(t, "ES256", ecKey, nil, claims())
	if _, err := v.Verify(t.Context(), check(p)); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, v, check(p), CodeInvalidProof, "jti was used before")
	// The same jti under another key is another proof.
	c := claims()
	c["jti"] = "shared-jti"
	if _, err := v.Verify(t.Context(), check(proof(t, "ES256", ecKey, nil, c))); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), check(proof(t, "ES256", ecKey2, nil, c))); err != nil {
		t.Fatalf("the same jti by another key: %v", err)
	}
	// A refused proof does not use up its jti.
	c = claims()
	bad := check(proof(t, "ES256", ecKey, nil, c))
	bad.Method = "GET"
	wantRefused(t, v, bad, CodeInvalidProof, "htm")
	if _, err := v.Verify(t.Context(), check(proof(t, "ES256", ecKey, nil, c))); err != nil {
		t.Fatalf("after a refusal: %v", err)
	}
}

func TestVerifyATH(t *testing.T) {
	v := newTestVerifier(t, nil)
	at := "the-access-token"
	c := claims()
	wantRefused(t, v, Check{Proof: proof(t, "ES256", ecKey, nil, c), Method: "POST", URL: testURL, AccessToken: at}, CodeInvalidProof, "no ath")
	c = claims()
	c["ath"] = AccessTokenHash("another-token")
	wantRefused(t, v, Check{Proof: proof(t, "ES256", ecKey, nil, c), Method: "POST", URL: testURL, AccessToken: at}, CodeInvalidProof, "ath is not")
	c = claims()
	c["ath"] = AccessTokenHash(at)
	if _, err := v.Verify(t.Context(), Check{Proof: proof(t, "ES256", ecKey, nil, c), Method: "POST", URL: testURL, AccessToken: at}); err != nil {
		t.Fatal(err)
	}
	// The hash of RFC 9449 §7.1's example token.
	if got := AccessTokenHash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"); got != "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo" {
		t.Fatalf("ath of the RFC's example: %s", got)
	}
}

func TestVerifyBoundKey(t *testing.T) {
	v := newTestVerifier(t, nil)
	c := check(proof(t, "ES256", ecKey, nil, claims()))
	c.JKT = jkt(t, ecKey2)
	wantRefused(t, v, c, CodeInvalidProof, "another key")
	c = check(proof(t, "ES256", ecKey, nil, claims()))
	c.JKT = jkt(t, ecKey)
	if _, err := v.Verify(t.Context(), c); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyNonce(t *testing.T) {
	now := testNow
	key := []byte("nonce-key-0123456789abcdef012345")
	v := newTestVerifier(t, func(o *Options) {
		o.NonceKey, o.RequireNonce, o.NonceRotation = key, true, time.Minute
		o.Now = func() time.Time { return now }
		o.Window = time.Hour
	})
	e := wantRefused(t, v, check(proof(t, "ES256", ecKey, nil, claims())), CodeUseNonce, "nonce")
	if e.Nonce == "" || e.Nonce != v.Nonce() {
		t.Fatalf("use_dpop_nonce without the nonce to use: %+v", e)
	}
	c := claims()
	c["nonce"] = "made-up"
	wantRefused(t, v, check(proof(t, "ES256", ecKey, nil, c)), CodeUseNonce, "not (or no longer)")
	other := newTestVerifier(t, func(o *Options) { o.NonceKey, o.Tenant = key, "other" })
	c = claims()
	c["nonce"] = other.Nonce()
	wantRefused(t, v, check(proof(t, "ES256", ecKey, nil, c)), CodeUseNonce, "not (or no longer)")

	nonce := v.Nonce()
	c = claims()
	c["nonce"] = nonce
	if _, err := v.Verify(t.Context(), check(proof(t, "ES256", ecKey, nil, c))); err != nil {
		t.Fatalf("current nonce: %v", err)
	}
	now = now.Add(time.Minute) // the next period: the old nonce still works
	if v.Nonce() == nonce {
		t.Fatal("the nonce did not rotate")
	}
	c = claims()
	c["nonce"], c["iat"] = nonce, now.Unix()
	if _, err := v.Verify(t.Context(), check(proof(t, "ES256", ecKey, nil, c))); err != nil {
		t.Fatalf("previous period's nonce: %v", err)
	}
	now = now.Add(time.Minute) // two periods on: refused
	c = claims()
	c["nonce"], c["iat"] = nonce, now.Unix()
	wantRefused(t, v, check(proof(t, "ES256", ecKey, nil, c)), CodeUseNonce, "no longer")
}

func TestVerifyNonceOptional(t *testing.T) {
	// Nonces issued but not required: a proof without one passes, a
	// proof with a wrong one does not.
	v := newTestVerifier(t, func(o *Options) { o.NonceKey = []byte("k") })
	if _, err := v.Verify(t.Context(), check(proof(t, "ES256", ecKey, nil, claims()))); err != nil {
		t.Fatal(err)
	}
	c := claims()
	c["nonce"] = "stale"
	wantRefused(t, v, check(proof(t, "ES256", ecKey, nil, c)), CodeUseNonce, "nonce")
}

func TestVerifyReplayStoreFailure(t *testing.T) {
	v := newTestVerifier(t, func(o *Options) { o.Replay = failingReplay{} })
	_, err := v.Verify(t.Context(), check(proof(t, "ES256", ecKey, nil, claims())))
	if _, isRefusal := AsError(err); err == nil || isRefusal {
		t.Fatalf("a failing store: %v, want a plain error (not a refused proof)", err)
	}
}

func TestNewRefuses(t *testing.T) {
	for name, o := range map[string]Options{
		"no replay store":         {},
		"symmetric alg":           {Replay: &memReplay{}, Algs: []string{"HS256"}},
		"none":                    {Replay: &memReplay{}, Algs: []string{"none"}},
		"nonce required, no key":  {Replay: &memReplay{}, RequireNonce: true},
		"rotation under a second": {Replay: &memReplay{}, NonceKey: []byte("k"), NonceRotation: time.Millisecond},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

type failingReplay struct{}

func (failingReplay) RecordDPoPProof(context.Context, storage.DPoPProof) error {
	return errors.New("db down")
}

// TestVerifyKeepsJTIBeyondTheWindow: a proof's jti is kept two windows
// past its iat, one longer than any node accepts it, so a node whose
// clock runs ahead cannot delete it while a node whose clock runs
// behind still accepts the proof.
func TestVerifyKeepsJTIBeyondTheWindow(t *testing.T) {
	replay := &memReplay{}
	const window = 90 * time.Second
	v := newTestVerifier(t, func(o *Options) { o.Replay, o.Window = replay, window })
	c := claims()
	if _, err := v.Verify(t.Context(), check(proof(t, "ES256", ecKey, nil, c))); err != nil {
		t.Fatal(err)
	}
	for _, exp := range replay.seen {
		if want := time.Unix(c["iat"].(int64), 0).Add(2 * window); !exp.Equal(want) {
			t.Fatalf("jti kept until %v, want %v (iat + two windows)", exp, want)
		}
		return
	}
	t.Fatal("no jti recorded")
}
