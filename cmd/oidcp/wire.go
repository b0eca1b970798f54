package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/metrics"
	populationpage "github.com/oidcp/oidcp/population/page"
	"github.com/oidcp/oidcp/provider"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/upstream"
)

// Interface guard: the provider reports to *metrics.Metrics.
var _ provider.Observer = (*metrics.Metrics)(nil)

// buildHandler wires the public listener's routes: every tenant of the
// provider, the ID-porten mock when a tenant uses it or in dev mode, the
// demo relying party in dev mode, and an index at / listing the issuers.
// It reports whether the mock is mounted.
func buildHandler(ctx context.Context, cfg Config, store storage.Storage, km *keys.Manager, m *metrics.Metrics, log *slog.Logger, now func() time.Time) (http.Handler, bool, error) {
	mux := http.NewServeMux()
	mockOn := cfg.Dev || cfg.usesMock()
	if mockOn {
		mock, err := newMock(cfg, now, log)
		if err != nil {
			return nil, false, err
		}
		mux.Handle(mockPath+"/", http.StripPrefix(mockPath, mock))
	}

	pcfg := provider.Config{
		BaseURL:              cfg.BaseURL,
		AccessTokenLifespan:  cfg.AccessTokenLifetime,
		RefreshTokenLifespan: cfg.RefreshTokenLifetime,
		IDTokenLifespan:      cfg.IDTokenLifetime,
		SessionIdle:          cfg.SessionIdle,
		SessionAbsolute:      cfg.SessionAbsolute,
		DevMode:              cfg.Dev,
		Now:                  now,
		Logger:               log.With("component", "provider"),
		Observer:             m,
	}
	for _, t := range cfg.Tenants {
		up, err := newUpstream(cfg, t, m, now)
		if err != nil {
			return nil, false, fmt.Errorf("tenants %q upstream: %w", t.Name, err)
		}
		pcfg.Tenants = append(pcfg.Tenants, provider.TenantConfig{
			Name:        t.Name,
			DisplayName: t.DisplayName,
			Upstream:    up,
			Sandbox:     t.Sandbox,
			Registry:    t.reads(),
		})
	}
	p, err := provider.New(ctx, pcfg, store, km)
	if err != nil {
		return nil, false, err
	}
	p.Mount(mux)
	// Dev mode only: a demo tool to log in with right away.
	if _, err := mountDemo(ctx, mux, cfg, store, log.With("component", "demo"), now); err != nil {
		return nil, false, err
	}
	// The sandbox's synthetic population, for vendors to look up test
	// persons (the same population serve seeds into the registry).
	for _, t := range cfg.Tenants {
		if t.Sandbox {
			mux.Handle("GET /"+t.Name+"/population", populationpage.Handler(now))
		}
	}
	mux.HandleFunc("GET /{$}", index(cfg))
	return mux, mockOn, nil
}

// newUpstream builds a tenant's eID relying-party client. Its callback is
// the tenant's /callback, which the provider mounts.
func newUpstream(cfg Config, t TenantConfig, m *metrics.Metrics, now func() time.Time) (*upstream.Client, error) {
	hc, err := outgoingClient(cfg.TLSCA)
	if err != nil {
		return nil, err
	}
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

// outgoingClient is the HTTP client for calls oidcp makes (upstream
// discovery, PAR, token, JWKS): the system roots plus, when caFile is set,
// its extra CA certificates (config tls_ca).
func outgoingClient(caFile string) (*http.Client, error) {
	const timeout = 10 * time.Second
	if caFile == "" {
		return &http.Client{Timeout: timeout}, nil
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
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Timeout: timeout, Transport: tr}, nil
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
