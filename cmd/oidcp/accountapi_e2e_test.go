package main

// End-to-end proof of the account API ({issuer}/api/v1/me/): tokens got
// with go-oidc and x/oauth2 from the real server, headless logins through
// the ID-porten mock, every answer checked against docs/openapi.yaml with
// kin-openapi (accountapi/apispec).

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/accountapi/apispec"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// apiClient calls one tenant's account API and checks every answer
// against the OpenAPI document.
type apiClient struct {
	base string // {issuer}/api/v1/me
	spec *apispec.Spec
}

func newAPIClient(t *testing.T, issuer string) *apiClient {
	t.Helper()
	base := issuer + "/api/v1/me"
	spec, err := apispec.Load(filepath.Join(repoRoot, "docs", "openapi.yaml"), base)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{base: base, spec: spec}
}

// call sends method path with tok as the bearer token through x/oauth2's
// transport (no token when tok is nil), checks the answer against the
// OpenAPI document and decodes a JSON body into out (when not nil).
func (a *apiClient) call(t *testing.T, tok *oauth2.Token, method, path string, out any) (int, http.Header) {
	t.Helper()
	hc := http.DefaultClient
	if tok != nil {
		hc = oauth2.NewClient(context.Background(), oauth2.StaticTokenSource(tok))
	}
	req, _ := http.NewRequest(method, a.base+path, nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := a.spec.CheckResponse(resp)
	if err != nil {
		t.Error(err)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s %s: Cache-Control %q", method, path, resp.Header.Get("Cache-Control"))
	}
	if out != nil && len(body) > 0 {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, body)
		}
	}
	return resp.StatusCode, resp.Header
}

type apiParty struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// PID is a person's fødselsnummer, only for a token with pid.
	PID string `json:"pid"`
}

type apiGrant struct {
	ID       string   `json:"id"`
	Client   apiParty `json:"client"`
	Subject  apiParty `json:"subject"`
	Actor    apiParty `json:"actor"`
	Relation string   `json:"relation"`
	Scopes   []string `json:"scopes"`
}

type apiEvent struct {
	ID       string   `json:"id"`
	Kind     string   `json:"kind"`
	Client   apiParty `json:"client"`
	Subject  apiParty `json:"subject"`
	Actor    apiParty `json:"actor"`
	Relation string   `json:"relation"`
	SelfUse  bool     `json:"self_use"`
}

type apiSession struct {
	ID      string     `json:"id"`
	Clients []apiParty `json:"clients"`
	Current bool       `json:"current"`
}

type apiProblem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// TestAccountAPIE2E: Kari's own token with the scope account lists her
// grants, log and sessions; acting for her son Jonas (a parent) she sees
// his grant, given in her login for him, and withdraws it; acting for her
// mother Astrid (an ordinary power of attorney) she sees Astrid's grant
// but may not withdraw it (403). Withdrawing a grant and ending a session
// through the API stop the tool (its refresh fails with invalid_grant). A
// token without the scope gets 403 insufficient_scope, none 401, and a
// client not registered for account cannot get it.
func TestAccountAPIE2E(t *testing.T) {
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) { testAccountAPIE2E(t, b) })
	}
}

func testAccountAPIE2E(t *testing.T, b e2eBackend) {
	// startRepServer's server (the sandbox population seeded into the
	// registry), on backend b.
	c := newCLI(t)
	c.db = b.dsn(t, c.dir)
	clock := &testClock{}
	start := time.Now()
	srv := startServing(t, devArgs(t, c, "http"), nil, clock.now)
	s := &repServer{base: srv.base, cli: c, clock: clock, pop: population.Generate(start.In(representation.Oslo))}
	issuer := s.base + "/sandbox"
	api := newAPIClient(t, issuer)
	kari, jonas, astrid := s.pid(t, population.KeyKari), s.pid(t, population.KeyJonas), s.pid(t, population.KeyAstrid)

	var disc map[string]any
	getJSON(t, issuer+"/.well-known/openid-configuration", &disc)
	if ss, _ := disc["scopes_supported"].([]any); !slices.Contains(ss, any("account")) {
		t.Fatalf("scopes_supported %v lacks account", disc["scopes_supported"])
	}

	// The tool whose grants are listed and withdrawn, and a second one
	// whose session is ended.
	measure := s.client(t, "sandbox", "measure", "--scope", dataScope,
		"--accept-relation", "parent", "--accept-relation", "power_of_attorney")
	measure.conf.Scopes = append(measure.conf.Scopes, dataScope)
	diary := s.client(t, "sandbox", "diary")
	// The portal that shows "Bruk og tilganger" through the API.
	portal := s.client(t, "sandbox", "portal", "--scope", "account",
		"--accept-relation", "parent", "--accept-relation", "power_of_attorney")
	portal.conf.Scopes = append(portal.conf.Scopes, "account")

	allow := oauth2.SetAuthURLParam("testid_consent", "allow")
	// Kari's own grant, Jonas's grant given by Kari, Astrid's own grant.
	kariTool := measure.login(t, newBrowser(), kari, actingFor("self"), allow)
	jonasTool := measure.login(t, newBrowser(), kari, actingFor(jonas), allow)
	measure.login(t, newBrowser(), astrid, allow)
	diaryTool := diary.login(t, newBrowser(), kari)

	kariTok := portal.login(t, newBrowser(), kari, actingFor("self")).oauth
	forJonas := portal.login(t, newBrowser(), kari, actingFor(jonas)).oauth
	forAstrid := portal.login(t, newBrowser(), kari, actingFor(astrid)).oauth

	grantsOf := func(t *testing.T, tok *oauth2.Token) []apiGrant {
		t.Helper()
		var l struct {
			Grants []apiGrant `json:"grants"`
			Next   string     `json:"next"`
		}
		if st, _ := api.call(t, tok, "GET", "/grants", &l); st != http.StatusOK {
			t.Fatalf("GET grants: %d", st)
		}
		return l.Grants
	}

	t.Run("own", func(t *testing.T) {
		gs := grantsOf(t, kariTok)
		if len(gs) != 1 || gs[0].Client.ID != "measure" || gs[0].Subject.PID != kari || gs[0].Actor.PID != kari || gs[0].Subject.ID == kari || gs[0].Subject.Name == "" || !slices.Contains(gs[0].Scopes, dataScope) {
			t.Fatalf("Kari's grants: %+v, want her one grant to measure", gs)
		}
		var l struct {
			Events []apiEvent `json:"events"`
			Next   string     `json:"next"`
		}
		if st, _ := api.call(t, kariTok, "GET", "/events?client_id=measure&who=self", &l); st != http.StatusOK || len(l.Events) == 0 {
			t.Fatalf("Kari's log at measure: %d %+v", st, l)
		}
		// Her own use is what she did: for herself, and (her identity
		// used too) for Jonas.
		forHerself := false
		for _, e := range l.Events {
			if e.ID == "" || e.Client.ID != "measure" || e.Actor.PID != kari || e.Actor.Name != "Kari Nordmann" {
				t.Errorf("event %+v is not Kari's use of measure", e)
			}
			forHerself = forHerself || e.Subject.PID == kari && e.SelfUse
		}
		if !forHerself {
			t.Errorf("Kari's log at measure %+v lacks her use for herself", l.Events)
		}
		// Keyset paging: one at a time, the cursor leads on, and no
		// event comes twice.
		seen := map[string]bool{}
		cursor, pages := "", 0
		for ; pages < 100; pages++ {
			var p struct {
				Events []apiEvent `json:"events"`
				Next   string     `json:"next"`
			}
			if st, _ := api.call(t, kariTok, "GET", "/events?limit=1&cursor="+cursor, &p); st != http.StatusOK || len(p.Events) > 1 {
				t.Fatalf("page %d: %d %+v", pages, st, p)
			}
			for _, e := range p.Events {
				if seen[e.ID] {
					t.Fatalf("event %s on two pages", e.ID)
				}
				seen[e.ID] = true
			}
			if p.Next == "" {
				break
			}
			cursor = p.Next
		}
		if pages < 2 || len(seen) < 2 {
			t.Errorf("%d events in %d pages of one; want several", len(seen), pages)
		}
		var bad apiProblem
		if st, _ := api.call(t, kariTok, "GET", "/events?since=2026-02-30", &bad); st != http.StatusBadRequest || !strings.Contains(bad.Detail, "since") {
			t.Errorf("a bad date: %d %+v", st, bad)
		}
		if st, _ := api.call(t, kariTok, "GET", "/events?cursor=not-a-cursor", &bad); st != http.StatusBadRequest {
			t.Errorf("a bad cursor: %d %+v", st, bad)
		}
	})

	t.Run("for her child", func(t *testing.T) {
		gs := grantsOf(t, forJonas)
		if len(gs) != 1 || gs[0].Subject.PID != jonas || gs[0].Actor.PID != kari || gs[0].Relation != string(representation.Parent) {
			t.Fatalf("Jonas's grants seen by Kari: %+v, want the one she gave for him", gs)
		}
		var l struct {
			Events []apiEvent `json:"events"`
		}
		// who takes the opaque id the API gives Kari, never her number.
		api.call(t, forJonas, "GET", "/events?who="+gs[0].Actor.ID, &l)
		if len(l.Events) == 0 {
			t.Fatal("Jonas's log shows nothing Kari did for him")
		}
		for _, e := range l.Events {
			if e.Subject.PID != jonas || e.Actor.PID != kari || e.Actor.ID != gs[0].Actor.ID || e.SelfUse {
				t.Errorf("event %+v in Jonas's log filtered to Kari", e)
			}
		}
		var bad apiProblem
		if st, _ := api.call(t, forJonas, "GET", "/events?who="+kari, &bad); st != http.StatusBadRequest || !strings.Contains(bad.Detail, "who") {
			t.Errorf("who as a fødselsnummer: %d %+v, want 400", st, bad)
		}
		// Withdraw it: the tool's tokens for Jonas die, Kari's own stay.
		if st, _ := api.call(t, forJonas, "DELETE", "/grants/"+gs[0].ID, nil); st != http.StatusNoContent {
			t.Fatalf("DELETE grants/%s: %d", gs[0].ID, st)
		}
		if st, body := measure.refresh(t, jonasTool.refresh); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("the tool's refresh for Jonas after the withdrawal: %d %v, want invalid_grant", st, body)
		}
		if st, body := measure.refresh(t, kariTool.refresh); st != http.StatusOK {
			t.Fatalf("the tool's refresh for Kari herself: %d %v", st, body)
		}
		if gs := grantsOf(t, forJonas); len(gs) != 0 {
			t.Errorf("Jonas's grants after the withdrawal: %+v", gs)
		}
		var p apiProblem
		if st, _ := api.call(t, forJonas, "DELETE", "/grants/"+gs[0].ID, &p); st != http.StatusNotFound {
			t.Errorf("withdrawing it again: %d %+v, want 404", st, p)
		}
	})

	t.Run("ordinary power of attorney", func(t *testing.T) {
		gs := grantsOf(t, forAstrid)
		if len(gs) != 1 || gs[0].Subject.PID != astrid || gs[0].Actor.PID != astrid {
			t.Fatalf("Astrid's grants seen by Kari: %+v", gs)
		}
		var p apiProblem
		if st, _ := api.call(t, forAstrid, "DELETE", "/grants/"+gs[0].ID, &p); st != http.StatusForbidden || p.Type != "urn:oidcp:problem:forbidden" {
			t.Fatalf("an ordinary power of attorney withdrawing: %d %+v, want 403 forbidden", st, p)
		}
		// Kari's own token cannot reach Astrid's grant: not found.
		if st, _ := api.call(t, kariTok, "DELETE", "/grants/"+gs[0].ID, &p); st != http.StatusNotFound {
			t.Fatalf("Kari withdrawing her mother's grant with her own token: %d, want 404", st)
		}
	})

	t.Run("sessions", func(t *testing.T) {
		var l struct {
			Sessions []apiSession `json:"sessions"`
		}
		api.call(t, kariTok, "GET", "/sessions", &l)
		var diarySession string
		for _, s := range l.Sessions {
			for _, c := range s.Clients {
				if c.ID == "diary" {
					diarySession = s.ID
				}
			}
		}
		if diarySession == "" {
			t.Fatalf("Kari's sessions %+v lack the one she signed in to diary with", l.Sessions)
		}
		if st, _ := api.call(t, kariTok, "DELETE", "/sessions/"+diarySession, nil); st != http.StatusNoContent {
			t.Fatalf("DELETE sessions/%s: %d", diarySession, st)
		}
		if st, body := diary.refresh(t, diaryTool.refresh); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("diary's refresh after its session was ended: %d %v, want invalid_grant", st, body)
		}
		if st, _ := api.call(t, kariTok, "DELETE", "/sessions/"+diarySession, nil); st != http.StatusNotFound {
			t.Errorf("ending it again: %d, want 404", st)
		}
	})

	t.Run("limited access", func(t *testing.T) {
		// Ingrid (14) allows measure herself; Kari acting for her has
		// limited access: she sees neither Ingrid's grant nor her own
		// use, and cannot withdraw the grant.
		ingrid := s.pid(t, population.KeyIngrid)
		measure.login(t, newBrowser(), ingrid, actingFor("self"), allow)
		ingridTok := portal.login(t, newBrowser(), ingrid, actingFor("self")).oauth
		own := grantsOf(t, ingridTok)
		if len(own) != 1 || own[0].Subject.PID != ingrid {
			t.Fatalf("Ingrid's own grants: %+v", own)
		}
		forIngrid := portal.login(t, newBrowser(), kari, actingFor(ingrid)).oauth
		if gs := grantsOf(t, forIngrid); len(gs) != 0 {
			t.Errorf("Kari (limited) sees Ingrid's own grants: %+v", gs)
		}
		var p apiProblem
		if st, _ := api.call(t, forIngrid, "DELETE", "/grants/"+own[0].ID, &p); st != http.StatusNotFound {
			t.Errorf("Kari (limited) withdrawing Ingrid's own grant: %d %+v, want 404", st, p)
		}
		if gs := grantsOf(t, ingridTok); len(gs) != 1 {
			t.Errorf("Ingrid's grant after the refused withdrawal: %+v", gs)
		}
		var l struct{ Events []apiEvent }
		if st, _ := api.call(t, forIngrid, "GET", "/events?who=self", &l); st != http.StatusOK || len(l.Events) != 0 {
			t.Errorf("Kari (limited) reading Ingrid's own use: %d %+v", st, l.Events)
		}
		if st, _ := api.call(t, forIngrid, "GET", "/events?limit=200", &l); st != http.StatusOK || len(l.Events) == 0 {
			t.Fatalf("Kari (limited) reading Ingrid's log: %d, %d events; want what she did for her", st, len(l.Events))
		}
		for _, e := range l.Events {
			if e.Actor.PID != kari || e.Subject.PID != ingrid {
				t.Errorf("Kari (limited) sees an event she did not act in for Ingrid: %+v", e)
			}
		}
	})

	t.Run("no fødselsnummer without pid", func(t *testing.T) {
		// The portal's token with account but without pid: persons are
		// named by opaque ids only, and who filters by them.
		noPID := portal.login(t, newBrowser(), kari, actingFor(jonas), oauth2.SetAuthURLParam("scope", "openid profile account")).oauth
		pids := []string{}
		for _, q := range s.pop.Persons {
			pids = append(pids, q.PID)
		}
		var kariID string
		for _, path := range []string{"/events?limit=200", "/grants", "/sessions"} {
			var raw json.RawMessage
			if st, _ := api.call(t, noPID, "GET", path, &raw); st != http.StatusOK {
				t.Fatalf("GET %s: %d", path, st)
			}
			for _, pid := range pids {
				if strings.Contains(string(raw), pid) {
					t.Errorf("GET %s without pid shows a fødselsnummer: %s", path, raw)
				}
			}
			if path == "/events?limit=200" {
				var l struct{ Events []apiEvent }
				_ = json.Unmarshal(raw, &l)
				for _, e := range l.Events {
					if e.Actor.Name == "Kari Nordmann" && !e.SelfUse {
						kariID = e.Actor.ID
					}
					if e.Actor.PID != "" || e.Subject.PID != "" {
						t.Errorf("event with pid without the scope: %+v", e)
					}
				}
			}
		}
		if len(kariID) != 22 {
			t.Fatalf("no opaque id of Kari in Jonas's log: %q", kariID)
		}
		var l struct{ Events []apiEvent }
		if st, _ := api.call(t, noPID, "GET", "/events?who="+kariID, &l); st != http.StatusOK || len(l.Events) == 0 {
			t.Fatalf("who=<Kari's id>: %d, %d events", st, len(l.Events))
		}
		for _, e := range l.Events {
			if e.Actor.ID != kariID || e.SelfUse {
				t.Errorf("who=<Kari's id> gave %+v", e)
			}
		}
		var self struct{ Events []apiEvent }
		if st, _ := api.call(t, noPID, "GET", "/events?who=self", &self); st != http.StatusOK {
			t.Fatalf("who=self: %d", st)
		}
		for _, e := range self.Events {
			if !e.SelfUse || e.Actor.ID == kariID {
				t.Errorf("who=self gave %+v", e)
			}
		}
	})

	t.Run("scope and token", func(t *testing.T) {
		// The portal's token without the scope.
		plain := portal.login(t, newBrowser(), kari, actingFor("self"), oauth2.SetAuthURLParam("scope", "openid profile")).oauth
		var p apiProblem
		st, h := api.call(t, plain, "GET", "/grants", &p)
		if st != http.StatusForbidden || h.Get("WWW-Authenticate") != `Bearer error="insufficient_scope", scope="account"` || p.Type != "urn:oidcp:problem:insufficient-scope" {
			t.Fatalf("without the scope: %d %q %+v", st, h.Get("WWW-Authenticate"), p)
		}
		st, h = api.call(t, nil, "GET", "/events", &p)
		if st != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("without a token: %d %q", st, h.Get("WWW-Authenticate"))
		}
		st, h = api.call(t, &oauth2.Token{AccessToken: "ory_at_forged.token"}, "GET", "/sessions", &p)
		if st != http.StatusUnauthorized || !strings.Contains(h.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Fatalf("a forged token: %d %q", st, h.Get("WWW-Authenticate"))
		}
		// A client not registered for account cannot get it.
		if code, _ := authError(t, newBrowser(), diary, kari, oauth2.SetAuthURLParam("scope", "openid account")); code != "invalid_scope" {
			t.Fatalf("diary asking for account: error %q, want invalid_scope", code)
		}
	})

	t.Run("DPoP-bound token", func(t *testing.T) {
		// The portal redeems Kari's code with a DPoP proof: the token is
		// bound to its key and the API takes it only with a proof.
		code, a, _, err := portal.loginE(newBrowser(), kari, actingFor("self"))
		if err != nil {
			t.Fatal(err)
		}
		key := newE2EDPoPKey(t)
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {portal.conf.RedirectURL},
			"code_verifier": {a.verifier}}
		req, _ := http.NewRequest(http.MethodPost, issuer+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(portal.conf.ClientID, portal.conf.ClientSecret)
		req.Header.Set("DPoP", key.proof(t, http.MethodPost, issuer+"/token", ""))
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || tok.TokenType != "DPoP" {
			t.Fatalf("code with a proof: %d %+v", resp.StatusCode, tok)
		}
		grants := func(scheme, proof string) (*http.Response, []byte) {
			req, _ := http.NewRequest(http.MethodGet, api.base+"/grants", nil)
			req.Header.Set("Authorization", scheme+" "+tok.AccessToken)
			if proof != "" {
				req.Header.Set("DPoP", proof)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := api.spec.CheckResponse(resp)
			if err != nil {
				t.Error(err)
			}
			return resp, body
		}
		if resp, body := grants("DPoP", key.proof(t, http.MethodGet, api.base+"/grants", tok.AccessToken)); resp.StatusCode != http.StatusOK {
			t.Fatalf("with its proof: %d %s", resp.StatusCode, body)
		}
		other := newE2EDPoPKey(t)
		for name, tc := range map[string]struct{ scheme, proof string }{
			"as Bearer":   {"Bearer", ""},
			"no proof":    {"DPoP", ""},
			"another key": {"DPoP", other.proof(t, http.MethodGet, api.base+"/grants", tok.AccessToken)},
			"another URL": {"DPoP", key.proof(t, http.MethodGet, api.base+"/events", tok.AccessToken)},
			"without ath": {"DPoP", key.proof(t, http.MethodGet, api.base+"/grants", "")},
		} {
			resp, body := grants(tc.scheme, tc.proof)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "DPoP ") {
				t.Errorf("%s: %d %q %s, want 401 with a DPoP challenge", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
			}
		}
	})

	// Neither a fødselsnummer nor a token reached the server's log.
	if logs := srv.logs.String(); strings.Contains(logs, kari) || strings.Contains(logs, jonas) || strings.Contains(logs, kariTok.AccessToken) {
		t.Errorf("the server logged a fødselsnummer or an access token:\n%s", logs)
	}
}

// TestAccountAPIDoc runs the curl examples of docs/account-api.md as a
// developer pastes them, in one bash against a dev server, with the
// oidcp binary built from this tree standing for bin/oidcp. Only the
// address differs.
func TestAccountAPIDoc(t *testing.T) {
	requireTools(t, "bash", "curl", "openssl", "sed", "grep", "date")
	blocks := quickstartDocBlocks(t, "account-api.md")
	if len(blocks) != 5 {
		t.Fatalf("docs/account-api.md has %d sh blocks; update this test with them", len(blocks))
	}
	bin := filepath.Join(t.TempDir(), "oidcp")
	build := exec.Command("go", "build", "-o", bin, "./cmd/oidcp")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/oidcp: %v\n%s", err, out)
	}
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	addr := strings.TrimPrefix(srv.base, "http://")
	env := append(quickstartEnv(addr, strings.TrimPrefix(srv.admin, "http://"), c.dir), "OIDCP_DSN="+c.dsn())
	runDocBlocks(t, blocks, 1, env, strings.NewReplacer(readmeAddr, addr, "bin/oidcp ", bin+" "), map[int][]string{
		1: {`"client_id": "my-portal"`, `"client_id": "my-tool"`},
		2: {"Kari's token: ok"},
		3: {`{"grants":[{"id":"`, `"client":{"id":"my-tool"`, `"relation":"parent"`, `{"events":[{"id":"`, `{"sessions":[{"id":"`, `"current":true`},
		4: {`"subject":{"id":"`, `"name":"Jonas Nordmann"`, "DELETE: 204"},
		5: {" 403", "Cache-Control: no-store", `Bearer error="insufficient_scope", scope="account"`, `"type":"urn:oidcp:problem:insufficient-scope"`},
	})
}

// TestAccountAPIRateLimit: the account API is limited per source address
// by rate_limit_token_per_source, counted apart from /token: past it, a
// 429 problem with Retry-After that the OpenAPI document describes.
func TestAccountAPIRateLimit(t *testing.T) {
	c := newCLI(t)
	clock := &testClock{}
	clock.startWindow(5 * time.Minute) // the counts below in one window
	srv := startServing(t, devArgs(t, c, "http"), func(cfg *Config) { cfg.RateLimitTokenPerSource = 3 }, clock.now)
	s := &repServer{base: srv.base, cli: c, clock: clock, pop: population.Generate(time.Now().In(representation.Oslo))}
	portal := s.client(t, "sandbox", "portal", "--scope", "account")
	portal.conf.Scopes = append(portal.conf.Scopes, "account")
	tok := portal.login(t, newBrowser(), s.pid(t, population.KeyKari)).oauth
	api := newAPIClient(t, s.base+"/sandbox")
	for i := range 3 {
		if st, _ := api.call(t, tok, "GET", "/grants", nil); st != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, st)
		}
	}
	var p apiProblem
	st, h := api.call(t, tok, "GET", "/grants", &p)
	if st != http.StatusTooManyRequests || h.Get("Retry-After") == "" || p.Type != "urn:oidcp:problem:too-many-requests" {
		t.Fatalf("the fourth request: %d, Retry-After %q, %+v", st, h.Get("Retry-After"), p)
	}
}
