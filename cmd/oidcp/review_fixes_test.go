package main

// Regression tests of the security review's findings, end to end.

import (
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/registration"
)

// registerVendor registers md at tenant's RFC 7591 endpoint with a new
// initial access token of vendor and returns the status and answer.
func (e *e2eEnv) registerVendor(t *testing.T, tenant, vendor, md string) (int, map[string]any) {
	t.Helper()
	iat, _, err := registration.IssueToken(t.Context(), e.store, tenant, vendor, 24*time.Hour, e.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, e.issuer(tenant)+"/register", strings.NewReader(md))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+iat)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

// TestClientCredentialsRefusesDataScopes: a data-exchange scope is about
// a citizen's data and needs the citizen's grant, which a machine client
// has not: a client_credentials-only client cannot be registered for one
// (CLI and RFC 7591), and a client that may hold one for its user flows
// gets invalid_scope asking for it through client_credentials.
func TestClientCredentialsRefusesDataScopes(t *testing.T) {
	e := startConsentE2E(t, e2eBackends()[0])
	_, errs, code := e.cli.on(t).run("clients", "create", "--tenant", "sandbox", "--id", "svc", "--secret", strings.Repeat("s", 40),
		"--grant-type", "client_credentials", "--scope", "api:read "+dataScope)
	if code == 0 || !strings.Contains(errs, "data-exchange scope") {
		t.Fatalf("CLI registered a client_credentials client for %s: exit %d, stderr %q", dataScope, code, errs)
	}
	st, m := e.registerVendor(t, "sandbox", "acme", `{"client_name":"svc","grant_types":["client_credentials"],"scope":"`+dataScope+`"}`)
	if st != http.StatusBadRequest || m["error"] != "invalid_client_metadata" {
		t.Fatalf("RFC 7591 registered a client_credentials client for %s: %d %v", dataScope, st, m)
	}

	both := e.register(t, "sandbox", "both", "--scope", dataScope,
		"--grant-type", "authorization_code", "--grant-type", "refresh_token", "--grant-type", "client_credentials")
	tokenURL := e.issuer("sandbox") + "/token"
	st, m, _ = postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {dataScope}}, basicAuth(both.id, both.secret))
	if st != http.StatusBadRequest || m["error"] != "invalid_scope" || m["access_token"] != nil {
		t.Fatalf("client_credentials with %s: %d %v, want 400 invalid_scope", dataScope, st, m)
	}
	st, m, _ = postForm(t, tokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {"profile"}}, basicAuth(both.id, both.secret))
	if st != http.StatusOK || m["access_token"] == nil {
		t.Fatalf("client_credentials without a data scope: %d %v", st, m)
	}
}

// TestCodeUnderRevokedGrantIsRefused: a grant revoked between the
// grant check at code issuance and the code's storage leaves an active
// code recording a revoked grant; redeeming it is invalid_grant and
// issues no token.
func TestCodeUnderRevokedGrantIsRefused(t *testing.T) {
	e := startConsentE2E(t, e2eBackends()[0]) // SQLite: the test writes the row directly
	kari := syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 9)
	c := e.register(t, "sandbox", "measure", "--scope", dataScope)
	c.scopes = append(c.scopes, dataScope)
	g := e.grantVia(t, c, kari)
	rp := e.rp(t, c)
	code, a, _, err := rp.loginE(newBrowser(), kari)
	if err != nil {
		t.Fatal(err)
	}
	// The interleaving: the grant is revoked, but the code (stored
	// after the revocation swept the grant's codes) stays active.
	db, err := sql.Open("sqlite", strings.TrimPrefix(e.dsn, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE grants SET revoked_at = created_at, revoked_by = 'citizen' WHERE id = ?`, g.ID); err != nil {
		t.Fatal(err)
	}
	tk, err := rp.exchangeE(code, a.verifier)
	if err == nil {
		t.Fatalf("a code under a revoked grant was redeemed: access token %q", tk.access)
	}
	if ec, _ := oauthError(err); ec != "invalid_grant" {
		t.Fatalf("redeeming a code under a revoked grant: %v, want invalid_grant", err)
	}
	if evs := e.events(t, "sandbox", audit.CodeReuseDetected); len(evs) != 0 {
		t.Fatalf("the refused redemption was logged as a code replay: %+v", evs)
	}
	var active int
	if err := db.QueryRow(`SELECT count(*) FROM tokens WHERE tenant = 'sandbox' AND client_id = ? AND active`, c.id).Scan(&active); err != nil || active != 0 {
		t.Fatalf("%d active codes or tokens after the refused redemption (%v), want 0", active, err)
	}
}
