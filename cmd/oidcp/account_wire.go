package main

import (
	"log/slog"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/accountapi"
	"github.com/oidcp/oidcp/router"
)

// newAccountService builds the one account.Service behind "Bruk og
// tilganger" (the citizen pages and the JSON API) on the consent wiring:
// grants are withdrawn through its consent service, so a withdrawal runs
// the revocation cascade, and an ended session's back-channel logouts go
// through its enqueuer.
func newAccountService(cfg Config, cw *consentWiring) *account.Service {
	regs := map[string]string{}
	for _, t := range cfg.Tenants {
		regs[t.Name] = t.reads()
	}
	return account.New(cw.store, cw.service, account.Options{
		Now:             cw.now,
		Registries:      regs,
		SessionIdle:     cfg.SessionIdle,
		SessionAbsolute: cfg.SessionAbsolute,
		Logouts:         cw.enqueue,
	})
}

// newAccountAPI mounts the account API ({issuer}/api/v1/me/) for every
// tenant, its bearer tokens verified by the provider.
func newAccountAPI(cfg Config, svc accountapi.Service, tokens account.TokenVerifier, log *slog.Logger) router.Handler {
	var tenants []string
	for _, t := range cfg.Tenants {
		tenants = append(tenants, t.Name)
	}
	return accountapi.New(accountapi.Config{Tenants: tenants, Service: svc, Tokens: tokens,
		Logger: log.With("component", "accountapi")})
}
