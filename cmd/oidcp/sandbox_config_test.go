package main

import (
	"testing"
	"time"
)

// TestRegistrationConfig: the example's registration block loads; a
// sandbox registers by default, main only when configured.
func TestRegistrationConfig(t *testing.T) {
	clearEnv(t)
	t.Setenv("OIDCP_KEK", testKEK(t))
	t.Setenv(upstreamSecretEnv("main"), "secret-from-env")
	cfg, err := parse(t, "--config", "../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sb := cfg.Tenants[1]
	if sb.Registration.Enabled == nil || !*sb.Registration.Enabled || sb.Registration.maxClients() != 20 || sb.Registration.perHour() != 30 {
		t.Errorf("example sandbox registration: %+v", sb.Registration)
	}
	if cfg.Tenants[0].registers() {
		t.Error("main registers without being configured to")
	}
	if !(TenantConfig{Sandbox: true}).registers() {
		t.Error("a sandbox does not register by default")
	}
	on := true
	if !(TenantConfig{Registration: RegistrationConfig{Enabled: &on}}).registers() {
		t.Error("registration.enabled: true is ignored")
	}
	if (RegistrationConfig{MaxClients: -1}).maxClients() != 0 || (RegistrationConfig{RegistrationsPerHour: -1}).perHour() != 0 {
		t.Error("-1 is not 'no limit'")
	}
}

func TestParseExpiry(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "0": 0, "36h": 36 * time.Hour, "0d": 0} {
		if got, err := parseExpiry(in); err != nil || got != want {
			t.Errorf("parseExpiry(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ninety", "-1h", "5000d", "d"} {
		if _, err := parseExpiry(in); err == nil {
			t.Errorf("parseExpiry(%q) accepted", in)
		}
	}
}
