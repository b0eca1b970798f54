package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/oidcp/oidcp/demo"
	"github.com/oidcp/oidcp/handoff"
	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/metrics"
	"github.com/oidcp/oidcp/outbound"
	populationpage "github.com/oidcp/oidcp/population/page"
	"github.com/oidcp/oidcp/provider"
	"github.com/oidcp/oidcp/resources"
	"github.com/oidcp/oidcp/router"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/upstream"
)

// Interface guard: the provider reports to *metrics.Metrics.
var _ provider.Observer = (*metrics.Metrics)(nil)

// buildHandler wires the public listener's routes: every tenant of the
// provider, the ID-porten mock when a tenant uses it or in dev mode, the
// demo relying party in dev mode, the sandbox pages and registration,
// the sandbox population page, and an index at / listing the issuers.
// Each is a router.Handler mounted on one router, which applies security
// headers, metrics and the not-found page to all of them alike. It
// reports whether the mock is mounted.
func buildHandler(ctx context.Context, cfg Config, store storage.Storage, km *keys.Manager, m *metrics.Metrics, log *slog.Logger, now func() time.Time, cw *consentWiring) (http.Handler, bool, error) {
	var handlers []router.Handler
	mockOn := cfg.Dev || cfg.usesMock()
	// The one outbound client serve built (its tls_ca read and its own
	// address resolved once), shared with the back-channel worker.
	hc := cw.worker.HTTP
	// mockClient reaches the mock mounted here without a network hop.
	var mockClient *http.Client
	var mock http.Handler // mounted once the provider, whose page limits it takes, is built
	if mockOn {
		shared, err := sharedMockState(ctx, store, km)
		if err != nil {
			return nil, false, err
		}
		if mock, err = newMock(cfg, shared, now, log); err != nil {
			return nil, false, err
		}
		mockClient = inProcessClient(cfg.mockIssuer(), http.StripPrefix(mockPath, mock))
	}

	tickets := handoff.NewTickets(store, now, log.With("component", "handoff"))
	pcfg := provider.Config{
		BaseURL:              cfg.BaseURL,
		AccessTokenLifespan:  cfg.AccessTokenLifetime,
		RefreshTokenLifespan: cfg.RefreshTokenLifetime,
		IDTokenLifespan:      cfg.IDTokenLifetime,
		SessionIdle:          cfg.SessionIdle,
		SessionAbsolute:      cfg.SessionAbsolute,
		LoginFlowLifespan:    cfg.LoginFlowLifetime,
		DPoPProofWindow:      cfg.DPoPProofWindow,
		Limits:               cfg.limits(),
		DevMode:              cfg.Dev,
		Now:                  now,
		Logger:               log.With("component", "provider"),
		Observer:             m,
		HTTPClient:           hc,
		Consent:              cw.service,
		Logouts:              cw.enqueue,
		// RFC 8693 token exchange, decided by the resources the
		// operator registered (oidcp resources add).
		Exchange: resources.NewPolicy(store),
		Handoff:  tickets,
		// The account pages' client is oidcp's own (its chooser).
		OwnClients: accountOwnClients(),
	}
	for _, t := range cfg.Tenants {
		upc := hc
		if t.Upstream.Mock && mockClient != nil {
			upc = mockClient
		}
		up, err := newUpstream(cfg, t, upc, m, now)
		if err != nil {
			return nil, false, fmt.Errorf("tenants %q upstream: %w", t.Name, err)
		}
		pcfg.Tenants = append(pcfg.Tenants, provider.TenantConfig{
			Name:        t.Name,
			DisplayName: t.DisplayName,
			Upstream:    up,
			Sandbox:     t.Sandbox,
			Registry:    t.reads(),

			RegistrationEndpoint: registrationEndpoint(cfg, t),
			TokenPerClient:       t.Registration.TokenPerClient,
			DPoPNonce:            t.DPoPNonce,
			Profile:              t.Profile,
			FirstPartyClients:    []string{accountClientID},
		})
	}
	p, err := provider.New(ctx, pcfg, store, km)
	if err != nil {
		return nil, false, err
	}
	handlers = append(handlers, p, handoffRoutes(cfg, store, p, tickets, log))
	if mock != nil {
		// Browsers reach the mock under the provider's page limits;
		// oidcp's own calls (mockClient) do not pass through them.
		limited := p.LimitPage(http.StripPrefix(mockPath, mock))
		handlers = append(handlers, router.HandlerFunc(func(mx router.Mux) {
			mx.Handle(mockPath+"/", router.Route{Endpoint: "idporten_mock", CSP: mockCSP}, limited)
		}))
	}
	// "Bruk og tilganger": one account.Service; the JSON API under every
	// tenant's issuer.
	acct := newAccountService(cfg, cw)
	handlers = append(handlers, newAccountAPI(cfg, acct, p, km, store, now, log))
	// The sandbox's components count their own requests (by route).
	sandbox := &routeList{route: router.Route{Endpoint: "sandbox", Counted: true}}
	if err := mountSandbox(sandbox, cfg, store, cw.service, m, log, now); err != nil {
		return nil, false, err
	}
	handlers = append(handlers, sandbox)
	cw.worker.Tokens = p
	cw.ender = p
	// The citizen's own pages, {issuer}/account/, a relying party of each
	// tenant that redeems its codes in process (self).
	self := &selfHandler{basePath: basePathOf(cfg.BaseURL)}
	pages, err := accountPages(ctx, cfg, accountPagesDeps{store: store, secrets: km, service: acct,
		tokens: p, catalogues: cw.service, self: self, log: log, now: now})
	if err != nil {
		return nil, false, err
	}
	handlers = append(handlers, pages...)
	// Dev mode only: a demo tool to log in with right away.
	d, err := newDemo(ctx, cfg, store, hc, log.With("component", "demo"), now)
	if err != nil {
		return nil, false, err
	}
	if d != nil {
		handlers = append(handlers, router.HandlerFunc(func(mx router.Mux) {
			mx.Handle(demo.Path, router.Route{Endpoint: "demo", CSP: demoCSP}, d)
		}))
	}
	// The sandbox's synthetic population, for vendors to look up test
	// persons (the same population serve seeds into the registry).
	for _, t := range cfg.Tenants {
		if t.Sandbox {
			handlers = append(handlers, router.HandlerFunc(func(mx router.Mux) {
				mx.Handle("GET /"+t.Name+"/population", router.Route{Tenant: t.Name, Endpoint: "population", CSP: populationCSP}, populationpage.Handler(now))
			}))
		}
	}
	handlers = append(handlers, router.HandlerFunc(func(mx router.Mux) {
		mx.Handle("GET /{$}", router.Route{Endpoint: "index"}, index(cfg))
	}))

	opts := router.Options{NotFound: p.NotFound}
	if m != nil {
		opts.Observer = m
	}
	if cfg.servesHTTPS() {
		// RFC 6797: a browser that has been here once never again sends
		// a login or a cookie over plain http.
		opts.Header = http.Header{"Strict-Transport-Security": {hstsValue}}
	}
	rt := router.New(opts)
	rt.Mount(handlers...)
	self.h = rt
	return rt, mockOn, nil
}

// The Content-Security-Policy of the mock's and the demo's pages
// (form-action *: a form's redirects go on to oidcp, the eID and the
// tool, on any origin) and of the population page (no form at all).
const (
	mockCSP       = "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'; base-uri 'none'"
	demoCSP       = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action *; frame-ancestors 'none'; base-uri 'none'"
	populationCSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

// routeList collects the routes of a component that registers them on a
// plain mux (Handle(pattern, handler)), and mounts them on the router
// under one Route.
type routeList struct {
	route  router.Route
	routes []struct {
		pattern string
		h       http.Handler
	}
}

func (l *routeList) Handle(pattern string, h http.Handler) {
	l.routes = append(l.routes, struct {
		pattern string
		h       http.Handler
	}{pattern, h})
}

func (l *routeList) Mount(mx router.Mux) {
	for _, r := range l.routes {
		mx.Handle(r.pattern, l.route, r.h)
	}
}

// hstsValue is two years, subdomains included: the values the HSTS
// preload list asks for (RFC 6797 §6.1).
const hstsValue = "max-age=63072000; includeSubDomains"

// newUpstream builds a tenant's eID relying-party client, calling out
// through hc. Its callback is the tenant's /callback, which the provider
// mounts.
func newUpstream(cfg Config, t TenantConfig, hc *http.Client, m *metrics.Metrics, now func() time.Time) (*upstream.Client, error) {
	return upstream.New(upstream.Config{
		HTTPClient:   hc,
		Issuer:       t.Upstream.Issuer,
		ClientID:     t.Upstream.ClientID,
		ClientSecret: t.Upstream.ClientSecret,
		RedirectURL:  cfg.Issuer(t.Name) + "/callback",
		Scopes:       t.Upstream.Scopes,
		ACRValues:    t.Upstream.ACRValues,
		AllowedACR:   t.Upstream.AllowedACR,
		Now:          now,
		Observe:      m.UpstreamObserve,
	})
}

// outboundClient is the one HTTP client for the calls oidcp makes to URLs
// it is given (clients' jwks_uri, the upstream eID's discovery, JWKS, PAR
// and token endpoints): outbound's, which refuses loopback, private and
// link-local addresses outside dev mode, without exception (a tenant on
// the built-in mock reaches it in process, inProcessClient). It trusts
// the system roots plus, when tls_ca is set, that file's CA certificates.
func outboundClient(cfg Config) (*http.Client, error) {
	pool, err := caPool(cfg.TLSCA)
	if err != nil {
		return nil, err
	}
	return outbound.New(outbound.Options{AllowPrivate: cfg.Dev, RootCAs: pool}), nil
}

// caPool is the system roots plus, when caFile is set, its CA
// certificates (config tls_ca); nil when caFile is empty.
func caPool(caFile string) (*x509.CertPool, error) {
	if caFile == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("tls_ca: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls_ca: %s holds no PEM certificates", caFile)
	}
	return pool, nil
}

// index answers / with the issuers, so a browser pointed at the base URL
// finds its way.
func index(cfg Config) http.HandlerFunc {
	type tenant struct {
		Name      string `json:"name"`
		Issuer    string `json:"issuer"`
		Discovery string `json:"discovery"`
	}
	var ts []tenant
	for _, t := range cfg.Tenants {
		iss := cfg.Issuer(t.Name)
		ts = append(ts, tenant{t.Name, iss, iss + "/.well-known/openid-configuration"})
	}
	body, _ := json.MarshalIndent(map[string]any{"tenants": ts}, "", "  ")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(body)
	}
}
