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

// newDemo registers the demo's client in every tenant with a secret
// new to this process (replacing the one a previous start stored) and
// returns the demo, to be mounted at demo.Path; it reaches the issuers
// through hc, the server's one outbound client. Only in dev mode; nil
// when the demo is off.
func newDemo(ctx context.Context, cfg Config, store storage.ClientStore, hc *http.Client, log *slog.Logger, now func() time.Time) (http.Handler, error) {
	if !cfg.Dev {
		return nil, nil
	}
	if why := demoUnavailable(cfg); why != "" {
		log.Warn("dev mode: the demo relying party is off: " + why)
		return nil, nil
	}
	secret := clients.GenerateSecret()
	dcfg := demo.Config{BaseURL: cfg.BaseURL, Now: now, Tools: launchableTools(store)}
	if err := registerDemoClient(ctx, store, cfg.tenantNames(), demoRegistration(cfg, secret), now()); err != nil {
		return nil, err
	}
	for _, t := range cfg.Tenants {
		dcfg.Tenants = append(dcfg.Tenants, demo.Tenant{Name: t.Name, Issuer: cfg.Issuer(t.Name), ClientID: demoClientID, ClientSecret: secret})
		if t.Sandbox && dcfg.PopulationURL == "" {
			dcfg.PopulationURL = cfg.Issuer(t.Name) + "/population"
		}
	}
	dcfg.HTTPClient = hc
	return demo.New(dcfg)
}

// launchableTools lists, for the demo's portal stand-in, a tenant's tools
// that a portal can open: enabled, with an initiate_login_uri and at least
// one launch URI (the first is where the demo opens it).
func launchableTools(store storage.ClientStore) func(ctx context.Context, tenant string) ([]demo.Tool, error) {
	return func(ctx context.Context, tenant string) ([]demo.Tool, error) {
		cs, err := store.ListClients(ctx, tenant)
		if err != nil {
			return nil, err
		}
		var out []demo.Tool
		for _, c := range cs {
			if c.Disabled || c.InitiateLoginURI == "" || len(c.LaunchURIs) == 0 {
				continue
			}
			out = append(out, demo.Tool{ClientID: c.ID, Name: c.Name, LaunchURI: c.LaunchURIs[0], InitiateLoginURI: c.InitiateLoginURI})
		}
		return out, nil
	}
}
