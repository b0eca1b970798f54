package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// fakeOP is a tiny upstream eID for the cases the ID-porten mock never
// produces: an ID token whose signature was tampered with, and one whose
// nonce is not the one oidcp sent. In mode fakeGood it behaves, which
// proves the failures come from the tampering and not from the fake.
type fakeOP struct {
	issuer string
	key    *rsa.PrivateKey
	now    func() time.Time

	mu    sync.Mutex
	mode  string
	codes map[string]fakeCode
	// tokenCalls counts token requests, so a test can tell the
	// failure happened at ID token validation.
	tokenCalls int
}

type fakeCode struct{ nonce, pid string }

const (
	fakeGood   = "good"
	fakeTamper = "tamper-signature"
	fakeNonce  = "wrong-nonce"

	fakeClientID     = "oidcp-upfake"
	fakeClientSecret = "fake-upstream-secret"
	fakeKID          = "fake-1"
)

func newFakeOP(t *testing.T, now func() time.Time) *fakeOP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeOP{key: key, now: now, mode: fakeGood, codes: map[string]fakeCode{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /authorize", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("GET /jwks", f.jwks)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.issuer = srv.URL
	return f
}

func (f *fakeOP) setMode(m string) (tokenCalls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mode = m
	return f.tokenCalls
}

func (f *fakeOP) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls
}

func (f *fakeOP) discovery(w http.ResponseWriter, _ *http.Request) {
	writeTestJSON(w, http.StatusOK, map[string]any{
		"issuer": f.issuer, "authorization_endpoint": f.issuer + "/authorize",
		"token_endpoint": f.issuer + "/token", "jwks_uri": f.issuer + "/jwks",
		"authorization_response_iss_parameter_supported": true,
	})
}

// authorize logs in the person of login_hint=testid:<pid> at once.
func (f *fakeOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pid, _ := strings.CutPrefix(q.Get("login_hint"), "testid:")
	if q.Get("client_id") != fakeClientID || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || pid == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	f.mu.Lock()
	f.codes[code] = fakeCode{nonce: q.Get("nonce"), pid: pid}
	f.mu.Unlock()
	u, _ := url.Parse(q.Get("redirect_uri"))
	u.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}, "iss": {f.issuer}}.Encode()
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func (f *fakeOP) token(w http.ResponseWriter, r *http.Request) {
	id, secret, _ := r.BasicAuth()
	f.mu.Lock()
	f.tokenCalls++
	c, ok := f.codes[r.PostFormValue("code")]
	delete(f.codes, r.PostFormValue("code"))
	mode := f.mode
	f.mu.Unlock()
	if id != fakeClientID || secret != fakeClientSecret || !ok {
		writeTestJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	nonce := c.nonce
	if mode == fakeNonce {
		nonce = "not-the-nonce-oidcp-sent"
	}
	now := f.now()
	claims := map[string]any{
		"iss": f.issuer, "aud": fakeClientID, "sub": "fake-sub-" + c.pid[:6], "pid": c.pid,
		"acr": "idporten-loa-substantial", "amr": []string{"TestID"}, "auth_time": now.Unix(),
		"iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(), "nonce": nonce, "sid": "fake-sid",
	}
	payload, _ := json.Marshal(claims)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: f.key, KeyID: fakeKID}}, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	raw, _ := jws.CompactSerialize()
	if mode == fakeTamper {
		raw = tamperSignature(raw)
	}
	writeTestJSON(w, http.StatusOK, map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 120, "id_token": raw})
}

// tamperSignature flips bits in the signature part of a compact JWS,
// keeping it valid base64url of the same length.
func tamperSignature(raw string) string {
	i := strings.LastIndexByte(raw, '.') + 5
	b := []byte(raw)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func (f *fakeOP) jwks(w http.ResponseWriter, _ *http.Request) {
	writeTestJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: fakeKID, Algorithm: "RS256", Use: "sig"}}})
}

func writeTestJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
