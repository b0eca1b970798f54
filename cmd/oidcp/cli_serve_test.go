package main

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/representation"
)

// TestServeDev starts `serve --dev` on free ports and drives it over HTTP:
// health, discovery of both tenants and the mock, a headless login
// through the mock with a client registered by the CLI, metrics, and a
// graceful shutdown.
func TestServeDev(t *testing.T) {
	c := newCLI(t)
	var base string
	// Registered before startServing, so it runs after the server's
	// cleanup has shut serve down (and checked it returned nil).
	t.Cleanup(func() {
		if _, err := http.Get(base + "/main/.well-known/openid-configuration"); err == nil {
			t.Error("public listener still answers after shutdown")
		}
	})
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	base, admin, stdout, logs := srv.base, srv.admin, srv.stdout, srv.logs

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
	// A headless login through the mock (login_hint=testid:<pid>) in a
	// cookie-jar browser that stops at the redirect URI.
	verifier, redirect := oauth2.GenerateVerifier(), "http://127.0.0.1:9/cb"
	q := url.Values{
		"response_type": {"code"}, "client_id": {"tool"}, "redirect_uri": {redirect},
		"scope": {"openid profile pid"}, "state": {"state-1234567890"}, "nonce": {"nonce-1234567890"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"},
		"login_hint": {"testid:" + pid},
	}
	v, err := newBrowser().visit(base+"/sandbox/authorize?"+q.Encode(), redirect)
	if err != nil || v.final == nil {
		t.Fatalf("headless login: %v, %s", err, v)
	}
	if cb := v.final.Query(); cb.Get("error") != "" || cb.Get("state") != "state-1234567890" || cb.Get("code") == "" {
		t.Fatalf("authorization response: %s", v.final)
	}
	code := v.final.Query().Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
	status, tok, _ := postForm(t, base+"/sandbox/token", form, basicAuth("tool", secret))
	if status != 200 || tok["id_token"] == nil || tok["access_token"] == nil {
		t.Fatalf("token: %d %v", status, tok)
	}

	m := get(t, admin+"/metrics")
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
	if strings.Contains(logs.String(), pid) || strings.Contains(logs.String(), code) || strings.Contains(logs.String(), secret) {
		t.Errorf("logs contain the fødselsnummer, code or secret:\n%s", logs.String())
	}

}

func TestBanner(t *testing.T) {
	cfg := devConfig(t)
	var b bytes.Buffer
	printBanner(&b, cfg, "127.0.0.1:8081", true)
	out := b.String()
	for _, want := range []string{
		"http://127.0.0.1:8080/main\n",
		"http://127.0.0.1:8080/sandbox/.well-known/openid-configuration",
		"http://127.0.0.1:8080/idporten-mock",
		"login_hint=testid:",
		"http://127.0.0.1:8081/metrics",
		"oidcp clients create --tenant sandbox",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, cfg.Tenants[0].Upstream.ClientSecret) {
		t.Error("banner shows the mock client secret")
	}
}

// TestBannerTruths: the banner's register command is one that runs
// (the binary oidcp was started as, or go run when go run started it),
// the version line never reads "oidcp dev" (which looks like the mode),
// and the sandbox tenant is described rather than named twice.
func TestBannerTruths(t *testing.T) {
	for arg0, want := range map[string]string{
		"bin/oidcp":                              "bin/oidcp",
		"/usr/local/bin/oidcp":                   "/usr/local/bin/oidcp",
		"/tmp/go-build3509611576/b001/exe/oidcp": "go run ./cmd/oidcp",
		"/root/.cache/go-build/79/7919-d/oidcp":  "go run ./cmd/oidcp",
		"":                                       "go run ./cmd/oidcp",
	} {
		if got := selfCommand(arg0); got != want {
			t.Errorf("selfCommand(%q) = %q, want %q", arg0, got, want)
		}
	}
	var b bytes.Buffer
	printBanner(&b, devConfig(t), "127.0.0.1:8081", true)
	out := b.String()
	// The test binary is a go-build temporary, as under go run.
	if !strings.Contains(out, "\n  go run ./cmd/oidcp clients create --tenant sandbox") {
		t.Errorf("banner's register command is not runnable as printed:\n%s", out)
	}
	if strings.HasPrefix(out, "oidcp dev ") || !strings.HasPrefix(out, "oidcp "+displayVersion()+" is serving") {
		t.Errorf("banner's first line %q, want the version %q", strings.SplitN(out, "\n", 2)[0], displayVersion())
	}
	if strings.Contains(out, "tenant sandbox (sandbox)") || !strings.Contains(out, "tenant sandbox (synthetic test population)") {
		t.Errorf("banner describes the sandbox tenant as:\n%s", out)
	}
}
