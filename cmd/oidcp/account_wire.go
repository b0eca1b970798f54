package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/accountapi"
	"github.com/oidcp/oidcp/ratelimit"
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
// tenant, its bearer tokens verified by the provider. Its requests are
// limited per source address as the provider's bearer endpoints are
// (rate_limit_token_per_source, counted apart), with counters shared by
// every node through the store. Persons in its answers are named by
// opaque ids derived from each tenant's secret accountapi.PersonKeyName.
func newAccountAPI(cfg Config, svc accountapi.Service, tokens account.TokenVerifier, secrets secretSource, counter ratelimit.Counter, now func() time.Time, log *slog.Logger) router.Handler {
	var tenants []string
	issuers := map[string]string{}
	for _, t := range cfg.Tenants {
		tenants = append(tenants, t.Name)
		issuers[t.Name] = cfg.Issuer(t.Name)
	}
	lim := cfg.limits()
	personKey := func(ctx context.Context, tenant string) ([]byte, error) {
		return secrets.Secret(ctx, tenant, accountapi.PersonKeyName)
	}
	cfgAPI := accountapi.Config{Tenants: tenants, Service: svc, Tokens: tokens, PersonKey: personKey, Issuers: issuers,
		Logger: log.With("component", "accountapi"),
		Limit: &accountapi.RateLimit{
			Limiter:        ratelimit.New(counter, now),
			Rule:           ratelimit.Rule{Name: "account-api-source", Limit: lim.TokenPerSource, Window: lim.Window},
			TrustedProxies: lim.TrustedProxies,
		}}
	// The provider checks a DPoP-bound token's proof against the request.
	if rv, ok := tokens.(accountapi.RequestVerifier); ok {
		cfgAPI.Requests = rv
	}
	return accountapi.New(cfgAPI)
}
