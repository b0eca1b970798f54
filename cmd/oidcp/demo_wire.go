package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/demo"
	"github.com/oidcp/oidcp/storage"
)

// mountDemo registers the demo's client in every tenant with a secret
// new to this process (replacing the one a previous start stored) and
// mounts the demo at /demo/. Only in dev mode; it reports whether the
// demo is mounted.
func mountDemo(ctx context.Context, mux *http.ServeMux, cfg Config, store storage.ClientStore, log *slog.Logger, now func() time.Time) (bool, error) {
	if !cfg.Dev {
		return false, nil
	}
	if why := demoUnavailable(cfg); why != "" {
		log.Warn("dev mode: the demo relying party is off: " + why)
		return false, nil
	}
	secret := clients.GenerateSecret()
	dcfg := demo.Config{BaseURL: cfg.BaseURL, Now: now}
	if err := registerDemoClient(ctx, store, cfg.tenantNames(), demoRegistration(cfg, secret), now()); err != nil {
		return false, err
	}
	for _, t := range cfg.Tenants {
		dcfg.Tenants = append(dcfg.Tenants, demo.Tenant{Name: t.Name, Issuer: cfg.Issuer(t.Name), ClientID: demoClientID, ClientSecret: secret})
		if t.Sandbox && dcfg.PopulationURL == "" {
			dcfg.PopulationURL = cfg.Issuer(t.Name) + "/population"
		}
	}
	hc, err := outboundClient(cfg)
	if err != nil {
		return false, err
	}
	dcfg.HTTPClient = hc
	h, err := demo.New(dcfg)
	if err != nil {
		return false, err
	}
	mux.Handle(demo.Path, h)
	return true, nil
}
