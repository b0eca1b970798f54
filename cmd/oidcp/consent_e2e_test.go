package main

// End-to-end proof of consent grants and their revocation: go-oidc and
// x/oauth2 against the real server on SQLite and PostgreSQL, a test RP
// back-channel endpoint that verifies logout tokens against the JWKS, the
// CLI and the admin API.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/backchannel"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/provider"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

func (e *e2eEnv) adminPost(t *testing.T, path string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	return vendorDo(t, http.MethodPost, e.admin+path, consentAdminToken, string(b))
}

// TestConsentRevocationE2E: a data-exchange scope is not issued without a
// grant (the consent page asks); with one, the tokens carry it; revoking the
// grant (CLI on one backend, admin API on the other) kills every token
// of it at once (refresh invalid_grant, introspection inactive, userinfo
// 401) and the client receives a logout token that verifies against the
// JWKS. The kill-switch then revokes another client's grants and tokens
// and leaves a third client's alone.
func TestConsentRevocationE2E(t *testing.T) {
	for i, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			e := startConsentE2E(t, b)
			rcv := newBCLReceiver(t)
			kari := syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 9)
			c := e.register(t, "sandbox", "measure", "--scope", dataScope, "--backchannel-logout-uri", rcv.uri())
			c.scopes = append(c.scopes, dataScope)
			rp := e.rp(t, c)

			// scopes_supported lists the data-exchange scopes;
			// back-channel logout is advertised.
			var disc map[string]any
			getJSON(t, e.issuer("sandbox")+"/.well-known/openid-configuration", &disc)
			if ss, _ := disc["scopes_supported"].([]any); !slices.Contains(ss, any(dataScope)) || disc["backchannel_logout_supported"] != true {
				t.Fatalf("discovery: scopes_supported %v, backchannel_logout_supported %v", disc["scopes_supported"], disc["backchannel_logout_supported"])
			}

			// No grant: the person is asked first, the data scope never
			// silently issued.
			if q, v, err := rp.authorizeE(newBrowser(), rp.authURL(kari)); err == nil || v.status != http.StatusOK || !strings.Contains(v.body, `action="`+e.issuer("sandbox")+`/consent"`) {
				t.Fatalf("without a grant: %v %v %s, want the consent page", q, err, v)
			}

			g := e.grantVia(t, c, kari)
			tk := rp.login(t, newBrowser(), kari)
			if m := e.wantActive(t, c, tk.access, true, "access token under the grant"); !strings.Contains(m["scope"].(string), dataScope) {
				t.Fatalf("introspection scope %v lacks %s", m["scope"], dataScope)
			}
			rotated, err := rp.refreshE(tk.refresh)
			if err != nil {
				t.Fatal(err)
			}
			// A second login of the same person and client gets the
			// same grant (no second consent).
			tk2 := rp.login(t, newBrowser(), kari)
			for _, s := range []string{tk.access, rotated.access, tk2.access} {
				rec := findAccessRecord(t, e, "sandbox", c.id, s)
				if rec.GrantID != g.ID {
					t.Fatalf("an access token records grant %q, want %q", rec.GrantID, g.ID)
				}
			}

			// Revoke: by CLI on the first backend, by the admin API on
			// the second.
			if i == 0 {
				e.cli.on(t).ok("consent", "revoke", "--tenant", "sandbox", "--id", g.ID, "--reason", "test")
			} else if st, m := e.adminPost(t, "/admin/v1/tenants/sandbox/grants/"+g.ID+"/revoke", map[string]string{"reason": "test"}); st != http.StatusOK {
				t.Fatalf("admin revoke: %d %v", st, m)
			}
			for _, s := range []*tokens{rotated, tk2} {
				e.wantActive(t, c, s.access, false, "access token after the grant was revoked")
				if _, err := rp.refreshE(s.refresh); err == nil {
					t.Fatal("refresh after the grant was revoked succeeded")
				} else if code, _ := oauthError(err); code != "invalid_grant" {
					t.Fatalf("refresh after revocation: %v, want invalid_grant", err)
				}
				if st, _ := e.userinfoPost(t, "sandbox", s.access); st != http.StatusUnauthorized {
					t.Fatalf("userinfo after revocation: %d, want 401", st)
				}
			}
			// One logout token per login session, each verifiable.
			got := rcv.waitTokens(t, 2, 15*time.Second)
			sids := map[any]bool{}
			for _, raw := range got[:2] {
				claims := verifyLogoutToken(t, e.issuer("sandbox"), c.id, raw, tk.id.Subject, "")
				sids[claims["sid"]] = true
			}
			if !sids[tk.claims.SID] || !sids[tk2.claims.SID] {
				t.Fatalf("logout tokens name sids %v, want %s and %s", sids, tk.claims.SID, tk2.claims.SID)
			}
			if evs := e.events(t, "sandbox", consent.EventRevoked); len(evs) != 1 || evs[0].GrantID != g.ID {
				t.Fatalf("consent_revoked events: %+v", evs)
			}
			waitEvents(t, e, "sandbox", backchannel.EventDelivered, 2)

			// JWT access tokens (RFC 9068) record the grant alike and
			// die with it.
			jc := e.register(t, "sandbox", "measure-jwt", "--scope", dataScope, "--access-token-format", "jwt")
			jc.scopes = c.scopes
			jg := e.grantVia(t, jc, kari)
			jtk := e.rp(t, jc).login(t, newBrowser(), kari)
			if strings.Count(jtk.access, ".") != 2 || findAccessRecord(t, e, "sandbox", jc.id, jtk.access).GrantID != jg.ID {
				t.Fatal("the JWT access token does not record its grant")
			}
			e.cli.on(t).ok("consent", "revoke", "--tenant", "sandbox", "--id", jg.ID)
			e.wantActive(t, jc, jtk.access, false, "JWT access token after its grant was revoked")
			if st, _ := e.userinfoPost(t, "sandbox", jtk.access); st != http.StatusUnauthorized {
				t.Fatalf("userinfo with a revoked JWT access token: %d", st)
			}

			// The kill-switch.
			bad := e.register(t, "sandbox", "bad-tool", "--scope", dataScope, "--backchannel-logout-uri", rcv.uri())
			bad.scopes = c.scopes
			good := e.register(t, "sandbox", "good-tool", "--scope", dataScope)
			good.scopes = c.scopes
			e.grantVia(t, bad, kari)
			e.grantVia(t, good, kari)
			badTk := e.rp(t, bad).login(t, newBrowser(), kari)
			goodTk := e.rp(t, good).login(t, newBrowser(), kari)
			if i == 0 {
				out := e.cli.on(t).ok("clients", "disable", "--tenant", "sandbox", "--id", bad.id, "--reason", "leaked secret")
				if !strings.Contains(out, `"client_credentials_tokens_voided": true`) {
					t.Fatalf("clients disable does not say the sealed tokens are void: %s", out)
				}
			} else if st, m := e.adminPost(t, "/admin/v1/tenants/sandbox/clients/"+bad.id+"/disable", map[string]string{"reason": "leaked secret", "operator": "ops"}); st != http.StatusOK || m["client_credentials_tokens_voided"] != true {
				t.Fatalf("admin disable: %d %v", st, m)
			}
			e.wantActive(t, good, badTk.access, false, "disabled client's access token")
			e.wantActive(t, good, goodTk.access, true, "another client's access token")
			if _, err := e.rp(t, bad).refreshE(badTk.refresh); err == nil {
				t.Fatal("a disabled client refreshed")
			} else if code, _ := oauthError(err); code != "invalid_client" {
				t.Fatalf("disabled client at /token: %v, want invalid_client", err)
			}
			if q, _, err := e.rp(t, bad).authorizeE(newBrowser(), e.rp(t, bad).authURL(kari)); err == nil && q.Get("code") != "" {
				t.Fatal("a disabled client started a login")
			}
			rcv.waitTokens(t, 3, 15*time.Second)
			evs := e.events(t, "sandbox", "client_disabled")
			if len(evs) != 1 || !strings.Contains(string(evs[0].Detail), "leaked secret") {
				t.Fatalf("client_disabled events: %+v", evs)
			}
			// enable reverses only the disabling: the old grant stays
			// revoked, so a data scope needs a new one.
			e.cli.on(t).ok("clients", "enable", "--tenant", "sandbox", "--id", bad.id)
			time.Sleep(provider.ClientCacheTTL + 100*time.Millisecond)
			q, v, err := e.rp(t, bad).authorizeE(newBrowser(), e.rp(t, bad).authURL(kari))
			if err == nil || v.status != http.StatusOK || !strings.Contains(v.body, `value="allow"`) {
				t.Fatalf("after enable: %v %v %s, want the consent page (grants stay revoked)", q, err, v)
			}
		})
	}
}

// findAccessRecord finds the stored record of an access token by asking
// which of the client's active access token records introspect alike;
// the adapter stores by signature, which for an opaque token is the part
// after the dot.
func findAccessRecord(t *testing.T, e *e2eEnv, tenant, clientID, access string) storage.TokenRecord {
	t.Helper()
	sig := access[strings.LastIndexByte(access, '.')+1:]
	rec, err := e.store.GetToken(context.Background(), tenant, storage.KindAccessToken, sig)
	if err != nil {
		t.Fatalf("access token record: %v", err)
	}
	if rec.ClientID != clientID {
		t.Fatalf("record of client %q, want %q", rec.ClientID, clientID)
	}
	return rec
}

// TestRepresentationEndRevokesGrant: a grant a parent gave for a child
// covers the parent's login for the child; when the child turns 16 the
// refresh fails and the grant itself is revoked (relation_ended), so no
// later login reuses it.
func TestRepresentationEndRevokesGrant(t *testing.T) {
	start := time.Now()
	s := startRepServer(t, start, "--refresh-token-lifetime", "9000h")
	tool := s.client(t, "sandbox", "grant-tool", "--accept-relation", "parent", "--scope", dataScope)
	tool.conf.Scopes = append(tool.conf.Scopes, dataScope)
	today := start.In(representation.Oslo)
	day := func(years, days int) time.Time {
		d := today.AddDate(years, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, representation.Oslo)
	}
	eva := syntheticPID(t, day(-44, 0), 21)
	per := syntheticPID(t, day(-16, 10), 22) // turns 16 in ten days
	s.cli.ok("persons", "import", "--registry", "synthetic", writeFile(t, "family.json", fmt.Sprintf(`{"persons":[
  {"pid":%q,"given_name":"Eva","family_name":"Testmor"},{"pid":%q,"given_name":"Per","family_name":"Testmor"}],
 "relations":[{"id":"test:parent:eva:per","kind":"parent","holder":%q,"subject":%q}]}`, eva, per, eva, per)))
	var g storage.Grant
	if err := json.Unmarshal([]byte(s.cli.ok("consent", "grant", "--tenant", "sandbox", "--client", "grant-tool",
		"--subject", per, "--actor", eva, "--relation", "parent", "--scope", dataScope)), &g); err != nil {
		t.Fatal(err)
	}

	b := newBrowser()
	_, verifier, ch := b.authorize(t, tool, eva, oauth2.SetAuthURLParam("prompt", "select_account"))
	if ch == nil {
		t.Fatal("no chooser")
	}
	code, _, body := b.choose(t, tool, ch, per)
	if code == "" {
		t.Fatalf("acting for Per under the parent's grant failed:\n%.1000s", body)
	}
	tok, _ := tool.tokens(t, code, verifier)

	s.clock.set(day(0, 10).Add(time.Minute)) // Per's 16th birthday
	if status, body := tool.refresh(t, tok.RefreshToken); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("refresh after the relation ended: %d %v", status, body)
	}
	var gs []storage.Grant
	if err := json.Unmarshal([]byte(s.cli.ok("consent", "list", "--tenant", "sandbox", "--client", "grant-tool")), &gs); err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1 || gs[0].ID != g.ID || gs[0].RevokedAt == nil || gs[0].RevokedBy != consent.RevokedByRelationEnded {
		t.Fatalf("grants after the relation ended: %+v, want %s revoked by relation_ended", gs, g.ID)
	}
}
