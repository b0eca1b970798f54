package provider

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/oidcp/oidcp/exchange"
	"github.com/oidcp/oidcp/upstream"
)

// Config is everything the provider needs, already parsed and validated by
// cmd/oidcp. Zero durations take the defaults below.
type Config struct {
	// BaseURL is the public base URL without a trailing slash; each
	// tenant's issuer is BaseURL + "/" + tenant.
	BaseURL string
	Tenants []TenantConfig

	AuthCodeLifespan     time.Duration // default 60s
	AccessTokenLifespan  time.Duration // default 10m
	RefreshTokenLifespan time.Duration // default 720h
	IDTokenLifespan      time.Duration // default 10m
	PARLifespan          time.Duration // default 60s
	LoginFlowLifespan    time.Duration // default 10m: time a person has at the upstream login
	SessionIdle          time.Duration // default 30m
	SessionAbsolute      time.Duration // default 120m
	// DPoPProofWindow is how far a DPoP proof's iat may lie from now
	// (RFC 9449 §11.1); default 60s.
	DPoPProofWindow time.Duration

	// Limits are the rate limits; the zero value limits nothing.
	Limits Limits

	// DevMode relaxes nothing in the protocol; it only allows http
	// issuers on non-loopback hosts, verbose error descriptions and, when
	// HTTPClient is nil, outbound calls to loopback and private addresses.
	DevMode bool

	Now    func() time.Time
	Logger *slog.Logger
	// Observer receives metrics; nil means none.
	Observer Observer
	// HTTPClient is the outbound client (outbound.New) for every URL the
	// provider fetches: clients' jwks_uri, and back-channel logout
	// deliveries when they come. It must refuse private and loopback
	// addresses outside dev mode. nil: outbound.New with AllowPrivate set
	// to DevMode.
	HTTPClient *http.Client
	// Consent finds the grant that covers an authorization with
	// data-exchange scopes (consent.Service); nil: no tenant has any.
	Consent Consent
	// Logouts queues back-channel logouts when a login session ends;
	// nil: none are sent.
	Logouts LogoutNotifier
	// Exchange decides RFC 8693 token exchanges by the registered
	// resources' inbound access policies (*resources.Policy); nil: the
	// grant is not offered.
	Exchange exchange.Policy
	// Handoff redeems a portal's hand-off ticket that a tool's
	// authorization request carries as login_hint (handoff.Tickets);
	// nil: no hand-off.
	Handoff HandoffRedeemer
	// OwnClients are oidcp's own pages that log in as a client of every
	// tenant (the account pages), by client id; nil: none.
	OwnClients map[string]OwnClient
}

// OwnClient is how the provider's pages speak of one of oidcp's own
// pages: with a chooser question worded for it ("Velg hvem du vil se
// bruk og tilganger for", not "… bruke Bruk og tilganger for"), keyed by
// language (nb, nn, en); a missing language is nb's. Its name in each
// language is the client's own (client names, clients.DisplayName).
type OwnClient struct {
	// ChooserIntro has one %s: the logged-in person's name.
	ChooserIntro map[string]string
}

// ownClient is the client's OwnClient, nil when it is not one of
// oidcp's own pages.
func (p *Provider) ownClient(id string) *OwnClient {
	if o, ok := p.cfg.OwnClients[id]; ok {
		return &o
	}
	return nil
}

// inLang is the text of lang, else bokmål's.
func inLang(texts map[string]string, lang string) string {
	if s := texts[lang]; s != "" {
		return s
	}
	return texts["nb"]
}

// Limits are the rate limits of the endpoints anyone can call, counted in
// fixed windows shared by every node through the store. A limit of zero
// or less is no limit.
type Limits struct {
	// Window is the length of the windows of the per-source and
	// per-client limits; default 1m.
	Window time.Duration
	// AuthorizePerSource and AuthorizePerClient limit /authorize and /par
	// together (a login through PAR makes two requests), per source
	// address and per (tenant, client_id).
	AuthorizePerSource, AuthorizePerClient int64
	// TokenPerSource and TokenPerClient limit /token.
	TokenPerSource, TokenPerClient int64
	// FailedClientAuth is how many failed client authentications a
	// (tenant, client_id) may have per FailedClientAuthWindow (default
	// 5m) before further attempts are refused without being checked.
	FailedClientAuth       int64
	FailedClientAuthWindow time.Duration
	// FailedClientAuthPerSource is how many failed client
	// authentications (any client_id, known or not) a source address may
	// have per FailedClientAuthWindow before its attempts are refused
	// without being checked.
	FailedClientAuthPerSource int64
	// TrustedProxies are the peers whose X-Forwarded-For names the
	// source address; none by default.
	TrustedProxies []netip.Prefix
}

// TenantConfig is one tenant: its own issuer, keys, clients and upstream.
type TenantConfig struct {
	Name string
	// DisplayName is shown on pages.
	DisplayName string
	// Upstream is the tenant's eID relying-party client.
	Upstream Upstream
	// Sandbox enables the sandbox-only features (population page,
	// self-service registration in later issues).
	Sandbox bool
	// Registry names the person and relation registry the tenant reads
	// (names and relations for the chooser and the claims); required.
	// Which registry a tenant may read is cmd/oidcp's validation.
	Registry string
	// RegistrationEndpoint is the tenant's RFC 7591 registration endpoint,
	// announced in discovery; empty when the tenant has none.
	RegistrationEndpoint string
	// TokenPerClient overrides Limits.TokenPerClient for this tenant:
	// 0 keeps it, > 0 is the tenant's own limit, < 0 no limit.
	TokenPerClient int64
	// DPoPNonce makes every DPoP proof at the tenant carry a server
	// nonce (RFC 9449 §8): a proof made in advance is then useless.
	DPoPNonce bool
	// Profile "fapi2" enforces the FAPI 2.0 Security Profile's OP rules
	// (package fapi2) at the tenant; empty: none.
	Profile string
	// FirstPartyClients are oidcp's own clients (the account pages), which
	// the profile's client rules do not bind: they log in in process and
	// never hand a token to anyone else.
	FirstPartyClients []string
}

// Observer is the metrics the provider reports. cmd/oidcp passes
// *metrics.Metrics.
type Observer interface {
	// Endpoint wraps a handler to count requests and latency under name.
	Endpoint(tenant, name string, h http.Handler) http.Handler
	TokenIssued(tenant, grantType string)
	Login(tenant, result string)
}

type nopObserver struct{}

func (nopObserver) Endpoint(_, _ string, h http.Handler) http.Handler { return h }
func (nopObserver) TokenIssued(string, string)                        {}
func (nopObserver) Login(string, string)                              {}

// Upstream is the eID relying-party client the login flow uses
// (*upstream.Client). Declared here so tests can put a fake upstream in.
type Upstream interface {
	Start(ctx context.Context, p upstream.AuthParams) (string, upstream.State, error)
	Exchange(ctx context.Context, callback url.Values, st upstream.State) (*upstream.Identity, error)
	EndSessionURL(ctx context.Context, idTokenHint, postLogoutRedirectURI, state string) (string, error)
}
