package main

// Tokens: refresh rotation and reuse, revocation and introspection,
// userinfo's bearer token, and one authorization code redeemed in
// parallel or while the database is busy.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/storage/sqlite"
)

// testRefresh: rotation, and reuse of a rotated refresh token revoking the
// whole chain with a usage-log entry.
func (e *e2eEnv) testRefresh(t *testing.T) {
	c := e.register(t, "main", "tool-r")
	rp := e.rp(t, c)
	tk1 := rp.login(t, newBrowser(), e.kari)

	tk2, err := rp.refreshE(tk1.refresh)
	if err != nil {
		t.Fatal(err)
	}
	if tk2.refresh == "" || tk2.refresh == tk1.refresh || tk2.access == tk1.access {
		t.Fatal("refresh did not rotate both tokens")
	}
	if tk2.id == nil || tk2.id.Subject != tk1.id.Subject {
		t.Error("refreshed ID token missing or for another subject")
	}
	e.wantActive(t, c, tk1.access, false, "access token of the rotated refresh token")
	tk3, err := rp.refreshE(tk2.refresh)
	if err != nil {
		t.Fatal(err)
	}
	e.wantActive(t, c, tk3.access, true, "newest access token")
	e.wantActive(t, c, tk3.refresh, true, "newest refresh token")

	before := len(e.events(t, "main", audit.RefreshReuseDetected))
	// Reuse of the first refresh token: rejected, and the chain is gone.
	_, err = rp.refreshE(tk1.refresh)
	if code, status := oauthError(err); code != "invalid_grant" || status != http.StatusBadRequest {
		t.Fatalf("reused refresh token: %v, want invalid_grant 400", err)
	}
	evs := e.events(t, "main", audit.RefreshReuseDetected)
	if len(evs) != before+1 || evs[0].ClientID != "tool-r" || evs[0].Subject != e.kari {
		t.Errorf("usage log: %d refresh_reuse_detected events (want %d), newest %+v", len(evs), before+1, evs)
	}
	e.wantActive(t, c, tk3.access, false, "newest access token after reuse")
	e.wantActive(t, c, tk3.refresh, false, "newest refresh token after reuse")
	if _, err := rp.refreshE(tk3.refresh); err == nil {
		t.Error("newest refresh token still works after reuse was detected")
	} else if code, _ := oauthError(err); code != "invalid_grant" {
		t.Errorf("newest refresh token after reuse: %v, want invalid_grant", err)
	}

	// fosite splits grant_type on spaces, so "refresh_token " is the
	// refresh grant to it; the reuse is recorded all the same.
	tkA := rp.login(t, newBrowser(), e.kari)
	if _, err := rp.refreshE(tkA.refresh); err != nil {
		t.Fatal(err)
	}
	before = len(e.events(t, "main", audit.RefreshReuseDetected))
	req, _ := http.NewRequest(http.MethodPost, rp.conf.Endpoint.TokenURL,
		strings.NewReader(url.Values{"grant_type": {"refresh_token "}, "refresh_token": {tkA.refresh}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(rp.conf.ClientID), url.QueryEscape(rp.conf.ClientSecret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"invalid_grant"`) {
		t.Fatalf("reuse with grant_type %q: %d %s, want 400 invalid_grant", "refresh_token ", resp.StatusCode, body)
	}
	if evs := e.events(t, "main", audit.RefreshReuseDetected); len(evs) != before+1 {
		t.Errorf("reuse with a padded grant_type: %d refresh_reuse_detected events, want %d", len(evs), before+1)
	}
}

// testRevokeIntrospect: RFC 7662 introspection before, RFC 7009
// revocation of either token, introspection after.
func (e *e2eEnv) testRevokeIntrospect(t *testing.T) {
	c := e.register(t, "main", "tool-v")
	rp := e.rp(t, c)
	tk := rp.login(t, newBrowser(), e.kari)

	m := e.wantActive(t, c, tk.access, true, "fresh access token")
	exp, _ := m["exp"].(float64)
	if m["client_id"] != "tool-v" || m["sub"] != tk.id.Subject || m["iss"] != e.issuer("main") ||
		m["scope"] != "openid profile pid offline_access" || m["token_type"] != "Bearer" || m["pid"] != e.kari ||
		exp <= float64(time.Now().Unix()) {
		t.Errorf("introspection of the access token: %v", m)
	}
	if r := e.wantActive(t, c, tk.refresh, true, "fresh refresh token"); r["client_id"] != "tool-v" || r["sub"] != tk.id.Subject {
		t.Errorf("introspection of the refresh token: %v", r)
	}

	// Revoking the access token (RFC 7009 §2.1 lets the server revoke the
	// grant's refresh token too; oidcp does).
	revoked := len(e.events(t, "main", audit.TokenRevoked))
	status, body := e.postForm(t, c, "/revoke", url.Values{"token": {tk.access}, "token_type_hint": {"access_token"}})
	if status != http.StatusOK {
		t.Fatalf("revoke access token: %d %v", status, body)
	}
	e.wantActive(t, c, tk.access, false, "revoked access token")
	e.wantActive(t, c, tk.refresh, false, "refresh token of a revoked access token")
	if st, _ := e.userinfoPost(t, "main", tk.access); st != http.StatusUnauthorized {
		t.Errorf("userinfo with a revoked access token: %d", st)
	}
	if n := len(e.events(t, "main", audit.TokenRevoked)); n != revoked+1 {
		t.Errorf("usage log has %d token_revoked events, want %d", n, revoked+1)
	}

	// Revoking the refresh token revokes the access token (§2.1 SHOULD).
	tk2 := rp.login(t, newBrowser(), e.kari)
	if status, body := e.postForm(t, c, "/revoke", url.Values{"token": {tk2.refresh}}); status != http.StatusOK {
		t.Fatalf("revoke refresh token: %d %v", status, body)
	}
	e.wantActive(t, c, tk2.refresh, false, "revoked refresh token")
	e.wantActive(t, c, tk2.access, false, "access token of a revoked refresh token")
	if _, err := rp.refreshE(tk2.refresh); err == nil {
		t.Error("revoked refresh token still refreshes")
	} else if code, _ := oauthError(err); code != "invalid_grant" {
		t.Errorf("revoked refresh token: %v, want invalid_grant", err)
	}

	// An unknown token is not an error (RFC 7009 §2.2).
	if status, _ := e.postForm(t, c, "/revoke", url.Values{"token": {"no-such-token"}}); status != http.StatusOK {
		t.Errorf("revoke unknown token: %d", status)
	}
	// Another client cannot revoke tool-v's token.
	other := e.register(t, "main", "tool-v2")
	tk3 := rp.login(t, newBrowser(), e.kari)
	// (fosite answers 200 without revoking, not disclosing the token.)
	e.postForm(t, other, "/revoke", url.Values{"token": {tk3.access}})
	e.wantActive(t, c, tk3.access, true, "token another client tried to revoke")
}

// TestUserinfoRefusesQueryToken: a valid access token in the query string
// is refused with invalid_request (RFC 6750 §2.3 discourages it: URLs
// end up in logs, history and Referer headers) and no claims; the same
// token in the header or a POST body still works.
func TestUserinfoRefusesQueryToken(t *testing.T) {
	e := startE2E(t, e2eBackends()[0])
	c := e.register(t, "main", "ui-query")
	tk := e.rp(t, c).login(t, newBrowser(), e.kari)
	endpoint := e.issuer("main") + "/userinfo"

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(method, endpoint+"?access_token="+url.QueryEscape(tk.access), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		if resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_request" ||
			!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_request"`) {
			t.Errorf("%s with the token in the query: %d %s %q, want 400 invalid_request", method, resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
		}
		if strings.Contains(string(body), e.kari) || m["sub"] != nil {
			t.Errorf("%s with the token in the query disclosed claims: %s", method, body)
		}
	}

	req, _ := http.NewRequest(http.MethodGet, endpoint, nil)
	req.Header.Set("Authorization", "Bearer "+tk.access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET with the Authorization header: %d", resp.StatusCode)
	}
	if status, m := e.userinfoPost(t, "main", tk.access); status != http.StatusOK || m["pid"] != e.kari {
		t.Errorf("POST with the token in the form body (RFC 6750 §2.2): %d %v", status, m)
	}
}

// TestIntrospectionLimitedToOwnClient: another client of the same tenant
// learns nothing about a token, not even that it is active (RFC 7662
// §4); the token's own client does, and so does a resource server named
// in an access token's audience.
func TestIntrospectionLimitedToOwnClient(t *testing.T) {
	e := startE2E(t, e2eBackends()[0])
	tool := e.register(t, "main", "intro-tool")
	other := e.register(t, "main", "intro-other")
	api := e.register(t, "main", "intro-api", "--grant-type", "client_credentials")
	svc := e.register(t, "main", "intro-svc", "--grant-type", "client_credentials", "--audience", api.id)

	tk := e.rp(t, tool).login(t, newBrowser(), e.kari)
	if m := e.wantActive(t, tool, tk.access, true, "the tool's access token, asked by the tool"); m["pid"] != e.kari {
		t.Errorf("the tool's own introspection lacks pid: %v", m)
	}
	e.wantActive(t, tool, tk.refresh, true, "the tool's refresh token, asked by the tool")
	for what, tok := range map[string]string{"access": tk.access, "refresh": tk.refresh} {
		m := e.wantActive(t, other, tok, false, "the tool's "+what+" token, asked by another client")
		if len(m) != 1 {
			t.Errorf("another client's introspection of the %s token says more than active: %v", what, m)
		}
		e.wantActive(t, api, tok, false, "the tool's "+what+" token, asked by a resource server not in its audience")
	}

	cc := clientcredentials.Config{ClientID: svc.id, ClientSecret: svc.secret, TokenURL: e.issuer("main") + "/token",
		EndpointParams: url.Values{"audience": {api.id}}}
	svcTok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e.wantActive(t, svc, svcTok.AccessToken, true, "a service token, asked by the service")
	if m := e.wantActive(t, api, svcTok.AccessToken, true, "a service token, asked by the resource server in its audience"); m["client_id"] != svc.id {
		t.Errorf("resource server's introspection: %v", m)
	}
	e.wantActive(t, other, svcTok.AccessToken, false, "a service token, asked by a client outside its audience")
}

// TestConcurrentCodeRedemption: of several parallel redemptions of one
// authorization code exactly one gets tokens, every other one gets 400
// invalid_grant (never a 500), and the reuse revokes what the winner got
// (RFC 6749 §4.1.2), in every trial and on both backends.
func TestConcurrentCodeRedemption(t *testing.T) {
	const trials, parallel = 4, 6
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			e := startE2E(t, b)
			c := e.register(t, "main", "race-tool")
			rp := e.rp(t, c)
			for trial := range trials {
				code, a, _, err := rp.loginE(newBrowser(), e.kari)
				if err != nil {
					t.Fatal(err)
				}
				type answer struct {
					status int
					body   map[string]any
				}
				answers := make([]answer, parallel)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range parallel {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						status, body, _ := e.call(t, "main", "/token", codeForm(c, code, a.verifier), basicAuth(c.id, c.secret))
						answers[i] = answer{status, body}
					}()
				}
				close(start)
				wg.Wait()

				var winner map[string]any
				for i, an := range answers {
					switch {
					case an.status == http.StatusOK && winner == nil:
						winner = an.body
					case an.status == http.StatusOK:
						t.Errorf("trial %d: redemption %d also got tokens", trial, i)
					case an.status != http.StatusBadRequest || an.body["error"] != "invalid_grant":
						t.Errorf("trial %d: redemption %d: %d %v, want 400 invalid_grant", trial, i, an.status, an.body)
					}
				}
				if winner == nil {
					t.Fatalf("trial %d: no redemption got tokens: %v", trial, answers)
				}
				for _, kind := range []string{"access_token", "refresh_token"} {
					tok, _ := winner[kind].(string)
					if tok == "" {
						t.Fatalf("trial %d: winner has no %s", trial, kind)
					}
					e.wantActive(t, c, tok, false, fmt.Sprintf("trial %d: winner's %s after the code was reused", trial, kind))
				}
			}
		})
	}
}

// TestCodeRedemptionWhileDatabaseBusy: a code redemption whose
// transaction cannot get SQLite's write lock (another writer holds it past
// the busy timeout) is answered 503 temporarily_unavailable, not 500, and
// rolled back: once the lock is free the same code still works.
func TestCodeRedemptionWhileDatabaseBusy(t *testing.T) {
	ctx := context.Background()
	e := newE2EEnv(t, e2eBackends()[0])
	path := strings.TrimPrefix(e.dsn, "sqlite:")
	st, err := sqlite.Open(ctx, path, sqlite.WithBusyTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() }) // after serve has returned
	e.store = st
	srv := startServingWith(t, devArgs(t, e.cli, "http", "--kek", e.kek), nil, e.clock.now, serveHooks{store: st})
	e.base, e.admin, e.logs = srv.base, srv.admin, srv.logs
	c := e.register(t, "main", "busy-tool")
	rp := e.rp(t, c)
	code, a, _, err := rp.loginE(newBrowser(), e.kari)
	if err != nil {
		t.Fatal(err)
	}

	// Another writer; it waits for the server's own writes (the usage
	// log may still be appending) before it takes the lock.
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	status, body, _ := e.call(t, "main", "/token", codeForm(c, code, a.verifier), basicAuth(c.id, c.secret))
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if status != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" {
		t.Fatalf("redemption while the database is locked: %d %v, want 503 temporarily_unavailable", status, body)
	}
	status, body, _ = e.call(t, "main", "/token", codeForm(c, code, a.verifier), basicAuth(c.id, c.secret))
	if status != http.StatusOK || body["access_token"] == nil {
		t.Fatalf("redemption after the lock was released: %d %v, want tokens", status, body)
	}
}
