package provider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/handler/openid"

	"github.com/oidcp/oidcp/authflow"
	"github.com/oidcp/oidcp/dpop"
	"github.com/oidcp/oidcp/exchange"
	"github.com/oidcp/oidcp/fapi2"
	"github.com/oidcp/oidcp/outbound"
	"github.com/oidcp/oidcp/ratelimit"
	"github.com/oidcp/oidcp/router"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/web"
)

// Provider serves every tenant's OpenID Provider endpoints.
type Provider struct {
	cfg     Config
	store   storage.Storage
	keys    signingKeys
	tenants map[string]*tenant
	order   []string
	log     *slog.Logger
	obs     Observer
	now     func() time.Time
	hasher  *secretHasher
	clients *clientCache
	limiter *ratelimit.Limiter
}

// tenant is one issuer: its fosite instance, cookie store and upstream.
type tenant struct {
	name     string
	cfg      TenantConfig
	issuer   string
	path     string // "/" + name
	oauth    fosite.OAuth2Provider
	fcfg     *fosite.Config
	fstore   *fositeStore
	sessions *sessionstore.Store
	flows    *authflow.Store
	signer   *joseSigner
	hmac     *oauth2.HMACSHAStrategy
	pairwise []byte
	dpop     *dpop.Verifier
	secure   bool
	// cookiePath is the path cookies are scoped to: the issuer's path.
	cookiePath string
}

// Secrets is what the provider needs from keys.Manager besides signing.
type Secrets interface {
	Secret(ctx context.Context, tenant, name string) ([]byte, error)
}

// KeyManager is the slice of keys.Manager the provider uses.
type KeyManager interface {
	signingKeys
	Secrets
}

// New builds the provider. It reads per-tenant secrets (HMAC key for
// opaque tokens, pairwise salt, cookie key) through km, so every node of a
// cluster derives the same ones from the database.
func New(ctx context.Context, cfg Config, store storage.Storage, km KeyManager) (*Provider, error) {
	cfg = withDefaults(cfg)
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("provider: base URL %q is not absolute", cfg.BaseURL)
	}
	p := &Provider{
		cfg:     cfg,
		store:   store,
		keys:    km,
		tenants: map[string]*tenant{},
		log:     cfg.Logger,
		obs:     cfg.Observer,
		now:     cfg.Now,
		hasher:  newSecretHasher(),
		clients: newClientCache(store, ClientCacheTTL, cfg.Now),
		limiter: ratelimit.New(store, cfg.Now),
	}
	for _, tc := range cfg.Tenants {
		if tc.Registry == "" {
			// No default: which registry a tenant reads decides whose
			// data it can show, so it is always stated.
			return nil, fmt.Errorf("provider: tenant %q names no registry", tc.Name)
		}
		t, err := p.newTenant(ctx, tc, km, strings.TrimRight(base.Path, "/"), base.Scheme == "https")
		if err != nil {
			return nil, fmt.Errorf("provider: tenant %q: %w", tc.Name, err)
		}
		p.tenants[tc.Name] = t
		p.order = append(p.order, tc.Name)
	}
	return p, nil
}

func withDefaults(c Config) Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.AuthCodeLifespan, 60*time.Second)
	def(&c.AccessTokenLifespan, 10*time.Minute)
	def(&c.RefreshTokenLifespan, 720*time.Hour)
	def(&c.IDTokenLifespan, 10*time.Minute)
	def(&c.PARLifespan, 60*time.Second)
	def(&c.LoginFlowLifespan, 10*time.Minute)
	def(&c.Limits.Window, time.Minute)
	def(&c.Limits.FailedClientAuthWindow, 5*time.Minute)
	def(&c.SessionIdle, 30*time.Minute)
	def(&c.SessionAbsolute, 120*time.Minute)
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Observer == nil {
		c.Observer = nopObserver{}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = outbound.New(outbound.Options{AllowPrivate: c.DevMode})
	}
	return c
}

// newTenant builds one issuer; basePath is the path of the base URL, which
// prefixes every cookie path.
func (p *Provider) newTenant(ctx context.Context, tc TenantConfig, km KeyManager, basePath string, secure bool) (*tenant, error) {
	if tc.Upstream == nil {
		return nil, errors.New("no upstream eID configured")
	}
	hmacKey, err := km.Secret(ctx, tc.Name, "token-hmac")
	if err != nil {
		return nil, err
	}
	pairwise, err := km.Secret(ctx, tc.Name, "pairwise-salt")
	if err != nil {
		return nil, err
	}
	cookieKey, err := km.Secret(ctx, tc.Name, "cookie-hash")
	if err != nil {
		return nil, err
	}
	flowKey, err := km.Secret(ctx, tc.Name, "flow-step")
	if err != nil {
		return nil, err
	}
	t := &tenant{
		name:     tc.Name,
		cfg:      tc,
		issuer:   p.cfg.BaseURL + "/" + tc.Name,
		path:     "/" + tc.Name,
		pairwise: pairwise,
		secure:   secure,
	}
	codeTTL := t.capped(p.cfg.AuthCodeLifespan, fapi2.MaxCodeLifetime)
	parTTL := t.capped(p.cfg.PARLifespan, fapi2.MaxRequestURILifetime)
	sealer, err := newTokenSealer(tc.Name, hmacKey)
	if err != nil {
		return nil, err
	}
	t.fstore = &fositeStore{
		tenant: tc.Name, store: p.store, clients: p.clients, now: p.now,
		codeTTL: codeTTL, parTTL: parTTL, refreshTTL: p.cfg.RefreshTokenLifespan,
		sealer: sealer, sealedTTL: p.cfg.AccessTokenLifespan,
		tombstones: newTombstoneSet(func(ctx context.Context, now time.Time, limit int) ([]string, error) {
			return p.store.ListSealedTombstones(ctx, tc.Name, now, limit)
		}, p.now, p.log),
	}
	if t.dpop, err = p.newDPoP(ctx, tc, km); err != nil {
		return nil, err
	}
	t.cookiePath = basePath + t.path
	t.signer = &joseSigner{tenant: tc.Name, keys: p.keys}
	t.fcfg = &fosite.Config{
		AccessTokenLifespan:   p.cfg.AccessTokenLifespan,
		RefreshTokenLifespan:  p.cfg.RefreshTokenLifespan,
		AuthorizeCodeLifespan: codeTTL,
		IDTokenLifespan:       p.cfg.IDTokenLifespan,
		IDTokenIssuer:         t.issuer,
		AccessTokenIssuer:     t.issuer,
		TokenURL:              t.issuer + "/token",
		GlobalSecret:          hmacKey,
		ScopeStrategy:         fosite.ExactScopeStrategy,
		// PKCE: S256 only; whether it is required is decided per client
		// in authorize.go (public clients always).
		EnforcePKCEForPublicClients:     true,
		EnablePKCEPlainChallengeMethod:  false,
		PushedAuthorizeRequestURIPrefix: "urn:ietf:params:oauth:request_uri:",
		PushedAuthorizeContextLifespan:  parTTL,
		ClientSecretsHasher:             p.hasher,
		SendDebugMessagesToClients:      false,
		RefreshTokenScopes:              []string{"offline_access"},
		MinParameterEntropy:             fosite.MinParameterEntropy,
		FormPostHTMLTemplate:            web.FormPostTemplate,
	}
	t.hmac = compose.NewOAuth2HMACStrategy(t.fcfg)
	t.fstore.codeSignature = t.hmac.AuthorizeCodeSignature
	access := &accessTokenStrategy{HMACSHAStrategy: t.hmac, signer: t.signer, issuer: t.issuer, alg: accessTokenAlg(t), sealer: sealer}
	strategy := &compose.CommonStrategy{
		CoreStrategy:               access,
		OpenIDConnectTokenStrategy: &openid.DefaultStrategy{Signer: t.signer, Config: t.fcfg},
		Signer:                     t.signer,
	}
	t.oauth = compose.Compose(t.fcfg, t.fstore, strategy,
		p.codeGrantFactory(t), // fosite's, with the grant recheck in its transaction
		compose.OAuth2ClientCredentialsGrantFactory,
		p.refreshGrantFactory(t), // fosite's, with the rechecks in its transaction
		compose.OpenIDConnectExplicitFactory,
		compose.OpenIDConnectRefreshFactory,
		compose.OAuth2TokenIntrospectionFactory,
		compose.OAuth2TokenRevocationFactory,
		compose.OAuth2PKCEFactory,
		compose.PushedAuthorizeHandlerFactory,
	)
	populateHandledOnly(t.fcfg)
	if p.cfg.Exchange != nil {
		t.fcfg.TokenEndpointHandlers.Append(&exchange.Handler{
			Tenant: tc.Name, Strategy: access, Storage: t.fstore, Policy: p.cfg.Exchange, Config: t.fcfg,
			NewSession: func() fosite.Session { return NewSession(tc.Name) }, Now: p.now,
			Recheck: func(ctx context.Context, r fosite.AccessRequester, subject string) error {
				return p.recheckExchange(ctx, t, r, subject)
			},
		})
	}
	p.configureClientAuth(t)
	t.sessions = sessionstore.New(p.store, sessionstore.Options{
		Tenant:          tc.Name,
		CookieName:      t.cookieName(),
		Path:            t.cookiePath,
		Secure:          secure,
		HashKey:         cookieKey,
		IdleTimeout:     p.cfg.SessionIdle,
		AbsoluteTimeout: p.cfg.SessionAbsolute,
		Now:             p.now,
	})
	t.flows = authflow.NewStore(p.store, authflow.Options{
		Tenant: tc.Name, Key: flowKey, Lifespan: p.cfg.LoginFlowLifespan,
		Cookie: t.flowCookie(), Path: t.cookiePath, Secure: secure, Now: p.now,
	})
	return t, nil
}

// Mount registers every tenant's routes under /{tenant} (router.Handler).
func (p *Provider) Mount(m router.Mux) {
	for _, name := range p.order {
		t := p.tenants[name]
		route := func(pattern, endpoint string, h http.HandlerFunc) {
			method, path, _ := strings.Cut(pattern, " ")
			m.Handle(method+" "+t.path+path, router.Route{Tenant: t.name, Endpoint: endpoint, CSP: pageCSP}, h)
		}
		route("GET /.well-known/openid-configuration", "discovery", p.discovery(t))
		route("GET /jwks", "jwks", p.jwks(t))
		route("GET /authorize", "authorize", p.limit(t, kindAuthorize, p.authorize(t)))
		route("POST /authorize", "authorize", p.limit(t, kindAuthorize, p.authorize(t)))
		route("POST /par", "par", p.limit(t, kindPAR, p.par(t)))
		route("GET /callback", "callback", p.callback(t))
		route("POST /choose", "choose", p.limit(t, kindPage, p.choose(t)))
		route("POST /consent", "consent", p.limit(t, kindPage, p.consentPost(t)))
		route("POST /token", "token", p.limit(t, kindToken, p.token(t)))
		route("GET /userinfo", "userinfo", p.limit(t, kindAPI, p.userinfo(t)))
		route("POST /userinfo", "userinfo", p.limit(t, kindAPI, p.userinfo(t)))
		route("POST /revoke", "revoke", p.limit(t, kindAPI, p.revoke(t)))
		route("POST /introspect", "introspect", p.limit(t, kindAPI, p.introspect(t)))
		route("GET /logout", "end_session", p.limit(t, kindPage, p.endSession(t)))
		route("POST /logout", "end_session", p.limit(t, kindPage, p.endSession(t)))
		route("GET /logout/callback", "end_session", p.logoutCallback(t))
	}
}

// pageCSP is the provider's Content-Security-Policy: router's default,
// with the layout's stylesheet allowed by hash rather than
// 'unsafe-inline', plus the one script oidcp serves (the form_post
// auto-submit, by hash) and form-action * (a form post's redirects go on
// to the tool, on any origin).
var pageCSP = "default-src 'none'; style-src " + web.StyleHash + "; img-src 'self' data:; script-src " + web.FormPostScriptHash + "; form-action *; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every response of the OP carries
// (for the answers that do not pass through a route: NotFound).
func securityHeaders(h http.Handler) http.Handler { return router.SecurityHeaders(pageCSP, h) }
