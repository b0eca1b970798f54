package provider

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v3"
	josev4 "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/outbound"
	"github.com/oidcp/oidcp/storage"
)

// TestTokenEndpointAuthSigningAlgorithm: without a registered
// token_endpoint_auth_signing_alg, an assertion may use any advertised
// algorithm for which the client registered a fitting key (by kid, key
// type and the key's own alg); with one, only that algorithm.
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
	both := []jose.JSONWebKey{{Key: rsaKey.Public(), KeyID: "r"}, {Key: p256, KeyID: "e"}}
	for _, tc := range []struct {
		name       string
		keys       []jose.JSONWebKey
		jwksURI    string
		registered string
		alg, kid   string
		ok         bool
	}{
		{"rsa without alg signs RS256", []jose.JSONWebKey{{Key: rsaKey.Public()}}, "", "", "RS256", "", true},
		{"rsa without alg signs PS256", []jose.JSONWebKey{{Key: rsaKey.Public()}}, "", "", "PS256", "", true},
		{"rsa with alg RS256 cannot sign PS256", []jose.JSONWebKey{{Key: rsaKey.Public(), Algorithm: "RS256"}}, "", "", "PS256", "", false},
		{"rsa and ec: RS256 by the RSA kid", both, "", "", "RS256", "r", true},
		{"rsa and ec: ES256 by the EC kid", both, "", "", "ES256", "e", true},
		{"rsa and ec: ES256 without kid", both, "", "", "ES256", "", true},
		{"rsa and ec: ES256 naming the RSA kid", both, "", "", "ES256", "r", false},
		{"rsa and ec: unknown kid", both, "", "", "RS256", "x", false},
		{"not advertised: RS384", both, "", "", "RS384", "r", false},
		{"not advertised: none", both, "", "", "none", "", false},
		{"ec P-384 cannot sign ES256", []jose.JSONWebKey{{Key: ec(elliptic.P384())}}, "", "", "ES256", "", false},
		{"encryption key skipped", []jose.JSONWebKey{{Key: rsaKey.Public(), Use: "enc"}, {Key: p256}}, "", "", "RS256", "", false},
		{"registered ES256 refuses RS256", both, "", "ES256", "RS256", "r", false},
		{"registered ES256 accepts ES256", both, "", "ES256", "ES256", "e", true},
		{"jwks_uri: any advertised alg", nil, "https://client.example/jwks", "", "PS256", "k", true},
		{"jwks_uri: registered alg only", nil, "https://client.example/jwks", "RS256", "PS256", "k", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := storage.Client{TokenEndpointAuthMethod: "private_key_jwt", JWKSURI: tc.jwksURI, TokenEndpointAuthSigningAlg: tc.registered}
			if tc.keys != nil {
				raw, err := json.Marshal(jose.JSONWebKeySet{Keys: tc.keys})
				if err != nil {
					t.Fatal(err)
				}
				c.JWKS = raw
			}
			h := &assertionHeader{alg: tc.alg, kid: tc.kid}
			f := &fositeClient{c: c, assertion: h}
			got := f.GetTokenEndpointAuthSigningAlgorithm()
			if ok := got == tc.alg; ok != tc.ok || ok == (h.refusal != "") {
				t.Errorf("enforced %q for a %s assertion (refusal %q), want accepted=%v", got, tc.alg, h.refusal, tc.ok)
			}
			// fosite only looks at keys marked for signing, and must not
			// find one whose alg differs.
			if set := f.GetJSONWebKeys(); set != nil {
				for _, k := range set.Keys {
					if k.Use != "sig" || !keyFits(k, tc.alg) {
						t.Errorf("key %q (use %q, alg %q) offered for a %s assertion", k.KeyID, k.Use, k.Algorithm, tc.alg)
					}
				}
			}
		})
	}
}

// TestAssertionHeaderNamesExact: the header is read with exact member
// names, as go-jose reads it when fosite verifies the assertion; "ALG" is
// not the algorithm, whichever comes last.
func TestAssertionHeaderNamesExact(t *testing.T) {
	for _, tc := range []struct{ header, alg, kid string }{
		{`{"alg":"ES256","kid":"a"}`, "ES256", "a"},
		{`{"alg":"ES256","ALG":"RS256","kid":"a","KID":"b"}`, "ES256", "a"},
		{`{"Alg":"RS256","alg":"PS256"}`, "PS256", ""},
		{`{"ALG":"RS256"}`, "", ""},
	} {
		assertion := base64.RawURLEncoding.EncodeToString([]byte(tc.header)) + ".e30.c2ln"
		_, h := withAssertionHeader(context.Background(), assertion)
		if h == nil || h.alg != tc.alg || h.kid != tc.kid {
			t.Errorf("%s: read %+v, want alg %q kid %q", tc.header, h, tc.alg, tc.kid)
		}
	}
}

// TestClientAssertionExpZeroRefused: fosite reads exp 0 as "no exp",
// accepts the assertion and records its jti as expiring in 1970, so the
// same assertion would authenticate again and again. It is refused, as is
// any exp that is not in the future; a fresh one authenticates.
func TestClientAssertionExpZeroRefused(t *testing.T) {
	e := newFzEnv(t)
	claims := func(jti string, exp int64) map[string]any {
		return map[string]any{"iss": fzWeb, "sub": fzWeb, "aud": fzIssuer + "/token", "jti": jti, "exp": exp}
	}
	for _, a := range []string{
		e.assertion(t, josev4.RS256, claims("zero", 0)),
		e.assertion(t, josev4.RS256, claims("past", time.Now().Add(-time.Second).Unix())),
	} {
		for i := range 2 {
			w := e.token(a, "")
			if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "expired") {
				t.Errorf("try %d: %d %s, want 401 invalid_client saying it expired", i+1, w.Code, w.Body)
			}
		}
	}
	if w := e.token(e.assertion(t, josev4.RS256, claims("fresh", time.Now().Add(time.Minute).Unix())), ""); w.Code != http.StatusOK {
		t.Fatalf("a fresh assertion: %d %s", w.Code, w.Body)
	}
}

// TestClientAssertionPaddedHeaderRefused: go-jose strips "=" padding
// from a segment; a header we could not read would leave fosite enforcing
// RS256 with every registered key, whatever alg a key is bound to.
func TestClientAssertionPaddedHeaderRefused(t *testing.T) {
	e := newFzEnv(t)
	claims := func(jti string) map[string]any {
		return map[string]any{"iss": fzWeb, "sub": fzWeb, "aud": fzIssuer + "/token", "jti": jti, "exp": time.Now().Add(time.Minute).Unix()}
	}
	head, rest, _ := strings.Cut(e.assertion(t, josev4.RS256, claims("padded")), ".")
	w := e.token(head+"=="+"."+rest, "")
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "JOSE header") {
		t.Errorf("a padded header: %d %s, want 401 invalid_client naming the header", w.Code, w.Body)
	}
	if w := e.token(e.assertion(t, josev4.RS256, claims("plain")), ""); w.Code != http.StatusOK {
		t.Fatalf("the same assertion unpadded: %d %s", w.Code, w.Body)
	}
}

// TestOneClientAuthMethod: fosite authenticates by secret unless
// client_assertion_type is jwt-bearer, and authenticates the Basic id
// while PAR builds the request for the form's client_id. A request our
// guards and fosite would read differently is refused before either acts.
func TestOneClientAuthMethod(t *testing.T) {
	e := newFzEnv(t)
	const secret = "svc-secret-0123456789abcdef0123456789"
	svc, err := clients.Build(fzTenant, clients.Registration{
		ID: "svc", Secret: secret, Scopes: []string{"api"}, GrantTypes: []string{clients.GrantClientCredentials},
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.CreateClient(t.Context(), svc); err != nil {
		t.Fatal(err)
	}
	basic := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("svc:"+secret))}}
	forged := e.assertion(t, josev4.RS256, map[string]any{"iss": "svc", "sub": "svc", "aud": fzIssuer + "/token", "jti": "j", "exp": time.Now().Add(time.Minute).Unix()})
	for _, tc := range []struct {
		name, path, form string
		status           int
		code, frag       string
	}{
		{"secret alone", "/main/token", "grant_type=client_credentials&scope=api", 200, "", ""},
		{"assertion without its type", "/main/token", "grant_type=client_credentials&scope=api&client_assertion=" + forged, 400, "invalid_request", "client_assertion_type"},
		{"assertion and secret", "/main/token", "grant_type=client_credentials&scope=api&client_assertion_type=" + url.QueryEscape(jwtBearer) + "&client_assertion=" + forged, 400, "invalid_request", "more than one"},
		{"another client_id in the body", "/main/token", "grant_type=client_credentials&scope=api&client_id=" + fzWeb, 401, "invalid_client", "Authorization header"},
		{"another client_id at PAR", "/main/par", "response_type=code&scope=openid&client_id=" + fzWeb + "&redirect_uri=" + url.QueryEscape(fzWebRedirect), 401, "invalid_client", "Authorization header"},
	} {
		w := e.serve(http.MethodPost, tc.path, "", tc.form, basic)
		if w.Code != tc.status || tc.code != "" && (!strings.Contains(w.Body.String(), `"error":"`+tc.code+`"`) || !strings.Contains(w.Body.String(), tc.frag)) {
			t.Errorf("%s: %d %s, want %d %s mentioning %q", tc.name, w.Code, w.Body, tc.status, tc.code, tc.frag)
		}
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
