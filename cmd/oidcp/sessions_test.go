package main

// Sessions and logout: single sign-on and RP-initiated logout,
// logout hints that name another person or are no ID token at all, and
// tokens of a login session that a new login in the same browser
// replaced.

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/audit"
)

// sqliteE2E starts the server on SQLite only: the logout rules do not
// depend on the backend (TestE2E covers logout on both).
func sqliteE2E(t *testing.T) *e2eEnv {
	t.Helper()
	return startE2E(t, e2eBackends()[0])
}

// logoutURL is an RP-initiated logout request of client c with hint.
func (e *e2eEnv) logoutURL(c e2eClient, hint, state string) string {
	q := url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {c.logout}, "state": {state}}
	return e.issuer(c.tenant) + "/logout?" + q.Encode()
}

var (
	reLogoutAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	reLogoutHidden = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// confirmLogout answers the logout confirmation page in body with confirm
// (yes or no) and follows the redirects until stop.
func (b *browser) confirmLogout(t *testing.T, body, confirm, stop string) visit {
	t.Helper()
	m := reLogoutAction.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no confirmation form:\n%.2000s", body)
	}
	form := url.Values{"confirm": {confirm}}
	for _, h := range reLogoutHidden.FindAllStringSubmatch(body, -1) {
		form.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	resp, err := b.c.PostForm(html.UnescapeString(m[1]), form)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		return visit{status: resp.StatusCode, body: string(raw)}
	}
	v, err := b.visit(loc.String(), stop)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// stillLoggedIn reports whether b's session still answers prompt=none.
func stillLoggedIn(t *testing.T, b *browser, rp *relyingParty) bool {
	t.Helper()
	q, _, err := rp.authorizeE(b, rp.authURL("", oauth2.SetAuthURLParam("prompt", "none")))
	if err != nil {
		t.Fatal(err)
	}
	return q.Get("code") != ""
}

// TestLogoutHintOfAnotherPersonAsks: a logout request whose id_token_hint
// names another person than the one logged in to the browser does not log
// anybody out silently (RP-Initiated Logout 1.0 §2): the person is asked;
// "no" keeps the session, "yes" ends it. The hint's person is untouched.
func TestLogoutHintOfAnotherPersonAsks(t *testing.T) {
	e := sqliteE2E(t)
	c := e.register(t, "main", "lo-other")
	rp := e.rp(t, c)
	kariBr, olaBr := newBrowser(), newBrowser()
	kari := rp.login(t, kariBr, e.kari)
	ola := rp.login(t, olaBr, e.ola)

	// Ola's browser gets a logout request with Kari's ID token.
	v, err := olaBr.visit(e.logoutURL(c, kari.rawID, "st-other"), c.logout)
	if err != nil {
		t.Fatal(err)
	}
	if v.final != nil || v.status != http.StatusOK || !strings.Contains(v.body, `name="confirm"`) ||
		!strings.Contains(v.body, "annen innlogging") {
		t.Fatalf("logout with another person's hint: %s, want the confirmation page", v)
	}
	e.wantActive(t, c, ola.access, true, "Ola's access token while asked")
	if !stillLoggedIn(t, olaBr, rp) {
		t.Fatal("Ola's session ended before Ola confirmed")
	}

	// "No": back to the client, still logged in.
	v = olaBr.confirmLogout(t, v.body, "no", c.logout)
	if v.final == nil || v.final.Query().Get("state") != "st-other" {
		t.Fatalf("declined logout: %s, want the client's post-logout URI", v)
	}
	if !stillLoggedIn(t, olaBr, rp) {
		t.Fatal("declining the logout ended the session")
	}
	e.wantActive(t, c, ola.access, true, "Ola's access token after declining")

	// "Yes": Ola's session and tokens end; Kari's do not.
	v, err = olaBr.visit(e.logoutURL(c, kari.rawID, "st-other-2"), c.logout)
	if err != nil {
		t.Fatal(err)
	}
	v = olaBr.confirmLogout(t, v.body, "yes", c.logout)
	if v.final == nil || v.final.Query().Get("state") != "st-other-2" {
		t.Fatalf("confirmed logout: %s", v)
	}
	e.wantActive(t, c, ola.access, false, "Ola's access token after the confirmed logout")
	e.wantActive(t, c, ola.refresh, false, "Ola's refresh token after the confirmed logout")
	e.wantActive(t, c, kari.access, true, "Kari's access token after Ola's logout")
	if !stillLoggedIn(t, kariBr, rp) {
		t.Error("Kari's session ended by Ola's logout")
	}

	// Kari's own hint in Kari's browser logs out without asking.
	v, err = kariBr.visit(e.logoutURL(c, kari.rawID, "st-own"), c.logout)
	if err != nil {
		t.Fatal(err)
	}
	if v.final == nil || v.final.Query().Get("state") != "st-own" {
		t.Fatalf("logout with the person's own hint: %s, want a redirect without asking", v)
	}
	e.wantActive(t, c, kari.access, false, "Kari's access token after her logout")
}

// TestLogoutRefusesAccessTokenAsHint: a JWT access token (RFC 9068) is
// signed with the same keys and has the same iss as an ID token, but it is
// no id_token_hint: the request is refused with a page, nothing is ended.
func TestLogoutRefusesAccessTokenAsHint(t *testing.T) {
	e := sqliteE2E(t)
	c := e.register(t, "main", "lo-jwt", "--access-token-format", "jwt")
	rp := e.rp(t, c)
	br := newBrowser()
	tk := rp.login(t, br, e.kari)
	if strings.Count(tk.access, ".") != 2 {
		t.Fatalf("access token is not a JWT: %q", tk.access)
	}
	v, err := br.visit(e.logoutURL(c, tk.access, "st-at"), c.logout)
	if err != nil {
		t.Fatal(err)
	}
	if v.final != nil || v.status != http.StatusBadRequest || v.location != "" || !strings.Contains(v.body, "invalid_request") {
		t.Fatalf("access token as id_token_hint: %s, want a 400 page without redirect", v)
	}
	if !stillLoggedIn(t, br, rp) {
		t.Error("the session ended on an access token as hint")
	}
	e.wantActive(t, c, tk.access, true, "access token used as hint")
	// The ID token of the same login is a good hint.
	v, err = br.visit(e.logoutURL(c, tk.rawID, "st-id"), c.logout)
	if err != nil {
		t.Fatal(err)
	}
	if v.final == nil || v.final.Query().Get("state") != "st-id" {
		t.Fatalf("logout with the ID token: %s", v)
	}
	e.wantActive(t, c, tk.access, false, "access token after logout")
}

// TestLogoutReachesTokensOfReplacedSession: logging in again in the same
// browser (prompt=login, max_age) rotates the session id; logout of the
// newest session still revokes the tokens issued under the sessions it
// replaced, and an ID token from before the new login is still a hint of
// this session (sid follows the chain).
func TestLogoutReachesTokensOfReplacedSession(t *testing.T) {
	e := sqliteE2E(t)
	c := e.register(t, "main", "lo-chain")
	rp := e.rp(t, c)
	br := newBrowser()
	first := rp.login(t, br, e.kari)
	second := rp.login(t, br, e.kari, oauth2.SetAuthURLParam("prompt", "login"))
	e.clock.advance(5 * time.Second)
	code, a, v, err := rp.loginE(br, e.kari, oauth2.SetAuthURLParam("max_age", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if !v.visitedMock {
		t.Fatal("max_age=1 did not make a new login at the eID")
	}
	third, err := rp.exchangeE(code, a.verifier)
	if err != nil {
		t.Fatal(err)
	}
	if second.claims.SID != first.claims.SID || third.claims.SID != first.claims.SID {
		t.Errorf("sid changed across re-logins of the same person: %q %q %q", first.claims.SID, second.claims.SID, third.claims.SID)
	}
	for i, tk := range []*tokens{first, second, third} {
		e.wantActive(t, c, tk.access, true, fmt.Sprintf("access token %d before logout", i+1))
	}

	v, err = br.visit(e.logoutURL(c, first.rawID, "st-chain"), c.logout)
	if err != nil {
		t.Fatal(err)
	}
	if v.final == nil || v.final.Query().Get("state") != "st-chain" {
		t.Fatalf("logout with an ID token of the replaced session: %s, want a redirect without asking", v)
	}
	for i, tk := range []*tokens{first, second, third} {
		e.wantActive(t, c, tk.access, false, fmt.Sprintf("access token %d after logout", i+1))
		e.wantActive(t, c, tk.refresh, false, fmt.Sprintf("refresh token %d after logout", i+1))
	}
}

// TestLoginOfAnotherPersonEndsReplacedSession: on a shared computer, when
// another person logs in over a session the first person did not log out
// of, the first person's session ends and so do its tokens; the newcomer's
// tokens are not bound to it.
func TestLoginOfAnotherPersonEndsReplacedSession(t *testing.T) {
	e := sqliteE2E(t)
	c := e.register(t, "main", "lo-shared")
	rp := e.rp(t, c)
	br := newBrowser()
	kari := rp.login(t, br, e.kari)
	revoked := len(e.events(t, "main", audit.TokenRevoked))
	ola := rp.login(t, br, e.ola, oauth2.SetAuthURLParam("prompt", "login"))
	if ola.claims.PID != e.ola || ola.claims.SID == kari.claims.SID {
		t.Fatalf("second login: pid %q sid %q (first sid %q)", ola.claims.PID, ola.claims.SID, kari.claims.SID)
	}
	e.wantActive(t, c, kari.access, false, "first person's access token after another person logged in")
	e.wantActive(t, c, kari.refresh, false, "first person's refresh token after another person logged in")
	e.wantActive(t, c, ola.access, true, "second person's access token")
	evs := e.events(t, "main", audit.TokenRevoked)
	if len(evs) != revoked+1 || evs[0].Subject != e.kari {
		t.Errorf("usage log: %d token_revoked events (want %d), newest %+v", len(evs), revoked+1, evs)
	}
	// Logging the second person out leaves nothing of either.
	v, err := br.visit(e.logoutURL(c, ola.rawID, "st-shared"), c.logout)
	if err != nil {
		t.Fatal(err)
	}
	if v.final == nil {
		t.Fatalf("logout: %s", v)
	}
	e.wantActive(t, c, ola.access, false, "second person's access token after logout")
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
