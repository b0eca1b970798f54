package accountpage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// The pages log in as any relying party does (OpenID Connect Core §3.1,
// authorization code flow, with PKCE S256 and nonce):
//
//	GET /account/…  no page session ─▶ /account/login ─▶ {issuer}/authorize
//	   (eID only without a login session; the chooser when the person
//	   may act for others)
//	{issuer} ─▶ /account/callback?code&state&iss ─▶ token endpoint
//	   ─▶ page session cookie ─▶ the page first asked for

// scopes the pages ask for: who the person is (profile: the name on the
// page) and the account scope the pages' tokens must carry.
var scopes = []string{oidc.ScopeOpenID, "profile", Scope}

// oauthConfig is the pages' client as golang.org/x/oauth2 sees it, built
// once by New.
func oauthConfig(cfg Config) *oauth2.Config {
	return &oauth2.Config{
		ClientID: cfg.ClientID,
		Endpoint: oauth2.Endpoint{
			AuthURL:   cfg.Issuer + "/authorize",
			TokenURL:  cfg.Issuer + "/token",
			AuthStyle: oauth2.AuthStyleInParams, // a public client: client_id in the body
		},
		RedirectURL: cfg.Issuer + "/account/callback",
		Scopes:      scopes,
	}
}

// login starts the code flow: GET /account/login[?return=…][&prompt=select_account].
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	lang := h.lang(w, r)
	q := r.URL.Query()
	f := loginFlow{
		State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(),
		Return: h.safeReturn(q.Get("return")), Lang: lang,
		Expires: h.cfg.Now().Add(flowMaxAge).Unix(),
	}
	if err := h.writeFlow(w, f); err != nil {
		h.cfg.Log.ErrorContext(r.Context(), "account page: write flow cookie", "err", err)
		h.message(w, http.StatusInternalServerError, lang, "unavailable_title", "unavailable", "", "")
		return
	}
	params := url.Values{
		"response_type":         {"code"},
		"client_id":             {h.cfg.ClientID},
		"redirect_uri":          {h.oauth.RedirectURL},
		"scope":                 {strings.Join(scopes, " ")},
		"state":                 {f.State},
		"nonce":                 {f.Nonce},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(f.Verifier)},
		"code_challenge_method": {"S256"},
		"ui_locales":            {lang},
	}
	// "Bytt person": the chooser again, within the same login session.
	if q.Get("prompt") == "select_account" {
		params.Set("prompt", "select_account")
	}
	requestURI, err := h.pushAuthorization(r, params)
	if err != nil {
		h.cfg.Log.ErrorContext(r.Context(), "account page: pushed authorization request", "tenant", h.cfg.Tenant, "err", err)
		h.message(w, http.StatusBadGateway, lang, "unavailable_title", "unavailable", "", "")
		return
	}
	front := url.Values{"client_id": {h.cfg.ClientID}, "request_uri": {requestURI}}
	http.Redirect(w, r, h.cfg.Issuer+"/authorize?"+front.Encode(), http.StatusSeeOther)
}

// pushAuthorization sends the authorization request to the tenant's PAR
// endpoint (RFC 9126), which a public client must use, and returns its
// request_uri.
func (h *Handler) pushAuthorization(r *http.Request, params url.Values) (string, error) {
	ctx := WithSource(r.Context(), r)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.Issuer+"/par", strings.NewReader(params.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		RequestURI string `json:"request_uri"`
		Error      string `json:"error"`
		Desc       string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&out); err != nil {
		return "", fmt.Errorf("PAR answer %d: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusCreated || out.RequestURI == "" {
		return "", fmt.Errorf("PAR answer %d: %s %s", resp.StatusCode, out.Error, out.Desc)
	}
	return out.RequestURI, nil
}

// safeReturn keeps a return path only when it is one of the pages', so
// the login cannot be made to end on another site.
func (h *Handler) safeReturn(p string) string {
	home := h.urlBase + "/"
	u, err := url.Parse(p)
	if p == "" || err != nil || u.Scheme != "" || u.Host != "" || u.User != nil ||
		strings.Contains(p, "\\") || !strings.HasPrefix(u.Path, home) ||
		strings.Contains(u.Path, "/../") || strings.HasPrefix(u.Path, home+"callback") || strings.HasPrefix(u.Path, home+"login") {
		return home
	}
	return u.RequestURI()
}

// callback finishes the login: GET /account/callback?code=…&state=…&iss=…
// or the authorization error response (RFC 6749 §4.1.2.1).
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, ok := h.takeFlow(w, r)
	lang := h.lang(w, r)
	if ok && f.Lang != "" {
		lang = f.Lang
	}
	fail := func(why string, err error) {
		if err != nil {
			h.cfg.Log.WarnContext(r.Context(), "account page: login failed", "tenant", h.cfg.Tenant, "why", why, "err", err)
		} else {
			h.cfg.Log.InfoContext(r.Context(), "account page: login not completed", "tenant", h.cfg.Tenant, "why", why)
		}
		h.message(w, http.StatusBadRequest, lang, "login_failed_title", "login_failed", h.urlBase+"/login", "login_again")
	}
	switch {
	case q.Get("error") != "":
		fail("authorization error "+q.Get("error"), nil)
		return
	case !ok:
		fail("no login in progress", nil)
		return
	case q.Get("state") != f.State:
		fail("state mismatch", nil)
		return
	case q.Get("iss") != "" && q.Get("iss") != h.cfg.Issuer: // RFC 9207
		fail("issuer mismatch", nil)
		return
	}
	sess, err := h.exchange(r, q.Get("code"), f)
	if err != nil {
		fail("code exchange", err)
		return
	}
	if err := h.writeSession(w, sess); err != nil {
		fail("write session cookie", err)
		return
	}
	http.Redirect(w, r, f.Return, http.StatusSeeOther)
}

// exchange redeems the code, checks the ID token (signature, audience,
// nonce) and the access token (the verifier the pages use on every
// request), and builds the page session.
func (h *Handler) exchange(r *http.Request, code string, f loginFlow) (pageSession, error) {
	ctx := oidc.ClientContext(WithSource(r.Context(), r), h.cfg.HTTPClient)
	tok, err := h.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return pageSession{}, fmt.Errorf("token request: %w", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return pageSession{}, errors.New("the token response has no id_token")
	}
	idt, err := h.verifier.Verify(ctx, rawID)
	if err != nil {
		return pageSession{}, fmt.Errorf("id_token: %w", err)
	}
	if idt.Nonce != f.Nonce {
		return pageSession{}, errors.New("id_token: nonce does not match the one sent")
	}
	at, err := h.cfg.Tokens.VerifyAccessToken(r.Context(), h.cfg.Tenant, tok.AccessToken)
	if err != nil {
		return pageSession{}, fmt.Errorf("access token: %w", err)
	}
	if !slices.Contains(at.Scopes, Scope) {
		return pageSession{}, fmt.Errorf("access token lacks the %q scope", Scope)
	}
	var cl struct {
		Name           string `json:"name"`
		Representation struct {
			Represented struct {
				Name string `json:"name"`
			} `json:"represented"`
		} `json:"representation"`
	}
	if err := idt.Claims(&cl); err != nil {
		return pageSession{}, fmt.Errorf("id_token claims: %w", err)
	}
	return pageSession{
		AccessToken: tok.AccessToken, IDToken: rawID, CSRF: random(),
		Name: cl.Name, For: cl.Representation.Represented.Name,
	}, nil
}

// logout ends the page session and sends the browser to the tenant's
// end-session endpoint (OpenID Connect RP-Initiated Logout), which ends
// the login session, its tokens and the tools' sessions (back-channel
// logout) and comes back to /account/logged-out.
//
// Unlike the other forms it does not need the page's access token to
// hold: that lasts minutes, the login session behind it much longer, and
// a person who clicks "Logg ut" on a page left open must be logged out,
// not told that nothing was done. With a page session the CSRF token must
// match and its ID token (expired or not) is the hint, so the endpoint
// ends the session at once; without one there is no hint, and the
// endpoint asks the person to confirm, so a cross-site form cannot log
// anybody out.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	lang, sess, hasSession, formOK := h.postForm(w, r)
	if !formOK || hasSession && !sess.csrfOK(r.PostFormValue("csrf")) {
		h.message(w, http.StatusForbidden, lang, "csrf_title", "csrf", h.urlBase+"/", "back")
		return
	}
	h.clearSession(w)
	q := url.Values{
		"client_id":                {h.cfg.ClientID},
		"post_logout_redirect_uri": {h.cfg.Issuer + "/account/logged-out"},
		"ui_locales":               {lang},
	}
	if sess.IDToken != "" {
		q.Set("id_token_hint", sess.IDToken)
	}
	http.Redirect(w, r, h.cfg.Issuer+"/logout?"+q.Encode(), http.StatusSeeOther)
}

// loggedOut is where the end-session endpoint returns to. It shows no
// personal data.
func (h *Handler) loggedOut(w http.ResponseWriter, r *http.Request) {
	lang := h.lang(w, r)
	h.clearSession(w)
	h.message(w, http.StatusOK, lang, "logged_out_title", "logged_out", h.urlBase+"/", "login_again")
}

// source is where the browser's request came from, carried to the
// token request the callback makes on its behalf.
type source struct {
	RemoteAddr, ForwardedFor string
}

type sourceKey struct{}

// WithSource records r's origin (peer address, X-Forwarded-For) in ctx,
// for an in-process transport to present as the token request's origin
// so per-source rate limits count the browser, not the pages.
func WithSource(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, sourceKey{}, source{RemoteAddr: r.RemoteAddr, ForwardedFor: r.Header.Get("X-Forwarded-For")})
}

// Source returns what WithSource recorded.
func Source(ctx context.Context) (remoteAddr, forwardedFor string, ok bool) {
	s, ok := ctx.Value(sourceKey{}).(source)
	return s.RemoteAddr, s.ForwardedFor, ok
}
