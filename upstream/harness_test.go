package upstream_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/idportenmock"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/upstream"
)

const (
	rpID        = "oidcp"
	rpSecret    = "rp-secret"
	rpCallback  = "https://oidcp.example/main/callback"
	rpLoggedOut = "https://oidcp.example/main/logout/callback"
)

// harness runs the real mock behind a front that a test can use to tamper
// with what the relying party sees: the token response (to put forged ID
// tokens in), the discovery document, and the JWKS (to add a test key).
type harness struct {
	t      *testing.T
	srv    *httptest.Server
	issuer string
	mock   http.Handler

	now     atomic.Pointer[time.Time] // the relying party's clock
	rp      *upstream.Client
	testKey *rsa.PrivateKey

	mu        sync.Mutex
	mutateID  func(claims map[string]any, header map[string]any) (resign bool)
	dropPAR   bool
	jwksDown  bool           // the JWKS endpoint answers 503
	requests  map[string]int // path -> count
	lastAuthz *url.URL
}

func newHarness(t *testing.T, mod func(*upstream.Config)) *harness {
	t.Helper()
	h := &harness{t: t, requests: map[string]int{}}
	now := time.Now()
	h.now.Store(&now)
	var err error
	if h.testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	h.issuer = h.srv.URL + "/idporten-mock"
	persons := []idportenmock.Person{{PID: pid(t, "1980-03-14"), Name: "Kari Nordmann"}}
	mock, err := idportenmock.New(idportenmock.Config{
		Issuer: h.issuer,
		Clients: []idportenmock.Client{{ID: rpID, Secret: rpSecret,
			RedirectURIs: []string{rpCallback}, PostLogoutRedirectURIs: []string{rpLoggedOut}}},
		Persons: func(time.Time) []idportenmock.Person { return persons },
	})
	if err != nil {
		t.Fatal(err)
	}
	h.mock = http.StripPrefix("/idporten-mock", mock)
	cfg := upstream.Config{
		Issuer: h.issuer, ClientID: rpID, ClientSecret: rpSecret, RedirectURL: rpCallback,
		HTTPClient: h.srv.Client(),
		Now:        func() time.Time { return *h.now.Load() },
	}
	if mod != nil {
		mod(&cfg)
	}
	if h.rp, err = upstream.New(cfg); err != nil {
		t.Fatal(err)
	}
	return h
}

// loginAs logs the synthetic person p in at the mock and exchanges the
// code.
func (h *harness) loginAs(p string) error {
	cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + p})
	_, err := h.rp.Exchange(context.Background(), cb, st)
	return err
}

func (h *harness) advance(d time.Duration) {
	n := h.now.Load().Add(d)
	h.now.Store(&n)
}

func (h *harness) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests["/idporten-mock"+path]
}

func (h *harness) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.requests[r.URL.Path]++
	if r.URL.Path == "/idporten-mock/authorize" {
		u := *r.URL
		h.lastAuthz = &u
	}
	mutate, dropPAR, jwksDown := h.mutateID, h.dropPAR, h.jwksDown
	h.mu.Unlock()
	switch r.URL.Path {
	case "/idporten-mock/token":
		if mutate != nil {
			h.tamperToken(w, r, mutate)
			return
		}
	case "/idporten-mock/jwks.json":
		if jwksDown {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h.extendJWKS(w, r)
		return
	case "/idporten-mock/.well-known/openid-configuration":
		if dropPAR {
			rec := httptest.NewRecorder()
			h.mock.ServeHTTP(rec, r)
			var md map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &md)
			delete(md, "pushed_authorization_request_endpoint")
			_ = json.NewEncoder(w).Encode(md)
			return
		}
	}
	h.mock.ServeHTTP(w, r)
}

// extendJWKS serves the mock's keys plus the test key.
func (h *harness) extendJWKS(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	h.mock.ServeHTTP(rec, r)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		h.t.Error(err)
	}
	set.Keys = append(set.Keys, jose.JSONWebKey{Key: &h.testKey.PublicKey, KeyID: "test-key", Algorithm: "RS256", Use: "sig"})
	_ = json.NewEncoder(w).Encode(set)
}

// tamperToken redeems the code at the mock, then lets the test change the
// ID token's claims and header. With resign the token is signed again by
// the test key (published in the JWKS), so only the claim checks can catch
// it; without, the original signature is kept over the changed payload.
func (h *harness) tamperToken(w http.ResponseWriter, r *http.Request, mutate func(map[string]any, map[string]any) bool) {
	rec := httptest.NewRecorder()
	h.mock.ServeHTTP(rec, r)
	var resp map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	raw, _ := resp["id_token"].(string)
	if raw == "" {
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	parts := strings.Split(raw, ".")
	var header, claims map[string]any
	decode(h.t, parts[0], &header)
	decode(h.t, parts[1], &claims)
	if mutate(claims, header) {
		resp["id_token"] = h.sign(header, claims)
	} else {
		resp["id_token"] = encode(header) + "." + encode(claims) + "." + parts[2]
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// sign signs claims as the header says: RS256 with the test key, HS256
// (the verifier must refuse HMAC whatever the secret: RFC 8725 §3.1),
// or none.
func (h *harness) sign(header, claims map[string]any) string {
	payload, _ := json.Marshal(claims)
	switch header["alg"] {
	case "none":
		return encode(header) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
	case "HS256":
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte("public-key-as-secret-0123456789ab")},
			(&jose.SignerOptions{}).WithHeader("kid", header["kid"]))
		if err != nil {
			h.t.Fatal(err)
		}
		jws, _ := signer.Sign(payload)
		s, _ := jws.CompactSerialize()
		return s
	}
	kid, _ := header["kid"].(string)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: h.testKey, KeyID: kid}}, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	jws, _ := signer.Sign(payload)
	s, _ := jws.CompactSerialize()
	return s
}

func decode(t *testing.T, seg string, v any) {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func pid(t *testing.T, birth string) string {
	t.Helper()
	d, _ := time.Parse("2006-01-02", birth)
	p, err := representation.SyntheticPID(d, 100)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// browser is a cookie-keeping client that stops at the relying party's
// callback instead of following it, and records the callback.
func browser(t *testing.T) (*http.Client, *url.URL) {
	jar, _ := cookiejar.New(nil)
	cb := new(url.URL)
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpCallback) {
			*cb = *req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}, cb
}

// login runs Start, follows the browser to the mock and returns the
// callback parameters the relying party would receive.
func (h *harness) login(p upstream.AuthParams) (url.Values, upstream.State) {
	h.t.Helper()
	redirect, st, err := h.rp.Start(context.Background(), p)
	if err != nil {
		h.t.Fatal(err)
	}
	b, cb := browser(h.t)
	resp, err := b.Get(redirect)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if cb.Host == "" {
		h.t.Fatalf("no callback; status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return cb.Query(), st
}
