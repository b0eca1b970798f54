package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/representation"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeDev starts `serve --dev` on free ports and drives it over HTTP:
// health, discovery of both tenants and the mock, a headless login
// through the mock with a client registered by the CLI, metrics, and a
// graceful shutdown.
func TestServeDev(t *testing.T) {
	c := newCLI(t)
	addr, admin := freeAddr(t), freeAddr(t)
	base := "http://" + addr
	cfg, err := parse(t, "--dev", "--addr", addr, "--admin-addr", admin, "--base-url", base,
		"--data-dir", c.dir, "--dsn", c.dsn(), "--log-level", "warn")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var stdout, logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, newLogger(cfg, &logs), &stdout, time.Now) }()

	waitReady(t, "http://"+admin+"/readyz", done, &logs)

	for _, want := range []string{base + "/main", base + "/sandbox/.well-known/openid-configuration", base + "/idporten-mock", admin + "/metrics"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, stdout.String())
		}
	}

	for _, tenant := range []string{"main", "sandbox"} {
		var d struct {
			Issuer        string `json:"issuer"`
			TokenEndpoint string `json:"token_endpoint"`
		}
		resp := getJSON(t, base+"/"+tenant+"/.well-known/openid-configuration", &d)
		if d.Issuer != base+"/"+tenant {
			t.Errorf("%s issuer = %q", tenant, d.Issuer)
		}
		if resp.Header.Get(requestIDHeader) == "" {
			t.Error("no X-Request-Id on responses")
		}
	}
	var md struct{ Issuer string }
	getJSON(t, base+"/idporten-mock/.well-known/openid-configuration", &md)
	if md.Issuer != base+"/idporten-mock" {
		t.Errorf("mock issuer = %q", md.Issuer)
	}

	// A client registered with the CLI while the server runs can log in.
	secret := strings.Repeat("s", 40)
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "tool", "--secret", secret,
		"--redirect-uri", "http://127.0.0.1:9/cb", "--scope", "openid profile pid")
	pid, err := representation.SyntheticPID(time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC), 123)
	if err != nil {
		t.Fatal(err)
	}
	code := headlessLogin(t, base+"/sandbox", "tool", "http://127.0.0.1:9/cb", pid)
	var tok struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code.code}, "redirect_uri": {"http://127.0.0.1:9/cb"}, "code_verifier": {code.verifier}}
	req, _ := http.NewRequest("POST", base+"/sandbox/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("tool", secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.IDToken == "" || tok.AccessToken == "" {
		t.Fatalf("token: %d %+v", resp.StatusCode, tok)
	}

	m := get(t, "http://"+admin+"/metrics")
	for _, want := range []string{
		`oidcp_http_requests_total{code="2xx",endpoint="discovery",tenant="main"}`,
		`oidcp_tokens_issued_total{grant_type="authorization_code",tenant="sandbox"} 1`,
		`oidcp_upstream_request_duration_seconds_count{op="token",result="ok"}`,
		`oidcp_db_connections_open`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(logs.String(), pid) || strings.Contains(logs.String(), code.code) || strings.Contains(logs.String(), secret) {
		t.Errorf("logs contain the fødselsnummer, code or secret:\n%s", logs.String())
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
	if _, err := http.Get(base + "/main/.well-known/openid-configuration"); err == nil {
		t.Error("public listener still answers after shutdown")
	}
}

func waitReady(t *testing.T, url string, done <-chan error, logs *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\nlogs:\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not ready within 30s\nlogs:\n%s", logs.String())
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func getJSON(t *testing.T, u string, v any) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp
}

type authCode struct{ code, verifier string }

// headlessLogin runs the code flow with login_hint=testid:<pid>, following
// redirects (with cookies) until the browser would reach redirectURI.
func headlessLogin(t *testing.T, issuer, clientID, redirectURI, pid string) authCode {
	t.Helper()
	verifier := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{42}, 32))
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"scope": {"openid profile pid"}, "state": {"state-1234567890"}, "nonce": {"nonce-1234567890"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"login_hint": {"testid:" + pid},
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := issuer + "/authorize?" + q.Encode()
	for i := 0; i < 10; i++ {
		if strings.HasPrefix(next, redirectURI) {
			u, _ := url.Parse(next)
			if u.Query().Get("error") != "" || u.Query().Get("state") != "state-1234567890" {
				t.Fatalf("authorization response: %s", next)
			}
			return authCode{code: u.Query().Get("code"), verifier: verifier}
		}
		resp, err := client.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("GET %s: %d without redirect (a page was shown):\n%.2000s", next, resp.StatusCode, body)
		}
		next = loc.String()
	}
	t.Fatal("too many redirects")
	return authCode{}
}
