package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/demo"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// demoClientID is the built-in demo's client in every tenant (dev mode).
const demoClientID = "demo"

// demoRegistration is the demo's client in every tenant: a confidential,
// identified tool that accepts every relation, so the chooser shows all
// of a person's choices, and a hand-off portal, so it can stand in for
// the portal that opens tools (docs/handoff.md).
func demoRegistration(cfg Config, secret string) clients.Registration {
	return clients.Registration{
		ID:                     demoClientID,
		Name:                   "oidcp demo",
		Secret:                 secret,
		RedirectURIs:           []string{demo.RedirectURI(cfg.BaseURL)},
		PostLogoutRedirectURIs: []string{demo.PostLogoutRedirectURI(cfg.BaseURL)},
		GrantTypes:             []string{clients.GrantAuthorizationCode, clients.GrantRefreshToken},
		Scopes:                 demo.Scopes,
		Category:               clients.CategoryIdentified,
		AcceptedRelations: []string{string(representation.Parent), string(representation.PowerOfAttorney),
			string(representation.AssignedPowerOfAttorney)},
		HandoffPortal: true,
	}
}

// demoUnavailable says why dev mode cannot offer the demo, or "" when it
// can: a tenant named like its path would shadow it, and its redirect URI
// must be acceptable (https, or http on a loopback host).
func demoUnavailable(cfg Config) string {
	if !cfg.Dev {
		return "not in dev mode"
	}
	if _, err := cfg.tenant("demo"); err == nil {
		return `a tenant is named "demo", the demo's path`
	}
	// The rule clients.Build applies, checked without building the client
	// (and hashing a secret): the banner asks too.
	if why := clients.CheckRedirectURI(demo.RedirectURI(cfg.BaseURL), false); why != "" {
		return fmt.Sprintf("its redirect URI must be https or on a loopback host, and base_url is %s (%s)", cfg.BaseURL, why)
	}
	return ""
}

// registerDemoClient creates the demo's client in every tenant or, where
// an earlier start stored it, replaces it (a new secret, the current
// redirect URIs), keeping its creation time. The client is built (and its
// secret hashed with bcrypt) once, not once per tenant.
func registerDemoClient(ctx context.Context, store storage.ClientStore, tenants []string, r clients.Registration, now time.Time) error {
	if len(tenants) == 0 {
		return nil
	}
	c, err := clients.Build(tenants[0], r, now)
	if err != nil {
		return fmt.Errorf("demo client: %w", err)
	}
	for _, tenant := range tenants {
		c.Tenant = tenant
		if err := upsertClient(ctx, store, c); err != nil {
			return fmt.Errorf("demo client in tenant %q: %w", tenant, err)
		}
	}
	return nil
}

// upsertClient stores a client that oidcp itself owns (the demo's, the
// account pages'), replacing an earlier start's copy but keeping its
// creation time. Update first (the usual case after the first start);
// create if absent; and if another node created it meanwhile, update
// that.
func upsertClient(ctx context.Context, store storage.ClientStore, c storage.Client) error {
	replace := func(old storage.Client) (storage.Client, error) {
		c.CreatedAt = old.CreatedAt
		return c, nil
	}
	err := store.UpdateClient(ctx, c.Tenant, c.ID, replace)
	if errors.Is(err, storage.ErrNotFound) {
		c.CreatedAt = c.UpdatedAt
		err = store.CreateClient(ctx, c)
		if errors.Is(err, storage.ErrConflict) {
			err = store.UpdateClient(ctx, c.Tenant, c.ID, replace)
		}
	}
	return err
}
