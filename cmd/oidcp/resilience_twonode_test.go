//go:build resilience

package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/storage/postgres/pgtest"
)

// TestResilienceTwoNodes: two `oidcp serve` nodes on one PostgreSQL
// database behind a round-robin proxy, with the ID-porten mock served to
// browsers by a third process on the same database (the mock keeps its
// logins, codes and key there, and each node reaches it in process, so
// every process serving it must share the database, as nodes do).
// Six clients log in, refresh and introspect through the proxy; node A
// is killed with SIGKILL in the middle. Then:
//   - no request failed except those in flight on A at the kill;
//   - logins parked at the eID after A answered their /authorize, and a
//     login session A created, complete on B;
//   - every grant's latest tokens are active, the rotated ones are not,
//     each completed login has exactly one session and each grant one
//     active refresh token;
//   - refresh-token reuse is detected across nodes, before and after
//     the kill.
func TestResilienceTwoNodes(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	bin := buildOidcp(t)
	kek := testKEK(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	proxy := newTestProxy()
	go func() { _ = http.Serve(ln, proxy) }()
	t.Cleanup(func() { ln.Close() })
	base := "http://" + ln.Addr().String()

	c := registerResClient(t, bin, dsn, kek, t.TempDir())
	mock := startNode(t, bin, "mock", nodeOpts{dsn: dsn, kek: kek, dataDir: t.TempDir(), baseURL: base})
	proxy.mock = &lbBackend{name: "mock", addr: mock.addr}
	a := startNode(t, bin, "A", nodeOpts{dsn: dsn, kek: kek, dataDir: t.TempDir(), baseURL: base})
	b := startNode(t, bin, "B", nodeOpts{dsn: dsn, kek: kek, dataDir: t.TempDir(), baseURL: base})
	proxy.nodes = []*lbBackend{{name: "A", addr: a.addr}, {name: "B", addr: b.addr}}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d := &driver{issuer: base + "/main", c: c, hc: &http.Client{Timeout: 20 * time.Second}}
	pids := newPIDSource(t)

	// Before the load: logins parked at the eID whose /authorize node A
	// answered, a browser whose login session A created, and two grants
	// whose refresh token A rotated.
	var parked []*parkedLogin
	for i := 0; len(parked) < 3 && i < 20; i++ {
		pl, r := d.park(ctx, pids.next())
		if pl == nil {
			t.Fatalf("parking a login: %v %v", r, r.body)
		}
		if pl.authorizeNode == "A" {
			parked = append(parked, pl)
		}
	}
	var sessionOnA *browser
	for i := 0; sessionOnA == nil && i < 20; i++ {
		g, r := d.login(ctx, pids.next())
		if g == nil {
			t.Fatalf("login: %v %v", r, r.body)
		}
		if g.callbackNode == "A" {
			sessionOnA = g.browser
		}
	}
	if len(parked) < 3 || sessionOnA == nil {
		t.Fatal("round robin never sent the login steps to node A")
	}
	atA, atB := "http://"+a.addr+"/main", "http://"+b.addr+"/main"
	reuseBefore := d.rotatedAt(ctx, t, pids.next(), atA)
	reuseAfter := d.rotatedAt(ctx, t, pids.next(), atA)
	d.wantReuseDetected(ctx, t, reuseBefore, atB, "before the kill")

	// The load, and the kill in its middle.
	var (
		rec    resultLog
		mu     sync.Mutex
		grants []*grantRun
		wg     sync.WaitGroup
	)
	stop := make(chan struct{})
	for range 6 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				g := d.loginRefreshIntrospect(ctx, pids.next(), &rec)
				mu.Lock()
				grants = append(grants, g)
				mu.Unlock()
			}
		})
	}
	time.Sleep(3 * time.Second)
	kill := time.Now()
	a.signal(t, syscall.SIGKILL)
	a.wait(t, 10*time.Second)
	time.Sleep(4 * time.Second)
	close(stop)
	wg.Wait()

	// No failed request except those in flight on A at the kill.
	var total, inFlight, onA, onB, afterKill int
	for _, r := range rec.results() {
		total++
		switch r.node {
		case "A":
			onA++
		case "B":
			onB++
		}
		if r.start.After(kill) {
			afterKill++
		}
		if !r.failed() {
			continue
		}
		// In flight at the kill: sent to A before its process was gone
		// (the kernel closes its sockets as the process dies), answered
		// after the signal.
		if r.node == "A" && r.start.Before(a.exitedAt) && !r.end.Before(kill) {
			inFlight++
			continue
		}
		t.Errorf("request failed and was not in flight on A at the kill: %v %v", r, r.body)
	}
	var completed, failedOps int
	for _, g := range grants {
		if g.done {
			completed++
			continue
		}
		failedOps++
		if r := g.failure; !(r.node == "A" && r.start.Before(a.exitedAt) && !r.end.Before(kill)) {
			t.Errorf("a login-refresh-introspect run failed, not at a request in flight on A at the kill: %v %v", r, r.body)
		}
	}
	t.Logf("%d requests (%d to A, %d to B, %d after the kill), %d failed in flight on A; %d login+refresh+introspect runs completed, %d cut by the kill",
		total, onA, onB, afterKill, inFlight, completed, failedOps)
	if afterKill == 0 || completed == 0 {
		t.Fatal("the load did not run across the kill")
	}

	// Logins A started complete on B.
	for i, pl := range parked {
		g, r := d.finish(ctx, pl)
		if g == nil {
			t.Errorf("parked login %d, started on A, did not complete after the kill: %v %v", i, r, r.body)
			continue
		}
		grants = append(grants, &grantRun{grant: g, done: true})
	}
	// A's login session still signs the person in (prompt=none), on B.
	if g, r := d.sso(ctx, sessionOnA); g == nil {
		t.Errorf("login session created on A is unusable after the kill: %v %v", r, r.body)
	}
	// Reuse of a refresh token A rotated, replayed after A died.
	d.wantReuseDetected(ctx, t, reuseAfter, d.issuer, "after the kill")

	t.Logf("%d logins parked at the eID after A answered /authorize completed on B; A's login session signed in on B; reuse detected across nodes before and after the kill", len(parked))

	// Nothing lost, nothing duplicated.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checked := 0
	for _, g := range grants {
		if !g.done {
			continue
		}
		checked++
		for _, tk := range []struct {
			what, tok, hint string
			want            bool
		}{
			{"latest access token", g.access, "access_token", true},
			{"latest refresh token", g.refresh, "refresh_token", true},
			{"access token before the refresh", g.access0, "access_token", false},
			{"refresh token before the refresh", g.refresh0, "refresh_token", false},
		} {
			if tk.tok == "" {
				continue
			}
			r := postJSON(ctx, d.hc, d.issuer+"/introspect", c, url.Values{"token": {tk.tok}, "token_type_hint": {tk.hint}})
			if active, _ := r.body["active"].(bool); r.status != http.StatusOK || active != tk.want {
				t.Errorf("%s of a completed login: %v active=%v, want %v", tk.what, r, r.body["active"], tk.want)
			}
		}
		var sessions int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE tenant = 'main' AND subject = $1 AND ended_at IS NULL`, g.pid).Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if sessions != 1 {
			t.Errorf("a completed login has %d live sessions, want 1", sessions)
		}
	}
	var dupGrants int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT kind, request_id FROM tokens WHERE tenant = 'main' AND kind IN ('access_token', 'refresh_token') AND active GROUP BY kind, request_id HAVING count(*) > 1) d`).Scan(&dupGrants); err != nil {
		t.Fatal(err)
	}
	if dupGrants != 0 {
		t.Errorf("%d grants have more than one active access or refresh token", dupGrants)
	}
	t.Logf("checked %d completed grants: latest tokens active, rotated ones inactive, one live session each; no grant with two active access or refresh tokens", checked)
}

// driver logs in, refreshes and introspects through the proxy, recording
// every request.
type driver struct {
	issuer string
	c      e2eClient
	hc     *http.Client
}

// grant is what a completed login holds.
type grant struct {
	pid               string
	access, refresh   string // latest
	access0, refresh0 string // before the refresh, if any
	callbackNode      string
	browser           *browser
}

// grantRun is one load iteration: done when login, refresh and
// introspection all succeeded; otherwise failure is the step that failed.
type grantRun struct {
	*grant
	done    bool
	failure result
}

// parkedLogin is a login waiting at its /callback.
type parkedLogin struct {
	pid, verifier, callback string
	authorizeNode           string
	browser                 *browser
}

// failed reports a request that did not get the answer a working OP
// gives: a transport error, a 5xx or an OAuth error.
func (r result) failed() bool {
	return r.err != nil || r.status >= 500 || r.errCode != ""
}

// hop fetches u in browser bw without following redirects.
func (d *driver) hop(ctx context.Context, bw *browser, u string) result {
	r := result{id: nextRequestID("h"), start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		r.err = err
		return r
	}
	req.Header.Set(requestIDHeader, r.id)
	resp, err := bw.c.Do(req)
	if err != nil {
		r.err, r.end = err, time.Now()
		return r
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r.end, r.err = time.Now(), err
	r.status, r.node, r.location = resp.StatusCode, resp.Header.Get(backendHeader), resp.Header.Get("Location")
	if r.status >= 400 || r.status < 300 {
		r.errCode = fmt.Sprintf("page %d", r.status) // a login step must redirect
	}
	return r
}

// walk follows redirects from u until one leads to a URL starting with
// stop, recording each hop; it returns that URL, or the failing hop.
func (d *driver) walk(ctx context.Context, bw *browser, u, stop string, rec *resultLog) (string, result, string) {
	var first result
	for i := 0; i < 10; i++ {
		r := d.hop(ctx, bw, u)
		if rec != nil {
			rec.add(r)
		}
		if i == 0 {
			first = r
		}
		if r.failed() {
			return "", r, first.node
		}
		next, err := url.Parse(r.location)
		if err != nil {
			r.err = err
			return "", r, first.node
		}
		u = next.String()
		if !next.IsAbs() {
			base, _ := url.Parse(d.issuer)
			u = base.ResolveReference(next).String()
		}
		if strings.HasPrefix(u, stop) {
			return u, r, first.node
		}
	}
	return "", result{err: fmt.Errorf("more than 10 redirects")}, first.node
}

// park starts a login for pid and stops in front of /callback, after
// the eID (the mock) has authenticated the person.
func (d *driver) park(ctx context.Context, pid string) (*parkedLogin, result) {
	rp := &relyingParty{issuer: d.issuer, c: d.c, conf: d.oauthConf()}
	a := rp.authURL(pid)
	bw := newBrowser()
	cb, r, node := d.walk(ctx, bw, a.url, d.issuer+"/callback", nil)
	if cb == "" {
		return nil, r
	}
	return &parkedLogin{pid: pid, verifier: a.verifier, callback: cb, authorizeNode: node, browser: bw}, r
}

// finish completes a parked login: /callback, then the code exchange.
func (d *driver) finish(ctx context.Context, pl *parkedLogin) (*grant, result) {
	return d.complete(ctx, pl, nil)
}

func (d *driver) complete(ctx context.Context, pl *parkedLogin, rec *resultLog) (*grant, result) {
	cbHop := d.hop(ctx, pl.browser, pl.callback)
	if rec != nil {
		rec.add(cbHop)
	}
	if cbHop.failed() {
		return nil, cbHop
	}
	u := cbHop.location
	if !strings.HasPrefix(u, d.c.redirect) {
		var r result
		if u, r, _ = d.walk(ctx, pl.browser, u, d.c.redirect, rec); u == "" {
			return nil, r
		}
	}
	g, r := d.redeem(ctx, u, pl.verifier, rec)
	if g != nil {
		g.pid, g.callbackNode, g.browser = pl.pid, cbHop.node, pl.browser
	}
	return g, r
}

// redeem exchanges the code in the authorization response u.
func (d *driver) redeem(ctx context.Context, u, verifier string, rec *resultLog) (*grant, result) {
	resp, err := url.Parse(u)
	if err != nil {
		return nil, result{err: err}
	}
	q := resp.Query()
	if q.Get("code") == "" {
		return nil, result{err: fmt.Errorf("authorization response without code: error=%s", q.Get("error"))}
	}
	r := postJSON(ctx, d.hc, d.issuer+"/token", d.c, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {d.c.redirect}, "code_verifier": {verifier}})
	if rec != nil {
		rec.add(r)
	}
	access, _ := r.body["access_token"].(string)
	refresh, _ := r.body["refresh_token"].(string)
	if r.status != http.StatusOK || access == "" || refresh == "" {
		if r.errCode == "" && r.err == nil {
			r.errCode = "no tokens"
		}
		return nil, r
	}
	return &grant{access: access, refresh: refresh}, r
}

// login is park + complete.
func (d *driver) login(ctx context.Context, pid string) (*grant, result) {
	pl, r := d.park(ctx, pid)
	if pl == nil {
		return nil, r
	}
	g, r := d.complete(ctx, pl, nil)
	return g, r
}

// loginRefreshIntrospect is one load iteration, every request recorded.
func (d *driver) loginRefreshIntrospect(ctx context.Context, pid string, rec *resultLog) *grantRun {
	run := &grantRun{grant: &grant{pid: pid}}
	rp := &relyingParty{issuer: d.issuer, c: d.c, conf: d.oauthConf()}
	a := rp.authURL(pid)
	bw := newBrowser()
	cb, r, node := d.walk(ctx, bw, a.url, d.issuer+"/callback", rec)
	if cb == "" {
		run.failure = r
		return run
	}
	g, r := d.complete(ctx, &parkedLogin{pid: pid, verifier: a.verifier, callback: cb, authorizeNode: node, browser: bw}, rec)
	if g == nil {
		run.failure = r
		return run
	}
	run.grant = g
	r = postJSON(ctx, d.hc, d.issuer+"/token", d.c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g.refresh}})
	rec.add(r)
	access, _ := r.body["access_token"].(string)
	refresh, _ := r.body["refresh_token"].(string)
	if r.status != http.StatusOK || access == "" || refresh == "" {
		// Rotated or not? Unknown when cut by the kill: check nothing.
		run.grant, run.failure = &grant{pid: pid}, r
		return run
	}
	g.access0, g.refresh0, g.access, g.refresh = g.access, g.refresh, access, refresh
	r, active := introspectActive(ctx, d.hc, d.issuer, d.c, g.access)
	rec.add(r)
	if !active && !r.failed() {
		r.errCode = "inactive"
	}
	run.done, run.failure = active, r
	return run
}

// sso sends an authorization request with prompt=none from bw: the login
// session must yield a code without a login.
func (d *driver) sso(ctx context.Context, bw *browser) (*grant, result) {
	rp := &relyingParty{issuer: d.issuer, c: d.c, conf: d.oauthConf()}
	a := rp.authURL("")
	u, r, _ := d.walk(ctx, bw, a.url+"&prompt=none", d.c.redirect, nil)
	if u == "" {
		return nil, r
	}
	return d.redeem(ctx, u, a.verifier, nil)
}

// rotation is a grant whose refresh token one node rotated.
type rotation struct {
	used, current, currentAccess string
}

// rotatedAt logs pid in and rotates its refresh token at issuer (a node
// addressed directly).
func (d *driver) rotatedAt(ctx context.Context, t *testing.T, pid, issuer string) rotation {
	t.Helper()
	g, r := d.login(ctx, pid)
	if g == nil {
		t.Fatalf("login: %v %v", r, r.body)
	}
	r = postJSON(ctx, d.hc, issuer+"/token", d.c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g.refresh}})
	refresh, _ := r.body["refresh_token"].(string)
	access, _ := r.body["access_token"].(string)
	if r.status != http.StatusOK || refresh == "" {
		t.Fatalf("refresh at %s: %v %v", issuer, r, r.body)
	}
	return rotation{used: g.refresh, current: refresh, currentAccess: access}
}

// wantReuseDetected replays a rotated refresh token at issuer: it must be
// refused, and the grant's current tokens revoked with it.
func (d *driver) wantReuseDetected(ctx context.Context, t *testing.T, rot rotation, issuer, when string) {
	t.Helper()
	r := postJSON(ctx, d.hc, issuer+"/token", d.c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rot.used}})
	if r.status != http.StatusBadRequest || r.errCode != "invalid_grant" {
		t.Errorf("%s: replayed refresh token answered %v, want 400 invalid_grant", when, r)
	}
	r = postJSON(ctx, d.hc, issuer+"/token", d.c, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rot.current}})
	if r.status != http.StatusBadRequest || r.errCode != "invalid_grant" {
		t.Errorf("%s: the grant's current refresh token still works after the replay: %v", when, r)
	}
	if r, active := introspectActive(ctx, d.hc, issuer, d.c, rot.currentAccess); active || r.status != http.StatusOK {
		t.Errorf("%s: the grant's access token is still active after the replay: %v %v", when, r, r.body)
	}
}

// oauthConf is the client's x/oauth2 configuration for building
// authorization URLs (no discovery needed: the issuer's paths are fixed).
func (d *driver) oauthConf() oauth2.Config {
	return oauth2.Config{ClientID: d.c.id, ClientSecret: d.c.secret, RedirectURL: d.c.redirect, Scopes: d.c.scopes,
		Endpoint: oauth2.Endpoint{AuthURL: d.issuer + "/authorize", TokenURL: d.issuer + "/token"}}
}

// pidSource hands out distinct synthetic fødselsnummer, so each login's
// sessions can be counted by subject.
type pidSource struct {
	mu  sync.Mutex
	t   *testing.T
	day time.Time
	n   int
}

func newPIDSource(t *testing.T) *pidSource {
	return &pidSource{t: t, day: time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (p *pidSource) next() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	return syntheticPID(p.t, p.day.AddDate(0, 0, p.n), 1)
}
