package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/handoff"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/storage"
)

// handoffTool registers a tool a portal can open: initiate_login_uri and
// one launch URI on a loopback host nobody listens on (the browser stops
// before it), accepting the parent relation.
func handoffTool(t *testing.T, s *repServer, id string) (*relyingParty, string, string) {
	t.Helper()
	initiate, launch := "http://127.0.0.1:9/"+id+"/initiate", "http://127.0.0.1:9/"+id+"/"
	rp := s.client(t, "sandbox", id, "--accept-relation", "parent", "--initiate-login-uri", initiate, "--launch-uri", launch)
	rp.conf.Scopes = []string{"openid", "profile"}
	return rp, initiate, launch
}

// portalLogin logs Kari in at the demo, the portal stand-in, acting for
// Jonas headlessly, and returns the portal's callback page.
func portalLogin(t *testing.T, s *repServer, b *browser, kari, jonas string) string {
	t.Helper()
	v, err := b.visit(s.base+"/demo/login?tenant=sandbox&pid="+kari+"&acting_for="+jonas, "http://127.0.0.1:9/")
	if err != nil || v.status != http.StatusOK || !strings.Contains(v.body, `id="tools"`) {
		t.Fatalf("portal login: %v %s", err, v)
	}
	return v.body
}

// launch presses "Åpne" for a tool at the portal and returns the URL
// oidcp sent the browser to (the tool's initiate_login_uri).
func launch(t *testing.T, s *repServer, b *browser, clientID, link string) *url.URL {
	t.Helper()
	resp, err := b.c.PostForm(s.base+"/demo/launch", url.Values{"tenant": {"sandbox"}, "client_id": {clientID}, "target_link_uri": {link}, "lang": {"nb"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("launch %s: %d (%v)", clientID, resp.StatusCode, err)
	}
	return loc
}

// handoffEvents are the usage log's hand-off events of the server.
func handoffEvents(t *testing.T, s *repServer, kind string) []storage.Event {
	t.Helper()
	evs, err := openTestStore(t, s.cli).ListEvents(t.Context(), storage.EventFilter{Tenant: "sandbox", Kinds: []string{kind}})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// lastRefusal is the reason of the newest hand-off refusal.
func lastRefusal(t *testing.T, s *repServer) string {
	t.Helper()
	evs := handoffEvents(t, s, audit.HandoffRefused)
	if len(evs) == 0 {
		return ""
	}
	var d struct {
		Reason string `json:"reason"`
	}
	_ = json.Unmarshal(evs[0].Detail, &d)
	return d.Reason
}

var reDemoIDToken = regexp.MustCompile(`(?s)<pre id="id-token">(.*?)</pre>`)

// TestHandoffE2E: Kari, logged in at the portal acting for Jonas, opens
// a tool; the tool's ordinary authorization request with the ticket as
// login_hint gets a code without any page, and its ID token carries the
// same representation as the portal's. A ticket never logs anyone in
// otherwise: replayed, expired, presented by another client or in
// another browser, it is refused, logged, and the flow is an ordinary
// login (the eID's login page, or the chooser where a session exists).
func TestHandoffE2E(t *testing.T) {
	s := startRepServer(t, time.Now())
	kari, jonas := s.pid(t, population.KeyKari), s.pid(t, population.KeyJonas)
	toolA, _, launchA := handoffTool(t, s, "tool-a")
	toolB, _, launchB := handoffTool(t, s, "tool-b")
	toolC, _, launchC := handoffTool(t, s, "tool-c")

	b := newBrowser()
	body := portalLogin(t, s, b, kari, jonas)
	var portalClaims map[string]any
	if m := reDemoIDToken.FindStringSubmatch(body); m == nil || json.Unmarshal([]byte(html.UnescapeString(m[1])), &portalClaims) != nil {
		t.Fatalf("no ID token on the portal's page:\n%.2000s", body)
	}
	portalRep := repClaim(t, portalClaims)
	if !strings.Contains(body, `id="open-tool-a"`) || !strings.Contains(body, `id="open-tool-c"`) {
		t.Fatalf("the portal lists not the tools:\n%.3000s", body)
	}

	// The hand-off.
	loc := launch(t, s, b, "tool-a", launchA)
	q := loc.Query()
	ticket := q.Get("login_hint")
	if loc.Path != "/tool-a/initiate" || q.Get("iss") != s.base+"/sandbox" || q.Get("target_link_uri") != launchA || !handoff.IsTicket(ticket) {
		t.Fatalf("hand-off URL %s", loc)
	}
	issued := handoffEvents(t, s, audit.HandoffIssued)
	if len(issued) != 1 || issued[0].ClientID != "tool-a" || issued[0].Actor != kari || issued[0].Subject != jonas ||
		!strings.Contains(string(issued[0].Detail), `"portal_client_id":"demo"`) || !strings.Contains(string(issued[0].Detail), `"target_client_id":"tool-a"`) {
		t.Fatalf("hand-off usage log: %+v", issued)
	}
	a := toolA.authURL("", oauth2.SetAuthURLParam("login_hint", ticket))
	res, v, err := toolA.authorizeE(b, a)
	if err != nil || res.Get("code") == "" {
		t.Fatalf("redeeming the ticket: %v %s", err, v)
	}
	for _, hop := range v.hops {
		if strings.Contains(hop, mockPath) || strings.Contains(hop, "/choose") || strings.Contains(hop, "/consent") {
			t.Errorf("a page was visited during the hand-off: %v", v.hops)
		}
	}
	if len(v.hops) != 1 {
		t.Errorf("the authorization request took %d hops, want the one straight to the tool: %v", len(v.hops), v.hops)
	}
	tk, err := toolA.exchangeE(res.Get("code"), a.verifier)
	if err != nil {
		t.Fatal(err)
	}
	var toolClaims map[string]any
	if err := tk.id.Claims(&toolClaims); err != nil {
		t.Fatal(err)
	}
	toolRep := repClaim(t, toolClaims)
	pr, tr := portalRep["represented"].(map[string]any), toolRep["represented"].(map[string]any)
	if toolRep["relation"] != "parent" || toolRep["relation"] != portalRep["relation"] || toolRep["limited"] != portalRep["limited"] ||
		tr["name"] != pr["name"] || tr["birthdate"] != pr["birthdate"] || tr["name"] == nil || toolRep["valid_until"] != portalRep["valid_until"] {
		t.Errorf("the tool's representation %v differs from the portal's %v", toolRep, portalRep)
	}
	if len(handoffEvents(t, s, audit.HandoffRedeemed)) != 1 {
		t.Error("the redemption is not in the usage log")
	}

	t.Run("consent", func(t *testing.T) {
		// A tool asking for a data-exchange scope: the first hand-off
		// shows only the consent page (for Jonas), the next none.
		toolD, _, launchD := handoffTool(t, s, "tool-d")
		s.cli.on(t).ok("clients", "delete", "--tenant", "sandbox", "--id", "tool-d")
		s.cli.on(t).ok("clients", "create", "--tenant", "sandbox", "--id", "tool-d", "--secret", toolD.c.secret,
			"--redirect-uri", toolD.c.redirect, "--scope", "openid profile "+dataScope, "--accept-relation", "parent",
			"--initiate-login-uri", "http://127.0.0.1:9/tool-d/initiate", "--launch-uri", launchD)
		toolD.conf.Scopes = []string{"openid", "profile", dataScope}
		time.Sleep(1100 * time.Millisecond) // the nodes' client cache
		for round, wantPage := range []bool{true, false} {
			tkt := launch(t, s, b, "tool-d", launchD).Query().Get("login_hint")
			a := toolD.authURL("", oauth2.SetAuthURLParam("login_hint", tkt))
			q, v, err := toolD.authorizeE(b, a)
			if wantPage {
				if err == nil || v.status != http.StatusOK || !strings.Contains(v.body, `value="allow"`) || !strings.Contains(v.body, jonasName(t, s)) {
					t.Fatalf("round %d: want the consent page for Jonas: %v %s", round, err, v)
				}
				q = toolD.answerConsent(t, b, v, a, "allow")
			} else if err != nil {
				t.Fatalf("round %d: want a code without any page: %v %s", round, err, v)
			}
			for _, hop := range v.hops {
				if strings.Contains(hop, mockPath) || strings.Contains(hop, "/choose") {
					t.Errorf("round %d: login or chooser visited: %v", round, v.hops)
				}
			}
			tk, err := toolD.exchangeE(q.Get("code"), a.verifier)
			if err != nil {
				t.Fatal(err)
			}
			var cl map[string]any
			_ = tk.id.Claims(&cl)
			if rep := repClaim(t, cl); rep["relation"] != "parent" {
				t.Errorf("round %d: representation %v", round, rep)
			}
			if scope, _ := tk.oauth.Extra("scope").(string); !strings.Contains(scope, dataScope) {
				t.Errorf("round %d: scope %q lacks %s", round, scope, dataScope)
			}
		}
	})
	t.Run("private_key_jwt portal with a Bearer token", func(t *testing.T) {
		key := newRSAKey(t, "kp-1")
		path := filepath.Join(t.TempDir(), "kp.jwks.json")
		if err := os.WriteFile(path, jwks(t, key), 0o600); err != nil {
			t.Fatal(err)
		}
		kc := e2eClient{tenant: "sandbox", id: "key-portal", redirect: "http://127.0.0.1:9/key-portal/cb", scopes: []string{"openid", "profile"}}
		s.cli.on(t).ok("clients", "create", "--tenant", "sandbox", "--id", kc.id, "--auth-method", "private_key_jwt", "--jwks", "@"+path,
			"--redirect-uri", kc.redirect, "--handoff-portal", "--accept-relation", "parent")
		assertion := func(aud string) string {
			return key.sign(t, assertionClaims{iss: kc.id, sub: kc.id, aud: aud, jti: rand.Text(), iat: time.Now(), exp: s.clock.now().Add(time.Minute)})
		}
		rp := newRelyingParty(t, s.base+"/sandbox", kc, s.clock.now)
		code, a, _, err := rp.loginE(b, kari, actingFor(jonas))
		if err != nil {
			t.Fatal(err)
		}
		st, out, _ := postForm(t, s.base+"/sandbox/token", codeForm(kc, code, a.verifier), assertionAuth(assertion(s.base+"/sandbox/token")))
		access, _ := out["access_token"].(string)
		if st != http.StatusOK || access == "" {
			t.Fatalf("token: %d %v", st, out)
		}
		bearerAndAssertion := func(aud string) clientAuth {
			return func(req *http.Request, form url.Values) {
				assertionAuth(assertion(aud))(req, form)
				req.Header.Set("Authorization", "Bearer "+access)
			}
		}
		// client_id names the tool; the assertion names the portal.
		st, out, _ = postForm(t, s.base+"/sandbox/handoff", url.Values{"client_id": {"tool-b"}, "target_link_uri": {launchB}}, bearerAndAssertion(s.base+"/sandbox"))
		if st != http.StatusOK || !strings.Contains(fmt.Sprint(out["url"]), "login_hint=handoff_") {
			t.Fatalf("hand-off by a private_key_jwt portal: %d %v", st, out)
		}
		// A wrong key is invalid_client.
		other := newRSAKey(t, "kp-1")
		st, out, _ = postForm(t, s.base+"/sandbox/handoff", url.Values{"client_id": {"tool-b"}, "target_link_uri": {launchB}},
			func(req *http.Request, form url.Values) {
				assertionAuth(other.sign(t, assertionClaims{iss: kc.id, sub: kc.id, aud: s.base + "/sandbox/token", jti: rand.Text(), iat: time.Now(), exp: s.clock.now().Add(time.Minute)}))(req, form)
				req.Header.Set("Authorization", "Bearer "+access)
			})
		if st != http.StatusUnauthorized || out["error"] != "invalid_client" {
			t.Errorf("an assertion signed by another key: %d %v", st, out)
		}
	})
	t.Run("replay", func(t *testing.T) {
		// In a browser without the portal's session: the eID's login page.
		other := newBrowser()
		_, v, _ := toolA.authorizeE(other, toolA.authURL("", oauth2.SetAuthURLParam("login_hint", ticket)))
		if !v.visitedMock || v.final != nil {
			t.Errorf("a replayed ticket did not end at the eID login: %s", v)
		}
		if r := lastRefusal(t, s); r != "unknown_or_used" {
			t.Errorf("refusal reason %q, want unknown_or_used", r)
		}
	})
	t.Run("another client", func(t *testing.T) {
		tkt := launch(t, s, b, "tool-a", launchA).Query().Get("login_hint")
		_, v, _ := toolB.authorizeE(b, toolB.authURL("", oauth2.SetAuthURLParam("login_hint", tkt)))
		// The person's own session goes on as an ordinary login: tool-b
		// has no choice stored, so the chooser asks.
		if v.final != nil || !strings.Contains(v.body, `name="subject"`) {
			t.Errorf("a ticket for tool-a at tool-b did not end at the chooser: %s", v)
		}
		if r := lastRefusal(t, s); r != "wrong_client" {
			t.Errorf("refusal reason %q, want wrong_client", r)
		}
	})
	t.Run("another browser session", func(t *testing.T) {
		tkt := launch(t, s, b, "tool-b", launchB).Query().Get("login_hint")
		other := newBrowser()
		_, v, _ := toolB.authorizeE(other, toolB.authURL("", oauth2.SetAuthURLParam("login_hint", tkt)))
		if !v.visitedMock || v.final != nil {
			t.Errorf("a ticket in another browser did not end at the eID login: %s", v)
		}
		if r := lastRefusal(t, s); r != "wrong_session" {
			t.Errorf("refusal reason %q, want wrong_session", r)
		}
	})
	t.Run("expired", func(t *testing.T) {
		tkt := launch(t, s, b, "tool-c", launchC).Query().Get("login_hint")
		s.clock.advance(handoff.Lifetime + time.Second)
		_, v, _ := toolC.authorizeE(b, toolC.authURL("", oauth2.SetAuthURLParam("login_hint", tkt)))
		if v.final != nil || !strings.Contains(v.body, `name="subject"`) {
			t.Errorf("an expired ticket did not end at the chooser: %s", v)
		}
		if r := lastRefusal(t, s); r != "expired" {
			t.Errorf("refusal reason %q, want expired", r)
		}
	})
	t.Run("unregistered target_link_uri", func(t *testing.T) {
		resp, err := b.c.PostForm(s.base+"/demo/launch", url.Values{"tenant": {"sandbox"}, "client_id": {"tool-a"}, "target_link_uri": {launchA + "elsewhere"}})
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(resp)
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "invalid_target") {
			t.Errorf("launch at an unregistered URI: %d\n%.1500s", resp.StatusCode, body)
		}
	})
	t.Run("handoff endpoint", func(t *testing.T) {
		// A tool is no portal, and a tool's token is not the portal's.
		form := url.Values{"client_id": {"tool-b"}, "target_link_uri": {launchB}, "access_token": {tk.access}}
		st, out, _ := postForm(t, s.base+"/sandbox/handoff", form, basicAuth("tool-a", toolA.c.secret))
		if st != http.StatusBadRequest || out["error"] != "unauthorized_client" {
			t.Errorf("a non-portal client: %d %v", st, out)
		}
		s.cli.on(t).ok("clients", "update", "--tenant", "sandbox", "--id", "tool-a", "--handoff-portal")
		time.Sleep(1100 * time.Millisecond) // the nodes' client cache
		st, out, _ = postForm(t, s.base+"/sandbox/handoff", url.Values{"client_id": {"tool-b"}, "target_link_uri": {launchB}}, basicAuth("tool-a", toolA.c.secret))
		if st != http.StatusBadRequest || out["error"] != "invalid_request" {
			t.Errorf("no access token: %d %v", st, out)
		}
		// tool-a, now a portal, with its own token for Kari acting for
		// Jonas: the hand-off works ...
		st, out, _ = postForm(t, s.base+"/sandbox/handoff", form, basicAuth("tool-a", toolA.c.secret))
		if st != http.StatusOK || !strings.Contains(fmt.Sprint(out["url"]), "login_hint=handoff_") {
			t.Errorf("portal with its own token: %d %v", st, out)
		}
		// ... but not with a token issued to another client.
		resp := toolB.login(t, b, kari, actingFor(jonas))
		st, out, _ = postForm(t, s.base+"/sandbox/handoff", url.Values{"client_id": {"tool-b"}, "target_link_uri": {launchB}, "access_token": {resp.access}}, basicAuth("tool-a", toolA.c.secret))
		if st != http.StatusUnauthorized || out["error"] != "invalid_token" {
			t.Errorf("another client's token: %d %v", st, out)
		}
	})
}

func readBody(resp *http.Response) string {
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

func jonasName(t *testing.T, s *repServer) string {
	t.Helper()
	p, _ := s.pop.Lookup(population.KeyJonas)
	return p.GivenName
}
