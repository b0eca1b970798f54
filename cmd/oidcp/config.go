package main

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/registry"
)

// Config is the parsed configuration. Every scalar key can be set in the
// config file, as OIDCP_<KEY> in the environment and as --<key-with-dashes>
// on the command line; tenants only in the file.
type Config struct {
	Addr      string `mapstructure:"addr"`
	AdminAddr string `mapstructure:"admin_addr"`
	// BaseURL is the public URL without trailing slash; issuers are
	// BaseURL/{tenant}.
	BaseURL string `mapstructure:"base_url"`
	// baseURLDerived is set when base_url was not configured and complete
	// derived it from addr.
	baseURLDerived bool
	// DSN is sqlite:PATH or a postgres:// URL; default sqlite:DataDir/oidcp.db.
	DSN     string `mapstructure:"dsn"`
	DataDir string `mapstructure:"data_dir"`
	Dev     bool   `mapstructure:"dev"`
	// KEK is the key-encryption key, base64 of 32 bytes.
	KEK       string `mapstructure:"kek"`
	LogLevel  string `mapstructure:"log_level"`
	LogFormat string `mapstructure:"log_format"`
	TLSCert   string `mapstructure:"tls_cert"`
	TLSKey    string `mapstructure:"tls_key"`
	// TLSCA is a PEM file of extra CA certificates trusted, besides the
	// system roots, for oidcp's outgoing calls (the upstream eID), e.g. a
	// private CA in front of a test ID-porten or the dev mock over TLS.
	TLSCA string `mapstructure:"tls_ca"`
	// AdminToken is the bearer token of the admin listener's registry
	// import API (POST /registry/import); empty disables that API.
	AdminToken string `mapstructure:"admin_token"`
	// MockAllowNonSynthetic lets the ID-porten mock log in fødselsnummer
	// that are not synthetic. Dev mode only, off by default: the mock
	// checks nobody's identity, so outside a developer's machine it must
	// never let anyone act as a real person.
	MockAllowNonSynthetic bool `mapstructure:"mock_allow_nonsynthetic"`

	AccessTokenLifetime  time.Duration `mapstructure:"access_token_lifetime"`
	RefreshTokenLifetime time.Duration `mapstructure:"refresh_token_lifetime"`
	IDTokenLifetime      time.Duration `mapstructure:"id_token_lifetime"`
	SessionIdle          time.Duration `mapstructure:"session_idle"`
	SessionAbsolute      time.Duration `mapstructure:"session_absolute"`
	ShutdownTimeout      time.Duration `mapstructure:"shutdown_timeout"`
	// UsageLogSync makes a request wait for its usage-log event's commit.
	UsageLogSync bool `mapstructure:"usage_log_sync"`
	// LoginFlowLifetime is how long a person has to complete the eID
	// login; the flow (and its stored request) expires then.
	LoginFlowLifetime time.Duration `mapstructure:"login_flow_lifetime"`
	// DPoPProofWindow is how far a DPoP proof's iat may lie from now.
	DPoPProofWindow time.Duration `mapstructure:"dpop_proof_window"`

	// Rate limits (limits.go): per window, > 0 a limit, 0 the default
	// for the mode, < 0 no limit.
	RateLimitWindow             time.Duration `mapstructure:"rate_limit_window"`
	RateLimitAuthorizePerSource int64         `mapstructure:"rate_limit_authorize_per_source"`
	RateLimitAuthorizePerClient int64         `mapstructure:"rate_limit_authorize_per_client"`
	RateLimitTokenPerSource     int64         `mapstructure:"rate_limit_token_per_source"`
	RateLimitTokenPerClient     int64         `mapstructure:"rate_limit_token_per_client"`
	FailedClientAuthLimit       int64         `mapstructure:"failed_client_auth_limit"`
	FailedClientAuthWindow      time.Duration `mapstructure:"failed_client_auth_window"`
	FailedClientAuthPerSource   int64         `mapstructure:"failed_client_auth_per_source"`
	// TrustedProxies is a comma-separated list of addresses or CIDR
	// prefixes whose X-Forwarded-For names the source address.
	TrustedProxies string `mapstructure:"trusted_proxies"`

	Tenants []TenantConfig `mapstructure:"tenants"`
}

// TenantConfig is one tenant of the config file.
type TenantConfig struct {
	Name        string `mapstructure:"name"`
	DisplayName string `mapstructure:"display_name"`
	Sandbox     bool   `mapstructure:"sandbox"`
	// Registry names the person and relation registry the tenant reads.
	// Default: "synthetic" (the synthetic population) for a sandbox or a
	// tenant behind the ID-porten mock, "main" otherwise.
	Registry string         `mapstructure:"registry"`
	Upstream UpstreamConfig `mapstructure:"upstream"`
	// Registration is self-service client registration (RFC 7591) for
	// vendors; on by default in a sandbox, off elsewhere.
	Registration RegistrationConfig `mapstructure:"registration"`
	// DataScopes are the tenant's data-exchange scopes: a tool gets one
	// only under a consent grant. Default for a sandbox tenant:
	// defaultSandboxScopes; none otherwise.
	DataScopes []DataScopeConfig `mapstructure:"data_scopes"`
	// UsageLogRetention is how long the tenant's usage log keeps an
	// event; the janitor deletes older ones. 0 means the default,
	// account.DefaultRetention (five years).
	UsageLogRetention time.Duration `mapstructure:"usage_log_retention"`
	// DPoPNonce makes every DPoP proof at the tenant carry a server nonce
	// (RFC 9449 §8).
	DPoPNonce bool `mapstructure:"dpop_nonce"`
	// Profile "fapi2" holds the tenant to the FAPI 2.0 Security Profile
	// (package fapi2); empty: none.
	Profile string `mapstructure:"profile"`
}

// minUsageLogRetention: a shorter retention is taken for a typo (a
// citizen's log that forgets within hours is no log).
const minUsageLogRetention = 24 * time.Hour

// retention is how long the tenant keeps its usage log.
func (t TenantConfig) retention() time.Duration {
	if t.UsageLogRetention == 0 {
		return account.DefaultRetention
	}
	return t.UsageLogRetention
}

// retentions is each tenant's usage-log retention, for the janitor.
func (c *Config) retentions() []tenantRetention {
	out := make([]tenantRetention, 0, len(c.Tenants))
	for _, t := range c.Tenants {
		out = append(out, tenantRetention{tenant: t.Name, keep: t.retention()})
	}
	return out
}

// DataScopeConfig is one data-exchange scope with the texts the consent
// page shows.
type DataScopeConfig struct {
	Name        string     `mapstructure:"name"`
	Title       TextConfig `mapstructure:"title"`
	Description TextConfig `mapstructure:"description"`
}

// TextConfig is a citizen-facing text in bokmål, nynorsk and English.
type TextConfig struct {
	NB string `mapstructure:"nb"`
	NN string `mapstructure:"nn"`
	EN string `mapstructure:"en"`
}

// defaultSandboxScopes are the data-exchange scopes of a sandbox tenant
// that declares none, so vendors can try consent right away.
var defaultSandboxScopes = []DataScopeConfig{
	{
		Name:  "health:measurements",
		Title: TextConfig{NB: "Målinger", NN: "Målingar", EN: "Measurements"},
		Description: TextConfig{
			NB: "Tjenesten kan lese og lagre målingene til personen tillatelsen gjelder, for eksempel blodtrykk og blodsukker.",
			NN: "Tenesta kan lese og lagre målingane til personen løyvet gjeld, til dømes blodtrykk og blodsukker.",
			EN: "The service may read and store the measurements of the person the permission is for, such as blood pressure and blood sugar.",
		},
	},
	{
		Name:  "health:appointments",
		Title: TextConfig{NB: "Timeavtaler", NN: "Timeavtalar", EN: "Appointments"},
		Description: TextConfig{
			NB: "Tjenesten kan se timeavtalene hos helsetjenesten til personen tillatelsen gjelder.",
			NN: "Tenesta kan sjå timeavtalane hos helsetenesta til personen løyvet gjeld.",
			EN: "The service may see the appointments with the health service of the person the permission is for.",
		},
	},
}

// catalogue is the tenant's data-exchange scopes for the consent package.
func (t TenantConfig) catalogue() (*consent.Catalogue, error) {
	var scopes []consent.Scope
	for _, d := range t.DataScopes {
		scopes = append(scopes, consent.Scope{
			Name:        d.Name,
			Title:       consent.Text{NB: d.Title.NB, NN: d.Title.NN, EN: d.Title.EN},
			Description: consent.Text{NB: d.Description.NB, NN: d.Description.NN, EN: d.Description.EN},
		})
	}
	return consent.NewCatalogue(scopes)
}

// offeredScopes are the scopes a client of the tenant may be registered
// for: the identity scopes and the tenant's data-exchange scopes.
func (t TenantConfig) offeredScopes() []string {
	return append(slices.Clone(consent.IdentityScopes), t.dataScopeNames()...)
}

// dataScopeNames are the names of the tenant's data-exchange scopes.
func (t TenantConfig) dataScopeNames() []string {
	var out []string
	for _, d := range t.DataScopes {
		out = append(out, d.Name)
	}
	return out
}

// UpstreamConfig is a tenant's eID. With Mock the built-in ID-porten mock
// is the upstream and the other fields take mock defaults.
type UpstreamConfig struct {
	Mock         bool     `mapstructure:"mock"`
	Issuer       string   `mapstructure:"issuer"`
	ClientID     string   `mapstructure:"client_id"`
	ClientSecret string   `mapstructure:"client_secret"`
	Scopes       []string `mapstructure:"scopes"`
	ACRValues    string   `mapstructure:"acr_values"`
	AllowedACR   []string `mapstructure:"allowed_acr"`
}

// Defaults of the scalar keys; the flags show them in --help.
const (
	defaultAddr      = "127.0.0.1:8080"
	defaultAdminAddr = "127.0.0.1:8081"
	// defaultBaseURL is what base_url becomes with the default addr.
	defaultBaseURL   = "http://127.0.0.1:8080"
	defaultDataDir   = "./data"
	defaultLogLevel  = "info"
	defaultLogFormat = "json"

	defaultAccessTokenLifetime  = 10 * time.Minute
	defaultRefreshTokenLifetime = 720 * time.Hour
	defaultIDTokenLifetime      = 10 * time.Minute
	defaultSessionIdle          = 30 * time.Minute
	defaultSessionAbsolute      = 120 * time.Minute
	defaultShutdownTimeout      = 15 * time.Second
	defaultLoginFlowLifetime    = 10 * time.Minute
	defaultDPoPProofWindow      = time.Minute
	defaultRateLimitWindow      = time.Minute
	defaultFailedClientAuthWin  = 5 * time.Minute
)

// mockPath is where the ID-porten mock is mounted under the base URL.
const mockPath = "/idporten-mock"

// idportenIssuer is the production ID-porten issuer, the main tenant's
// default outside dev mode (https://docs.digdir.no/docs/idporten/).
const idportenIssuer = "https://idporten.no"

// devKEKFile is the dev KEK's file name under the data directory.
const devKEKFile = "dev-kek"

// complete fills the defaults that depend on other keys: the DSN on the
// data directory, the tenants on dev mode. It runs after unmarshalling and
// before Validate.
func (c *Config) complete() {
	c.BaseURL = strings.TrimSpace(c.BaseURL)
	if c.BaseURL == "" {
		// Unset: the listener itself, so that changing addr (another
		// port) moves the issuers, the mock and the demo with it.
		c.BaseURL, c.baseURLDerived = baseURLFor(c.Addr, c.TLSCert != ""), true
	}
	if c.DSN == "" && c.DataDir != "" {
		c.DSN = "sqlite:" + filepath.Join(c.DataDir, "oidcp.db")
	}
	if len(c.Tenants) == 0 {
		main := TenantConfig{Name: "main", DisplayName: "oidcp", Upstream: UpstreamConfig{Issuer: idportenIssuer}}
		if c.Dev {
			main.Upstream = UpstreamConfig{Mock: true}
		}
		c.Tenants = []TenantConfig{
			main,
			{Name: "sandbox", DisplayName: "oidcp sandbox", Sandbox: true, Upstream: UpstreamConfig{Mock: true}},
		}
	}
	for i := range c.Tenants {
		t := &c.Tenants[i]
		if t.DisplayName == "" {
			t.DisplayName = t.Name
		}
		if t.Sandbox && t.DataScopes == nil {
			t.DataScopes = slices.Clone(defaultSandboxScopes)
		}
		if t.Upstream.Mock {
			if t.Upstream.Issuer == "" {
				t.Upstream.Issuer = c.mockIssuer()
			}
			if t.Upstream.ClientID == "" {
				t.Upstream.ClientID = "oidcp-" + t.Name
			}
			// ClientSecret stays empty here: serve derives it from the KEK
			// so that it is stable across restarts and nodes.
		}
	}
}

// reads is the registry the tenant reads: Registry, or when that is
// empty the default. Whoever can log in through the mock or to a sandbox
// can be anyone, so such a tenant reads by default only numbers that
// belong to nobody. Computed here rather than filled in by complete, so
// that a tenant added to the configuration later gets it too.
func (t TenantConfig) reads() string {
	switch {
	case t.Registry != "":
		return t.Registry
	case t.Sandbox || t.Upstream.Mock:
		return registry.Synthetic
	}
	return registry.Main
}

// servesHTTPS reports whether browsers reach oidcp over https: it serves
// TLS itself, or base_url is https (TLS ends at a proxy in front).
func (c *Config) servesHTTPS() bool {
	return c.TLSCert != "" || strings.HasPrefix(strings.ToLower(c.BaseURL), "https://")
}

// baseURLFor is the URL of the listener at addr (https when it serves
// TLS), with an unspecified host (":8090", "0.0.0.0:8090") reached on
// 127.0.0.1. A malformed addr gives "", which addr's validation reports.
func baseURLFor(addr string, tls bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	return scheme + net.JoinHostPort(host, port)
}

// Issuer is a tenant's issuer URL.
func (c *Config) Issuer(tenant string) string { return c.BaseURL + "/" + tenant }

func (c *Config) mockIssuer() string { return c.BaseURL + mockPath }

// usesMock reports whether any tenant's upstream is the built-in mock.
func (c *Config) usesMock() bool {
	for _, t := range c.Tenants {
		if t.Upstream.Mock {
			return true
		}
	}
	return false
}

// seedsPopulation reports whether serve seeds the synthetic sandbox
// population into the synthetic registry: in dev mode and when some
// tenant reads that registry.
func (c *Config) seedsPopulation() bool {
	return c.Dev || slices.Contains(c.registries(), registry.Synthetic)
}

// registries lists the registries the tenants read, each once, in tenant
// order.
func (c *Config) registries() []string {
	var out []string
	for _, t := range c.Tenants {
		if r := t.reads(); !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// tenant returns the named tenant's configuration.
func (c *Config) tenant(name string) (TenantConfig, error) {
	var names []string
	for _, t := range c.Tenants {
		if t.Name == name {
			return t, nil
		}
		names = append(names, t.Name)
	}
	return TenantConfig{}, fmt.Errorf("unknown tenant %q; configured tenants: %s", name, strings.Join(names, ", "))
}

// tenantNames lists the configured tenants in order.
func (c *Config) tenantNames() []string {
	out := make([]string, len(c.Tenants))
	for i, t := range c.Tenants {
		out[i] = t.Name
	}
	return out
}
