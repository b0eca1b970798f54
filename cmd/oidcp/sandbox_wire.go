package main

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/oidcp/oidcp/metrics"
	"github.com/oidcp/oidcp/ratelimit"
	"github.com/oidcp/oidcp/registration"
	"github.com/oidcp/oidcp/sandboxpage"
	"github.com/oidcp/oidcp/storage"
)

// registrationEndpoint is the tenant's RFC 7591 endpoint, "" when it
// serves none.
func registrationEndpoint(cfg Config, t TenantConfig) string {
	if !t.registers() {
		return ""
	}
	return cfg.Issuer(t.Name) + registration.PathRegister
}

// mountSandbox mounts each sandbox's start page at {issuer}/ and
// self-service registration in every tenant that serves it. Its counters are the shared ones in storage, so quotas hold
// across nodes.
func mountSandbox(mux interface{ Handle(string, http.Handler) }, cfg Config, store storage.Storage, grants registration.GrantRevoker, m *metrics.Metrics, log *slog.Logger, now func() time.Time) error {
	limiter := ratelimit.New(store, now)
	for _, t := range cfg.Tenants {
		if t.Sandbox {
			mock := ""
			if t.Upstream.Mock {
				mock = cfg.mockIssuer()
			}
			mux.Handle("GET /"+t.Name+"/{$}", sandboxpage.Handler(sandboxpage.Config{
				Issuer: cfg.Issuer(t.Name), DisplayName: t.DisplayName, MockIssuer: mock, Registration: t.registers(), Now: now,
				AccountURL: accountPagesURL(cfg, t.Name),
			}))
		}
		if !t.registers() {
			continue
		}
		h, err := registration.New(registration.Config{
			Tenant:               t.Name,
			Issuer:               cfg.Issuer(t.Name),
			OfferedScopes:        t.offeredScopes(),
			DataScopes:           t.dataScopeNames(),
			AllowPrivateHosts:    cfg.Dev,
			Profile:              t.Profile,
			MaxClients:           t.Registration.maxClients(),
			RegistrationsPerHour: t.Registration.perHour(),
			Limiter:              limiter,
			Grants:               grants,
			Now:                  now,
			Log:                  log.With("component", "registration"),
			Instrument: func(name string, h http.Handler) http.Handler {
				return m.Endpoint(t.Name, name, h)
			},
		}, store)
		if err != nil {
			return err
		}
		h.Mount(mux)
	}
	return nil
}
