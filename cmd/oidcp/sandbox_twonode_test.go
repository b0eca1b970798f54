package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage/postgres/pgtest"
)

// roundRobin is a reverse proxy that sends each request to the next of
// its backends in turn, as a load balancer without affinity does.
type roundRobin struct {
	backends []*httputil.ReverseProxy
	next     atomic.Int64
	hits     []atomic.Int64
}

func (p *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(p.next.Add(1)) % len(p.backends)
	p.hits[i].Add(1)
	p.backends[i].ServeHTTP(w, r)
}

// TestSandboxTwoNodes runs two oidcp nodes on one PostgreSQL behind a
// round-robin proxy (their base_url): a vendor registers over HTTP at
// node A, logs test persons in headlessly through the proxy, so the
// ID-porten mock's pushed request, login and code cross nodes, and the
// per-client token limit and the per-vendor registration rate hold for
// the two nodes together, not per node.
func TestSandboxTwoNodes(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ports := freeAddrs(t, 5) // the proxy, then public and admin of each node
	proxyAddr := ports[0]
	base := "http://" + proxyAddr
	c := newCLI(t)
	c.db = dsn
	c.flags = []string{"--kek", testKEK(t), "--base-url", base}
	const tokenLimit, perHour = 5, 3
	sandboxQuotas := func(cfg *Config) {
		for i := range cfg.Tenants {
			if cfg.Tenants[i].Name == "sandbox" {
				cfg.Tenants[i].Registration.TokenPerClient = tokenLimit
				cfg.Tenants[i].Registration.RegistrationsPerHour = perHour
			}
		}
	}
	// Both quotas count in fixed windows on the nodes' clock: the
	// registrations per clock hour, the tokens per day (from midnight
	// UTC). A run that crossed an hour would see its counts start again,
	// so within five minutes of the next hour the nodes' shared clock
	// starts at it instead.
	clk := &testClock{}
	if next := time.Now().Truncate(time.Hour).Add(time.Hour); time.Until(next) < 5*time.Minute {
		clk.set(next)
	}
	var nodes []*testServer
	for i := range 2 {
		addr, admin := ports[1+2*i], ports[2+2*i]
		args := append([]string{"--dev", "--addr", addr, "--admin-addr", admin, "--base-url", base,
			"--data-dir", t.TempDir(), "--dsn", dsn, "--log-level", "warn", "--rate-limit-window", "24h"}, c.flags...)
		nodes = append(nodes, startServing(t, args, sandboxQuotas, clk.now))
		nodes[len(nodes)-1].base = "http://" + addr
	}
	rr := &roundRobin{hits: make([]atomic.Int64, 2)}
	for _, n := range nodes {
		u, _ := url.Parse(n.base)
		rr.backends = append(rr.backends, httputil.NewSingleHostReverseProxy(u))
	}
	proxy := &http.Server{Addr: proxyAddr, Handler: rr}
	go func() { _ = proxy.ListenAndServe() }()
	t.Cleanup(func() { proxy.Close() })
	waitListening(t, proxyAddr)

	var issued map[string]any
	if err := json.Unmarshal([]byte(c.ok("sandbox", "token", "--vendor", "acme")), &issued); err != nil {
		t.Fatal(err)
	}
	iat := issued["initial_access_token"].(string)
	register := func(node string) (int, map[string]any, http.Header) {
		body, _ := json.Marshal(map[string]any{"redirect_uris": []string{"https://acme.example/cb"}, "scope": "openid profile pid offline_access"})
		req, _ := http.NewRequest("POST", node+"/sandbox/register", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+iat)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out, resp.Header
	}
	client := func(out map[string]any) e2eClient {
		return e2eClient{tenant: "sandbox", id: out["client_id"].(string), secret: out["client_secret"].(string),
			redirect: "https://acme.example/cb", scopes: []string{"openid", "profile", "pid"}}
	}

	// Registered at node A, logged in through both.
	code, out, _ := register(nodes[0].base)
	if code != http.StatusCreated {
		t.Fatalf("register at node A: %d %v", code, out)
	}
	loginClient := client(out)
	rp := newRelyingParty(t, base+"/sandbox", loginClient, time.Now)
	pid := syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 7)
	for i := range 3 {
		tk := rp.login(t, newBrowser(), pid)
		if tk.claims.PID != pid {
			t.Fatalf("login %d: pid %q", i, tk.claims.PID)
		}
	}
	if rr.hits[0].Load() == 0 || rr.hits[1].Load() == 0 {
		t.Fatalf("the proxy did not use both nodes: %d / %d", rr.hits[0].Load(), rr.hits[1].Load())
	}

	// The registration rate: registered at A above, at B now; the third
	// (at A) is over the vendor's hourly rate of the two nodes together.
	code, out, _ = register(nodes[1].base)
	if code != http.StatusCreated {
		t.Fatalf("register at node B: %d %v", code, out)
	}
	rateClient := client(out)
	if code, _, _ := register(nodes[0].base); code != http.StatusCreated {
		t.Fatalf("third registration: %d", code)
	}
	code, out, h := register(nodes[1].base)
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Fatalf("registration %d across two nodes: %d %v, want 429 with Retry-After", perHour+1, code, out)
	}

	// The token endpoint: tokenLimit requests of one client through the
	// proxy (alternating nodes) pass the limit, the next is refused.
	for i := range tokenLimit + 1 {
		status, body, h := postForm(t, base+"/sandbox/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"bogus-" + strconv.Itoa(i)}},
			basicAuth(rateClient.id, rateClient.secret))
		switch {
		case i < tokenLimit && status != http.StatusBadRequest:
			t.Fatalf("token request %d: %d %v, want 400 invalid_grant (within the limit)", i+1, status, body)
		case i == tokenLimit && (status != http.StatusTooManyRequests || h.Get("Retry-After") == ""):
			t.Fatalf("token request %d across two nodes: %d %v, want 429 with Retry-After", i+1, status, body)
		}
	}
}

// waitListening waits until addr accepts connections.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
