//go:build !noprovider

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/metrics"
	"github.com/oidcp/oidcp/provider"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/upstream"
)

// Interface guard: the provider reports to *metrics.Metrics.
var _ provider.Observer = (*metrics.Metrics)(nil)

// buildHandler wires the public listener's routes: every tenant of the
// provider, the ID-porten mock when a tenant uses it or in dev mode, and
// an index at / listing the issuers. It reports whether the mock is mounted.
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
		})
	}
	p, err := provider.New(ctx, pcfg, store, km)
	if err != nil {
		return nil, false, err
	}
	p.Mount(mux)
	mux.HandleFunc("GET /{$}", index(cfg))
	return mux, mockOn, nil
}

// newUpstream builds a tenant's eID relying-party client. Its callback is
// the tenant's /callback, which the provider mounts.
func newUpstream(cfg Config, t TenantConfig, m *metrics.Metrics, now func() time.Time) (*upstream.Client, error) {
	return upstream.New(upstream.Config{
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
