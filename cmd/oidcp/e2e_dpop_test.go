package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// TestOpenIDClientDPoP runs openid-client v6 in DPoP mode (RFC 9449)
// against a dev server (testdata/openid-client-dpop/e2e.mjs): PAR, code,
// token, userinfo and refresh all DPoP-bound, and the bound token refused
// without a proof, as Bearer, with another key's proof and with a used
// proof. Twice: at the sandbox, which requires server nonces, with a
// client secret and --dpop-bound-access-tokens; and at a tenant in the
// FAPI 2.0 profile with a private_key_jwt client.
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
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = dir
	if out, err := install.CombinedOutput(); err != nil {
		t.Skipf("!!! openid-client DPoP E2E NOT RUN: npm install failed (no registry?): %v\n%s", err, out)
	}

	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), func(cfg *Config) {
		for i := range cfg.Tenants {
			switch cfg.Tenants[i].Name {
			case "sandbox":
				cfg.Tenants[i].DPoPNonce = true
			case "main":
				cfg.Tenants[i].Profile = "fapi2"
			}
		}
	}, time.Now)
	kari, _ := population.Generate(time.Now().In(representation.Oslo)).Lookup(population.KeyKari)
	redirect := "http://127.0.0.1:9/callback"
	run := func(t *testing.T, tenant string, env ...string) e2eReport {
		t.Helper()
		node := exec.CommandContext(ctx, "node", "e2e.mjs")
		node.Dir = dir
		node.Env = append(append(os.Environ(), "ISSUER="+srv.base+"/"+tenant, "REDIRECT_URI="+redirect, "LOGIN_HINT=testid:"+kari.PID), env...)
		var stderr strings.Builder
		node.Stderr = &stderr
		out, err := node.Output()
		if err != nil {
			t.Fatalf("e2e.mjs: %v\n%s", err, stderr.String())
		}
		t.Logf("report: %s", out)
		var r e2eReport
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("report %q: %v", out, err)
		}
		r.check(t, kari.PID)
		return r
	}

	t.Run("sandbox with nonces", func(t *testing.T) {
		secret := strings.Repeat("d", 40)
		c.on(t).ok("clients", "create", "--tenant", "sandbox", "--id", "dpop-tool", "--secret", secret,
			"--redirect-uri", redirect, "--scope", "openid profile pid offline_access", "--dpop-bound-access-tokens")
		r := run(t, "sandbox", "CLIENT_ID=dpop-tool", "CLIENT_SECRET="+secret)
		if len(r.NonceChallenges) == 0 || r.NonceChallenges[0] != "/sandbox/par" {
			t.Errorf("no use_dpop_nonce round trip at PAR first: %v", r.NonceChallenges)
		}
	})
	t.Run("fapi2 tenant", func(t *testing.T) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv, _ := json.Marshal(jose.JSONWebKey{Key: k, KeyID: "bank-1", Algorithm: "ES256", Use: "sig"})
		pub, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "bank-1", Algorithm: "ES256", Use: "sig"}}})
		// The registration FAPI 2.0 asks for, spelled out: the CLI does
		// not read the test's configuration hook.
		c.on(t).ok("clients", "create", "--tenant", "main", "--id", "bank", "--auth-method", "private_key_jwt",
			"--jwks", string(pub), "--token-endpoint-auth-signing-alg", "ES256", "--id-token-alg", "PS256",
			"--require-par", "--dpop-bound-access-tokens",
			"--redirect-uri", redirect, "--scope", "openid profile pid offline_access")
		r := run(t, "main", "CLIENT_ID=bank", "CLIENT_JWK="+string(priv), "ID_TOKEN_ALG=PS256")
		if r.IDTokenAlg != "PS256" || strings.Join(r.Algs, " ") != "ES256 PS256 EdDSA" {
			t.Errorf("FAPI 2.0: ID token alg %s, DPoP algs %v", r.IDTokenAlg, r.Algs)
		}
	})
}

// e2eReport is what e2e.mjs prints.
type e2eReport struct {
	Algs                 []string `json:"dpop_signing_alg_values_supported"`
	IDTokenAlg           string   `json:"id_token_alg"`
	TokenType            string   `json:"token_type"`
	UserinfoPID          string   `json:"userinfo_pid"`
	RefreshedTokenType   string   `json:"refreshed_token_type"`
	RefreshedUserinfoPID string   `json:"refreshed_userinfo_pid"`
	NonceChallenges      []string `json:"nonce_challenges"`
	OtherKey             struct {
		Accepted bool `json:"accepted"`
		Status   int  `json:"status"`
	} `json:"other_key"`
	ReplaySameProof   e2eRefusal `json:"replay_same_proof"`
	WithoutProof      e2eRefusal `json:"without_proof"`
	AsBearer          e2eRefusal `json:"as_bearer"`
	RefreshedAsBearer e2eRefusal `json:"refreshed_as_bearer"`
}

type e2eRefusal struct {
	Status          int    `json:"status"`
	WWWAuthenticate string `json:"www_authenticate"`
}

// check: everything DPoP-bound, every replay refused with a DPoP
// challenge.
func (r e2eReport) check(t *testing.T, pid string) {
	t.Helper()
	if len(r.Algs) == 0 || !strings.EqualFold(r.TokenType, "dpop") || r.UserinfoPID != pid ||
		!strings.EqualFold(r.RefreshedTokenType, "dpop") || r.RefreshedUserinfoPID != pid {
		t.Errorf("the DPoP flow: %+v", r)
	}
	if r.OtherKey.Accepted || r.OtherKey.Status != 401 {
		t.Errorf("userinfo with another key's proof: %+v", r.OtherKey)
	}
	for what, tc := range map[string]struct {
		got  e2eRefusal
		code string
	}{
		"the same proof again":          {r.ReplaySameProof, "invalid_dpop_proof"},
		"no proof":                      {r.WithoutProof, "invalid_token"},
		"as Bearer":                     {r.AsBearer, "invalid_token"},
		"the refreshed token as Bearer": {r.RefreshedAsBearer, "invalid_token"},
	} {
		if tc.got.Status != 401 || !strings.HasPrefix(tc.got.WWWAuthenticate, `DPoP error="`+tc.code+`"`) {
			t.Errorf("%s: %d %q, want 401 with a DPoP %s challenge", what, tc.got.Status, tc.got.WWWAuthenticate, tc.code)
		}
	}
}
