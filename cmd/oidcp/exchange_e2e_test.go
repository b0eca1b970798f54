package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/oidcp/oidcp/population"
)

const tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"

// TestTokenExchangeStory is issue 13's token exchange end to end, over
// `oidcp serve`: Kari logs in to a tool acting for her daughter Ingrid
// (x/oauth2 + go-oidc, the chooser answered like a browser); the tool's
// backend exchanges her access token for one for the eHelse API, which
// the operator registered with an inbound access policy listing the
// tool; the API introspects it and exchanges it onward for the journal
// API, getting an RFC 9068 JWT it verifies against the tenant's JWKS.
// The representation goes along unchanged, act names who exchanged, and
// a client the policy does not list is refused.
func TestTokenExchangeStory(t *testing.T) {
	s := startRepServer(t, time.Now())
	tool := s.client(t, "sandbox", "family-tool", "--accept-relation", "parent", "--grant-type", tokenExchangeGrant)
	apiSecret := rand.Text() + rand.Text()
	cli := s.cli.on(t)
	cli.ok("clients", "create", "--tenant", "sandbox", "--id", "ehelse-api", "--secret", apiSecret,
		"--grant-type", tokenExchangeGrant, "--scope", "pid profile", "--access-token-format", "jwt")
	cli.ok("resources", "add", "--tenant", "sandbox", "--audience", "ehelse-api", "--name", "eHelse API",
		"--allow-client", "family-tool", "--scope", "pid profile")
	cli.ok("resources", "add", "--tenant", "sandbox", "--audience", "https://api.example/journal",
		"--allow-client", "ehelse-api")

	var md struct {
		GrantTypes []string `json:"grant_types_supported"`
	}
	if err := tool.prov.Claims(&md); err != nil || !slices.Contains(md.GrantTypes, tokenExchangeGrant) {
		t.Fatalf("discovery grant_types_supported = %v (%v)", md.GrantTypes, err)
	}

	kari, ingrid := s.pid(t, population.KeyKari), s.pid(t, population.KeyIngrid)
	b := newBrowser()
	_, verifier, ch := b.authorize(t, tool, kari)
	if ch == nil {
		t.Fatal("no chooser for Kari at a tool that accepts parents")
	}
	code, _, _ := b.choose(t, tool, ch, ingrid)
	tok, idt := tool.tokens(t, code, verifier)
	if rep := repClaim(t, idt); rep["relation"] != "parent" {
		t.Fatalf("ID token representation %v", rep)
	}

	// The tool's backend: a plain form POST with its client
	// authentication (x/oauth2 has no token exchange helper).
	exchange := func(id, secret, subject, audience string) (int, map[string]any) {
		t.Helper()
		status, out, _ := postForm(t, tool.conf.Endpoint.TokenURL, url.Values{
			"grant_type":         {tokenExchangeGrant},
			"subject_token":      {subject},
			"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
			"audience":           {audience},
		}, basicAuth(id, secret))
		return status, out
	}
	status, first := exchange("family-tool", tool.c.secret, tok.AccessToken, "ehelse-api")
	if status != http.StatusOK || first["issued_token_type"] != "urn:ietf:params:oauth:token-type:access_token" ||
		first["token_type"] != "Bearer" || first["refresh_token"] != nil {
		t.Fatalf("exchange: %d %v", status, first)
	}
	api := &relyingParty{issuer: tool.issuer, c: e2eClient{id: "ehelse-api", secret: apiSecret}}
	in := api.introspect(t, first["access_token"].(string))
	if in["active"] != true || in["sub"] != idt["sub"] || in["pid"] != kari || in["client_id"] != "family-tool" ||
		!jsonEqual(in["aud"], []string{"ehelse-api"}) || !jsonEqual(in["act"], map[string]any{"client_id": "family-tool"}) ||
		!jsonEqual(in["representation"], idt["representation"]) {
		t.Fatalf("the API's introspection of the exchanged token: %v\nID token: %v", in, idt)
	}

	// The tool may not have tokens for the journal: its policy lists
	// only the eHelse API.
	if status, out := exchange("family-tool", tool.c.secret, tok.AccessToken, "https://api.example/journal"); status != http.StatusBadRequest || out["error"] != "invalid_target" {
		t.Fatalf("tool to the journal: %d %v, want invalid_target", status, out)
	}

	// The API exchanges the token it was called with, onward.
	status, second := exchange("ehelse-api", apiSecret, first["access_token"].(string), "https://api.example/journal")
	if status != http.StatusOK {
		t.Fatalf("onward exchange: %d %v", status, second)
	}
	keys := oidc.NewRemoteKeySet(context.Background(), tool.issuer+"/jwks")
	payload, err := keys.VerifySignature(context.Background(), second["access_token"].(string))
	if err != nil {
		t.Fatalf("the onward token does not verify against the tenant's JWKS: %v", err)
	}
	var at map[string]any
	if err := json.Unmarshal(payload, &at); err != nil {
		t.Fatal(err)
	}
	rep, _ := at["representation"].(map[string]any)
	represented, _ := rep["represented"].(map[string]any)
	idRep := repClaim(t, idt)
	if at["iss"] != tool.issuer || at["sub"] != idt["sub"] || at["pid"] != nil || at["client_id"] != "ehelse-api" ||
		!jsonEqual(at["aud"], []string{"https://api.example/journal"}) ||
		!jsonEqual(at["act"], map[string]any{"client_id": "ehelse-api", "act": map[string]any{"client_id": "family-tool"}}) ||
		rep["relation"] != idRep["relation"] || rep["limited"] != idRep["limited"] || represented["pid"] != nil ||
		represented["sub"] != idRep["represented"].(map[string]any)["sub"] {
		t.Fatalf("onward token claims %v", at)
	}
	if at["exp"].(float64) > float64(tok.Expiry.Unix()+1) {
		t.Fatalf("onward token expires at %v, after the tool's token (%v)", at["exp"], tok.Expiry.Unix())
	}
}
