//go:build resilience

package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/provider"
)

// TestResiliencePostgresRestart: PostgreSQL (a private cluster) is stopped
// for 10 s while clients issue, introspect and start logins. /readyz
// fails within 2 s of the stop; meanwhile every request fails fast with
// 503 temporarily_unavailable and Retry-After (no unknown client, no
// hang; but for introspections answered from the node's one-second
// copies in the outage's first second); within 5 s of the database's return everything works again
// without restarting oidcp, and nothing committed before the stop is lost.
func TestResiliencePostgresRestart(t *testing.T) {
	pg := newPGCluster(t)
	bin := buildOidcp(t)
	dir := t.TempDir()
	dsn, kek := pg.dsn(), testKEK(t)
	c := registerResClient(t, bin, dsn, kek, dir)
	n := startNode(t, bin, "node", nodeOpts{dsn: dsn, kek: kek, dataDir: dir})
	issuer := n.base + "/main"
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	hc := &http.Client{Timeout: 10 * time.Second}

	// Committed before the stop: client credentials tokens and a login
	// with a refresh token.
	var before []string
	for range 20 {
		r, tok := ccToken(ctx, hc, issuer, c)
		if tok == "" {
			t.Fatalf("token before the stop: %v", r)
		}
		before = append(before, tok)
	}
	rp := newRelyingParty(t, issuer, c, time.Now)
	login := rp.login(t, newBrowser(), syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 7))
	ola := syntheticPID(t, time.Date(1979, 11, 2, 0, 0, 0, 0, time.UTC), 8)

	// Readiness, sampled every 50 ms.
	type sample struct {
		at time.Time
		ok bool
	}
	var (
		mu      sync.Mutex
		samples []sample
		rec     resultLog
		wg      sync.WaitGroup
	)
	stop := make(chan struct{})
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	wg.Go(func() {
		for !stopped() {
			ok := ready(n.admin)
			mu.Lock()
			samples = append(samples, sample{time.Now(), ok})
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
		}
	})
	// Load: token + introspection, and authorization requests.
	for w := range 4 {
		wg.Go(func() {
			for i := 0; !stopped(); i++ {
				if w == 0 {
					rec.add(authorizeOnce(ctx, rp, ola))
					time.Sleep(20 * time.Millisecond)
					continue
				}
				r, tok := ccToken(ctx, hc, issuer, c)
				rec.add(r)
				if tok == "" {
					tok = before[i%len(before)]
				}
				r, _ = introspectActive(ctx, hc, issuer, c, tok)
				rec.add(r)
			}
		})
	}

	time.Sleep(2 * time.Second)
	stopAsked := time.Now()
	pg.stop(t)
	down := time.Now()
	time.Sleep(10*time.Second - time.Since(stopAsked))
	startAsked := time.Now()
	pg.start(t)
	up := time.Now()
	time.Sleep(8 * time.Second)
	close(stop)
	wg.Wait()
	t.Logf("PostgreSQL stop took %v, down for %v, start took %v",
		down.Sub(stopAsked).Round(time.Millisecond), up.Sub(down).Round(time.Millisecond), up.Sub(startAsked).Round(time.Millisecond))

	// Readiness: red within 2 s of the stop, green within 5 s of the
	// return.
	var red, green time.Time
	for _, s := range samples {
		if red.IsZero() && !s.ok && s.at.After(stopAsked) {
			red = s.at
		}
		if green.IsZero() && s.ok && s.at.After(up) {
			green = s.at
		}
	}
	switch {
	case red.IsZero():
		t.Error("/readyz never failed while PostgreSQL was down")
	case red.Sub(down) > 2*time.Second:
		t.Errorf("/readyz failed %v after PostgreSQL stopped, want within 2s", red.Sub(down))
	}
	switch {
	case green.IsZero():
		t.Error("/readyz never recovered")
	case green.Sub(up) > 5*time.Second:
		t.Errorf("/readyz recovered %v after PostgreSQL returned, want within 5s", green.Sub(up))
	}

	// Every answer is a success or a proper 503; during the outage only
	// 503s, fast; from 5 s after the return only successes.
	var (
		during, unavailable, after, afterOK int
		fromCopy                            int
		slowest                             time.Duration
		firstOK                             time.Time
	)
	for _, r := range rec.results() {
		okAnswer := r.err == nil && (r.status == http.StatusOK || r.status == http.StatusSeeOther && r.errCode == "")
		unavail := r.err == nil && r.status == http.StatusServiceUnavailable && r.errCode == "temporarily_unavailable" && r.retryAfter != "" ||
			r.err == nil && r.status == http.StatusSeeOther && r.errCode == "temporarily_unavailable"
		if !okAnswer && !unavail {
			t.Errorf("answer neither a success nor 503 temporarily_unavailable: %v %v", r, r.body)
			continue
		}
		if unavail {
			unavailable++
		}
		if r.start.After(down) && r.end.Before(startAsked) {
			during++
			// A client_credentials token is sealed, and a node checks it
			// against copies it trusts for provider.ClientCacheTTL (the
			// client record, the tombstones), so for that long into the
			// outage its introspection may still be answered, correctly.
			switch {
			case okAnswer && r.introspect && r.start.Before(down.Add(provider.ClientCacheTTL+100*time.Millisecond)):
				fromCopy++
			case okAnswer:
				t.Errorf("success while PostgreSQL was down: %v", r)
			}
			slowest = max(slowest, r.end.Sub(r.start))
		}
		if r.start.After(up) && okAnswer && (firstOK.IsZero() || r.end.Before(firstOK)) {
			firstOK = r.end
		}
		if r.start.After(up.Add(5 * time.Second)) {
			after++
			if okAnswer {
				afterOK++
			} else {
				t.Errorf("failure more than 5 s after PostgreSQL returned: %v", r)
			}
		}
	}
	if during == 0 || after == 0 {
		t.Fatalf("load did not cover the outage (%d requests) and the recovery (%d)", during, after)
	}
	// The bound is PostgreSQL's connect timeout (5 s by default): a
	// request may wait for one connection attempt, never longer.
	if slowest > 5*time.Second {
		t.Errorf("slowest request during the outage took %v; it should fail within the connect timeout", slowest)
	}
	if firstOK.IsZero() || firstOK.Sub(up) > 5*time.Second {
		t.Errorf("first success after the return at %v", firstOK.Sub(up))
	}
	t.Logf("/readyz red %v after the stop began (%v after PostgreSQL was down), green %v after the return; %d requests during the outage, all 503 temporarily_unavailable (%d in all) but %d introspections answered from the node's copies in its first %v, slowest %v; first success %v after the return; %d/%d succeeded from 5 s after it",
		red.Sub(stopAsked).Round(time.Millisecond), red.Sub(down).Round(time.Millisecond), green.Sub(up).Round(time.Millisecond), during, unavailable, fromCopy, provider.ClientCacheTTL,
		slowest.Round(time.Millisecond), firstOK.Sub(up).Round(time.Millisecond), afterOK, after)

	// Nothing committed before the stop is lost.
	for _, tok := range before {
		if r, ok := introspectActive(ctx, hc, issuer, c, tok); !ok {
			t.Errorf("token issued before the stop is not active: %v %v", r, r.body)
		}
	}
	if _, err := rp.refreshE(login.refresh); err != nil {
		t.Errorf("refresh token issued before the stop: %v", err)
	}
}

// authorizeOnce sends one authorization request (headless login hint)
// and reports it without following the redirect: 303 to the eID when
// all is well; during an outage a 503 page or, once the client is known,
// a redirect to the client with error=temporarily_unavailable.
func authorizeOnce(ctx context.Context, rp *relyingParty, pid string) result {
	r := result{id: nextRequestID("a"), start: time.Now()}
	a := rp.authURL(pid)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.url, nil)
	req.Header.Set(requestIDHeader, r.id)
	b := newBrowser()
	resp, err := b.c.Do(req)
	r.end = time.Now()
	if err != nil {
		r.err = err
		return r
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r.status, r.retryAfter, r.node = resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get(backendHeader)
	if r.status >= 400 {
		r.errCode = "page"
		if strings.Contains(string(body), "temporarily_unavailable") {
			r.errCode = "temporarily_unavailable" // the error page names the code
		}
	}
	if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, rp.c.redirect) {
		u, _ := url.Parse(loc)
		r.errCode = u.Query().Get("error")
		if r.errCode == "" {
			r.errCode = "unexpected_code"
		}
	}
	return r
}
