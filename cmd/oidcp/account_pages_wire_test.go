package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/accountpage"
	"github.com/oidcp/oidcp/clients"
)

// TestAccountRegistration: the pages' client is public (PKCE, nonce and
// PAR required), comes back only to the tenant's own /account/callback,
// may ask for account, and accepts the relations the pages may be opened
// for.
func TestAccountRegistration(t *testing.T) {
	c, err := clients.Build("sandbox", accountRegistration("https://op.example/sandbox"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !c.Public || !c.RequirePKCE || !c.RequirePAR || c.TokenEndpointAuthMethod != "none" {
		t.Errorf("client %+v: want public with PKCE and PAR, no secret", c)
	}
	if !slices.Equal(c.RedirectURIs, []string{"https://op.example/sandbox/account/callback"}) ||
		!slices.Equal(c.PostLogoutRedirectURIs, []string{"https://op.example/sandbox/account/logged-out"}) {
		t.Errorf("redirects %v, post-logout %v", c.RedirectURIs, c.PostLogoutRedirectURIs)
	}
	if !slices.Equal(c.Scopes, []string{"openid", "profile", "account"}) || slices.Contains(c.GrantTypes, clients.GrantRefreshToken) {
		t.Errorf("scopes %v, grant types %v", c.Scopes, c.GrantTypes)
	}
	for _, rel := range []string{"parent", "assigned_power_of_attorney", "power_of_attorney"} {
		if !slices.Contains(c.AcceptedRelations, rel) {
			t.Errorf("accepted relations %v lack %s", c.AcceptedRelations, rel)
		}
	}
	// Pages name the client by the pages' title in their language.
	for lang, want := range map[string]string{"nb": "Bruk og tilganger", "nn": "Bruk og tilgangar", "en": "Use and access"} {
		if got := clients.DisplayName(c, lang); got != want {
			t.Errorf("%s: named %q, want %q", lang, got, want)
		}
	}
}

// TestSelfHandler: a request to the base URL through the in-process
// client reaches the router's handler with the base URL's path removed,
// as the proxy in front does, and carries the browser's address.
func TestSelfHandler(t *testing.T) {
	var got *http.Request
	self := &selfHandler{basePath: "/oidcp", h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		_, _ = io.WriteString(w, "ok")
	})}
	hc := inProcessClient("https://op.example/oidcp", self)
	browserReq := httptest.NewRequest("GET", "/oidcp/sandbox/account/callback", nil)
	browserReq.RemoteAddr = "203.0.113.9:4444"
	browserReq.Header.Set("X-Forwarded-For", "198.51.100.7")
	ctx := accountpage.WithSource(context.Background(), browserReq)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "https://op.example/oidcp/sandbox/token", nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got == nil || got.URL.Path != "/sandbox/token" || got.RemoteAddr != "203.0.113.9:4444" || got.Header.Get("X-Forwarded-For") != "198.51.100.7" {
		t.Fatalf("the handler saw %+v", got)
	}
	// Nothing outside the base URL is served.
	req, _ = http.NewRequest(http.MethodGet, "https://elsewhere.example/x", nil)
	if _, err := hc.Do(req); err == nil {
		t.Error("the in-process client served another origin")
	}
}

// TestBannerNamesAccountPages: the start banner names each tenant's
// account pages.
func TestBannerNamesAccountPages(t *testing.T) {
	var b bytes.Buffer
	cfg := devConfig(t)
	printBanner(&b, cfg, "127.0.0.1:8081", true)
	for _, tn := range cfg.Tenants {
		if want := "    account:    " + cfg.Issuer(tn.Name) + "/account/ "; !strings.Contains(b.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, b.String())
		}
	}
}
