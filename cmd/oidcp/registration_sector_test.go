package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/registration"
)

// Security review, defect 3: a tool must not get another tool's pairwise
// sub. The sector was the host of the first redirect URI, so listing a
// victim's URI first borrowed its sector (and re-identified the users of
// a pseudonymous tool), and every native client on http://127.0.0.1
// shared the sector "127.0.0.1".
func TestPairwiseSectorCannotBeBorrowed(t *testing.T) {
	e := startConsentE2E(t, e2eBackends()[0])
	kari := syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 9)
	victim := e.register(t, "sandbox", "victim", "--category", "pseudonymous")
	victimSub := e.rp(t, victim, "openid", "profile").login(t, newBrowser(), kari).id.Subject

	t.Run("DynamicRegistrationRefused", func(t *testing.T) {
		iat, _, err := registration.IssueToken(t.Context(), e.store, "sandbox", "evil", 24*time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, e.issuer("sandbox")+"/register", strings.NewReader(
			`{"client_name":"evil","redirect_uris":["https://victim.example/unused","https://evil.example/cb"],"scope":"openid profile pid"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+iat)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Error, ErrorDescription string }
		var raw map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&raw)
		body.Error, body.ErrorDescription = raw["error"], raw["error_description"]
		if resp.StatusCode != http.StatusBadRequest || body.Error != "invalid_redirect_uri" ||
			!strings.Contains(body.ErrorDescription, "redirect_uris") || !strings.Contains(body.ErrorDescription, "one host") {
			t.Fatalf("registration on two hosts: %d %+v, want 400 invalid_redirect_uri naming redirect_uris and why", resp.StatusCode, body)
		}
	})

	t.Run("CLIRefused", func(t *testing.T) {
		_, stderr, code := e.cli.on(t).run("clients", "create", "--tenant", "sandbox", "--id", "evil-cli",
			"--redirect-uri", "https://victim.example/unused", "--redirect-uri", "https://evil.example/cb")
		if code == 0 || !strings.Contains(stderr, "redirect_uris") || !strings.Contains(stderr, "sector") {
			t.Fatalf("CLI registration on two hosts: exit %d, stderr %q; want a refusal naming redirect_uris and the sector", code, stderr)
		}
		// The operator may vouch for several hosts with a sector identifier.
		e.cli.on(t).ok("clients", "create", "--tenant", "sandbox", "--id", "multi-host",
			"--redirect-uri", "https://a.multi.example/cb", "--redirect-uri", "https://b.multi.example/cb",
			"--sector-identifier", "multi.example")
	})

	t.Run("StoredMultiHostClientGetsOwnSector", func(t *testing.T) {
		// A client registered before the check (written to storage
		// directly) no longer gets the sector of its first URI's host.
		c, err := e.store.GetClient(t.Context(), "sandbox", "victim")
		if err != nil {
			t.Fatal(err)
		}
		c.ID, c.Category = "legacy", "identified"
		c.RedirectURIs = []string{"https://victim.example/unused", "https://legacy.example/cb"}
		c.PostLogoutRedirectURIs = nil
		if err := e.store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		legacy := e2eClient{tenant: "sandbox", id: "legacy", secret: victim.secret, redirect: "https://legacy.example/cb",
			scopes: []string{"openid", "profile", "pid"}}
		tk := e.rp(t, legacy).login(t, newBrowser(), kari)
		if tk.id.Subject == victimSub {
			t.Fatalf("a client listing the victim's redirect URI got the victim's sub %q", victimSub)
		}
	})

	t.Run("LoopbackClientsDiffer", func(t *testing.T) {
		subs := map[string]string{}
		for _, id := range []string{"native-a", "native-b"} {
			c := e2eClient{tenant: "sandbox", id: id, secret: "secret-" + id + "-" + strings.Repeat("x", 32),
				redirect: "http://127.0.0.1:9/cb", scopes: []string{"openid", "profile"}}
			e.cli.on(t).ok("clients", "create", "--tenant", "sandbox", "--id", id, "--secret", c.secret,
				"--redirect-uri", c.redirect, "--scope", "openid profile")
			subs[id] = e.rp(t, c).login(t, newBrowser(), kari).id.Subject
		}
		if subs["native-a"] == subs["native-b"] {
			t.Fatalf("two loopback clients share the sub %q", subs["native-a"])
		}
	})
}
