package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/oidcp/oidcp/conformance"
)

// TestConformanceBackchannelLogout runs the suite's back-channel logout
// module alone (the full plans run in TestConformanceOIDCP): RP-initiated
// logout delivers a logout token to the registered receiver that is
// valid per Back-Channel Logout 1.0 §2.4 and §2.6.
func TestConformanceBackchannelLogout(t *testing.T) {
	srv := startTLSServer(t)
	c := srv.register(t, "bcl-conformance", "--relax-pkce", "--relax-nonce")
	hc, err := outboundClient(Config{Dev: true, TLSCA: srv.caFile})
	if err != nil {
		t.Fatal(err)
	}
	cfg := srv.clientConfig(c)
	rep, err := conformance.Run(context.Background(), conformance.Options{
		Issuer: srv.issuer, Client: cfg, Driver: conformance.HeadlessHintDriver{PID: cfg.Login.PID},
		HTTPClient: hc, Modules: []string{"oidcp-backchannel-logout"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Modules) != 1 || rep.Modules[0].Result != conformance.Passed {
		var details bytes.Buffer
		_ = rep.WriteDetails(&details)
		t.Fatalf("oidcp-backchannel-logout did not pass:\n%s", details.String())
	}
}
