package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/oidcp/oidcp/conformance"
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
