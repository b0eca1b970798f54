package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// TestOpenIDClientDPoP runs openid-client v6 in DPoP mode (RFC 9449)
// against the sandbox tenant of a dev server that requires server
// nonces, with a client registered --dpop-bound-access-tokens: PAR,
// code, token, userinfo and refresh all DPoP-bound, and the bound token
// refused without a proof, as Bearer, with another key's proof and with a
// used proof (testdata/openid-client-dpop/e2e.mjs).
func TestOpenIDClientDPoP(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("!!! openid-client DPoP E2E NOT RUN: node not found; install Node.js 20 or later to run it")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("!!! openid-client DPoP E2E NOT RUN: npm not found")
	}
	dir := t.TempDir()
	for _, f := range []string{"e2e.mjs", "package.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "openid-client-dpop", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Skipf("!!! openid-client DPoP E2E NOT RUN: npm install failed (no registry?): %v\n%s", err, out)
	}

	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), func(cfg *Config) {
		for i := range cfg.Tenants {
			if cfg.Tenants[i].Name == "sandbox" {
				cfg.Tenants[i].DPoPNonce = true
			}
		}
	}, time.Now)
	kari, _ := population.Generate(time.Now().In(representation.Oslo)).Lookup(population.KeyKari)
	secret := strings.Repeat("d", 40)
	redirect := "http://127.0.0.1:9/callback"
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "dpop-tool", "--secret", secret,
		"--redirect-uri", redirect, "--scope", "openid profile pid offline_access", "--dpop-bound-access-tokens")

	node := exec.CommandContext(ctx, "node", "e2e.mjs")
	node.Dir = dir
	node.Env = append(os.Environ(), "ISSUER="+srv.base+"/sandbox", "CLIENT_ID=dpop-tool", "CLIENT_SECRET="+secret,
		"REDIRECT_URI="+redirect, "LOGIN_HINT=testid:"+kari.PID)
	var stderr strings.Builder
	node.Stderr = &stderr
	out, err := node.Output()
	if err != nil {
		t.Fatalf("e2e.mjs: %v\n%s", err, stderr.String())
	}
	var r struct {
		Algs                 []string `json:"dpop_signing_alg_values_supported"`
		TokenType            string   `json:"token_type"`
		UserinfoPID          string   `json:"userinfo_pid"`
		RefreshedTokenType   string   `json:"refreshed_token_type"`
		RefreshedUserinfoPID string   `json:"refreshed_userinfo_pid"`
		NonceChallenges      []string `json:"nonce_challenges"`
		OtherKey             struct {
			Accepted bool `json:"accepted"`
			Status   int  `json:"status"`
		} `json:"other_key"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("report %q: %v\n%s", out, err, stderr.String())
	}
	t.Logf("report: %s", out)
	if len(r.Algs) == 0 || r.TokenType != "dpop" && r.TokenType != "DPoP" || r.UserinfoPID != kari.PID ||
		!strings.EqualFold(r.RefreshedTokenType, "dpop") || r.RefreshedUserinfoPID != kari.PID {
		t.Errorf("the DPoP flow: %s", out)
	}
	if len(r.NonceChallenges) == 0 || r.NonceChallenges[0] != "/sandbox/par" {
		t.Errorf("no use_dpop_nonce round trip at PAR first: %v", r.NonceChallenges)
	}
	if r.OtherKey.Accepted || r.OtherKey.Status != 401 {
		t.Errorf("userinfo with another key's proof: %+v", r.OtherKey)
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(out, &raw)
	for what, code := range map[string]string{
		"replay_same_proof":   "invalid_dpop_proof",
		"without_proof":       "invalid_token",
		"as_bearer":           "invalid_token",
		"refreshed_as_bearer": "invalid_token",
	} {
		var got struct {
			Status          int    `json:"status"`
			WWWAuthenticate string `json:"www_authenticate"`
		}
		_ = json.Unmarshal(raw[what], &got)
		if got.Status != 401 || !strings.HasPrefix(got.WWWAuthenticate, `DPoP error="`+code+`"`) {
			t.Errorf("%s: %d %q, want 401 with a DPoP %s challenge", what, got.Status, got.WWWAuthenticate, code)
		}
	}
}
