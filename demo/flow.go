package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/uilang"
)

// rp is the demo's client at one tenant. Discovery is fetched lazily and
// kept once it worked; a failure is retried on the next request.
type rp struct {
	t Tenant

	mu         sync.Mutex
	provider   *oidc.Provider
	endSession string
}

// discover returns the tenant's provider metadata, fetching it if needed.
func (p *rp) discover(ctx context.Context, hc *http.Client) (*oidc.Provider, string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, p.endSession, nil
	}
	prov, err := oidc.NewProvider(oidc.ClientContext(ctx, hc), p.t.Issuer)
	if err != nil {
		return nil, "", fmt.Errorf("discovery of %s: %w", p.t.Issuer, err)
	}
	var md struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = prov.Claims(&md) // optional: without it there is no logout link
	p.provider, p.endSession = prov, md.EndSession
	return prov, md.EndSession, nil
}

func (h *Handler) oauth(p *rp, prov *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     p.t.ClientID,
		ClientSecret: p.t.ClientSecret,
		Endpoint:     prov.Endpoint(),
		RedirectURL:  RedirectURI(h.base),
		Scopes:       Scopes,
	}
}

// login starts a code flow: GET /demo/login?tenant=T[&pid=P[&acting_for=A]][&select=1][&lang=L].
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	lang := uilang.Pick(r, q.Get("lang"))
	p, ok := h.byName[q.Get("tenant")]
	if !ok {
		h.renderError(w, lang, http.StatusBadRequest, text(lang).errUnknownTenant, q.Get("tenant"))
		return
	}
	pid := q.Get("pid")
	if pid != "" {
		if _, err := representation.ParsePID(pid); err != nil {
			h.renderError(w, lang, http.StatusBadRequest, text(lang).errBadPID, err.Error())
			return
		}
	}
	prov, _, err := p.discover(r.Context(), h.hc)
	if err != nil {
		h.renderError(w, lang, http.StatusBadGateway, text(lang).errDiscovery, err.Error())
		return
	}
	f := flow{
		Tenant:   p.t.Name,
		State:    rand.Text(),
		Nonce:    rand.Text(),
		Verifier: oauth2.GenerateVerifier(),
		Lang:     lang,
		Expires:  h.now().Add(flowTTL).Unix(),
	}
	opts := []oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(f.Verifier),
		oidc.Nonce(f.Nonce),
		oauth2.SetAuthURLParam("ui_locales", lang),
	}
	if pid != "" {
		// ID-porten's headless test login, which oidcp passes upstream.
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", "testid:"+pid))
		if a := q.Get("acting_for"); a != "" {
			// The chooser's headless stand-in ("self" or a pid).
			opts = append(opts, oauth2.SetAuthURLParam("testid_acting_for", a))
		}
	}
	if q.Get("select") == "1" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "select_account"))
	}
	h.setFlow(w, f)
	http.Redirect(w, r, h.oauth(p, prov).AuthCodeURL(f.State, opts...), http.StatusFound)
}

// result is what the callback page shows.
type result struct {
	Tenant         string
	IDToken        string // claims, pretty JSON
	UserInfo       string // claims, pretty JSON
	Representation string // pretty JSON, empty when acting for oneself
	Scope          string
	Refresh        bool
	LogoutURL      string
	// Tools can be opened from here (portal stand-in, portal.go).
	Tools []Tool
}

// callback finishes the flow: GET /demo/callback?code=…&state=…[&iss=…],
// or the authorization error response (RFC 6749 §4.1.2.1).
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, ferr := h.takeFlow(w, r)
	lang := uilang.Pick(r, q.Get("lang"), f.Lang)
	tx := text(lang)
	if e := q.Get("error"); e != "" {
		detail := e
		if d := q.Get("error_description"); d != "" {
			detail += ": " + d
		}
		h.renderError(w, lang, http.StatusBadRequest, tx.errAuthorization, detail)
		return
	}
	switch {
	case errors.Is(ferr, errFlowExpired):
		h.renderError(w, lang, http.StatusBadRequest, tx.errFlowExpired, "")
		return
	case ferr != nil:
		h.renderError(w, lang, http.StatusBadRequest, tx.errNoFlow, "")
		return
	case q.Get("state") != f.State:
		h.renderError(w, lang, http.StatusBadRequest, tx.errState, "")
		return
	}
	p := h.byName[f.Tenant]
	if p == nil {
		h.renderError(w, lang, http.StatusBadRequest, tx.errUnknownTenant, f.Tenant)
		return
	}
	// RFC 9207: the response names the issuer that sent it; a mismatch
	// means a mix-up between issuers.
	if iss := q.Get("iss"); iss != "" && iss != p.t.Issuer {
		h.renderError(w, lang, http.StatusBadRequest, tx.errIssuer, iss)
		return
	}
	prov, endSession, err := p.discover(r.Context(), h.hc)
	if err != nil {
		h.renderError(w, lang, http.StatusBadGateway, tx.errDiscovery, err.Error())
		return
	}
	ctx := oidc.ClientContext(r.Context(), h.hc)
	tok, err := h.oauth(p, prov).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		h.renderError(w, lang, http.StatusBadGateway, tx.errExchange, err.Error())
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		h.renderError(w, lang, http.StatusBadGateway, tx.errIDToken, "the token response has no id_token")
		return
	}
	idt, err := prov.Verifier(&oidc.Config{ClientID: p.t.ClientID, Now: h.now}).Verify(ctx, rawID)
	if err != nil {
		h.renderError(w, lang, http.StatusBadGateway, tx.errIDToken, err.Error())
		return
	}
	if idt.Nonce != f.Nonce {
		h.renderError(w, lang, http.StatusBadGateway, tx.errIDToken, "nonce does not match the one sent")
		return
	}
	var idClaims map[string]any
	if err := idt.Claims(&idClaims); err != nil {
		h.renderError(w, lang, http.StatusBadGateway, tx.errIDToken, err.Error())
		return
	}
	res := result{Tenant: p.t.Name, IDToken: pretty(idClaims), Refresh: tok.RefreshToken != ""}
	if s, ok := tok.Extra("scope").(string); ok {
		res.Scope = s
	}
	rep := idClaims["representation"]
	if ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
		res.UserInfo = tx.errUserInfo + ": " + err.Error()
	} else {
		var uiClaims map[string]any
		if err := ui.Claims(&uiClaims); err != nil {
			res.UserInfo = tx.errUserInfo + ": " + err.Error()
		} else {
			res.UserInfo = pretty(uiClaims)
			if rep == nil {
				rep = uiClaims["representation"]
			}
		}
	}
	if rep != nil {
		res.Representation = pretty(rep)
	}
	if endSession != "" {
		// OIDC RP-Initiated Logout 1.0 §2.
		v := url.Values{
			"id_token_hint":            {rawID},
			"client_id":                {p.t.ClientID},
			"post_logout_redirect_uri": {PostLogoutRedirectURI(h.base)},
			"ui_locales":               {lang},
		}
		res.LogoutURL = endSession + "?" + v.Encode()
	}
	if tools, origins := h.tools(r.Context(), p.t.Name); len(tools) > 0 && tok.AccessToken != "" {
		res.Tools = tools
		exp := tok.Expiry
		if exp.IsZero() {
			exp = h.now().Add(10 * time.Minute)
		}
		h.setPortal(w, portalState{Tenant: p.t.Name, AccessToken: tok.AccessToken, Expires: exp.Unix()})
		// A launch's redirects go on to the tools' origins.
		w.Header().Set("Content-Security-Policy", strings.Replace(h.csp, "form-action 'self'", "form-action 'self' "+origins, 1))
	}
	h.render(w, http.StatusOK, "callback", page{Lang: lang, T: tx, Result: &res, Base: h.base})
}

func pretty(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
