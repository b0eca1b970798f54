package main

// A relying party's back-channel logout endpoint and the checks of the
// logout tokens it receives, for the consent and session tests.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	josev4 "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/backchannel"
	"github.com/oidcp/oidcp/storage"
)

// bclReceiver is a relying party's back-channel logout endpoint. It
// answers 503 while down, 200 otherwise, and keeps the logout tokens it
// accepted.
type bclReceiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	down     bool
	tokens   []string
	attempts int
	wake     chan struct{}
}

func newBCLReceiver(t *testing.T) *bclReceiver {
	r := &bclReceiver{wake: make(chan struct{}, 64)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_ = req.ParseForm()
		r.mu.Lock()
		r.attempts++
		down := r.down
		if !down && req.Method == http.MethodPost && strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			r.tokens = append(r.tokens, req.PostForm.Get("logout_token"))
		}
		r.mu.Unlock()
		select {
		case r.wake <- struct{}{}:
		default:
		}
		if down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *bclReceiver) uri() string { return r.srv.URL + "/bcl" }

func (r *bclReceiver) setDown(down bool) {
	r.mu.Lock()
	r.down = down
	r.mu.Unlock()
}

// waitTokens waits until at least n logout tokens arrived and returns them.
func (r *bclReceiver) waitTokens(t *testing.T, n int, within time.Duration) []string {
	t.Helper()
	deadline := time.After(within)
	for {
		r.mu.Lock()
		got := slices.Clone(r.tokens)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-r.wake:
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%d logout tokens arrived within %v, want %d", len(got), within, n)
		}
	}
}

// verifyLogoutToken checks a logout token as an RP must (Back-Channel
// Logout 1.0 §2.6): signature against the issuer's JWKS, typ, iss, aud,
// iat/exp (at most 2 min), jti, the event, sub/sid, no nonce.
func verifyLogoutToken(t *testing.T, issuer, clientID, raw string, wantSub, wantSid string) map[string]any {
	t.Helper()
	ks := oidc.NewRemoteKeySet(context.Background(), issuer+"/jwks")
	payload, err := ks.VerifySignature(context.Background(), raw)
	if err != nil {
		t.Fatalf("logout token does not verify against the JWKS: %v", err)
	}
	jws, err := josev4.ParseSigned(raw, []josev4.SignatureAlgorithm{josev4.RS256, josev4.ES256, josev4.PS256})
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := jws.Signatures[0].Protected.ExtraHeaders["typ"].(string); typ != "logout+jwt" {
		t.Errorf("typ = %q, want logout+jwt", typ)
	}
	var c map[string]any
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	aud, _ := c["aud"].([]any)
	iat, _ := c["iat"].(float64)
	exp, _ := c["exp"].(float64)
	events, _ := c["events"].(map[string]any)
	_, hasEvent := events[backchannel.EventBackchannelLogout].(map[string]any)
	_, hasNonce := c["nonce"]
	switch {
	case c["iss"] != issuer:
		t.Errorf("iss = %v, want %s", c["iss"], issuer)
	case len(aud) != 1 || aud[0] != clientID:
		t.Errorf("aud = %v, want [%s]", c["aud"], clientID)
	case iat == 0 || exp <= iat || exp-iat > 120:
		t.Errorf("iat %v, exp %v: exp must follow iat by at most 2 minutes", iat, exp)
	case c["jti"] == nil || c["jti"] == "":
		t.Error("no jti")
	case !hasEvent:
		t.Errorf("events = %v", c["events"])
	case hasNonce:
		t.Error("a logout token must not carry nonce")
	case wantSub != "" && c["sub"] != wantSub:
		t.Errorf("sub = %v, want the ID token's %s", c["sub"], wantSub)
	case wantSid != "" && c["sid"] != wantSid:
		t.Errorf("sid = %v, want the ID token's %s", c["sid"], wantSid)
	}
	return c
}

func waitEvents(t *testing.T, e *e2eEnv, tenant, kind string, n int) []storage.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs := e.events(t, tenant, kind)
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d %s events, want %d", len(evs), kind, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
