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
// refuses loopback without exception, oidcp's own listener included even
// when a tenant's upstream is the built-in mock (oidcp reaches the mock
// in process, not through this client); in dev mode loopback is allowed.
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
	for _, u := range []string{
		own.URL + "/idporten-mock/.well-known/openid-configuration",
		strings.Replace(own.URL, "127.0.0.1", "localhost", 1) + "/idporten-mock/.well-known/openid-configuration",
		other.URL + "/jwks",
	} {
		if err := get(cfg, u); !errors.Is(err, outbound.ErrRefused) {
			t.Errorf("%s outside dev mode: %v, want ErrRefused", u, err)
		}
	}

	dev := cfg
	dev.Dev = true
	if err := get(dev, other.URL); err != nil {
		t.Errorf("dev mode: %v", err)
	}
}
