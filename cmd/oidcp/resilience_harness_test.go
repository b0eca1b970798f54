//go:build resilience

package main

// Harness of the process-level resilience tests (make resilience): the
// real oidcp binary, built once per test into a temp dir, started as
// `oidcp serve` processes the tests can SIGTERM or SIGKILL, and a small
// HTTP client that records every request's outcome.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildOidcp builds the binary from this package into dir.
func buildOidcp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "oidcp")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cleanEnv is the environment without OIDCP_* settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPrefix+"_") {
			env = append(env, kv)
		}
	}
	return env
}

// verdict collects a test's failures and repeats them after every
// cleanup registered later (the nodes' log tails), so a CI log cut to its
// last lines still says why the test failed. Create it before the nodes.
type verdict struct {
	t    *testing.T
	mu   sync.Mutex
	msgs []string
}

func newVerdict(t *testing.T) *verdict {
	v := &verdict{t: t}
	t.Cleanup(func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		if len(v.msgs) > 0 {
			t.Logf("%s failed because:\n  %s", t.Name(), strings.Join(v.msgs, "\n  "))
		}
	})
	return v
}

// Errorf reports a failure as t.Errorf does and keeps it for the summary.
func (v *verdict) Errorf(format string, args ...any) {
	v.t.Helper()
	msg := fmt.Sprintf(format, args...)
	v.mu.Lock()
	v.msgs = append(v.msgs, msg)
	v.mu.Unlock()
	v.t.Error(msg)
}

// nodeOpts configure one `oidcp serve --dev` process.
type nodeOpts struct {
	dsn, kek string
	dataDir  string
	baseURL  string // default http://{addr}
	addr     string // default a free port
	extra    []string
}

// node is one running oidcp serve process.
type node struct {
	name        string
	addr, admin string // host:port of the public and admin listeners
	base        string // base URL it was configured with
	cmd         *exec.Cmd
	logs        *syncBuffer
	exited      chan struct{}
	exitErr     error
	exitedAt    time.Time
}

// startNode starts oidcp serve and waits until /readyz answers 200. When
// the test ends, a node still running is stopped with SIGTERM (SIGKILL
// after 20 s); if the test failed, its log is saved to a file and its
// tail printed.
func startNode(t *testing.T, bin, name string, o nodeOpts) *node {
	t.Helper()
	ports := freeAddrs(t, 2)
	n := &node{name: name, addr: o.addr, admin: ports[0], logs: &syncBuffer{}, exited: make(chan struct{})}
	if n.addr == "" {
		n.addr = ports[1]
	}
	n.base = o.baseURL
	if n.base == "" {
		n.base = "http://" + n.addr
	}
	args := append([]string{"serve", "--dev", "--addr", n.addr, "--admin-addr", n.admin, "--base-url", n.base,
		"--data-dir", o.dataDir, "--dsn", o.dsn, "--kek", o.kek, "--log-level", "info", "--log-format", "json"}, o.extra...)
	n.cmd = exec.Command(bin, args...)
	n.cmd.Env = cleanEnv()
	n.cmd.Stdout = io.Discard
	n.cmd.Stderr = n.logs
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		n.exitErr = n.cmd.Wait()
		n.exitedAt = time.Now()
		close(n.exited)
	}()
	t.Cleanup(func() {
		if n.running() {
			_ = n.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-n.exited:
			case <-time.After(20 * time.Second):
				_ = n.cmd.Process.Kill()
				<-n.exited
			}
		}
		if t.Failed() {
			// The whole log goes to a file that outlives the test; the
			// output keeps a short tail, so that the test's own messages
			// are not pushed out of a CI log cut to its last lines.
			where := "not saved"
			f, err := os.CreateTemp("", "oidcp-"+strings.ReplaceAll(t.Name(), "/", "_")+"-"+n.name+"-*.log")
			if err == nil {
				_, err = f.WriteString(n.logs.String())
				f.Close()
				where = f.Name()
			}
			if err != nil {
				where = err.Error()
			}
			t.Logf("%s logs (tail; all of it in %s):\n%s", n.name, where, tail(n.logs.String(), 12))
		}
	})
	n.waitReady(t, 60*time.Second)
	return n
}

func (n *node) running() bool {
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// waitReady polls /readyz until it answers 200.
func (n *node) waitReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if !n.running() {
			t.Fatalf("%s exited before ready: %v\n%s", n.name, n.exitErr, tail(n.logs.String(), 40))
		}
		if ready(n.admin) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not ready after %v\n%s", n.name, timeout, tail(n.logs.String(), 40))
}

// ready reports whether the admin listener's /readyz answers 200 within
// a second.
func ready(admin string) bool {
	c := &http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + admin + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// signal sends sig to the node's process.
func (n *node) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := n.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// wait waits for the process to exit, at most d.
func (n *node) wait(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-n.exited:
	case <-time.After(d):
		t.Fatalf("%s did not exit within %v", n.name, d)
	}
}

// requestLines are the node's per-request log lines by request id.
func (n *node) requestLines(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(n.logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l struct {
			Msg    string `json:"msg"`
			ID     string `json:"request_id"`
			Status int    `json:"status"`
		}
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "request" && l.ID != "" {
			out[l.ID] = l.Status
		}
	}
	return out
}

// oidcpCLI runs an oidcp command against dsn and returns its stdout.
func oidcpCLI(t *testing.T, bin, dsn, kek, dataDir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append(args, "--dev", "--dsn", dsn, "--kek", kek, "--data-dir", dataDir)...)
	cmd.Env = cleanEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oidcp %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// resClient is the one client the resilience tests register: code flow,
// refresh and client credentials.
var resClient = e2eClient{
	tenant: "main", id: "resilience-tool", secret: "secret-resilience-" + strings.Repeat("x", 32),
	redirect: "https://tool.example/cb", logout: "https://tool.example/logged-out",
	scopes: []string{"openid", "profile", "pid", "offline_access"},
}

func registerResClient(t *testing.T, bin, dsn, kek, dataDir string) e2eClient {
	t.Helper()
	c := resClient
	oidcpCLI(t, bin, dsn, kek, dataDir, "clients", "create", "--tenant", c.tenant, "--id", c.id, "--secret", c.secret,
		"--redirect-uri", c.redirect, "--post-logout-redirect-uri", c.logout, "--scope", strings.Join(c.scopes, " "),
		"--grant-type", "authorization_code", "--grant-type", "refresh_token", "--grant-type", "client_credentials")
	return c
}

// result is one HTTP request's outcome as the client saw it.
type result struct {
	id         string // X-Request-Id sent
	node       string // backend that answered (two-node proxy), if known
	start, end time.Time
	status     int    // 0 when no response arrived
	errCode    string // OAuth "error" of a JSON answer
	retryAfter string
	location   string // of a redirect
	body       map[string]any
	err        error
	introspect bool // an introspection
}

// refused reports a request that never reached a server: the connection
// was refused.
func (r result) refused() bool {
	var op *net.OpError
	return r.err != nil && errors.As(r.err, &op) && op.Op == "dial"
}

// resultLog keeps every result of a run.
type resultLog struct {
	mu  sync.Mutex
	all []result
}

func (rc *resultLog) add(r result) {
	rc.mu.Lock()
	rc.all = append(rc.all, r)
	rc.mu.Unlock()
}

func (rc *resultLog) results() []result {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]result(nil), rc.all...)
}

var reqSeq struct {
	sync.Mutex
	n int
}

func nextRequestID(prefix string) string {
	reqSeq.Lock()
	defer reqSeq.Unlock()
	reqSeq.n++
	return fmt.Sprintf("%s-%06d", prefix, reqSeq.n)
}

// postJSON posts form to u as client c (HTTP Basic) with hc and decodes
// the JSON answer; it never fails the test (it runs in load goroutines).
func postJSON(ctx context.Context, hc *http.Client, u string, c e2eClient, form url.Values) result {
	r := result{id: nextRequestID("r"), start: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		r.err, r.end = err, time.Now()
		return r
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(requestIDHeader, r.id)
	req.SetBasicAuth(url.QueryEscape(c.id), url.QueryEscape(c.secret))
	resp, err := hc.Do(req)
	if err != nil {
		r.err, r.end = err, time.Now()
		return r
	}
	defer resp.Body.Close()
	r.status, r.node, r.retryAfter = resp.StatusCode, resp.Header.Get(backendHeader), resp.Header.Get("Retry-After")
	b, err := io.ReadAll(resp.Body)
	r.end = time.Now()
	if err != nil {
		r.err = err
		return r
	}
	r.body = map[string]any{}
	if json.Unmarshal(b, &r.body) != nil {
		r.body = nil
	}
	r.errCode, _ = r.body["error"].(string)
	return r
}

// backendHeader names the node a proxied response came from.
const backendHeader = "X-Test-Backend"

// ccToken is a client_credentials token request.
func ccToken(ctx context.Context, hc *http.Client, issuer string, c e2eClient) (result, string) {
	r := postJSON(ctx, hc, issuer+"/token", c, url.Values{"grant_type": {"client_credentials"}})
	tok, _ := r.body["access_token"].(string)
	if r.status != http.StatusOK || tok == "" {
		return r, ""
	}
	return r, tok
}

// introspectActive asks whether token is active.
func introspectActive(ctx context.Context, hc *http.Client, issuer string, c e2eClient, token string) (result, bool) {
	r := postJSON(ctx, hc, issuer+"/introspect", c, url.Values{"token": {token}})
	r.introspect = true
	active, _ := r.body["active"].(bool)
	return r, r.status == http.StatusOK && active
}

// String is a short line for a failed result.
func (r result) String() string {
	if r.err != nil {
		return fmt.Sprintf("%s at +%v: %v", r.id, r.end.Sub(r.start).Round(time.Millisecond), r.err)
	}
	return fmt.Sprintf("%s: %d %s (%v)", r.id, r.status, r.errCode, r.end.Sub(r.start).Round(time.Millisecond))
}
