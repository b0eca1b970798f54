package main

// Regression tests of the security review's smaller findings: access
// tokens in the userinfo query string, HSTS, and who may introspect what.

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

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
