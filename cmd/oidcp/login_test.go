package main

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/audit"
)

// testLoginUserinfo: a headless login with code + PKCE S256, the ID token
// verified by go-oidc, pairwise sub, and userinfo by GET and POST with the
// claims the scopes allow.
func (e *e2eEnv) testLoginUserinfo(t *testing.T) {
	a := e.register(t, "main", "tool-a")
	b := e.register(t, "main", "tool-b")
	rpA, rpB := e.rp(t, a), e.rp(t, b)

	start := e.clock.now().Truncate(time.Second)
	tk := rpA.login(t, newBrowser(), e.kari)
	id := tk.id
	if id.Issuer != e.issuer("main") || !reflect.DeepEqual(id.Audience, []string{"tool-a"}) {
		t.Errorf("iss %q aud %v", id.Issuer, id.Audience)
	}
	c := tk.claims
	if c.ACR != "idporten-loa-substantial" || !reflect.DeepEqual(c.AMR, []string{"TestID"}) {
		t.Errorf("acr %q amr %v", c.ACR, c.AMR)
	}
	if c.AuthTime == nil || *c.AuthTime < start.Unix() || *c.AuthTime > e.clock.now().Unix() {
		t.Errorf("auth_time %v not within the login (started %d)", c.AuthTime, start.Unix())
	}
	if c.SID == "" {
		t.Error("no sid")
	}
	if id.Subject == "" || strings.Contains(id.Subject, e.kari) || c.PID != e.kari {
		t.Errorf("sub %q / pid %q: want a pairwise sub and pid with scope pid", id.Subject, c.PID)
	}
	if tk.refresh == "" {
		t.Error("no refresh token with offline_access")
	}

	// Pairwise: stable for the same person and client, different for
	// another client (sector) and another person.
	if again := rpA.login(t, newBrowser(), e.kari); again.id.Subject != id.Subject {
		t.Errorf("sub not stable: %q then %q", id.Subject, again.id.Subject)
	}
	if other := rpB.login(t, newBrowser(), e.kari); other.id.Subject == id.Subject {
		t.Error("two clients of different sectors got the same sub")
	}
	olaTok := rpA.login(t, newBrowser(), e.ola)
	if olaTok.id.Subject == id.Subject {
		t.Error("two persons got the same sub")
	}

	want := map[string]any{
		"sub": id.Subject, "pid": e.kari, "name": "Kari Nordmann", "given_name": "Kari", "family_name": "Nordmann",
		"birthdate": "1985-03-14", "acr": "idporten-loa-substantial",
	}
	got := rpA.userinfoGet(t, tk.access)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("userinfo GET %s = %v, want %v", k, got[k], v)
		}
	}
	status, post := e.userinfoPost(t, "main", tk.access)
	if status != http.StatusOK || !reflect.DeepEqual(post, got) {
		t.Errorf("userinfo POST: %d %v, want the GET answer %v", status, post, got)
	}
	// A person not in the registry: the birthdate comes from the pid.
	if ui := rpA.userinfoGet(t, olaTok.access); ui["birthdate"] != "1979-11-02" || ui["pid"] != e.ola || ui["name"] != nil {
		t.Errorf("userinfo of a person outside the registry: %v", ui)
	}

	// Without scope pid there is no pid, in the ID token or userinfo.
	noPID := e.rp(t, a, "openid", "profile")
	tk2 := noPID.login(t, newBrowser(), e.kari)
	if tk2.claims.PID != "" {
		t.Error("ID token carries pid without scope pid")
	}
	ui := noPID.userinfoGet(t, tk2.access)
	if _, ok := ui["pid"]; ok || ui["name"] != "Kari Nordmann" || ui["sub"] != id.Subject {
		t.Errorf("userinfo without scope pid: %v", ui)
	}
	if tk2.refresh != "" {
		t.Error("refresh token issued without offline_access")
	}
}

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

// testSSOAndLogout: single sign-on across two clients of a tenant with
// prompt=none, then RP-initiated logout.
func (e *e2eEnv) testSSOAndLogout(t *testing.T) {
	a := e.register(t, "main", "sso-a")
	b := e.register(t, "main", "sso-b")
	rpA, rpB := e.rp(t, a), e.rp(t, b)
	br := newBrowser()

	code, req, v, err := rpA.loginE(br, e.kari)
	if err != nil {
		t.Fatal(err)
	}
	if !v.visitedMock {
		t.Fatal("first login did not go through the eID")
	}
	tkA, err := rpA.exchangeE(code, req.verifier)
	if err != nil {
		t.Fatal(err)
	}

	none := oauth2.SetAuthURLParam("prompt", "none")
	code, req, v, err = rpB.loginE(br, "", none)
	if err != nil {
		t.Fatalf("prompt=none with a live session: %v", err)
	}
	if v.visitedMock {
		t.Error("prompt=none visited the eID")
	}
	tkB, err := rpB.exchangeE(code, req.verifier)
	if err != nil {
		t.Fatal(err)
	}
	if tkB.claims.SID != tkA.claims.SID || *tkB.claims.AuthTime != *tkA.claims.AuthTime || tkB.id.Subject == tkA.id.Subject {
		t.Errorf("SSO: sid %q/%q auth_time %d/%d sub equal=%v", tkA.claims.SID, tkB.claims.SID,
			*tkA.claims.AuthTime, *tkB.claims.AuthTime, tkB.id.Subject == tkA.id.Subject)
	}

	logout := func(redirect, state string) (visit, error) {
		q := url.Values{"id_token_hint": {tkA.rawID}, "post_logout_redirect_uri": {redirect}, "state": {state}}
		return br.visit(e.issuer("main")+"/logout?"+q.Encode(), a.logout)
	}
	// An unregistered post_logout_redirect_uri: an error page, no redirect,
	// and the session lives on.
	v, err = logout("https://evil.example/", "st-evil")
	if err != nil {
		t.Fatal(err)
	}
	if v.final != nil || v.status != http.StatusBadRequest || v.location != "" || len(v.hops) != 1 {
		t.Errorf("unregistered post_logout_redirect_uri: %s (Location %q)", v, v.location)
	}
	if _, _, _, err := rpA.loginE(br, "", none); err != nil {
		t.Errorf("session ended by a rejected logout: %v", err)
	}

	logouts := len(e.events(t, "main", audit.Logout))
	v, err = logout(a.logout, "st-logout-1")
	if err != nil {
		t.Fatal(err)
	}
	if v.final == nil || v.final.Query().Get("state") != "st-logout-1" {
		t.Fatalf("logout: %s", v)
	}
	if !v.visitedMock {
		t.Error("logout did not end the upstream eID session")
	}
	if n := len(e.events(t, "main", audit.Logout)); n != logouts+1 {
		t.Errorf("usage log has %d logout events, want %d", n, logouts+1)
	}
	// Every token of the session is revoked, for both clients.
	e.wantActive(t, a, tkA.access, false, "sso-a access token after logout")
	e.wantActive(t, a, tkA.refresh, false, "sso-a refresh token after logout")
	e.wantActive(t, b, tkB.access, false, "sso-b access token after logout")
	if _, err := rpB.refreshE(tkB.refresh); err == nil {
		t.Error("refresh token of the ended session still refreshes")
	}
	// And prompt=none now fails with login_required (OIDC Core §3.1.2.6).
	areq := rpB.authURL("", none)
	q, _, err := rpB.authorizeE(br, areq)
	if err != nil {
		t.Fatal(err)
	}
	if q.Get("error") != "login_required" || q.Get("code") != "" {
		t.Errorf("prompt=none after logout: %v", q)
	}
	if ev := e.events(t, "main", audit.Logout)[0]; ev.ClientID != "sso-a" || ev.Subject != e.kari {
		t.Errorf("logout event: %+v", ev)
	}
}
