package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// envPrefix prefixes every environment variable: OIDCP_BASE_URL, …
const envPrefix = "OIDCP"

// setting is one scalar key with its default and help. Keys use
// underscores (file and environment), flags use dashes.
type setting struct {
	key  string
	def  any // string, bool, int or time.Duration
	help string
}

var settings = []setting{
	{"addr", defaultAddr, "address the public listener binds (host:port)"},
	{"admin_addr", defaultAdminAddr, "address of the admin listener with /metrics, /healthz, /readyz"},
	{"base_url", "", "public base URL without trailing slash; issuers are {base-url}/{tenant} (default http://{addr}, so it follows a changed addr)"},
	{"dsn", "", "database: sqlite:PATH or postgres://user:pass@host/db (default sqlite:<data-dir>/oidcp.db)"},
	{"data_dir", defaultDataDir, "directory for the SQLite database and the dev KEK"},
	{"dev", false, "development mode: mount the ID-porten mock at {base-url}/idporten-mock, create a dev KEK under data-dir"},
	{"kek", "", "key-encryption key, base64 of 32 bytes (generate one with: openssl rand -base64 32); required outside dev mode"},
	{"log_level", defaultLogLevel, "debug, info, warn or error"},
	{"log_format", defaultLogFormat, "json or text"},
	{"tls_cert", "", "PEM certificate file; HTTPS is served when set together with tls-key"},
	{"tls_key", "", "PEM private key file for tls-cert"},
	{"tls_ca", "", "PEM file of extra CA certificates trusted for outgoing calls (upstream eID), besides the system roots"},
	{"mock_allow_nonsynthetic", false, "dev mode only: let the ID-porten mock log in fødselsnummer that are not synthetic (default: only month + 40 or + 80)"},
	{"admin_token", "", "bearer token (at least 32 characters) for POST /registry/import on the admin listener; empty disables it"},
	{"access_token_lifetime", defaultAccessTokenLifetime, "access token lifetime"},
	{"refresh_token_lifetime", defaultRefreshTokenLifetime, "refresh token lifetime"},
	{"id_token_lifetime", defaultIDTokenLifetime, "ID token lifetime"},
	{"session_idle", defaultSessionIdle, "login session idle timeout"},
	{"session_absolute", defaultSessionAbsolute, "login session absolute lifetime"},
	{"shutdown_timeout", defaultShutdownTimeout, "how long a graceful shutdown waits for requests in flight"},
	{"usage_log_sync", false, "answer a request only once its usage-log event is committed (no event lost even on a crash; default: events are written in the background, a crash loses at most about the last 100 ms of them)"},
	{"login_flow_lifetime", defaultLoginFlowLifetime, "time a person has to complete the eID login before the flow expires"},
	{"dpop_proof_window", defaultDPoPProofWindow, "how far a DPoP proof's iat may lie before or after the server's clock (RFC 9449 section 11.1)"},
	{"rate_limit_window", defaultRateLimitWindow, "window of the per-source and per-client rate limits"},
	{"rate_limit_authorize_per_source", 0, "/authorize and /par requests per source address per window (0: default, negative: no limit)"},
	{"rate_limit_authorize_per_client", 0, "/authorize and /par requests per client per window (0: default, negative: no limit)"},
	{"rate_limit_token_per_source", 0, "/token requests per source address per window (0: default, negative: no limit)"},
	{"rate_limit_token_per_client", 0, "/token requests per client per window (0: default, negative: no limit)"},
	{"failed_client_auth_limit", 0, "failed client authentications per client per failed-client-auth-window before attempts are refused (0: default, negative: no limit)"},
	{"failed_client_auth_window", defaultFailedClientAuthWin, "window of failed_client_auth_limit and failed_client_auth_per_source"},
	{"failed_client_auth_per_source", 0, "failed client authentications per source address per failed-client-auth-window before attempts are refused (0: default, negative: no limit)"},
	{"trusted_proxies", "", "comma-separated addresses or CIDR prefixes of proxies whose X-Forwarded-For names the client address"},
}

func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

func envName(key string) string { return envPrefix + "_" + strings.ToUpper(key) }

// upstreamSecretEnv names the variable that overrides a tenant's upstream
// client secret, so the secret can stay out of the config file.
func upstreamSecretEnv(tenant string) string {
	return envPrefix + "_UPSTREAM_" + strings.ToUpper(strings.ReplaceAll(tenant, "-", "_")) + "_CLIENT_SECRET"
}

// addConfigFlags registers --config and one flag per setting on fs.
func addConfigFlags(fs *pflag.FlagSet) {
	fs.String("config", "", "YAML config file (env OIDCP_CONFIG)")
	for _, s := range settings {
		name, help := flagName(s.key), s.help+" (env "+envName(s.key)+")"
		switch d := s.def.(type) {
		case string:
			fs.String(name, d, help)
		case bool:
			fs.Bool(name, d, help)
		case time.Duration:
			fs.Duration(name, d, help)
		case int:
			fs.Int64(name, int64(d), help)
		default:
			panic(fmt.Sprintf("setting %s: unsupported default type %T", s.key, s.def))
		}
	}
}

// loadConfig reads the configuration with the precedence flag > env >
// file > default, fills dependent defaults and returns it unvalidated.
func loadConfig(flags *pflag.FlagSet) (Config, error) {
	v := viper.New()
	v.SetEnvPrefix(envPrefix)
	v.AutomaticEnv()
	for _, s := range settings {
		v.SetDefault(s.key, s.def)
		if f := flags.Lookup(flagName(s.key)); f != nil {
			// A flag counts only when given (Changed); otherwise env, file
			// and default are consulted in that order.
			if err := v.BindPFlag(s.key, f); err != nil {
				return Config{}, err
			}
		}
	}
	file, _ := flags.GetString("config")
	if file == "" {
		file = os.Getenv(envPrefix + "_CONFIG")
	}
	if file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return Config{}, fmt.Errorf("config: file %s does not exist (given by --config or OIDCP_CONFIG)", file)
			}
			return Config{}, fmt.Errorf("config: read %s: %w", file, err)
		}
	}
	var c Config
	// UnmarshalExact: a misspelt key in the file is an error, not silently
	// ignored.
	err := v.UnmarshalExact(&c, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		mapstructure.StringToTimeDurationHookFunc(),
		mapstructure.StringToSliceHookFunc(","),
	)))
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	c.complete()
	for i, t := range c.Tenants {
		if s := os.Getenv(upstreamSecretEnv(t.Name)); s != "" {
			c.Tenants[i].Upstream.ClientSecret = s
		}
	}
	return c, nil
}
