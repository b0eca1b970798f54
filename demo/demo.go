package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Path is where the demo is mounted on the public mux (below the base
// URL's path, which a proxy in front strips like for every other route).
const Path = "/demo/"

// Scopes are what the demo asks for: everything a tool may get about a
// person, plus a refresh token.
var Scopes = []string{"openid", "profile", "pid", "offline_access"}

// Tenant is one issuer the demo can log in to, with the demo's client
// registered there.
type Tenant struct {
	// Name is the tenant's name, used in ?tenant= and on the button.
	Name string
	// Issuer is the tenant's issuer URL ({base}/{tenant}).
	Issuer string
	// ClientID and ClientSecret are the demo's confidential client in
	// the tenant (client_secret_basic).
	ClientID, ClientSecret string
}

// Config is what the demo needs; cmd/oidcp fills it in dev mode.
type Config struct {
	// BaseURL is oidcp's public base URL; the demo lives at BaseURL/demo/
	// and its redirect URI is BaseURL/demo/callback.
	BaseURL string
	// Tenants get one login button each, in this order.
	Tenants []Tenant
	// PopulationURL, when set, is linked as the list of synthetic test
	// persons (the sandbox's population page).
	PopulationURL string
	// HTTPClient makes the calls to oidcp (discovery, JWKS, token,
	// userinfo); nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock for the flow cookie's expiry and ID token checks.
	Now func() time.Time
	// Tools, when set, makes the demo a portal stand-in: after a login it
	// lists the tenant's tools that can be opened from a portal and
	// launches them through oidcp's hand-off (portal.go).
	Tools func(ctx context.Context, tenant string) ([]Tool, error)
}

// Handler serves the demo's pages: GET /demo/, /demo/login and
// /demo/callback.
type Handler struct {
	base       string // BaseURL without trailing slash
	cookiePath string // the base URL's path + /demo/
	secure     bool   // the base URL is https: cookies are Secure
	csp        string
	popURL     string
	tenants    []*rp
	byName     map[string]*rp
	seal       *sealer
	hc         *http.Client
	now        func() time.Time
	listTools  func(ctx context.Context, tenant string) ([]Tool, error)
	mux        *http.ServeMux
}

var _ http.Handler = (*Handler)(nil)

// New checks cfg and returns the demo's handler. It makes no network
// call: each tenant's discovery is fetched at first use (oidcp is not
// listening yet while its handlers are built) and retried until it works.
func New(cfg Config) (*Handler, error) {
	base := strings.TrimRight(cfg.BaseURL, "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("demo: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if len(cfg.Tenants) == 0 {
		return nil, errors.New("demo: no tenants")
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails (crypto/rand)
	seal, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		base:       base,
		cookiePath: strings.TrimRight(u.Path, "/") + Path,
		secure:     u.Scheme == "https",
		// No scripts, no images, no frames: only inline styles, and forms
		// may go to the demo itself (form-action 'self' and the base, in
		// case a proxy serves the base on another origin).
		csp:    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' " + base + "; frame-ancestors 'none'; base-uri 'none'",
		popURL: cfg.PopulationURL,
		byName: map[string]*rp{},
		seal:   seal,
		hc:     cfg.HTTPClient,
		now:    cfg.Now,
		// The portal stand-in's list of tools (portal.go).
		listTools: cfg.Tools,
	}
	if h.hc == nil {
		h.hc = &http.Client{Timeout: 10 * time.Second}
	}
	if h.now == nil {
		h.now = time.Now
	}
	for _, t := range cfg.Tenants {
		if t.Name == "" || t.Issuer == "" || t.ClientID == "" {
			return nil, fmt.Errorf("demo: tenant %q needs a name, an issuer and a client id", t.Name)
		}
		if _, dup := h.byName[t.Name]; dup {
			return nil, fmt.Errorf("demo: tenant %q given twice", t.Name)
		}
		r := &rp{t: t}
		h.tenants = append(h.tenants, r)
		h.byName[t.Name] = r
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET "+Path+"{$}", h.home)
	h.mux.HandleFunc("GET "+Path+"login", h.login)
	h.mux.HandleFunc("GET "+Path+"callback", h.callback)
	h.mux.HandleFunc("POST "+Path+"launch", h.launch)
	return h, nil
}

// RedirectURI is the demo's redirect URI for a base URL.
func RedirectURI(baseURL string) string { return strings.TrimRight(baseURL, "/") + Path + "callback" }

// URL is the demo's start page for a base URL.
func URL(baseURL string) string { return strings.TrimRight(baseURL, "/") + Path }

// PostLogoutRedirectURI is where the demo asks to return after logout:
// its start page.
func PostLogoutRedirectURI(baseURL string) string { return URL(baseURL) }

// ServeHTTP serves the demo's routes with strict security headers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	// The callback's URL holds the code and the page links carry the ID
	// token as id_token_hint: never leak them in a Referer.
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}
