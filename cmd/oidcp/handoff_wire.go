package main

import (
	"log/slog"

	"github.com/oidcp/oidcp/handoff"
	"github.com/oidcp/oidcp/provider"
	"github.com/oidcp/oidcp/router"
	"github.com/oidcp/oidcp/storage"
)

// handoffRoutes mounts every tenant's POST {issuer}/handoff: the portal
// authenticates through the provider's client authentication and
// presents the citizen's access token, which the provider verifies.
func handoffRoutes(cfg Config, store storage.Storage, p *provider.Provider, tickets *handoff.Tickets, log *slog.Logger) router.Handler {
	return router.HandlerFunc(func(mx router.Mux) {
		for _, t := range cfg.Tenants {
			ep := handoff.NewEndpoint(handoff.EndpointConfig{
				Tenant: t.Name, Issuer: cfg.Issuer(t.Name),
				Auth: p, Tokens: p, Clients: store, Tickets: tickets,
				Log: log.With("component", "handoff"),
			})
			mx.Handle("POST /"+t.Name+"/handoff", router.Route{Tenant: t.Name, Endpoint: "handoff"}, ep)
		}
	})
}
