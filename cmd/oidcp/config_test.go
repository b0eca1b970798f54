package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestPrecedenceFlagEnvFileDefault(t *testing.T) {
	file := writeFile(t, "oidcp.yaml", "addr: 127.0.0.1:1111\nsession_idle: 11m\nlog_format: text\n")
	cases := []struct {
		name     string
		args     []string
		env      map[string]string
		wantAddr string
		wantIdle time.Duration
	}{
		{"default", nil, nil, defaultAddr, defaultSessionIdle},
		{"file over default", []string{"--config", file}, nil, "127.0.0.1:1111", 11 * time.Minute},
		{"file named by env", nil, map[string]string{"OIDCP_CONFIG": file}, "127.0.0.1:1111", 11 * time.Minute},
		{"env over file", []string{"--config", file}, map[string]string{"OIDCP_ADDR": "127.0.0.1:2222", "OIDCP_SESSION_IDLE": "22m"}, "127.0.0.1:2222", 22 * time.Minute},
		{"flag over env", []string{"--config", file, "--addr", "127.0.0.1:3333", "--session-idle", "33m"},
			map[string]string{"OIDCP_ADDR": "127.0.0.1:2222", "OIDCP_SESSION_IDLE": "22m"}, "127.0.0.1:3333", 33 * time.Minute},
		{"flag over file", []string{"--config", file, "--addr", "127.0.0.1:3333"}, nil, "127.0.0.1:3333", 11 * time.Minute},
		{"env over default", nil, map[string]string{"OIDCP_ADDR": "127.0.0.1:2222"}, "127.0.0.1:2222", defaultSessionIdle},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg, err := parse(t, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Addr != c.wantAddr || cfg.SessionIdle != c.wantIdle {
				t.Errorf("addr=%q idle=%v, want %q %v", cfg.Addr, cfg.SessionIdle, c.wantAddr, c.wantIdle)
			}
		})
	}
}

func TestLoadDefaults(t *testing.T) {
	clearEnv(t)
	cfg, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DSN != "sqlite:data/oidcp.db" || cfg.BaseURL != defaultBaseURL || cfg.AdminAddr != defaultAdminAddr || cfg.LogFormat != "json" {
		t.Errorf("defaults: %+v", cfg)
	}
	if got := cfg.tenantNames(); strings.Join(got, ",") != "main,sandbox" {
		t.Fatalf("tenants = %v", got)
	}
	if cfg.Tenants[0].Upstream.Mock || cfg.Tenants[0].Upstream.Issuer != idportenIssuer {
		t.Errorf("main outside dev must default to ID-porten, got %+v", cfg.Tenants[0].Upstream)
	}
	if !cfg.Tenants[1].Sandbox || !cfg.Tenants[1].Upstream.Mock {
		t.Errorf("sandbox = %+v", cfg.Tenants[1])
	}

	dev, err := parse(t, "--dev", "--data-dir", "/tmp/x", "--base-url", "http://127.0.0.1:9999")
	if err != nil {
		t.Fatal(err)
	}
	up := dev.Tenants[0].Upstream
	if !up.Mock || up.Issuer != "http://127.0.0.1:9999/idporten-mock" || up.ClientID != "oidcp-main" {
		t.Errorf("main in dev: %+v", up)
	}
	if dev.DSN != "sqlite:/tmp/x/oidcp.db" {
		t.Errorf("dsn follows data dir: %q", dev.DSN)
	}
}

func TestLoadTenantsFromFile(t *testing.T) {
	clearEnv(t)
	file := writeFile(t, "oidcp.yaml", `
tenants:
  - name: helse
    display_name: Helse
    upstream:
      issuer: https://test.idporten.no
      client_id: abc
      acr_values: idporten-loa-high
      allowed_acr: [idporten-loa-high]
  - name: sandbox
    sandbox: true
    upstream:
      mock: true
`)
	t.Setenv(upstreamSecretEnv("helse"), "from-env")
	cfg, err := parse(t, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.Tenants[0]
	if h.Name != "helse" || h.Upstream.ClientSecret != "from-env" || h.Upstream.ACRValues != "idporten-loa-high" || len(h.Upstream.AllowedACR) != 1 {
		t.Errorf("tenant from file: %+v", h)
	}
	if upstreamSecretEnv("my-tenant") != "OIDCP_UPSTREAM_MY_TENANT_CLIENT_SECRET" {
		t.Error(upstreamSecretEnv("my-tenant"))
	}
}

func TestLoadRejectsUnknownKeyAndMissingFile(t *testing.T) {
	clearEnv(t)
	file := writeFile(t, "oidcp.yaml", "base_uri: https://typo.example\n")
	if _, err := parse(t, "--config", file); err == nil || !strings.Contains(err.Error(), "base_uri") {
		t.Errorf("misspelt key: err = %v", err)
	}
	if _, err := parse(t, "--config", "/nonexistent/oidcp.yaml"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Config)
		want string // key and part of the message
	}{
		{"trailing slash", func(c *Config) { c.BaseURL = "https://login.example/" }, `base_url: must be an absolute http(s) URL without trailing slash`},
		{"relative base", func(c *Config) { c.BaseURL = "login.example" }, `base_url: must be an absolute`},
		{"ftp base", func(c *Config) { c.BaseURL = "ftp://login.example" }, `base_url: must be an absolute`},
		{"http public host", func(c *Config) { c.BaseURL = "http://login.example" }, `base_url: "http://login.example" uses plain http`},
		{"no kek", func(c *Config) { c.KEK = "" }, "kek: is required outside dev mode"},
		{"kek hint", func(c *Config) { c.KEK = "" }, "openssl rand -base64 32"},
		{"short kek", func(c *Config) { c.KEK = "c2hvcnQ=" }, "kek: keys: key-encryption key decodes to 5 bytes"},
		{"bad addr", func(c *Config) { c.Addr = "8080" }, "addr: must be host:port"},
		{"same admin addr", func(c *Config) { c.AdminAddr = c.Addr }, "admin_addr: must differ from addr"},
		{"bad dsn", func(c *Config) { c.DSN = "mysql://x" }, "dsn: must be sqlite:PATH or a postgres:// URL"},
		{"dsn password redacted", func(c *Config) { c.DSN = "mysql://u:hunter2@x" }, "xxxxx"},
		{"log level", func(c *Config) { c.LogLevel = "verbose" }, "log_level: must be debug, info, warn or error"},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, "log_format: must be json or text"},
		{"tls half", func(c *Config) { c.TLSCert = "/etc/cert.pem" }, "tls_cert: tls_cert and tls_key must be set together"},
		{"tls missing file", func(c *Config) { c.TLSCert, c.TLSKey = "/nonexistent/c.pem", "/nonexistent/k.pem" }, `tls_cert: file "/nonexistent/c.pem" does not exist`},
		{"zero access", func(c *Config) { c.AccessTokenLifetime = 0 }, "access_token_lifetime: must be a positive duration"},
		{"long access", func(c *Config) { c.AccessTokenLifetime = 48 * time.Hour }, "access_token_lifetime: (48h0m0s) is over 24h"},
		{"refresh shorter", func(c *Config) { c.RefreshTokenLifetime = time.Minute }, "refresh_token_lifetime: (1m0s) must be longer than access_token_lifetime"},
		{"idle over absolute", func(c *Config) { c.SessionIdle = 3 * time.Hour }, "session_idle: (3h0m0s) must not exceed session_absolute"},
		{"no tenants", func(c *Config) { c.Tenants = nil }, "tenants: at least one tenant is required"},
		{"tenant name", func(c *Config) { c.Tenants[0].Name = "Main/x" }, `tenants[0].name: "Main/x" must be`},
		{"reserved tenant", func(c *Config) { c.Tenants[0].Name = "idporten-mock" }, `tenants[0].name: "idporten-mock" is a path oidcp uses itself`},
		{"duplicate tenant", func(c *Config) { c.Tenants[1].Name = "main" }, `tenants[1].name: "main" is configured twice`},
		{"mock for main outside dev", func(c *Config) { c.Tenants[0].Upstream = UpstreamConfig{Mock: true, Issuer: c.mockIssuer()} }, "tenants[0].upstream.mock: tenant \"main\" is not a sandbox"},
		{"upstream issuer", func(c *Config) { c.Tenants[0].Upstream.Issuer = "https://idporten.no/" }, "tenants[0].upstream.issuer: must be the absolute issuer URL without trailing slash"},
		{"upstream client id", func(c *Config) { c.Tenants[0].Upstream.ClientID = "" }, "tenants[0].upstream.client_id: is required"},
		{"upstream secret", func(c *Config) { c.Tenants[0].Upstream.ClientSecret = "" }, "tenants[0].upstream.client_secret: is required; set it in the file or as OIDCP_UPSTREAM_MAIN_CLIENT_SECRET"},
		{"acr", func(c *Config) { c.Tenants[0].Upstream.ACRValues = "Level4" }, `tenants[0].upstream.acr_values: must be idporten-loa-substantial or idporten-loa-high, got "Level4"`},
		{"allowed acr", func(c *Config) { c.Tenants[0].Upstream.AllowedACR = []string{"Level3"} }, `tenants[0].upstream.allowed_acr: "Level3"`},
		{"negative retention", func(c *Config) { c.Tenants[1].UsageLogRetention = -time.Hour }, "tenants[1].usage_log_retention: must be at least 24h0m0s"},
		{"retention of hours", func(c *Config) { c.Tenants[0].UsageLogRetention = 12 * time.Hour }, "tenants[0].usage_log_retention: must be at least 24h0m0s (or 0 for the default, five years), got 12h0m0s"},
		{"profile", func(c *Config) { c.Tenants[1].Profile = "fapi1" }, `tenants[1].profile: "fapi1" is not a profile; use fapi2`},
		{"dpop window", func(c *Config) { c.DPoPProofWindow = time.Hour }, "dpop_proof_window: must be a positive duration of at most 10m"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := valid(t)
			c.mod(&cfg)
			err := cfg.Validate()
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n%v\nlacks %q", err, c.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Config)
	}{
		{"https base", func(c *Config) { c.BaseURL = "https://login.example.no" }},
		{"base with path", func(c *Config) { c.BaseURL = "https://example.no/oidcp" }},
		{"http public host in dev", func(c *Config) { c.BaseURL, c.Dev = "http://oidcp.local:8080", true }},
		{"dev without kek", func(c *Config) { c.KEK, c.Dev = "", true }},
		{"mock for main in dev", func(c *Config) {
			c.Dev = true
			c.Tenants[0].Upstream = UpstreamConfig{Mock: true, Issuer: c.mockIssuer()}
		}},
		{"postgres dsn", func(c *Config) { c.DSN = "postgres://oidcp@127.0.0.1:5432/oidcp?sslmode=disable" }},
		{"any-interface addr", func(c *Config) { c.Addr = ":8080" }},
		{"text logs", func(c *Config) { c.LogFormat, c.LogLevel = "text", "debug" }},
		{"fapi2 tenant with nonces", func(c *Config) { c.Tenants[0].Profile, c.Tenants[0].DPoPNonce = "fapi2", true }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := valid(t)
			c.mod(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestValidateForCommands(t *testing.T) {
	cfg := valid(t)
	cfg.KEK = ""
	cfg.Tenants[0].Upstream.ClientSecret = ""
	// clients and migrate use neither the KEK nor the upstream.
	if err := cfg.validate(needs{}); err != nil {
		t.Errorf("clients/migrate: %v", err)
	}
	if err := cfg.validate(needs{kek: true}); err == nil || !strings.Contains(err.Error(), "kek:") || strings.Contains(err.Error(), "upstream") {
		t.Errorf("keys: err = %v, want only the kek problem", err)
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	cfg := valid(t)
	cfg.BaseURL, cfg.LogFormat, cfg.KEK = "nope", "xml", ""
	err := cfg.Validate()
	for _, key := range []string{"base_url:", "log_format:", "kek:"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v lacks %s", err, key)
		}
	}
}

// The shipped example must load with every key it documents and pass
// validation once the secrets it says to supply are supplied.
func TestConfigExampleLoads(t *testing.T) {
	clearEnv(t)
	t.Setenv("OIDCP_KEK", testKEK(t))
	t.Setenv(upstreamSecretEnv("main"), "secret-from-env")
	cfg, err := parse(t, "--config", "../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Tenants) != 2 || cfg.Tenants[0].Upstream.Issuer != "https://test.idporten.no" || !cfg.Tenants[1].Upstream.Mock {
		t.Errorf("tenants = %+v", cfg.Tenants)
	}
	// Every scalar setting is documented in the example.
	b, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !strings.Contains(string(b), "\n"+s.key+":") {
			t.Errorf("config.example.yaml does not document %s", s.key)
		}
	}
}

func TestUsageLogRetention(t *testing.T) {
	clearEnv(t)
	file := writeFile(t, "oidcp.yaml", `
tenants:
  - name: helse
    usage_log_retention: 87600h
    upstream:
      mock: true
  - name: sandbox
    sandbox: true
    upstream:
      mock: true
`)
	cfg, err := parse(t, "--config", file)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.retentions()
	want := []tenantRetention{{"helse", 10 * 365 * 24 * time.Hour}, {"sandbox", 5 * 365 * 24 * time.Hour}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("retentions %v, want %v (the default is five years)", got, want)
	}
}

func TestValidateAdminToken(t *testing.T) {
	cfg := valid(t)
	cfg.AdminToken = "short"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "admin_token: is 5 characters; use at least 32") {
		t.Errorf("short admin token: %v", err)
	}
	cfg.AdminToken = adminToken
	if err := cfg.Validate(); err != nil {
		t.Errorf("good admin token: %v", err)
	}
	t.Setenv("OIDCP_ADMIN_TOKEN", adminToken)
	if got, err := parse(t); err != nil || got.AdminToken != adminToken {
		t.Errorf("OIDCP_ADMIN_TOKEN gives %q, %v", got.AdminToken, err)
	}
}
