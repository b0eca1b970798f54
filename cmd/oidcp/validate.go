package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/oidcp/oidcp/fapi2"
	"github.com/oidcp/oidcp/idportenmock"
	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/upstream"
)

// tenantName keeps a tenant usable as one URL path segment and distinct
// from the paths the binary mounts beside the tenants.
var tenantName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// reservedTenants are path segments the binary uses itself.
var reservedTenants = map[string]bool{idportenmock.Tenant: true, "metrics": true, "healthz": true, "readyz": true, "static": true, "demo": true}

// check is one rule: when bad, key names the configuration key and msg
// says what is wrong and how to fix it.
type check struct {
	bad bool
	key string
	msg string
}

// Validate reports every configuration problem at once, each naming the
// key and the fix (in the manner of dex's cmd/dex/config.go). It checks
// everything serve needs.
func (c Config) Validate() error { return c.validate(needs{kek: true, upstream: true}) }

// needs says which parts of the configuration a command uses: migrate and
// the clients commands decrypt nothing and call no upstream, so they run
// with just the database settings; the keys commands need the KEK.
type needs struct{ kek, upstream bool }

func (c Config) validate(n needs) error {
	base, baseErr := url.Parse(c.BaseURL)
	baseOK := baseErr == nil && (base.Scheme == "http" || base.Scheme == "https") && base.Host != "" &&
		!strings.HasSuffix(c.BaseURL, "/") && base.RawQuery == "" && base.Fragment == ""
	// A base_url derived from a bad addr is reported once, as addr.
	addrOK := validHostPort(c.Addr)
	checkBase := addrOK || !c.baseURLDerived
	basePort := ""
	if baseOK && checkBase {
		basePort = base.Port()
	}
	checks := []check{
		{!baseOK && checkBase, "base_url", fmt.Sprintf("must be an absolute http(s) URL without trailing slash, query or fragment, got %q; e.g. https://login.example.no", c.BaseURL)},
		{basePort != "" && !validPort(basePort), "base_url", fmt.Sprintf("%q has port %s; a port is 1–65535", c.BaseURL, basePort)},
		{baseOK && checkBase && base.Scheme == "http" && !c.Dev && !loopbackHost(base.Hostname()), "base_url",
			fmt.Sprintf("%q uses plain http on a non-loopback host; use https (terminate TLS here with tls_cert/tls_key or at a proxy), or pass --dev for local testing", c.BaseURL)},
		{!addrOK, "addr", fmt.Sprintf("must be host:port to listen on with a port of 1–65535, got %q; e.g. 127.0.0.1:8080 or :8080", c.Addr)},
		{!validHostPort(c.AdminAddr), "admin_addr", fmt.Sprintf("must be host:port to listen on with a port of 1–65535, got %q; e.g. 127.0.0.1:8081", c.AdminAddr)},
		{c.Addr != "" && c.Addr == c.AdminAddr, "admin_addr", "must differ from addr: the admin listener (/metrics, /healthz, /readyz) is separate so it need not be exposed"},
		{c.DataDir == "" && strings.HasPrefix(c.DSN, "sqlite:"), "data_dir", "is empty; set it to a writable directory (default ./data)"},
		{!validDSN(c.DSN), "dsn", fmt.Sprintf("must be sqlite:PATH or a postgres:// URL, got %q; e.g. OIDCP_DSN=postgres://oidcp@db:5432/oidcp?sslmode=require", redactDSN(c.DSN))},
		{c.LogLevel != "debug" && c.LogLevel != "info" && c.LogLevel != "warn" && c.LogLevel != "error", "log_level", fmt.Sprintf("must be debug, info, warn or error, got %q", c.LogLevel)},
		{c.LogFormat != "json" && c.LogFormat != "text", "log_format", fmt.Sprintf("must be json or text, got %q", c.LogFormat)},
		{(c.TLSCert == "") != (c.TLSKey == ""), "tls_cert", "tls_cert and tls_key must be set together (both PEM files) or both left empty"},
		{c.TLSCert != "" && !fileExists(c.TLSCert), "tls_cert", fmt.Sprintf("file %q does not exist", c.TLSCert)},
		{c.TLSKey != "" && !fileExists(c.TLSKey), "tls_key", fmt.Sprintf("file %q does not exist", c.TLSKey)},
		{c.TLSCA != "" && !fileExists(c.TLSCA), "tls_ca", fmt.Sprintf("file %q does not exist", c.TLSCA)},
		{c.TLSCA != "" && fileExists(c.TLSCA) && !hasPEMCerts(c.TLSCA), "tls_ca", fmt.Sprintf("file %q holds no PEM certificates (expected -----BEGIN CERTIFICATE----- blocks)", c.TLSCA)},
		{c.AccessTokenLifetime <= 0, "access_token_lifetime", positive(c.AccessTokenLifetime, "10m")},
		{c.RefreshTokenLifetime <= 0, "refresh_token_lifetime", positive(c.RefreshTokenLifetime, "720h")},
		{c.IDTokenLifetime <= 0, "id_token_lifetime", positive(c.IDTokenLifetime, "10m")},
		{c.SessionIdle <= 0, "session_idle", positive(c.SessionIdle, "30m")},
		{c.SessionAbsolute <= 0, "session_absolute", positive(c.SessionAbsolute, "120m")},
		{c.ShutdownTimeout <= 0, "shutdown_timeout", positive(c.ShutdownTimeout, "15s")},
		{c.RefreshTokenLifetime > 0 && c.RefreshTokenLifetime <= c.AccessTokenLifetime, "refresh_token_lifetime",
			fmt.Sprintf("(%v) must be longer than access_token_lifetime (%v), or refresh tokens are useless", c.RefreshTokenLifetime, c.AccessTokenLifetime)},
		{c.SessionIdle > c.SessionAbsolute && c.SessionAbsolute > 0, "session_idle",
			fmt.Sprintf("(%v) must not exceed session_absolute (%v)", c.SessionIdle, c.SessionAbsolute)},
		{c.AccessTokenLifetime > 24*time.Hour, "access_token_lifetime", fmt.Sprintf("(%v) is over 24h; access tokens should be short-lived (RFC 9700 §4.14), use refresh tokens", c.AccessTokenLifetime)},
		{c.IDTokenLifetime > 24*time.Hour, "id_token_lifetime", fmt.Sprintf("(%v) is over 24h", c.IDTokenLifetime)},
		{len(c.Tenants) == 0, "tenants", "at least one tenant is required"},
		{c.MockAllowNonSynthetic && !c.Dev, "mock_allow_nonsynthetic",
			"is a development option: outside dev mode the ID-porten mock accepts only synthetic numbers (month + 40 or + 80), since anyone can log in there as anyone. Remove it, or pass --dev on a developer's machine"},
		{c.AdminToken != "" && len(c.AdminToken) < registry.MinAdminTokenLen, "admin_token",
			fmt.Sprintf("is %d characters; use at least %d (e.g. `openssl rand -base64 32`), or leave it empty to disable the registry import API", len(c.AdminToken), registry.MinAdminTokenLen)},
	}
	_, proxiesErr := parseTrustedProxies(c.TrustedProxies)
	checks = append(checks,
		check{c.LoginFlowLifetime <= 0 || c.LoginFlowLifetime > time.Hour, "login_flow_lifetime", fmt.Sprintf("must be a positive duration of at most 1h, got %v; e.g. 10m", c.LoginFlowLifetime)},
		check{c.DPoPProofWindow <= 0 || c.DPoPProofWindow > 10*time.Minute, "dpop_proof_window", fmt.Sprintf("must be a positive duration of at most 10m, got %v; e.g. 1m (every proof's jti is kept that long)", c.DPoPProofWindow)},
		check{c.RateLimitWindow <= 0, "rate_limit_window", positive(c.RateLimitWindow, "1m")},
		check{c.FailedClientAuthWindow <= 0, "failed_client_auth_window", positive(c.FailedClientAuthWindow, "5m")},
		check{proxiesErr != nil, "trusted_proxies", fmt.Sprintf("%v", proxiesErr)},
	)
	if n.kek {
		checks = append(checks, c.kekChecks()...)
	}
	checks = append(checks, c.tenantChecks(n.upstream)...)

	var errs []error
	for _, ch := range checks {
		if ch.bad {
			errs = append(errs, fmt.Errorf("%s: %s", ch.key, ch.msg))
		}
	}
	if err := c.keyOptions().Validate(); err != nil {
		errs = append(errs, fmt.Errorf("keys: %w", err))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration:\n%w", errors.Join(errs...))
	}
	return nil
}

// kekChecks: outside dev mode the KEK must come from configuration; the
// dev KEK file next to the database would protect nothing in production.
func (c Config) kekChecks() []check {
	var parseErr error
	if c.KEK != "" {
		_, parseErr = keys.ParseKEK(c.KEK)
	}
	return []check{
		{c.KEK == "" && !c.Dev, "kek", "is required outside dev mode: set OIDCP_KEK (or --kek, or kek in the config file) to 32 random bytes in base64, generated with `openssl rand -base64 32`; keep it apart from the database and its backups"},
		{parseErr != nil, "kek", fmt.Sprintf("%v", parseErr)},
	}
}

func (c Config) tenantChecks(upstream bool) []check {
	var out []check
	seen := map[string]bool{}
	for i, t := range c.Tenants {
		key := fmt.Sprintf("tenants[%d]", i)
		dup := seen[t.Name]
		up := t.Upstream
		issuer, err := url.Parse(up.Issuer)
		issuerOK := err == nil && issuer.IsAbs() && issuer.Host != "" && !strings.HasSuffix(up.Issuer, "/")
		seen[t.Name] = true
		out = append(out,
			check{!tenantName.MatchString(t.Name), key + ".name", fmt.Sprintf("%q must be 1–63 characters of a-z, 0-9 and -, starting with a letter or digit (it is a URL path segment)", t.Name)},
			check{reservedTenants[t.Name], key + ".name", fmt.Sprintf("%q is a path oidcp uses itself; choose another name", t.Name)},
			check{dup, key + ".name", fmt.Sprintf("%q is configured twice", t.Name)},
			check{t.Profile != "" && t.Profile != fapi2.Profile, key + ".profile", fmt.Sprintf("%q is not a profile; use fapi2 (the FAPI 2.0 Security Profile) or leave it empty", t.Profile)},
		)
		out = append(out, registryChecks(key, t)...)
		out = append(out, check{t.UsageLogRetention != 0 && t.UsageLogRetention < minUsageLogRetention, key + ".usage_log_retention",
			fmt.Sprintf("must be at least %v (or 0 for the default, five years), got %v; e.g. 43800h for five years", minUsageLogRetention, t.UsageLogRetention)})
		out = append(out, registrationChecks(key, t)...)
		if _, err := t.catalogue(); err != nil {
			out = append(out, check{true, key + ".data_scopes", err.Error()})
		}
		if !upstream {
			continue
		}
		out = append(out,
			check{up.Mock && !c.Dev && !t.Sandbox, key + ".upstream.mock",
				fmt.Sprintf("tenant %q is not a sandbox; the ID-porten mock may back it only in dev mode. Configure the real ID-porten (upstream.issuer, client_id, client_secret) or pass --dev", t.Name)},
			check{!issuerOK, key + ".upstream.issuer", fmt.Sprintf("must be the absolute issuer URL without trailing slash, got %q; e.g. %s (or set upstream.mock: true for the built-in ID-porten mock)", up.Issuer, idportenIssuer)},
			check{!up.Mock && up.ClientID == "", key + ".upstream.client_id", fmt.Sprintf("is required: the client id oidcp has at the upstream eID for tenant %q", t.Name)},
			check{!up.Mock && up.ClientSecret == "", key + ".upstream.client_secret",
				fmt.Sprintf("is required; set it in the file or as %s (keeps it out of the file)", upstreamSecretEnv(t.Name))},
			check{up.ACRValues != "" && !knownACR(up.ACRValues), key + ".upstream.acr_values", fmt.Sprintf("must be idporten-loa-substantial or idporten-loa-high, got %q", up.ACRValues)},
		)
		for _, a := range up.AllowedACR {
			out = append(out, check{!knownACR(a), key + ".upstream.allowed_acr", fmt.Sprintf("%q is not idporten-loa-substantial or idporten-loa-high", a)})
		}
	}
	return out
}

// registryChecks: a tenant anyone can log in to as anyone (the sandbox,
// a tenant behind the ID-porten mock) reads only the synthetic registry,
// the one registry an import cannot put a real person in. This holds in
// dev mode too: a developer's database may hold a copy of real data.
func registryChecks(key string, t TenantConfig) []check {
	reads := t.reads()
	nameErr := registry.CheckName(reads)
	why := ""
	switch {
	case t.Upstream.Mock:
		why = "logs in through the ID-porten mock, where anyone can pick any test person"
	case t.Sandbox:
		why = "is a sandbox, open to every vendor's test users"
	}
	return []check{
		{nameErr != nil, key + ".registry", fmt.Sprint(nameErr)},
		{nameErr == nil && why != "" && reads != registry.Synthetic, key + ".registry",
			fmt.Sprintf("tenant %q %s, so it may read only the synthetic population (registry: %s), not %q, which can hold real register data. Set registry: %s, or give the tenant a real eID upstream and sandbox: false",
				t.Name, why, registry.Synthetic, reads, registry.Synthetic)},
	}
}

func knownACR(s string) bool { return s == upstream.ACRSubstantial || s == upstream.ACRHigh }

func positive(d time.Duration, example string) string {
	return fmt.Sprintf("must be a positive duration, got %v; e.g. %s", d, example)
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func validHostPort(s string) bool {
	_, port, err := net.SplitHostPort(s)
	return err == nil && validPort(port)
}

// validPort accepts a decimal TCP port, 1–65535 (net.Listen would take
// 99999 as far as parsing and fail only when binding, after migrating).
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
}

// addrWarnings are settings that are valid but probably wrong: base_url
// pointing at this host directly (a loopback host, or addr's own host)
// on another port than addr listens on. Issuers, the mock's redirects
// and the demo would then send everyone to a port nothing serves. Behind
// a proxy on the same host this can be deliberate, hence a warning.
func (c Config) addrWarnings() []string {
	if c.baseURLDerived {
		return nil
	}
	base, err := url.Parse(c.BaseURL)
	host, port, herr := net.SplitHostPort(c.Addr)
	if err != nil || herr != nil || base.Host == "" {
		return nil
	}
	basePort := base.Port()
	if basePort == "" {
		basePort = map[string]string{"http": "80", "https": "443"}[base.Scheme]
	}
	direct := loopbackHost(base.Hostname()) || base.Hostname() == host
	if !direct || basePort == port {
		return nil
	}
	return []string{fmt.Sprintf("base_url %s points at port %s of this host, but addr %s listens on port %s: issuers, redirects and the demo will use port %s. "+
		"Set base_url to %s (or leave it unset to follow addr), unless a proxy there forwards to addr",
		c.BaseURL, basePort, c.Addr, port, basePort, baseURLFor(c.Addr, c.TLSCert != ""))}
}

func validDSN(dsn string) bool {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return path != ""
	}
	u, err := url.Parse(dsn)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") && u.Host != ""
}

// redactDSN hides the passwords in a DSN before it goes into a message
// or a log: the one in the user part and the password and sslpassword
// parameters pgx also takes from the query. A DSN that does not parse
// (a password with an unescaped "/" or "#" is enough) is not shown at all.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(a DSN that does not parse as a URL; not shown, it may hold a password)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if q := u.Query(); q.Has("password") || q.Has("sslpassword") {
		for _, k := range []string{"password", "sslpassword"} {
			if q.Has(k) {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// hasPEMCerts reports whether the file parses as at least one PEM
// certificate.
func hasPEMCerts(p string) bool {
	b, err := os.ReadFile(p)
	return err == nil && x509.NewCertPool().AppendCertsFromPEM(b)
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
