package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/authflow"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/storage"
)

// TestFlowLoginTokenUserinfoRefresh: a tool's whole life over httptest:
// authorize → eID (test login) → callback → code → tokens → userinfo →
// refresh → introspection → revocation; then SSO with prompt=none, and
// prompt=none in a fresh browser.
func TestFlowLoginTokenUserinfoRefresh(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testLoginTokenUserinfoRefresh(t, newHarness(t)) })
	t.Run("postgres", func(t *testing.T) { testLoginTokenUserinfoRefresh(t, newHarnessOn(t, openPostgres(t), nil)) })
}

func testLoginTokenUserinfoRefresh(t *testing.T, h *harness) {
	h.client("tool", nil)
	kari := h.pid(population.KeyKari)
	b := h.browser()

	res := b.authorize(authParams("tool", kari))
	if res.location == nil {
		t.Fatalf("no redirect to the tool: %d %.500s", res.status, res.body)
	}
	q := res.location.Query()
	if q.Get("code") == "" || q.Get("state") != "state-0123456789" || q.Get("iss") != h.srv.URL+"/main" {
		t.Fatalf("redirect %s", res.location)
	}
	if v := b.cookies()["oidcp_flow_main"]; v != "" {
		t.Errorf("flow cookie left after the login: %q", v)
	}
	tok := h.exchange("tool", q.Get("code"))
	idt := jwtClaims(t, tok["id_token"])
	if idt["pid"] != kari || idt["nonce"] != "nonce-0123456789" || idt["sub"] == kari || idt["acr"] == nil {
		t.Fatalf("id token claims %v", idt)
	}

	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/main/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	status, ui := h.jsonDo(req)
	if status != http.StatusOK || ui["sub"] != idt["sub"] || ui["pid"] != kari || ui["name"] != "Kari Nordmann" {
		t.Fatalf("userinfo %d %v", status, ui)
	}
	req, _ = http.NewRequest(http.MethodGet, h.srv.URL+"/main/userinfo", nil)
	req.Header.Set("Authorization", "Bearer nonsense")
	status, ui = h.jsonDo(req)
	if status != http.StatusUnauthorized || ui["error"] != "invalid_token" {
		t.Fatalf("userinfo with a bad token: %d %v", status, ui)
	}

	intro := func(token string) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("tool", "tool-secret-0123456789abcdef")
		_, out := h.jsonDo(req)
		return out
	}
	status, ref := h.token("tool", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != http.StatusOK || ref["access_token"] == nil || ref["refresh_token"] == tok["refresh_token"] {
		t.Fatalf("refresh %d %v", status, ref)
	}
	at := ref["access_token"].(string)
	if got := intro(at); got["active"] != true || got["client_id"] != "tool" {
		t.Fatalf("introspect %v", got)
	}
	// Reuse of a rotated refresh token revokes the grant (RFC 9700 §4.14.2).
	status, _ = h.token("tool", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != http.StatusBadRequest {
		t.Fatalf("reused refresh token: %d", status)
	}
	if got := intro(at); got["active"] != false {
		t.Fatalf("access token of a replayed grant still active: %v", got)
	}

	// SSO: the session answers prompt=none without the eID.
	v := authParams("tool", "")
	v.Set("prompt", "none")
	res = b.authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("prompt=none with a session: %d %v %.300s", res.status, res.location, res.body)
	}
	tok = h.exchange("tool", res.location.Query().Get("code"))
	req, _ = http.NewRequest(http.MethodPost, h.srv.URL+"/main/revoke", strings.NewReader(url.Values{"token": {tok["refresh_token"].(string)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("tool", "tool-secret-0123456789abcdef")
	if status, _ := h.jsonDo(req); status != http.StatusOK {
		t.Fatalf("revoke %d", status)
	}
	if got := intro(tok["access_token"].(string)); got["active"] != false {
		t.Fatalf("access token of a revoked grant still active: %v", got)
	}
	// A fresh browser has no session: login_required to the tool.
	res = h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none without a session: %d %v", res.status, res.location)
	}
}

// TestFlowChooser: a tool that accepts the parent relation shows the
// chooser as authflow's choose step; the form completes only its own
// flow and step, once, in its own session.
func TestFlowChooser(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testChooser(t, newHarness(t)) })
	t.Run("postgres", func(t *testing.T) { testChooser(t, newHarnessOn(t, openPostgres(t), nil)) })
}

func testChooser(t *testing.T, h *harness) {
	h.client("family", func(r *clients.Registration) { r.AcceptedRelations = []string{"parent"} })
	kari, ingrid := h.pid(population.KeyKari), h.pid(population.KeyIngrid)

	b := h.browser()
	res := b.authorize(authParams("family", kari))
	if res.status != http.StatusOK || res.location != nil {
		t.Fatalf("no chooser: %d %v", res.status, res.location)
	}
	flow, csrf := chooserForm(t, res.body)
	if b.cookies()["oidcp_flow_main"] != flow {
		t.Fatalf("the flow cookie does not carry the flow: %v", b.cookies())
	}
	if _, ok := b.cookies()["oidcp_choose_main"]; ok {
		t.Error("a second flow cookie")
	}
	rec, err := h.store.GetFlow(t.Context(), flow, authflow.Purpose)
	if err != nil || !strings.Contains(string(rec.Data), `"step":"choose"`) {
		t.Fatalf("flow record %s, %v", rec.Data, err)
	}

	// A reloaded callback (the same state) cannot end the flow that now
	// waits at the chooser.
	if res := b.do(mustGet(h.srv.URL + "/main/callback?state=" + url.QueryEscape(flow) + "&code=x")); res.status != http.StatusBadRequest {
		t.Fatalf("reloaded callback: %d", res.status)
	}
	if _, err := h.store.GetFlow(t.Context(), flow, authflow.Purpose); err != nil {
		t.Fatalf("the chooser's flow is gone after a reloaded callback: %v", err)
	}
	if b.cookies()["oidcp_flow_main"] != flow {
		t.Fatal("a reloaded callback cleared the chooser's flow cookie")
	}

	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
	}{
		{"verifier of another step", url.Values{"flow": {flow}, "csrf": {h.p.tenants["main"].flows.Verifier(&authflow.Flow{ID: flow, Step: authflow.StepConsent}, "x")}, "subject": {ingrid}}, http.StatusForbidden},
		{"no verifier", url.Values{"flow": {flow}, "subject": {ingrid}}, http.StatusForbidden},
		{"another flow id", url.Values{"flow": {"other"}, "csrf": {csrf}, "subject": {ingrid}}, http.StatusBadRequest},
	} {
		if got := b.post("/main/choose", tc.form); got.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, got.status, tc.status)
		}
	}
	// Another browser, with the flow id and verifier but not the session.
	other := h.browser()
	other.c.Jar.SetCookies(mustURL(h.srv.URL+"/main/"), []*http.Cookie{{Name: "oidcp_flow_main", Value: flow, Path: "/main"}})
	if got := other.post("/main/choose", url.Values{"flow": {flow}, "csrf": {csrf}, "subject": {ingrid}}); got.status != http.StatusForbidden {
		t.Errorf("another browser: %d", got.status)
	}
	// A person not offered.
	if got := b.post("/main/choose", url.Values{"flow": {flow}, "csrf": {csrf}, "subject": {h.pid(population.KeyAstrid)}}); got.status != http.StatusBadRequest {
		t.Fatalf("not offered: %d", got.status)
	}

	// The refused pick used the flow up: start again and choose Ingrid.
	res = b.authorize(authParams("family", kari))
	flow, csrf = chooserForm(t, res.body)
	res = b.post("/main/choose", url.Values{"flow": {flow}, "csrf": {csrf}, "subject": {ingrid}})
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("choose: %d %.500s", res.status, res.body)
	}
	if got := b.post("/main/choose", url.Values{"flow": {flow}, "csrf": {csrf}, "subject": {ingrid}}); got.status != http.StatusBadRequest {
		t.Errorf("replayed choice: %d", got.status)
	}
	idt := jwtClaims(t, h.exchange("family", res.location.Query().Get("code"))["id_token"])
	rep, _ := idt["representation"].(map[string]any)
	represented, _ := rep["represented"].(map[string]any)
	if rep["relation"] != "parent" || rep["limited"] != true || represented["pid"] != ingrid {
		t.Fatalf("representation claim %v", idt["representation"])
	}

	// The choice is remembered for the tool: no chooser the next time,
	// unless prompt=select_account; prompt=none cannot choose.
	res = b.authorize(authParams("family", ""))
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("stored choice not used: %d", res.status)
	}
	v := authParams("family", "")
	v.Set("prompt", "select_account")
	if res = b.authorize(v); res.status != http.StatusOK {
		t.Fatalf("select_account: %d", res.status)
	}
	flow, csrf = chooserForm(t, res.body)
	res = b.post("/main/choose", url.Values{"flow": {flow}, "csrf": {csrf}, "action": {"cancel"}})
	if res.location == nil || res.location.Query().Get("error") != "access_denied" {
		t.Fatalf("cancel: %d %v", res.status, res.location)
	}
	v = authParams("family", kari)
	v.Set("prompt", "none")
	fresh := h.browser()
	if res = fresh.authorize(v); res.location == nil || res.location.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none, fresh browser: %v", res.location)
	}
}

// TestFlowHeadlessChoice: testid_acting_for chooses without the page,
// through the same rules.
func TestFlowHeadlessChoice(t *testing.T) {
	h := newHarness(t)
	h.client("family", func(r *clients.Registration) { r.AcceptedRelations = []string{"parent"} })
	h.client("plain", nil)
	kari, ingrid, astrid := h.pid(population.KeyKari), h.pid(population.KeyIngrid), h.pid(population.KeyAstrid)
	for _, tc := range []struct {
		name, client, actingFor, wantError string
	}{
		{"a child", "family", ingrid, ""},
		{"self", "family", "self", ""},
		{"not offered", "family", astrid, "access_denied"},
		{"tool accepts no relation", "plain", ingrid, "access_denied"},
		{"self, tool accepts no relation", "plain", "self", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := authParams(tc.client, kari)
			v.Set("testid_acting_for", tc.actingFor)
			res := h.browser().authorize(v)
			if res.location == nil {
				t.Fatalf("%d %.300s", res.status, res.body)
			}
			if got := res.location.Query().Get("error"); got != tc.wantError {
				t.Fatalf("error %q, want %q (%s)", got, tc.wantError, res.location)
			}
		})
	}
}

// TestFlowCallbackRefused: a callback this browser did not start is a
// page, not a login; a used flow cannot be completed twice.
func TestFlowCallbackRefused(t *testing.T) {
	h := newHarness(t)
	h.client("tool", nil)
	b := h.browser()
	if res := b.do(mustGet(h.srv.URL + "/main/callback?state=abc&code=x")); res.status != http.StatusBadRequest || !strings.Contains(res.body, "Innloggingen tok for lang tid") {
		t.Fatalf("forged callback: %d %.300s", res.status, res.body)
	}
	// Stop at the eID's login page: no hint.
	stop := h.browser()
	stop.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res := stop.authorize(authParams("tool", ""))
	if res.status != http.StatusSeeOther {
		t.Fatalf("authorize: %d", res.status)
	}
	id := stop.cookies()["oidcp_flow_main"]
	if id == "" {
		t.Fatal("no flow cookie")
	}
	if rec, err := h.store.GetFlow(t.Context(), id, authflow.Purpose); err != nil || !strings.Contains(string(rec.Data), `"step":"upstream"`) {
		t.Fatalf("flow %s %v", rec.Data, err)
	}
	if res := stop.do(mustGet(h.srv.URL + "/main/callback?state=" + url.QueryEscape(id) + "&error=access_denied")); res.location == nil || res.location.Query().Get("error") != "access_denied" {
		t.Fatalf("cancelled at the eID: %d %v", res.status, res.location)
	}
	stop.c.Jar.SetCookies(mustURL(h.srv.URL+"/main/"), []*http.Cookie{{Name: "oidcp_flow_main", Value: id, Path: "/main"}})
	if res := stop.do(mustGet(h.srv.URL + "/main/callback?state=" + url.QueryEscape(id) + "&code=x")); res.status != http.StatusBadRequest {
		t.Fatalf("used flow: %d", res.status)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func mustGet(s string) *http.Request {
	r, err := http.NewRequest(http.MethodGet, s, nil)
	if err != nil {
		panic(err)
	}
	return r
}

// TestFlowLogout: RP-initiated logout with a matching id_token_hint ends
// the session and revokes its tokens together, logs out at the eID and
// comes back to the tool; without a hint the person confirms first.
func TestFlowLogout(t *testing.T) {
	h := newHarness(t)
	h.client("tool", nil)
	kari := h.pid(population.KeyKari)
	b := h.browser()
	res := b.authorize(authParams("tool", kari))
	tok := h.exchange("tool", res.location.Query().Get("code"))

	v := url.Values{"id_token_hint": {tok["id_token"].(string)}, "post_logout_redirect_uri": {"https://tool.example/bye"}, "state": {"bye-state"}}
	res = b.do(mustGet(h.srv.URL + "/main/logout?" + v.Encode()))
	if res.location == nil || res.location.Path != "/bye" || res.location.Query().Get("state") != "bye-state" {
		t.Fatalf("logout: %d %v %.300s", res.status, res.location, res.body)
	}
	if _, ok := b.cookies()["oidcp_session_main"]; ok {
		t.Error("session cookie kept")
	}
	status, _ := h.token("tool", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != http.StatusBadRequest {
		t.Fatalf("refresh after logout: %d", status)
	}
	pn := authParams("tool", "")
	pn.Set("prompt", "none")
	if res := b.authorize(pn); res.location == nil || res.location.Query().Get("error") != "login_required" {
		t.Fatalf("session survived the logout: %v", res.location)
	}

	// No hint: a confirmation page, bound to the session.
	b = h.browser()
	res = b.authorize(authParams("tool", kari))
	h.exchange("tool", res.location.Query().Get("code"))
	res = b.do(mustGet(h.srv.URL + "/main/logout"))
	if res.status != http.StatusOK || !strings.Contains(res.body, "Vil du logge ut?") {
		t.Fatalf("confirmation: %d %.300s", res.status, res.body)
	}
	m := reHiddenCSRF.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no csrf in %.500s", res.body)
	}
	if res := b.post("/main/logout", url.Values{"confirm": {"yes"}, "csrf": {"forged"}}); res.status != http.StatusBadRequest {
		t.Fatalf("forged confirmation: %d", res.status)
	}
	res = b.post("/main/logout", url.Values{"confirm": {"yes"}, "csrf": {m[1]}})
	if res.status != http.StatusOK || !strings.Contains(res.body, "Du er logget ut.") {
		t.Fatalf("confirmed logout: %d %.300s", res.status, res.body)
	}
	if res := b.authorize(pn); res.location == nil || res.location.Query().Get("error") != "login_required" {
		t.Fatalf("session survived the confirmed logout: %v", res.location)
	}
}

var reHiddenCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// failingEnd fails EndSession while fail is set.
type failingEnd struct {
	storage.Storage
	fail atomic.Bool
}

func (f *failingEnd) EndSession(ctx context.Context, id string, at time.Time) error {
	if f.fail.Load() {
		return fmt.Errorf("end session: %w", storage.ErrUnavailable)
	}
	return f.Storage.EndSession(ctx, id, at)
}

// loggedInToTool logs Kari in to a new client "tool" and returns her
// browser, her tokens and the query of a logout with her ID token.
func (h *harness) loggedInToTool() (*browser, map[string]any, url.Values) {
	h.t.Helper()
	h.client("tool", nil)
	b := h.browser()
	res := b.authorize(authParams("tool", h.pid(population.KeyKari)))
	tok := h.exchange("tool", res.location.Query().Get("code"))
	return b, tok, url.Values{"id_token_hint": {tok["id_token"].(string)}, "post_logout_redirect_uri": {"https://tool.example/bye"}}
}

// TestLogoutIsOneTransaction: when the session cannot be ended, the
// tokens are not revoked either, and the person is told the service is
// unavailable rather than "logged out"; the logout then succeeds on retry.
func TestLogoutIsOneTransaction(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testLogoutIsOneTransaction(t, openSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { testLogoutIsOneTransaction(t, openPostgres(t)) })
}

func testLogoutIsOneTransaction(t *testing.T, db storage.Storage) {
	var fe *failingEnd
	h := newHarnessOn(t, db, func(s storage.Storage) storage.Storage { fe = &failingEnd{Storage: s}; return fe })
	b, tok, v := h.loggedInToTool()

	fe.fail.Store(true)
	res := b.do(mustGet(h.srv.URL + "/main/logout?" + v.Encode()))
	if res.status != http.StatusServiceUnavailable || res.location != nil {
		t.Fatalf("logout with a failing session end: %d %v", res.status, res.location)
	}
	if _, ok := b.cookies()["oidcp_session_main"]; !ok {
		t.Fatal("session cookie deleted although the session was not ended")
	}
	status, ref := h.token("tool", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != http.StatusOK {
		t.Fatalf("tokens revoked although the session was not ended: %d %v", status, ref)
	}

	fe.fail.Store(false)
	if res = b.do(mustGet(h.srv.URL + "/main/logout?" + v.Encode())); res.location == nil {
		t.Fatalf("retried logout: %d", res.status)
	}
	if status, _ := h.token("tool", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ref["refresh_token"].(string)}}); status != http.StatusBadRequest {
		t.Fatalf("refresh after the logout: %d", status)
	}
}

// failingLogoutEvent fails appending the usage log's logout event while
// fail is set.
type failingLogoutEvent struct {
	storage.Storage
	fail atomic.Bool
}

func (f *failingLogoutEvent) AppendEvent(ctx context.Context, e storage.Event) (int64, error) {
	if f.fail.Load() && e.Kind == audit.Logout {
		return 0, fmt.Errorf("append event: %w", storage.ErrUnavailable)
	}
	return f.Storage.AppendEvent(ctx, e)
}

// TestLogoutRecordedInItsTransaction: the logout's usage-log events (and
// its back-channel logouts) are written in its transaction: when they
// cannot be, nothing is ended, rather than a logout nobody can see in
// the log.
func TestLogoutRecordedInItsTransaction(t *testing.T) {
	var fe *failingLogoutEvent
	h := newHarnessOn(t, openSQLite(t), func(s storage.Storage) storage.Storage { fe = &failingLogoutEvent{Storage: s}; return fe })
	b, tok, v := h.loggedInToTool()

	fe.fail.Store(true)
	res := b.do(mustGet(h.srv.URL + "/main/logout?" + v.Encode()))
	if res.status != http.StatusServiceUnavailable || res.location != nil {
		t.Fatalf("logout whose event cannot be written: %d %v", res.status, res.location)
	}
	status, ref := h.token("tool", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != http.StatusOK {
		t.Fatalf("tokens revoked by a logout that was not recorded: %d %v", status, ref)
	}
	fe.fail.Store(false)
	if res = b.do(mustGet(h.srv.URL + "/main/logout?" + v.Encode())); res.location == nil {
		t.Fatalf("retried logout: %d", res.status)
	}
	evs, err := h.store.ListEvents(t.Context(), storage.EventFilter{Tenant: "main", Kinds: []string{audit.Logout}})
	if err != nil || len(evs) != 1 {
		t.Fatalf("logout events after the retry: %d, %v; want 1", len(evs), err)
	}
}

// TestFlowRefreshRechecksRepresentation: a refresh of tokens issued for a
// represented person runs the rules again: while the relation holds the
// new ID token carries the representation claim; once the tool no
// longer accepts the relation, the refresh fails with invalid_grant and
// the grant is revoked.
func TestFlowRefreshRechecksRepresentation(t *testing.T) {
	h := newHarness(t)
	h.client("family", func(r *clients.Registration) { r.AcceptedRelations = []string{"parent"} })
	kari, ingrid := h.pid(population.KeyKari), h.pid(population.KeyIngrid)
	v := authParams("family", kari)
	v.Set("testid_acting_for", ingrid)
	res := h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize: %d %v", res.status, res.location)
	}
	tok := h.exchange("family", res.location.Query().Get("code"))

	status, ref := h.token("family", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok["refresh_token"].(string)}})
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, ref)
	}
	rep, _ := jwtClaims(t, ref["id_token"])["representation"].(map[string]any)
	if represented, _ := rep["represented"].(map[string]any); represented["pid"] != ingrid {
		t.Fatalf("refreshed ID token representation %v", rep)
	}

	h.dropRelations("family")
	status, out := h.token("family", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {ref["refresh_token"].(string)}})
	if status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("refresh after the tool dropped the relation: %d %v", status, out)
	}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/introspect", strings.NewReader(url.Values{"token": {ref["access_token"].(string)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("family", "tool-secret-0123456789abcdef")
	if _, got := h.jsonDo(req); got["active"] != false {
		t.Fatalf("access token of the ended grant still active: %v", got)
	}
}

// TestFlowPARTakesOnlyThePushedParameters: with a request_uri, every
// authorization parameter comes from the pushed request; fosite would
// otherwise take one the push lacked from the query, so a link with
// prompt=none (or dpop_jkt, nonce, max_age) added could change the
// request the client pushed.
func TestFlowPARTakesOnlyThePushedParameters(t *testing.T) {
	h := newHarness(t)
	h.client("spa", func(r *clients.Registration) { r.Public, r.Secret, r.AuthMethod = true, "", "none" })
	kari := h.pid(population.KeyKari)
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/par", strings.NewReader(authParams("spa", kari).Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, out := h.jsonDo(req)
	uri, _ := out["request_uri"].(string)
	if status != http.StatusCreated || uri == "" {
		t.Fatalf("PAR: %d %v", status, out)
	}
	res := h.browser().authorize(url.Values{"client_id": {"spa"}, "request_uri": {uri}, "prompt": {"none"}, "dpop_jkt": {"attacker-jkt"}})
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize with request_uri and front-channel prompt=none: %d %v, want the pushed request's login and a code", res.status, res.location)
	}
}

// TestFlowPARPublicClient: a public client must push its request (RFC
// 9126) and use PKCE; the pushed request then runs the same flow.
func TestFlowPARPublicClient(t *testing.T) {
	h := newHarness(t)
	h.client("spa", func(r *clients.Registration) { r.Public, r.Secret, r.AuthMethod = true, "", "none" })
	kari := h.pid(population.KeyKari)
	b := h.browser()

	res := b.authorize(authParams("spa", kari))
	if res.location == nil || res.location.Query().Get("error") != "invalid_request" ||
		!strings.Contains(res.location.Query().Get("error_description"), "pushed_authorization_request_endpoint") {
		t.Fatalf("authorize without PAR: %d %v", res.status, res.location)
	}

	push := func(v url.Values) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/par", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return h.jsonDo(req)
	}
	noState := authParams("spa", kari)
	noState.Del("state")
	if status, out := push(noState); status != http.StatusBadRequest || out["error"] != "invalid_request" {
		t.Fatalf("PAR without state: %d %v", status, out)
	}
	status, out := push(authParams("spa", kari))
	uri, _ := out["request_uri"].(string)
	if status != http.StatusCreated || uri == "" {
		t.Fatalf("PAR: %d %v", status, out)
	}
	res = b.authorize(url.Values{"client_id": {"spa"}, "request_uri": {uri}})
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("authorize with request_uri: %d %v %.300s", res.status, res.location, res.body)
	}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {res.location.Query().Get("code")}, "redirect_uri": {toolRedirect},
		"client_id": {"spa"}, "code_verifier": {"verifier-0123456789-0123456789-0123456789-0123456789"},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if status, tok := h.jsonDo(req); status != http.StatusOK || tok["id_token"] == nil {
		t.Fatalf("token: %d %v", status, tok)
	}
	// The request_uri is used up.
	if res := b.authorize(url.Values{"client_id": {"spa"}, "request_uri": {uri}}); res.location != nil && res.location.Query().Get("code") != "" {
		t.Fatal("request_uri used twice")
	}
}
