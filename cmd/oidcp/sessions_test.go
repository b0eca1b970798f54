package main

// Regression tests of the session and logout review: one authorization
// code redeemed in parallel, RP-initiated logout hints that name another
// person or are no ID token at all, and tokens of a login session that a
// new login in the same browser replaced.

import (
	"context"
	"database/sql"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/storage/sqlite"
)

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
