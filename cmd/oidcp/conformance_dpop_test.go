package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/conformance"
	"github.com/oidcp/oidcp/representation"
)

// TestConformanceDPoP runs the suite's DPoP module against oidcp (the
// full plans, which include it, run in TestConformanceOIDCP).
func TestConformanceDPoP(t *testing.T) {
	srv := startTLSServer(t)
	cfg := srv.clientConfig(srv.register(t, "dpop-conformance"))
	hc, err := outboundClient(Config{Dev: true, TLSCA: srv.caFile})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := conformance.Run(context.Background(), conformance.Options{
		Issuer: srv.issuer, Client: cfg, Driver: conformance.HeadlessHintDriver{PID: cfg.Login.PID},
		HTTPClient: hc, Modules: []string{"oidcp-dpop"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Modules) != 1 || rep.Modules[0].Result != conformance.Passed {
		var b bytes.Buffer
		_ = rep.WriteDetails(&b)
		t.Fatalf("oidcp-dpop did not pass:\n%s", b.String())
	}
}

// TestConformanceFAPI2 runs the suite's FAPI 2.0 module against a dev
// server whose tenant main is in the fapi2 profile.
func TestConformanceFAPI2(t *testing.T) {
	c := newCLI(t)
	caFile, certFile, keyFile := writeTestPKI(t, t.TempDir())
	base := startServing(t, devArgs(t, c, "https", "--tls-cert", certFile, "--tls-key", keyFile, "--tls-ca", caFile), func(cfg *Config) {
		cfg.Tenants[0].Profile = "fapi2"
	}, time.Now).base
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := json.Marshal(jose.JSONWebKey{Key: k, KeyID: "fapi-1", Algorithm: "ES256", Use: "sig"})
	pub, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.Public(), KeyID: "fapi-1", Algorithm: "ES256", Use: "sig"}}})
	c.ok("clients", "create", "--tenant", "main", "--id", "fapi-conformance", "--auth-method", "private_key_jwt",
		"--jwks", string(pub), "--token-endpoint-auth-signing-alg", "ES256", "--id-token-alg", "PS256",
		"--require-par", "--dpop-bound-access-tokens", "--redirect-uri", rpRedirect, "--scope", "openid profile pid offline_access")
	pid, err := representation.SyntheticPID(time.Date(1984, 3, 9, 0, 0, 0, 0, time.UTC), 71)
	if err != nil {
		t.Fatal(err)
	}
	fapi := conformance.Client{ClientID: "fapi-conformance", TokenEndpointAuthMethod: "private_key_jwt", PrivateJWK: string(priv), RedirectURI: rpRedirect}
	hc, err := outboundClient(Config{Dev: true, TLSCA: caFile})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := conformance.Run(context.Background(), conformance.Options{
		Issuer: base + "/main", Client: conformance.ClientConfig{Client: fapi, FAPIClient: &fapi, Login: conformance.Login{PID: pid}},
		Driver: conformance.HeadlessHintDriver{PID: pid}, HTTPClient: hc, Modules: []string{"oidcp-fapi2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Modules) != 1 || rep.Modules[0].Result != conformance.Passed {
		var b bytes.Buffer
		_ = rep.WriteDetails(&b)
		t.Fatalf("oidcp-fapi2 did not pass:\n%s", b.String())
	}
}
