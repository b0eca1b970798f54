package main

// Security review, defects 4 and 5: a client's rate limit must not be
// spent by requests that merely name it, and the endpoints outside the
// authorization and token limits are bounded per source too.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// from makes a request come from addr, through the trusted proxy the
// test server is told 127.0.0.1 is.
func from(addr string, auth clientAuth) clientAuth {
	return func(req *http.Request, form url.Values) {
		req.Header.Set("X-Forwarded-For", addr)
		if auth != nil {
			auth(req, form)
		}
	}
}

// getFrom GETs u as from addr, without following redirects.
func getFrom(t *testing.T, u, addr string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("X-Forwarded-For", addr)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

const (
	attackerAddr = "192.0.2.66"
	clientAddr   = "198.51.100.7"
)

func TestClientNotLockedOutByUnauthenticatedRequests(t *testing.T) {
	e := startLimitsEnv(t, "--trusted-proxies", "127.0.0.1",
		"--rate-limit-token-per-source", "5", "--rate-limit-token-per-client", "5",
		"--rate-limit-authorize-per-source", "5", "--rate-limit-authorize-per-client", "5")
	e.clock.startWindow(5 * time.Minute) // the counts below in one window

	t.Run("Token", func(t *testing.T) {
		x := e.register(t, "main", "victim-cc", "--grant-type", "client_credentials")
		cc := url.Values{"grant_type": {"client_credentials"}}
		claim := url.Values{"grant_type": {"client_credentials"}, "client_id": {x.id}}
		for i := range 5 {
			status, m, _ := e.call(t, "main", "/token", claim, from(attackerAddr, nil))
			wantInvalidClient(t, "unauthenticated request "+strconv.Itoa(i+1), status, m)
		}
		status, _, h := e.call(t, "main", "/token", claim, from(attackerAddr, nil))
		wantTooMany(t, "the naming source past its limit", status, h, time.Minute)
		for i := range 5 {
			if status, m, _ := e.call(t, "main", "/token", cc, from(clientAddr, basicAuth(x.id, x.secret))); status != http.StatusOK {
				t.Fatalf("the real client's request %d after others named it: %d %v", i+1, status, m)
			}
		}
	})

	t.Run("Authorize", func(t *testing.T) {
		x := e.register(t, "main", "victim-web")
		good := e.rp(t, x).authURL(e.kari).url
		bad := withParam(t, good, "redirect_uri", "https://evil.example/cb")
		for i := range 5 {
			if resp := getFrom(t, bad, attackerAddr); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("request %d with an unregistered redirect_uri: %d", i+1, resp.StatusCode)
			}
		}
		resp := getFrom(t, bad, attackerAddr)
		wantTooMany(t, "the naming source past its limit", resp.StatusCode, resp.Header, time.Minute)
		if resp := getFrom(t, e.rp(t, x).authURL(e.kari).url, clientAddr); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the real client's authorization request after others named it: %d, want 303 to the eID", resp.StatusCode)
		}
	})
}

func TestFailedClientAuthThrottledPerSource(t *testing.T) {
	e := startLimitsEnv(t, "--trusted-proxies", "127.0.0.1", "--failed-client-auth-per-source", "3")
	e.clock.startWindow(5 * time.Minute) // the counts below in one window
	real := e.register(t, "main", "psrc-real", "--grant-type", "client_credentials")
	cc := url.Values{"grant_type": {"client_credentials"}}
	wrong := "wrong-secret-" + strings.Repeat("w", 32)
	// Each attempt names a new client_id, so no client's own counter
	// ever trips; the source's does.
	for i := range 3 {
		status, m, _ := e.call(t, "main", "/token", cc, from(attackerAddr, basicAuth("random-"+strconv.Itoa(i), wrong)))
		wantInvalidClient(t, "wrong secret "+strconv.Itoa(i+1), status, m)
	}
	for _, ep := range []string{"/token", "/introspect", "/revoke"} {
		status, m, h := e.call(t, "main", ep, url.Values{"grant_type": {"client_credentials"}, "token": {"x"}},
			from(attackerAddr, basicAuth("random-"+ep, wrong)))
		wantTooMany(t, ep+": fourth failure from the source", status, h, 5*time.Minute)
		if m["error"] != "too_many_requests" {
			t.Errorf("%s: %v, want too_many_requests", ep, m)
		}
	}
	if status, m, _ := e.call(t, "main", "/token", cc, from(clientAddr, basicAuth(real.id, real.secret))); status != http.StatusOK {
		t.Errorf("a client from another source: %d %v", status, m)
	}
	e.clock.advance(5 * time.Minute)
	if status, m, _ := e.call(t, "main", "/token", cc, from(attackerAddr, basicAuth(real.id, real.secret))); status != http.StatusOK {
		t.Errorf("the source after the window: %d %v", status, m)
	}
}

// /introspect, /revoke, /userinfo, /choose and /logout count per source.
func TestOtherEndpointsRateLimitedPerSource(t *testing.T) {
	e := startLimitsEnv(t, "--rate-limit-token-per-source", "2", "--rate-limit-authorize-per-source", "2")
	e.clock.startWindow(5 * time.Minute) // the counts below in one window
	for _, ep := range []string{"/introspect", "/revoke", "/userinfo", "/choose", "/logout"} {
		var resp *http.Response
		for range 3 {
			var err error
			resp, err = http.PostForm(e.issuer("main")+ep, url.Values{"token": {"x"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
		wantTooMany(t, ep+": third request from one source", resp.StatusCode, resp.Header, time.Minute)
	}
}
