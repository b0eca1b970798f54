package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/demo"
)

// TestBaseURLFollowsAddr: with base_url unset, a changed addr moves the
// issuers, the mock, the banner and the demo's redirect URI with it,
// instead of leaving them on port 8080.
func TestBaseURLFollowsAddr(t *testing.T) {
	cases := []struct {
		env, args []string
		want      string
	}{
		{[]string{"OIDCP_ADDR", "127.0.0.1:8090"}, []string{"--dev"}, "http://127.0.0.1:8090"},
		{nil, []string{"--dev", "--addr", ":8090"}, "http://127.0.0.1:8090"},
		{nil, []string{"--dev", "--addr", "0.0.0.0:8090"}, "http://127.0.0.1:8090"},
		{nil, []string{"--dev", "--addr", "[::1]:8090"}, "http://[::1]:8090"},
		{nil, []string{"--addr", "127.0.0.1:8090"}, "http://127.0.0.1:8090"},
		{nil, []string{"--dev", "--addr", "127.0.0.1:8090", "--base-url", "http://localhost:8090"}, "http://localhost:8090"},
		{nil, nil, defaultBaseURL},
	}
	for _, c := range cases {
		clearEnv(t)
		if c.env != nil {
			t.Setenv(c.env[0], c.env[1])
		}
		cfg, err := parse(t, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.BaseURL != c.want || cfg.mockIssuer() != c.want+mockPath {
			t.Errorf("%v %v: base_url %q, mock issuer %q; want %s", c.env, c.args, cfg.BaseURL, cfg.mockIssuer(), c.want)
		}
	}

	// The real server on a port of its own, base_url not given.
	clearEnv(t)
	cl := newCLI(t)
	ports := freeAddrs(t, 2)
	addr := ports[0]
	_, port, _ := net.SplitHostPort(addr)
	t.Setenv("OIDCP_ADDR", addr)
	srv := startServing(t, []string{"--dev", "--admin-addr", ports[1], "--data-dir", cl.dir, "--dsn", cl.dsn(), "--log-level", "warn"}, nil, time.Now)
	if srv.base != "http://"+addr {
		t.Fatalf("base URL %q, want http://%s", srv.base, addr)
	}
	var disc struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal([]byte(get(t, srv.base+"/sandbox/.well-known/openid-configuration")), &disc); err != nil || disc.Issuer != srv.base+"/sandbox" {
		t.Errorf("discovery issuer %q (%v), want %s/sandbox", disc.Issuer, err, srv.base)
	}
	banner := srv.stdout.String()
	if !strings.Contains(banner, demo.URL(srv.base)) || strings.Contains(banner, ":8080") {
		t.Errorf("banner does not point at port %s:\n%s", port, banner)
	}
	// The demo sends the browser to the provider on this port, with a
	// redirect URI on this port.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(demo.URL(srv.base) + "login?tenant=sandbox")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), srv.base+"/sandbox/") || loc.Query().Get("redirect_uri") != demo.RedirectURI(srv.base) {
		t.Errorf("demo login redirects to %v (%v), want the provider and a redirect URI at %s", loc, err, srv.base)
	}
}

// TestAddrPortValidation: ports outside 1–65535 are refused by validation
// (before, :99999 passed and failed only when binding, after migrating).
func TestAddrPortValidation(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", ":99999"}, "addr: must be host:port to listen on with a port of 1–65535"},
		{[]string{"--addr", "127.0.0.1:0"}, "addr: must be host:port"},
		{[]string{"--admin-addr", "127.0.0.1:65536"}, "admin_addr: must be host:port"},
		{[]string{"--addr", "127.0.0.1:http"}, "addr: must be host:port"},
		{[]string{"--base-url", "http://127.0.0.1:99999"}, `base_url: "http://127.0.0.1:99999" has port 99999`},
	} {
		clearEnv(t)
		cfg, err := parse(t, append([]string{"--dev"}, c.args...)...)
		if err != nil {
			t.Fatal(err)
		}
		err = cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error containing %q", c.args, err, c.want)
		}
		// A bad addr is one problem, not also a bad derived base_url.
		if err != nil && strings.Contains(c.args[0], "addr") && strings.Contains(err.Error(), "base_url") {
			t.Errorf("%v: base_url reported too: %v", c.args, err)
		}
	}
}

// TestAddrBaseURLDisagree: a base_url set to this host on another port
// than addr gets a warning; a public URL (a proxy in front) does not.
func TestAddrBaseURLDisagree(t *testing.T) {
	for _, c := range []struct {
		args []string
		warn bool
	}{
		{[]string{"--addr", "127.0.0.1:8090", "--base-url", "http://127.0.0.1:8080"}, true},
		{[]string{"--addr", "127.0.0.1:8090", "--base-url", "http://localhost"}, true},
		{[]string{"--addr", "10.0.0.5:8090", "--base-url", "https://10.0.0.5"}, true},
		{[]string{"--addr", "127.0.0.1:8090", "--base-url", "http://localhost:8090"}, false},
		{[]string{"--addr", "127.0.0.1:8090", "--base-url", "https://login.example.no"}, false},
		{[]string{"--addr", "127.0.0.1:8090"}, false},
	} {
		clearEnv(t)
		cfg, err := parse(t, c.args...)
		if err != nil {
			t.Fatal(err)
		}
		w := cfg.addrWarnings()
		if (len(w) > 0) != c.warn {
			t.Errorf("%v: warnings %q, want a warning: %v", c.args, w, c.warn)
		}
		if len(w) > 0 && !strings.Contains(w[0], "base_url") {
			t.Errorf("warning does not name base_url: %s", w[0])
		}
	}
}

// TestListenErrorNamesSetting: a port in use stops serve with an error
// that says which flag or environment variable moves it, for the admin
// listener as for the public one (OIDCP_ADDR alone leaves the admin port
// on 8081, where a second oidcp already listens).
func TestListenErrorNamesSetting(t *testing.T) {
	clearEnv(t)
	cl := newCLI(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free := freeAddrs(t, 1)[0]
	for _, c := range []struct {
		addr, admin string
		want        []string
	}{
		{free, busy.Addr().String(), []string{"admin_addr: listen on " + busy.Addr().String(), "--admin-addr", "OIDCP_ADMIN_ADDR"}},
		{busy.Addr().String(), free, []string{"addr: listen on " + busy.Addr().String(), "--addr", "OIDCP_ADDR"}},
	} {
		_, errs, code := cl.run("serve", "--dev", "--addr", c.addr, "--admin-addr", c.admin, "--log-level", "error")
		for _, w := range c.want {
			if code == 0 || !strings.Contains(errs, w) {
				t.Errorf("addr %s, admin %s: exit %d, stderr %q lacks %q", c.addr, c.admin, code, errs, w)
			}
		}
	}
}
