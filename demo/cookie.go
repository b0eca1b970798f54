package demo

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// flowCookie carries one login's secrets from /demo/login to
// /demo/callback through the browser, sealed so the browser can neither
// read nor forge them.
const flowCookie = "oidcp_demo_flow"

// flowTTL bounds how long a login may take.
const flowTTL = 10 * time.Minute

// flowAAD binds a sealed value to its purpose.
var flowAAD = []byte("oidcp/demo/flow/v1")

// flow is what the callback needs to finish a login.
type flow struct {
	Tenant   string `json:"t"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Lang     string `json:"l"`
	Expires  int64  `json:"e"` // Unix seconds
}

var (
	errNoFlow      = errors.New("no login in progress")
	errFlowExpired = errors.New("login took too long")
)

// sealer encrypts flows with AES-256-GCM under a key that lives only in
// this process: a restart invalidates logins in progress, nothing more.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("demo: flow key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("demo: flow key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(f flow) string {
	plain, _ := json.Marshal(f) // plain strings and an int: cannot fail
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, flowAAD))
}

func (s *sealer) open(v string, now time.Time) (flow, error) {
	raw, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return flow{}, errNoFlow
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], flowAAD)
	if err != nil {
		return flow{}, errNoFlow
	}
	var f flow
	if err := json.Unmarshal(plain, &f); err != nil {
		return flow{}, errNoFlow
	}
	if now.Unix() > f.Expires {
		return flow{}, errFlowExpired
	}
	return f, nil
}

// setFlow stores f in the browser. SameSite=Lax: the callback is a
// top-level GET redirect from oidcp, which Lax lets through.
func (h *Handler) setFlow(w http.ResponseWriter, f flow) {
	http.SetCookie(w, &http.Cookie{
		Name: flowCookie, Value: h.seal.seal(f), Path: h.cookiePath,
		MaxAge: int(flowTTL / time.Second), HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
}

// takeFlow reads the browser's flow and deletes it: a flow is used once.
func (h *Handler) takeFlow(w http.ResponseWriter, r *http.Request) (flow, error) {
	c, err := r.Cookie(flowCookie)
	if err != nil {
		return flow{}, errNoFlow
	}
	http.SetCookie(w, &http.Cookie{
		Name: flowCookie, Value: "", Path: h.cookiePath,
		MaxAge: -1, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
	return h.seal.open(c.Value, h.now())
}
