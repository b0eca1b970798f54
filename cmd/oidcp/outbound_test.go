package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/oidcp/oidcp/outbound"
)

// TestOutboundClientPolicy: outside dev mode the client serve builds
// refuses loopback, except oidcp's own listener at base_url when a
// tenant's upstream is the built-in mock (oidcp calls the mock there);
// in dev mode loopback is allowed.
func TestOutboundClientPolicy(t *testing.T) {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	own := httptest.NewServer(ok) // stands in for oidcp's public listener
	defer own.Close()
	other := httptest.NewServer(ok) // a client's jwks_uri on loopback
	defer other.Close()

	get := func(cfg Config, u string) error {
		hc, err := outboundClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := hc.Get(u)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}

	cfg := valid(t) // not dev mode; tenant sandbox uses the mock
	cfg.BaseURL = own.URL
	if !cfg.usesMock() || cfg.Dev {
		t.Fatalf("want a non-dev configuration with a mock tenant: %+v", cfg)
	}
	if err := get(cfg, own.URL+"/idporten-mock/.well-known/openid-configuration"); err != nil {
		t.Errorf("own listener with a mock tenant: %v", err)
	}
	if err := get(cfg, other.URL+"/jwks"); !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("another loopback port: %v, want ErrRefused", err)
	}

	// base_url by host name: localhost resolves to the loopback address
	// the listener is on.
	byName := cfg
	byName.BaseURL = strings.Replace(own.URL, "127.0.0.1", "localhost", 1)
	if err := get(byName, byName.BaseURL+"/idporten-mock/.well-known/openid-configuration"); err != nil {
		t.Errorf("own listener named localhost with a mock tenant: %v", err)
	}
	if err := get(byName, other.URL+"/jwks"); !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("another loopback port, base_url by name: %v, want ErrRefused", err)
	}

	noMock := cfg
	noMock.Tenants = cfg.Tenants[:1]
	if noMock.usesMock() {
		t.Fatal("tenant main should not use the mock")
	}
	if err := get(noMock, own.URL); !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("own listener without a mock tenant: %v, want ErrRefused", err)
	}

	dev := cfg
	dev.Dev = true
	if err := get(dev, other.URL); err != nil {
		t.Errorf("dev mode: %v", err)
	}
}
