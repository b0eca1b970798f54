package main

// Regression tests of the security review's smaller findings: access
// tokens in the userinfo query string, HSTS, and who may introspect what.

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"
)

// TestUserinfoRefusesQueryToken: a valid access token in the query string
// is refused with invalid_request (RFC 6750 §2.3 discourages it: URLs
// end up in logs, history and Referer headers) and no claims; the same
// token in the header or a POST body still works.
func TestUserinfoRefusesQueryToken(t *testing.T) {
	e := startE2E(t, e2eBackends()[0])
	c := e.register(t, "main", "ui-query")
	tk := e.rp(t, c).login(t, newBrowser(), e.kari)
	endpoint := e.issuer("main") + "/userinfo"

	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ := http.NewRequest(method, endpoint+"?access_token="+url.QueryEscape(tk.access), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		if resp.StatusCode != http.StatusBadRequest || m["error"] != "invalid_request" ||
			!strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_request"`) {
			t.Errorf("%s with the token in the query: %d %s %q, want 400 invalid_request", method, resp.StatusCode, body, resp.Header.Get("WWW-Authenticate"))
		}
		if strings.Contains(string(body), e.kari) || m["sub"] != nil {
			t.Errorf("%s with the token in the query disclosed claims: %s", method, body)
		}
	}

	req, _ := http.NewRequest(http.MethodGet, endpoint, nil)
	req.Header.Set("Authorization", "Bearer "+tk.access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET with the Authorization header: %d", resp.StatusCode)
	}
	if status, m := e.userinfoPost(t, "main", tk.access); status != http.StatusOK || m["pid"] != e.kari {
		t.Errorf("POST with the token in the form body (RFC 6750 §2.2): %d %v", status, m)
	}
}

// TestIntrospectionLimitedToOwnClient: another client of the same tenant
// learns nothing about a token, not even that it is active (RFC 7662
// §4); the token's own client does, and so does a resource server named
// in an access token's audience.
func TestIntrospectionLimitedToOwnClient(t *testing.T) {
	e := startE2E(t, e2eBackends()[0])
	tool := e.register(t, "main", "intro-tool")
	other := e.register(t, "main", "intro-other")
	api := e.register(t, "main", "intro-api", "--grant-type", "client_credentials")
	svc := e.register(t, "main", "intro-svc", "--grant-type", "client_credentials", "--audience", api.id)

	tk := e.rp(t, tool).login(t, newBrowser(), e.kari)
	if m := e.wantActive(t, tool, tk.access, true, "the tool's access token, asked by the tool"); m["pid"] != e.kari {
		t.Errorf("the tool's own introspection lacks pid: %v", m)
	}
	e.wantActive(t, tool, tk.refresh, true, "the tool's refresh token, asked by the tool")
	for what, tok := range map[string]string{"access": tk.access, "refresh": tk.refresh} {
		m := e.wantActive(t, other, tok, false, "the tool's "+what+" token, asked by another client")
		if len(m) != 1 {
			t.Errorf("another client's introspection of the %s token says more than active: %v", what, m)
		}
		e.wantActive(t, api, tok, false, "the tool's "+what+" token, asked by a resource server not in its audience")
	}

	cc := clientcredentials.Config{ClientID: svc.id, ClientSecret: svc.secret, TokenURL: e.issuer("main") + "/token",
		EndpointParams: url.Values{"audience": {api.id}}}
	svcTok, err := cc.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e.wantActive(t, svc, svcTok.AccessToken, true, "a service token, asked by the service")
	if m := e.wantActive(t, api, svcTok.AccessToken, true, "a service token, asked by the resource server in its audience"); m["client_id"] != svc.id {
		t.Errorf("resource server's introspection: %v", m)
	}
	e.wantActive(t, other, svcTok.AccessToken, false, "a service token, asked by a client outside its audience")
}

// TestHSTSWhenHTTPS: Strict-Transport-Security on every answer of the
// public listener when oidcp serves TLS or base_url is https (TLS at a
// proxy), and never over plain http.
func TestHSTSWhenHTTPS(t *testing.T) {
	dir := t.TempDir()
	caFile, certFile, keyFile := writeTestPKI(t, dir)
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tlsClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	plainClient := &http.Client{Timeout: 10 * time.Second, CheckRedirect: tlsClient.CheckRedirect}

	for _, tc := range []struct {
		name   string
		scheme string // of base_url
		extra  []string
		client *http.Client
		want   string
	}{
		{"TLS", "https", []string{"--tls-cert", certFile, "--tls-key", keyFile, "--tls-ca", caFile}, tlsClient, hstsValue},
		{"BehindTLSProxy", "https", nil, plainClient, hstsValue},
		{"PlainHTTP", "http", nil, plainClient, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			srv := startServing(t, devArgs(t, c, tc.scheme, tc.extra...), nil, time.Now)
			// What the server listens on; base_url may say https in
			// front of a plain listener.
			listen := strings.Replace(srv.base, "https://", map[bool]string{true: "https://", false: "http://"}[len(tc.extra) > 0], 1)
			for _, path := range []string{"/", "/main/.well-known/openid-configuration", "/main/authorize", "/idporten-mock/.well-known/openid-configuration", "/no-such-page"} {
				resp, err := tc.client.Get(listen + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.Header.Get("Strict-Transport-Security"); got != tc.want {
					t.Errorf("GET %s: Strict-Transport-Security %q, want %q", path, got, tc.want)
				}
			}
		})
	}
}

// TestSecurityHeadersOnEveryRoute: the router applies the security
// headers to every component it mounts, not only the provider's routes:
// the index, the ID-porten mock, the demo, the population page and the
// not-found page carry them too.
func TestSecurityHeadersOnEveryRoute(t *testing.T) {
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/", "/main/.well-known/openid-configuration", "/idporten-mock/.well-known/openid-configuration", "/demo/", "/sandbox/population", "/no-such-page"} {
		resp, err := client.Get(srv.base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: http.StatusNotFound, false: http.StatusOK}[path == "/no-such-page"]; resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
		h := resp.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "no-referrer" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("GET %s (%d): headers %v", path, resp.StatusCode, h)
		}
	}
}
