package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/population"
)

// TestTokenEndpointWording: what the token endpoint says is what
// happened. token_type is "Bearer" as RFC 6750 spells it; an expired
// authorization code is called expired (a garbage one is not); a revoked
// refresh token is called revoked, a rotated one reused is called used.
func TestTokenEndpointWording(t *testing.T) {
	s := startRepServer(t, time.Now())
	tool := s.client(t, "sandbox", "wording-tool")
	kari := s.pid(t, population.KeyKari)
	token := func(form url.Values) (int, map[string]any) {
		t.Helper()
		status, body, _ := postForm(t, tool.conf.Endpoint.TokenURL, form, basicAuth(tool.c.id, tool.c.secret))
		return status, body
	}
	redeem := func(code, verifier string) (int, map[string]any) {
		t.Helper()
		return token(url.Values{"grant_type": {"authorization_code"}, "code": {code},
			"redirect_uri": {tool.c.redirect}, "code_verifier": {verifier}})
	}
	desc := func(body map[string]any) string { d, _ := body["error_description"].(string); return d }

	b := newBrowser()
	code, verifier, _ := b.authorize(t, tool, kari)
	status, body := redeem(code, verifier)
	if status != http.StatusOK || body["token_type"] != "Bearer" {
		t.Fatalf("code exchange: %d token_type %q, want 200 and %q (RFC 6750 §4)", status, body["token_type"], "Bearer")
	}
	refresh, _ := body["refresh_token"].(string)

	status, body = tool.refresh(t, refresh)
	if status != http.StatusOK || body["token_type"] != "Bearer" {
		t.Fatalf("refresh: %d token_type %q, want 200 and Bearer", status, body["token_type"])
	}
	rotated, _ := body["refresh_token"].(string)

	// The rotated-away token again: reuse.
	status, body = tool.refresh(t, refresh)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" || !strings.Contains(desc(body), "already used") {
		t.Errorf("reused refresh token: %d %v, want invalid_grant saying it was already used", status, body)
	}

	// A refresh token revoked by the client (RFC 7009).
	code, verifier, _ = b.authorize(t, tool, kari)
	_, body = redeem(code, verifier)
	revoked, _ := body["refresh_token"].(string)
	if status, _, _ := postForm(t, s.base+"/sandbox/revoke", url.Values{"token": {revoked}}, basicAuth(tool.c.id, tool.c.secret)); status != http.StatusOK {
		t.Fatalf("revocation: %d", status)
	}
	status, body = tool.refresh(t, revoked)
	// fosite's fixed description of invalid_grant lists every cause
	// ("invalid, expired, revoked, ..."); the hint after it says which.
	if d := desc(body); status != http.StatusBadRequest || body["error"] != "invalid_grant" || !strings.Contains(d, "The refresh token was revoked") || strings.Contains(d, "already used") {
		t.Errorf("revoked refresh token: %d %v, want invalid_grant saying it was revoked", status, body)
	}
	// The grant of the reused token was revoked when the reuse was seen.
	status, body = tool.refresh(t, rotated)
	if !strings.Contains(desc(body), "The refresh token was revoked") {
		t.Errorf("refresh token of a grant revoked for reuse: %d %v, want it called revoked", status, body)
	}

	// An authorization code redeemed after its 60 seconds.
	code, verifier, _ = b.authorize(t, tool, kari)
	s.clock.advance(61 * time.Second)
	status, body = redeem(code, verifier)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" || !strings.Contains(desc(body), "The authorization code has expired") {
		t.Errorf("expired code: %d %v, want invalid_grant saying it expired", status, body)
	}
	status, body = redeem("not-a-code", verifier)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" || strings.Contains(desc(body), "code has expired") {
		t.Errorf("garbage code: %d %v, want invalid_grant not claiming expiry", status, body)
	}

	// client_credentials: Bearer too.
	secret := strings.Repeat("s", 40)
	s.cli.ok("clients", "create", "--tenant", "sandbox", "--id", "wording-service", "--secret", secret,
		"--grant-type", "client_credentials", "--scope", "read")
	status, body, _ = postForm(t, s.base+"/sandbox/token", url.Values{"grant_type": {"client_credentials"}}, basicAuth("wording-service", secret))
	if status != http.StatusOK || body["token_type"] != "Bearer" {
		t.Errorf("client_credentials: %d token_type %q, want Bearer", status, body["token_type"])
	}
}
