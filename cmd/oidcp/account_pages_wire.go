package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/accountpage"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/provider"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/router"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/web"
)

// accountClientID is the client the account pages log in as, in every
// tenant: a first-party public client of the tenant itself, as
// Keycloak's account console is.
const accountClientID = "oidcp-account"

// accountRegistration is the pages' client in one tenant: public (PKCE
// S256, nonce and PAR required), back to {issuer}/account/callback, the
// scopes openid, profile (the name on the page) and account, and the
// relations a person may open the pages for — the chooser then offers
// acting for a child or a power of attorney's giver within the usual
// rules. account is an identity-like scope: it needs no consent grant.
func accountRegistration(issuer string) clients.Registration {
	return clients.Registration{
		ID:                     accountClientID,
		Name:                   web.AccountTexts["nb"]["service"],
		Names:                  accountNames(),
		Public:                 true,
		RedirectURIs:           []string{issuer + "/account/callback"},
		PostLogoutRedirectURIs: []string{issuer + "/account/logged-out"},
		GrantTypes:             []string{clients.GrantAuthorizationCode},
		Scopes:                 []string{"openid profile " + accountpage.Scope},
		OfferedScopes:          []string{"openid", "profile", accountpage.Scope},
		Category:               clients.CategoryIdentified,
		AcceptedRelations: []string{string(representation.Parent), string(representation.AssignedPowerOfAttorney),
			string(representation.PowerOfAttorney)},
	}
}

// accountNames are the pages' title in each page language: the pages'
// client is called by it wherever oidcp names a tool (consent, chooser,
// the account pages' lists).
func accountNames() map[string]string {
	out := map[string]string{}
	for lang, t := range web.AccountTexts {
		out[lang] = t["service"]
	}
	return out
}

// ensureAccountClient creates or updates the pages' client in a tenant,
// keeping its creation time (upsertClient).
func ensureAccountClient(ctx context.Context, store storage.ClientStore, tenant, issuer string, now time.Time) error {
	c, err := clients.Build(tenant, accountRegistration(issuer), now)
	if err != nil {
		return fmt.Errorf("account pages' client in tenant %q: %w", tenant, err)
	}
	if err := upsertClient(ctx, store, c); err != nil {
		return fmt.Errorf("account pages' client in tenant %q: %w", tenant, err)
	}
	return nil
}

// accountOwnClients tells the provider that the pages' client is
// oidcp's own: its pages (the chooser) call it by the pages' title in
// their language and ask whose use and access to see.
func accountOwnClients() map[string]provider.OwnClient {
	own := provider.OwnClient{ChooserIntro: map[string]string{}}
	for lang, t := range web.AccountTexts {
		own.ChooserIntro[lang] = t["chooser_intro"]
	}
	return map[string]provider.OwnClient{accountClientID: own}
}

// Interface guard: the pages use the account service.
var _ accountpage.Service = (*account.Service)(nil)

// secretSource hands out a tenant's named secrets (*keys.Manager).
type secretSource interface {
	Secret(ctx context.Context, tenant, name string) ([]byte, error)
}

// catalogues gives a tenant's consent catalogue (*consent.Service).
type catalogues interface {
	Catalogue(tenant string) *consent.Catalogue
}

// accountPagesDeps is what the account pages of every tenant are built
// from.
type accountPagesDeps struct {
	store      storage.ClientStore
	secrets    secretSource
	service    accountpage.Service
	tokens     account.TokenVerifier
	catalogues catalogues
	// self serves requests to oidcp's own public routes in process; its
	// handler is set once the router exists.
	self *selfHandler
	log  *slog.Logger
	now  func() time.Time
}

// accountPages registers the pages' client in every tenant and returns
// the pages to mount. A base URL whose callback no client may have (http
// on a host that is not loopback) leaves the pages off, with a warning.
func accountPages(ctx context.Context, cfg Config, d accountPagesDeps) ([]router.Handler, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("base_url: %w", err)
	}
	basePath := basePathOf(cfg.BaseURL)
	if accountPagesURL(cfg, "x") == "" {
		why := clients.CheckRedirectURI(cfg.Issuer("x")+"/account/callback", false)
		d.log.Warn("the account pages (/account/) are off: their callback must be https or on a loopback host", "base_url", cfg.BaseURL, "why", why)
		return nil, nil
	}
	hc := inProcessClient(cfg.BaseURL, d.self)
	var out []router.Handler
	for _, t := range cfg.Tenants {
		issuer := cfg.Issuer(t.Name)
		if err := ensureAccountClient(ctx, d.store, t.Name, issuer, d.now()); err != nil {
			return nil, err
		}
		hashKey, err := d.secrets.Secret(ctx, t.Name, "account-page-hash")
		if err != nil {
			return nil, err
		}
		blockKey, err := d.secrets.Secret(ctx, t.Name, "account-page-block")
		if err != nil {
			return nil, err
		}
		h, err := accountpage.New(accountpage.Config{
			Tenant: t.Name, Issuer: issuer, Path: "/" + t.Name, CookiePath: basePath + "/" + t.Name,
			ClientID: accountClientID, Service: d.service, Tokens: d.tokens, Catalogue: d.catalogues.Catalogue(t.Name),
			DeviceName: account.DeviceName,
			HTTPClient: hc, HashKey: hashKey, BlockKey: blockKey, Secure: base.Scheme == "https",
			Now: d.now, Log: d.log.With("component", "accountpage"),
		})
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// accountPagesURL is a tenant's account pages, or "" when the base URL
// allows them no callback (http on a host that is not loopback).
func accountPagesURL(cfg Config, tenant string) string {
	if clients.CheckRedirectURI(cfg.Issuer(tenant)+"/account/callback", false) != "" {
		return ""
	}
	return cfg.Issuer(tenant) + "/account/"
}

// basePathOf is the base URL's path without a trailing slash ("" at the
// root), which prefixes every public path the browser sees.
func basePathOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.Path, "/")
}

// selfHandler serves a request to oidcp's own public routes in process:
// the account pages redeem their codes at their tenant's token endpoint
// this way, not over the network (base_url may not be reachable from
// the server itself, behind a proxy, and the outbound client refuses
// loopback outside dev mode). It strips the base URL's path, as the
// proxy in front does, and presents the browser's address (recorded by
// accountpage.WithSource) as the request's, so per-source rate limits
// count the person, not the pages.
type selfHandler struct {
	basePath string
	h        http.Handler
}

func (s *selfHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.h == nil {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	if addr, fwd, ok := accountpage.Source(r.Context()); ok {
		r.RemoteAddr = addr
		r.Header.Del("X-Forwarded-For")
		if fwd != "" {
			r.Header.Set("X-Forwarded-For", fwd)
		}
	}
	if s.basePath != "" {
		http.StripPrefix(s.basePath, s.h).ServeHTTP(w, r)
		return
	}
	s.h.ServeHTTP(w, r)
}
