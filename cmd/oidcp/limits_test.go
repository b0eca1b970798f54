package main

// Limits on what anyone can make the server do: parameter and request
// size caps, rate limits per source address and per client, and throttled
// client authentication.

import (
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// getPage GETs u without following redirects.
func getPage(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// withParam returns the authorization URL with one parameter replaced.
func withParam(t *testing.T, raw, name, value string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// wantTooMany asserts a rate limit's answer: 429 with Retry-After in
// whole seconds within the window.
func wantTooMany(t *testing.T, what string, status int, h http.Header, window time.Duration) {
	t.Helper()
	if status != http.StatusTooManyRequests {
		t.Fatalf("%s: status %d, want 429", what, status)
	}
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > window {
		t.Errorf("%s: Retry-After %q, want 1..%v seconds", what, h.Get("Retry-After"), window.Seconds())
	}
}

// An authorization parameter over its cap is invalid_request naming the
// parameter, sent to the client (its redirect_uri is known good) before
// any flow is stored or the eID is asked; with an unregistered redirect
// it is a page, as any error then.
func TestAuthorizeRefusesOversizedState(t *testing.T) {
	e := startLimitsEnv(t)
	c := e.register(t, "main", "caps")
	rp := e.rp(t, c)
	for _, param := range []string{"state", "nonce", "login_hint", "acr_values", "ui_locales", "claims"} {
		t.Run(param, func(t *testing.T) {
			a := rp.authURL("")
			big := strings.Repeat("x", 5000)
			if param == "state" {
				a.state = big
			}
			v, err := newBrowser().visit(withParam(t, a.url, param, big), c.redirect)
			if err != nil {
				t.Fatal(err)
			}
			if v.final == nil {
				t.Fatalf("no redirect to the client: %s", v)
			}
			q := v.final.Query()
			if q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), "The "+param+" parameter") {
				t.Errorf("error %q %q, want invalid_request naming %s", q.Get("error"), q.Get("error_description"), param)
			}
			if q.Get("state") != a.state || q.Get("iss") != e.issuer("main") {
				t.Errorf("error response without the request's state and iss: %v", q)
			}
			if v.visitedMock {
				t.Error("the eID was asked before the request was refused")
			}
		})
	}
	t.Run("RedirectNotRegistered", func(t *testing.T) {
		a := rp.authURL("")
		u := withParam(t, withParam(t, a.url, "state", strings.Repeat("x", 5000)), "redirect_uri", "https://evil.example/cb")
		resp, body := getPage(t, u)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, "<html") {
			t.Errorf("unregistered redirect with an oversized state: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("WholeRequest", func(t *testing.T) {
		a := rp.authURL("")
		resp, body := getPage(t, withParam(t, a.url, "padding", strings.Repeat("x", 20<<10)))
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, "longer than") {
			t.Errorf("a 20 KiB authorization request: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("PAR", func(t *testing.T) {
		form := url.Values{"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {c.redirect},
			"scope": {"openid"}, "state": {rand.Text()}, "nonce": {strings.Repeat("n", 3000)},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
		status, body, _ := e.call(t, "main", "/par", form, basicAuth(c.id, c.secret))
		desc, _ := body["error_description"].(string)
		if status != http.StatusBadRequest || body["error"] != "invalid_request" || !strings.Contains(desc, "nonce") {
			t.Errorf("PAR with a 3000-byte nonce: %d %v", status, body)
		}
	})
}

// The login flow (and the request it keeps) lives as long as
// login_flow_lifetime says, not a fixed quarter of an hour.
func TestLoginFlowExpiresAtConfiguredLifetime(t *testing.T) {
	e := startLimitsEnv(t, "--login-flow-lifetime", "3m")
	c := e.register(t, "main", "flowttl")
	b := newBrowser()
	// Without a login hint the browser stops at the mock's login page.
	v, err := b.visit(e.rp(t, c).authURL("").url, c.redirect)
	if err != nil || !v.visitedMock {
		t.Fatalf("login did not reach the eID: %v %s", err, v)
	}
	u, _ := url.Parse(e.issuer("main") + "/callback")
	var id string
	for _, ck := range b.c.Jar.Cookies(u) {
		if ck.Name == "oidcp_flow_main" {
			id = ck.Value
		}
	}
	f, err := e.store.GetFlow(context.Background(), id, "login")
	if err != nil {
		t.Fatalf("flow of the login in progress: %v", err)
	}
	if got := f.ExpiresAt.Sub(f.CreatedAt); got != 3*time.Minute {
		t.Errorf("flow lives %v, want 3m", got)
	}
}

// /authorize and /par count per source address; past the limit the
// person gets a 429 page with Retry-After, before any lookup.
func TestAuthorizeRateLimitedPerSource(t *testing.T) {
	e := startLimitsEnv(t, "--rate-limit-authorize-per-source", "3")
	e.clock.startWindow(5 * time.Minute) // the counts below in one window
	c := e.register(t, "main", "rl-src")
	rp := e.rp(t, c)
	for i := range 2 {
		if resp, _ := getPage(t, rp.authURL(e.kari).url); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("request %d within the limit: %d", i+1, resp.StatusCode)
		}
	}
	// A pushed request counts in the same budget.
	par := url.Values{"response_type": {"code"}, "client_id": {c.id}, "redirect_uri": {c.redirect},
		"scope": {"openid"}, "state": {rand.Text()}, "nonce": {rand.Text()},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
	if status, body, _ := e.call(t, "main", "/par", par, basicAuth(c.id, c.secret)); status != http.StatusCreated {
		t.Fatalf("PAR within the limit: %d %v", status, body)
	}
	resp, body := getPage(t, rp.authURL(e.kari).url)
	wantTooMany(t, "fourth request", resp.StatusCode, resp.Header, time.Minute)
	if !strings.Contains(body, "for mange forespørsler") {
		t.Errorf("429 page without the explanation:\n%.600s", body)
	}
	status, m, h := e.call(t, "main", "/par", par, basicAuth(c.id, c.secret))
	wantTooMany(t, "PAR over the limit", status, h, time.Minute)
	if m["error"] != "too_many_requests" {
		t.Errorf("PAR over the limit: %v", m)
	}
	// The next window starts afresh.
	e.clock.advance(time.Minute)
	if resp, _ := getPage(t, rp.authURL(e.kari).url); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("next window: %d", resp.StatusCode)
	}
}

// /token counts per client: past the limit the client gets 429
// too_many_requests with Retry-After; another client is not affected.
func TestTokenRateLimitedPerClient(t *testing.T) {
	e := startLimitsEnv(t, "--rate-limit-token-per-client", "2")
	e.clock.startWindow(5 * time.Minute) // the counts below in one window
	a := e.register(t, "main", "rl-a", "--grant-type", "client_credentials")
	b := e.register(t, "main", "rl-b", "--grant-type", "client_credentials")
	cc := url.Values{"grant_type": {"client_credentials"}}
	for i := range 2 {
		if status, m, _ := e.call(t, "main", "/token", cc, basicAuth(a.id, a.secret)); status != http.StatusOK {
			t.Fatalf("token request %d: %d %v", i+1, status, m)
		}
	}
	status, m, h := e.call(t, "main", "/token", cc, basicAuth(a.id, a.secret))
	wantTooMany(t, "third token request", status, h, time.Minute)
	if m["error"] != "too_many_requests" {
		t.Errorf("third token request: %v", m)
	}
	if status, m, _ := e.call(t, "main", "/token", cc, basicAuth(b.id, b.secret)); status != http.StatusOK {
		t.Errorf("another client: %d %v", status, m)
	}
}

// Wrong secrets are counted per client; past the limit every attempt is
// refused (429) without a check, unknown client ids alike, until the
// window ends. A secret this server already verified keeps working.
func TestWrongSecretThrottled(t *testing.T) {
	e := startLimitsEnv(t, "--failed-client-auth-limit", "3", "--failed-client-auth-window", "5m")
	e.clock.startWindow(5 * time.Minute) // the counts below in one window
	fresh := e.register(t, "main", "thr-fresh", "--grant-type", "client_credentials")
	known := e.register(t, "main", "thr-known", "--grant-type", "client_credentials")
	cc := url.Values{"grant_type": {"client_credentials"}}
	token := func(id, secret string) (int, map[string]any, http.Header) {
		return e.call(t, "main", "/token", cc, basicAuth(id, secret))
	}
	if status, m, _ := token(known.id, known.secret); status != http.StatusOK {
		t.Fatalf("known client: %d %v", status, m)
	}
	wrong := "wrong-secret-" + strings.Repeat("w", 32)
	for _, id := range []string{fresh.id, known.id, "no-such-client"} {
		for i := range 3 {
			status, m, _ := token(id, wrong)
			wantInvalidClient(t, id+": wrong secret "+strconv.Itoa(i+1), status, m)
		}
		status, m, h := token(id, wrong)
		wantTooMany(t, id+": fourth wrong secret", status, h, 5*time.Minute)
		if m["error"] != "too_many_requests" {
			t.Errorf("%s: fourth wrong secret: %v", id, m)
		}
	}
	// Throttled: the right secret is not even checked...
	status, _, h := token(fresh.id, fresh.secret)
	wantTooMany(t, "right secret while throttled", status, h, 5*time.Minute)
	// ...unless this server verified it before.
	if status, m, _ := token(known.id, known.secret); status != http.StatusOK {
		t.Errorf("already verified secret while throttled: %d %v", status, m)
	}
	// Other endpoints that authenticate clients answer the same.
	status, _, h = e.call(t, "main", "/introspect", url.Values{"token": {"x"}}, basicAuth(fresh.id, fresh.secret))
	wantTooMany(t, "introspection while throttled", status, h, 5*time.Minute)
	e.clock.advance(5 * time.Minute)
	if status, m, _ := token(fresh.id, fresh.secret); status != http.StatusOK {
		t.Errorf("after the window: %d %v", status, m)
	}
}

// Two nodes on one PostgreSQL database share the counters: the limit
// holds for the requests of both together.
func TestRateLimitSharedBetweenNodes(t *testing.T) {
	e := newE2EEnv(t, e2eBackends()[1])
	var nodes []string
	for range 2 {
		srv := startServing(t, devArgs(t, e.cli, "http", "--kek", e.kek, "--rate-limit-token-per-client", "4"), nil, e.clock.now)
		nodes = append(nodes, srv.base)
	}
	c := e.register(t, "main", "shared", "--grant-type", "client_credentials")
	e.clock.startWindow(5 * time.Minute) // the counts below in one window
	cc := url.Values{"grant_type": {"client_credentials"}}
	for i := range 4 {
		if status, m, _ := postForm(t, nodes[i%2]+"/main/token", cc, basicAuth(c.id, c.secret)); status != http.StatusOK {
			t.Fatalf("request %d on node %d: %d %v", i+1, i%2+1, status, m)
		}
	}
	for i, node := range nodes {
		status, _, h := postForm(t, node+"/main/token", cc, basicAuth(c.id, c.secret))
		wantTooMany(t, "over the limit on node "+strconv.Itoa(i+1), status, h, time.Minute)
	}
}

func TestIntrospectBodyCapped(t *testing.T) {
	e := startLimitsEnv(t)
	c := e.register(t, "main", "cap-client", "--grant-type", "client_credentials")
	big := url.Values{"token": {strings.Repeat("x", 100<<10)}}
	for _, ep := range []string{"/introspect", "/revoke", "/userinfo"} {
		status, m, _ := e.call(t, "main", ep, big, basicAuth(c.id, c.secret))
		if status != http.StatusBadRequest || m["error"] != "invalid_request" || !strings.Contains(m["error_description"].(string), "bytes") {
			t.Errorf("%s with a 100 KiB body: %d %v, want 400 invalid_request naming the size", ep, status, m)
		}
	}
}

// TestMockRateLimitedPerSource: every interactive /authorize at the mock
// stores a pending login in the shared database, so the mock, as
// browsers reach it, has the per-source /authorize limit too.
func TestMockRateLimitedPerSource(t *testing.T) {
	e := startLimitsEnv(t, "--rate-limit-authorize-per-source", "3")
	e.clock.startWindow(5 * time.Minute) // the counts below in one window
	u := e.base + mockPath + "/.well-known/openid-configuration"
	for i := range 3 {
		if resp, _ := getPage(t, u); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d within the limit: %d", i+1, resp.StatusCode)
		}
	}
	resp, _ := getPage(t, u)
	wantTooMany(t, "fourth request to the mock", resp.StatusCode, resp.Header, time.Minute)
	e.clock.advance(time.Minute)
	if resp, _ := getPage(t, u); resp.StatusCode != http.StatusOK {
		t.Errorf("next window: %d", resp.StatusCode)
	}
}
