package upstream_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/upstream"
)

// TestIDTokenValidation tampers with the mock's real ID token on its way to
// the relying party. The "re-signed unchanged" row proves the harness
// itself produces acceptable tokens, so each failure below is the check
// named, not a broken test.
func TestIDTokenValidation(t *testing.T) {
	h := newHarness(t, nil)
	p := pid(t, "1990-02-02")
	now := time.Now()
	tests := []struct {
		name    string
		mutate  func(c, hdr map[string]any) bool
		wantErr error  // nil: accepted
		detail  string // substring of the error
	}{
		{"re-signed unchanged", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; return true }, nil, ""},
		{"payload changed, signature kept", func(c, _ map[string]any) bool { c["pid"] = pid(t, "1950-05-05"); return false },
			upstream.ErrInvalidIDToken, "signature"},
		{"signed by unknown key", func(c, hdr map[string]any) bool { hdr["kid"] = "nobody"; return true },
			upstream.ErrInvalidIDToken, "signature"},
		{"signed by test key under the mock's kid", func(c, hdr map[string]any) bool { return true },
			upstream.ErrInvalidIDToken, "signature"},
		{"alg none", func(c, hdr map[string]any) bool { hdr["alg"] = "none"; return true }, upstream.ErrInvalidIDToken, "parse"},
		{"alg HS256", func(c, hdr map[string]any) bool { hdr["alg"] = "HS256"; return true }, upstream.ErrInvalidIDToken, "parse"},
		{"wrong audience", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; c["aud"] = "someone-else"; return true },
			upstream.ErrInvalidIDToken, "aud"},
		{"audience array with us", func(c, hdr map[string]any) bool {
			hdr["kid"] = "test-key"
			c["aud"] = []string{"x", rpID}
			c["azp"] = rpID
			return true
		}, nil, ""},
		{"audience array without azp", func(c, hdr map[string]any) bool {
			hdr["kid"] = "test-key"
			c["aud"] = []string{"x", rpID}
			return true
		}, upstream.ErrInvalidIDToken, "azp"},
		{"azp someone else", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; c["azp"] = "x"; return true },
			upstream.ErrInvalidIDToken, "azp"},
		{"wrong iss", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; c["iss"] = h.issuer + "/"; return true },
			upstream.ErrInvalidIDToken, "iss"},
		{"expired beyond leeway", func(c, hdr map[string]any) bool {
			hdr["kid"] = "test-key"
			c["exp"] = now.Add(-61 * time.Second).Unix()
			return true
		}, upstream.ErrInvalidIDToken, "expired"},
		{"expired within leeway", func(c, hdr map[string]any) bool {
			hdr["kid"] = "test-key"
			c["exp"] = now.Add(-30 * time.Second).Unix()
			return true
		}, nil, ""},
		{"no exp", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; delete(c, "exp"); return true },
			upstream.ErrInvalidIDToken, "exp"},
		{"iat in the future", func(c, hdr map[string]any) bool {
			hdr["kid"] = "test-key"
			c["iat"] = now.Add(5 * time.Minute).Unix()
			return true
		}, upstream.ErrInvalidIDToken, "iat"},
		{"no sub", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; delete(c, "sub"); return true },
			upstream.ErrInvalidIDToken, "sub"},
		{"no pid", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; delete(c, "pid"); return true },
			upstream.ErrInvalidIDToken, "pid"},
		{"invalid pid", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; c["pid"] = "12345678901"; return true },
			upstream.ErrInvalidIDToken, "pid"},
		{"other nonce", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; c["nonce"] = "x"; return true },
			upstream.ErrNonceMismatch, ""},
		{"no nonce", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; delete(c, "nonce"); return true },
			upstream.ErrNonceMismatch, ""},
		{"unknown acr", func(c, hdr map[string]any) bool { hdr["kid"] = "test-key"; c["acr"] = "Level4"; return true },
			upstream.ErrACRNotAllowed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h.mu.Lock()
			h.mutateID = tc.mutate
			h.mu.Unlock()
			cb, st := h.login(upstream.AuthParams{LoginHint: "testid:" + p})
			id, err := h.rp.Exchange(context.Background(), cb, st)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if id.PID != p {
					t.Errorf("pid = %q", id.PID)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.wantErr, tc.detail)
			}
			if id != nil {
				t.Error("identity returned with an error")
			}
			if strings.Contains(err.Error(), p) {
				t.Error("error message contains the fødselsnummer")
			}
		})
	}
}

// TestJWKSRefreshedAfterMaxAge: a known kid is served from the cached
// set for at most an hour; then the set is fetched again, so a key the
// issuer withdrew stops being trusted.
func TestJWKSRefreshedAfterMaxAge(t *testing.T) {
	h := newHarness(t, nil)
	p := pid(t, "1990-02-02")
	exchange := func() error { return h.loginAs(p) }
	for range 2 {
		if err := exchange(); err != nil {
			t.Fatal(err)
		}
	}
	if got := h.count("/jwks.json"); got != 1 {
		t.Fatalf("jwks fetched %d times for two logins, want 1", got)
	}
	h.advance(61 * time.Minute)
	_ = exchange() // the mock's token is an hour old by our clock now: only the fetch matters
	if got := h.count("/jwks.json"); got != 2 {
		t.Errorf("jwks fetched %d times, want 2 (refreshed after an hour)", got)
	}
	// A refresh that fails keeps the old set for up to a day; the token
	// then fails only on its age (the mock's clock stands still).
	h.mu.Lock()
	h.jwksDown = true
	h.mu.Unlock()
	h.advance(61 * time.Minute)
	if err := exchange(); !errors.Is(err, upstream.ErrInvalidIDToken) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("with the JWKS endpoint down an hour after the last fetch: %v, want the old keys used (expired)", err)
	}
	h.advance(24 * time.Hour)
	if err := exchange(); err == nil || strings.Contains(err.Error(), "expired") {
		t.Errorf("with the JWKS endpoint down a day after the last fetch: %v, want the fetch's failure", err)
	}
}

// TestJWKSRefetchRateLimited: an unknown kid refetches the JWKS at most
// once per 30 s.
func TestJWKSRefetchRateLimited(t *testing.T) {
	h := newHarness(t, nil)
	p := pid(t, "1990-02-02")
	exchange := func() error { return h.loginAs(p) }
	if err := exchange(); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	h.mutateID = func(_, hdr map[string]any) bool { hdr["kid"] = "rotated"; return true }
	h.mu.Unlock()
	if err := exchange(); !errors.Is(err, upstream.ErrInvalidIDToken) {
		t.Fatalf("unknown kid accepted: %v", err)
	}
	if got := h.count("/jwks.json"); got != 1 {
		t.Errorf("jwks fetched %d times within 30 s of the first fetch, want 1", got)
	}
	h.advance(31 * time.Second)
	_ = exchange()
	_ = exchange()
	if got := h.count("/jwks.json"); got != 2 {
		t.Errorf("jwks fetched %d times, want 2 (one refetch after 30 s)", got)
	}
}
