package main

// Regression tests of the security review's findings, end to end.

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/registration"
	"github.com/oidcp/oidcp/storage"
)

// vendorToken issues vendor's initial access token in tenant.
func (e *e2eEnv) vendorToken(t *testing.T, tenant, vendor string) string {
	t.Helper()
	iat, _, err := registration.IssueToken(t.Context(), e.store, tenant, vendor, 24*time.Hour, e.clock.now())
	if err != nil {
		t.Fatal(err)
	}
	return iat
}

// registerVendor registers md at tenant's RFC 7591 endpoint with a new
// initial access token of vendor and returns the status and answer.
func (e *e2eEnv) registerVendor(t *testing.T, tenant, vendor, md string) (int, map[string]any) {
	t.Helper()
	return vendorDo(t, http.MethodPost, e.issuer(tenant)+"/register", e.vendorToken(t, tenant, vendor), md)
}

// vendorDo sends a request with a bearer token and a JSON body (a
// vendor's, or the admin API's) and returns the status and JSON answer.
func vendorDo(t *testing.T, method, u, bearer, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
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

// TestVendorResetAndDeleteRevokeGrants: a vendor's reset and an RFC 7592
// delete revoke the client's consent grants through the consent service,
// not delete them: each grant is revoked (by vendor, reason vendor_reset
// or client_deleted), the usage log has its consent_revoked entry, and a
// back-channel logout is queued for a client that takes them.
func TestVendorResetAndDeleteRevokeGrants(t *testing.T) {
	e := startConsentE2E(t, e2eBackends()[0])
	rcv := newBCLReceiver(t)
	kari := syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 9)
	iat := e.vendorToken(t, "sandbox", "acme")
	reg := func(name string) (e2eClient, string) {
		st, m := vendorDo(t, http.MethodPost, e.issuer("sandbox")+"/register", iat,
			`{"client_name":"`+name+`","redirect_uris":["https://`+name+`.example/cb"],"scope":"openid profile pid `+dataScope+`","backchannel_logout_uri":"`+rcv.uri()+`"}`)
		if st != http.StatusCreated {
			t.Fatalf("register %s: %d %v", name, st, m)
		}
		return e2eClient{tenant: "sandbox", id: m["client_id"].(string)}, m["registration_access_token"].(string)
	}
	resetC, _ := reg("reset-tool")
	delC, rat := reg("deleted-tool")
	gReset, gDel := e.grantVia(t, resetC, kari), e.grantVia(t, delC, kari)

	if st, m := vendorDo(t, http.MethodDelete, e.issuer("sandbox")+"/register/"+delC.id, rat, ""); st != http.StatusNoContent {
		t.Fatalf("registration delete: %d %v", st, m)
	}
	st, m := vendorDo(t, http.MethodPost, e.issuer("sandbox")+"/vendor/reset", iat, "")
	if st != http.StatusOK || m["grants"] != float64(1) {
		t.Fatalf("vendor reset: %d %v, want 200 with grants 1", st, m)
	}

	for _, w := range []struct {
		g      storage.Grant
		reason string
	}{{gReset, "vendor_reset"}, {gDel, "client_deleted"}} {
		g, err := e.store.GetGrant(t.Context(), "sandbox", w.g.ID)
		if err != nil {
			t.Fatalf("grant %s: %v (a grant is revoked, never deleted)", w.g.ID, err)
		}
		if g.RevokedAt == nil || g.RevokedBy != consent.RevokedByVendor || g.RevokedReason != w.reason {
			t.Fatalf("grant of the %s client: revoked_at %v by %q reason %q, want by vendor, reason %s", w.reason, g.RevokedAt, g.RevokedBy, g.RevokedReason, w.reason)
		}
		found := false
		for _, ev := range e.events(t, "sandbox", consent.EventRevoked) {
			found = found || (ev.GrantID == g.ID && strings.Contains(string(ev.Detail), w.reason))
		}
		if !found {
			t.Fatalf("no consent_revoked usage-log entry for grant %s (%s)", g.ID, w.reason)
		}
		out, err := e.store.ListOutbox(t.Context(), "sandbox", g.ClientID)
		if err != nil || len(out) != 1 || out[0].GrantID != g.ID || out[0].Reason != w.reason {
			t.Fatalf("back-channel outbox of the %s client: %+v, %v; want one logout for the grant", w.reason, out, err)
		}
	}
}

// TestConsentGrantRefusesPowerOfAttorney: `oidcp consent grant` refuses
// an ordinary power of attorney (which may not consent on the giver's
// behalf) with a clear message, and a parent's grant only when the
// relation holds in the tenant's registry now.
func TestConsentGrantRefusesPowerOfAttorney(t *testing.T) {
	c := newCLI(t)
	c.flags = []string{"--dev"}
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "tool", "--redirect-uri", "https://tool.example/cb", "--scope", "openid "+dataScope)
	now := time.Now().In(time.UTC)
	eva := syntheticPID(t, now.AddDate(-44, 0, 0), 21)
	per := syntheticPID(t, now.AddDate(-8, 0, 0), 22)
	ola := syntheticPID(t, now.AddDate(-70, 0, 0), 23)
	c.ok("persons", "import", "--registry", "synthetic", writeFile(t, "family.json", fmt.Sprintf(`{"persons":[
  {"pid":%q,"given_name":"Eva","family_name":"Testmor"},{"pid":%q,"given_name":"Per","family_name":"Testmor"},{"pid":%q,"given_name":"Ola","family_name":"Testfar"}],
 "relations":[{"id":"test:parent:eva:per","kind":"parent","holder":%q,"subject":%q},
  {"id":"test:poa:eva:ola","kind":"power_of_attorney","holder":%q,"subject":%q,"service_areas":["health"]}]}`, eva, per, ola, eva, per, eva, ola)))
	grant := func(subject, actor, relation string) (string, int) {
		_, errs, code := c.run("consent", "grant", "--tenant", "sandbox", "--client", "tool", "--subject", subject, "--actor", actor, "--relation", relation, "--scope", dataScope)
		return errs, code
	}
	if errs, code := grant(ola, eva, "power_of_attorney"); code == 0 || !strings.Contains(errs, "may not consent") || !strings.Contains(errs, "--relation power_of_attorney") {
		t.Fatalf("grant under an ordinary power of attorney: exit %d, stderr %q", code, errs)
	}
	if errs, code := grant(per, ola, "parent"); code == 0 || !strings.Contains(errs, "does not hold") {
		t.Fatalf("grant under a parent relation the registry lacks: exit %d, stderr %q", code, errs)
	}
	if errs, code := grant(per, eva, "parent"); code != 0 {
		t.Fatalf("grant under a parent relation that holds: exit %d, stderr %q", code, errs)
	}
	if out := c.ok("consent", "list", "--tenant", "sandbox", "--client", "tool", "--active"); strings.Count(out, `"id"`) != 1 {
		t.Fatalf("active grants: %s, want only the parent's", out)
	}
}

// TestConsentGrantValidatesInput: the operator's grant refuses what the
// consent page could never record, each with an error naming the flag: a
// subject or actor that is no fødselsnummer, and a scope the client is
// not registered for.
func TestConsentGrantValidatesInput(t *testing.T) {
	c := newCLI(t)
	c.flags = []string{"--dev"}
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "tool", "--redirect-uri", "https://tool.example/cb", "--scope", "openid "+dataScope)
	kari := syntheticPID(t, time.Now().AddDate(-40, 0, 0), 31)
	bad := kari[:10] + string(rune('0'+(kari[10]-'0'+1)%10)) // wrong check digit
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad subject", []string{"--subject", bad, "--scope", dataScope}, "--subject: not a valid fødselsnummer"},
		{"short subject", []string{"--subject", "123", "--scope", dataScope}, "--subject: not a valid fødselsnummer"},
		{"bad actor", []string{"--subject", kari, "--actor", bad, "--relation", "parent", "--scope", dataScope}, "--actor: not a valid fødselsnummer"},
		{"unregistered scope", []string{"--subject", kari, "--scope", "health:appointments"}, `--scope "health:appointments": client "tool" is not registered for it`},
		{"unknown scope", []string{"--subject", kari, "--scope", "health:nothing"}, `--scope "health:nothing": client "tool" is not registered for it`},
	} {
		args := append([]string{"consent", "grant", "--tenant", "sandbox", "--client", "tool"}, tc.args...)
		_, errs, code := c.run(args...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", tc.name, code, errs, tc.want)
		}
		if strings.Contains(errs, bad) {
			t.Errorf("%s: the error repeats the number", tc.name)
		}
	}
	if out := c.ok("consent", "list", "--tenant", "sandbox", "--client", "tool"); strings.Contains(out, `"id"`) {
		t.Fatalf("a refused grant was recorded: %s", out)
	}
	c.ok("consent", "grant", "--tenant", "sandbox", "--client", "tool", "--subject", kari, "--scope", dataScope)
}
