package accountpage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gorilla/securecookie"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/router"
	"github.com/oidcp/oidcp/web"
)

// Service is what the pages need of the account service
// (*account.Service implements it).
type Service interface {
	Events(ctx context.Context, v account.Viewer, q account.EventQuery) (account.EventPage, error)
	Sessions(ctx context.Context, v account.Viewer) ([]account.Session, error)
	EndSession(ctx context.Context, v account.Viewer, id string) error
	EndAllSessions(ctx context.Context, v account.Viewer) (int, error)
	Grants(ctx context.Context, v account.Viewer) ([]account.Grant, error)
	RevokeGrant(ctx context.Context, v account.Viewer, id string) error
}

// Scope is the scope the pages ask for besides openid and profile; an
// access token without it is not accepted here.
const Scope = "account"

// Config is one tenant's account pages.
type Config struct {
	Tenant string
	// Issuer is the tenant's issuer URL; the pages live at Issuer+"/account/".
	Issuer string
	// Path is the tenant's path as the router sees it ("/sandbox"): the
	// issuer's path without the base URL's path.
	Path string
	// CookiePath is the issuer's path as the browser sees it, the base
	// URL's path included; the cookies are scoped to CookiePath+"/account".
	CookiePath string
	// ClientID is the public client registered for the pages.
	ClientID string

	Service   Service
	Tokens    account.TokenVerifier
	Catalogue *consent.Catalogue
	// DeviceName names a session's device from its User-Agent in a page
	// language (account.DeviceName); nil shows Session.Device.
	DeviceName func(userAgent, lang string) string
	// HTTPClient reaches the tenant's token and JWKS endpoints.
	HTTPClient *http.Client
	// HashKey (HMAC) and BlockKey (AES-256) protect the cookies; 32
	// bytes each, from the tenant's secrets.
	HashKey, BlockKey []byte
	// Secure marks the cookies Secure (the issuer is https).
	Secure bool
	Now    func() time.Time
	Log    *slog.Logger
}

// Handler serves one tenant's account pages (router.Handler).
type Handler struct {
	cfg      Config
	base     string // route prefix: Path + "/account"
	urlBase  string // CookiePath + "/account": what links use
	codec    *securecookie.SecureCookie
	verifier *oidc.IDTokenVerifier
	oauth    *oauth2.Config
}

var _ router.Handler = (*Handler)(nil)

// CSP of the account pages: nothing inline but the layout's stylesheet
// (by hash), no script, forms only to this origin, never framed. A page
// that shows tools' logos adds their origins to img-src (cspFor).
var CSP = "default-src 'none'; style-src " + web.StyleHash + "; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// cspFor is CSP with the origins of the logos the page shows added to
// img-src, as the consent page does: no other image source is allowed.
func cspFor(p web.AccountPage) string {
	var origins []string
	add := func(logo string) {
		u, err := url.Parse(logo)
		if logo == "" || err != nil || u.Scheme != "https" || u.Host == "" {
			return
		}
		o := "https://" + u.Host
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	for _, g := range p.Grants {
		add(g.LogoURI)
	}
	if p.Confirm != nil {
		add(p.Confirm.LogoURI)
	}
	if len(origins) == 0 {
		return CSP
	}
	return strings.Replace(CSP, "img-src 'self' data:", "img-src 'self' data: "+strings.Join(origins, " "), 1)
}

// New checks cfg and returns the tenant's pages.
func New(cfg Config) (*Handler, error) {
	var missing []string
	for _, f := range []struct {
		name string
		ok   bool
	}{
		{"Tenant", cfg.Tenant != ""}, {"Issuer", cfg.Issuer != ""}, {"ClientID", cfg.ClientID != ""},
		{"Service", cfg.Service != nil}, {"Tokens", cfg.Tokens != nil}, {"HTTPClient", cfg.HTTPClient != nil},
		{"HashKey (32 bytes)", len(cfg.HashKey) >= 32}, {"BlockKey (32 bytes)", len(cfg.BlockKey) == 32},
	} {
		if !f.ok {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("accountpage: tenant %q: missing %s", cfg.Tenant, strings.Join(missing, ", "))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{
		cfg:     cfg,
		base:    cfg.Path + "/account",
		urlBase: cfg.CookiePath + "/account",
		codec:   securecookie.New(cfg.HashKey, cfg.BlockKey).MaxAge(int(cookieMaxAge / time.Second)),
		oauth:   oauthConfig(cfg),
	}
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), cfg.HTTPClient), cfg.Issuer+"/jwks")
	h.verifier = oidc.NewVerifier(cfg.Issuer, keys, &oidc.Config{
		ClientID: cfg.ClientID, Now: cfg.Now,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256, oidc.PS256, oidc.EdDSA},
	})
	return h, nil
}

// Mount registers the pages (router.Handler).
func (h *Handler) Mount(m router.Mux) {
	route := func(pattern, endpoint string, f http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		m.Handle(method+" "+h.base+path, router.Route{Tenant: h.cfg.Tenant, Endpoint: "account_" + endpoint, CSP: CSP}, f)
	}
	route("GET /{$}", "log", h.page(h.logTab))
	route("GET /sessions", "sessions", h.page(h.sessionsTab))
	route("GET /grants", "grants", h.page(h.grantsTab))
	route("GET /grants/{id}/withdraw", "withdraw", h.page(h.confirmWithdraw))
	route("POST /grants/{id}/withdraw", "withdraw", h.action(h.withdraw))
	route("POST /sessions/{id}/end", "end_session", h.action(h.endSession))
	route("POST /sessions/end-all", "end_session", h.action(h.endAll))
	route("POST /logout", "logout", h.logout)
	route("GET /login", "login", h.login)
	route("GET /callback", "callback", h.callback)
	route("GET /logged-out", "logged_out", h.loggedOut)
	m.Handle("GET "+h.base, router.Route{Tenant: h.cfg.Tenant, Endpoint: "account_log", CSP: CSP},
		http.RedirectHandler(h.urlBase+"/", http.StatusMovedPermanently))
}

// view is what every personal page knows: who looks, in which language,
// and the page session.
type view struct {
	lang string
	sess pageSession
	v    account.Viewer
	r    *http.Request
}

// page wraps a GET page: it picks the language, requires a verified page
// session (else logs in again, silently when the login session lives)
// and renders what f returns.
func (h *Handler) page(f func(w http.ResponseWriter, vw *view) (int, web.AccountPage)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := h.lang(w, r)
		sess, ok := h.readSession(r)
		var vw *view
		if ok {
			vw, ok = h.viewer(w, r, lang, sess)
		}
		if !ok {
			h.relogin(w, r, lang, r.URL.RequestURI())
			return
		}
		status, p := f(w, vw)
		if status == 0 {
			return // f answered itself (a redirect)
		}
		h.render(w, status, vw, p)
	}
}

// action wraps a POST: CSRF first, then a verified page session. A POST
// whose session has expired does nothing and asks the person to log in
// again: redirecting a form submission into a login at another origin
// would need form-action beyond 'self'.
func (h *Handler) action(f func(w http.ResponseWriter, vw *view)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang, sess, hasSession, formOK := h.postForm(w, r)
		if !formOK || !hasSession || !sess.csrfOK(r.PostFormValue("csrf")) {
			if !hasSession {
				h.message(w, http.StatusForbidden, lang, "expired_title", "expired", h.urlBase+"/login", "login_again")
				return
			}
			h.message(w, http.StatusForbidden, lang, "csrf_title", "csrf", h.urlBase+"/", "back")
			return
		}
		vw, ok := h.viewer(w, r, lang, sess)
		if !ok {
			h.message(w, http.StatusUnauthorized, lang, "expired_title", "expired", h.urlBase+"/login", "login_again")
			return
		}
		f(w, vw)
	}
}

// postForm reads a form POST (at most 4 KiB) and the page session it
// comes with; formOK is false when the body is not a form.
func (h *Handler) postForm(w http.ResponseWriter, r *http.Request) (lang string, sess pageSession, hasSession, formOK bool) {
	lang = h.lang(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	sess, hasSession = h.readSession(r)
	return lang, sess, hasSession, r.ParseForm() == nil
}

// viewer verifies the page session the caller has read (once: its
// cookie is decrypted and authenticated by readSession); ok is false when
// its access token no longer holds.
func (h *Handler) viewer(w http.ResponseWriter, r *http.Request, lang string, sess pageSession) (*view, bool) {
	at, err := h.cfg.Tokens.VerifyAccessToken(r.Context(), h.cfg.Tenant, sess.AccessToken)
	if err != nil {
		if !errors.Is(err, account.ErrInvalidToken) {
			h.cfg.Log.WarnContext(r.Context(), "account page: verify access token", "err", err)
		}
		h.clearSession(w)
		return nil, false
	}
	if at.Viewer.ClientID != h.cfg.ClientID || !slices.Contains(at.Scopes, Scope) {
		h.clearSession(w)
		return nil, false
	}
	return &view{lang: lang, sess: sess, v: at.Viewer, r: r}, true
}

// relogin starts a login that returns to back.
func (h *Handler) relogin(w http.ResponseWriter, r *http.Request, lang, back string) {
	q := url.Values{"return": {back}}
	http.Redirect(w, r, h.urlBase+"/login?"+q.Encode(), http.StatusSeeOther)
}

// render fills the parts of a page every personal page has and writes it.
func (h *Handler) render(w http.ResponseWriter, status int, vw *view, p web.AccountPage) {
	t := web.AccountTexts[vw.lang]
	p.Lang, p.T, p.CSRF = vw.lang, t, vw.sess.CSRF
	p.Who = h.who(vw)
	p.SwitchURL = h.urlBase + "/login?prompt=select_account"
	p.LogoutAction = h.urlBase + "/logout"
	p.MayWithdraw = vw.v.MayWithdraw()
	if p.Tab != web.AccountTabMessage {
		for _, tab := range []struct{ id, path, label string }{
			{web.AccountTabLog, "/", "tab_log"},
			{web.AccountTabSessions, "/sessions", "tab_sessions"},
			{web.AccountTabGrants, "/grants", "tab_grants"},
		} {
			cur := p.Tab == tab.id || (p.Tab == web.AccountTabConfirm && tab.id == web.AccountTabGrants)
			p.Tabs = append(p.Tabs, web.AccountLink{Label: t[tab.label], URL: h.urlBase + tab.path, Current: cur})
		}
	}
	p.Langs = h.langLinks(vw.r, vw.lang)
	w.Header().Set("Content-Security-Policy", cspFor(p))
	web.Render(w, status, web.AccountTemplate, p)
}

// who says who is logged in and for whom the pages are shown.
func (h *Handler) who(vw *view) string {
	t := web.AccountTexts[vw.lang]
	name := vw.sess.Name
	if name == "" {
		name = "—"
	}
	if vw.v.Self() {
		return fmt.Sprintf(t["who_self_f"], name)
	}
	subject := vw.sess.For
	if subject == "" {
		subject = "—"
	}
	return fmt.Sprintf(t["who_for_f"], name, subject, relationWord(vw.lang, string(vw.v.Relation)))
}

// relationWord names a relation kind in lang, as the chooser does.
func relationWord(lang, kind string) string {
	if s := web.ChooserTexts[lang][kind]; s != "" {
		return s
	}
	return kind
}

// message renders a page with a message only; it carries no personal
// data, so it needs no session.
func (h *Handler) message(w http.ResponseWriter, status int, lang, title, msg, link, linkLabel string) {
	t := web.AccountTexts[lang]
	p := web.AccountPage{Lang: lang, T: t, Tab: web.AccountTabMessage, Title: t[title], Message: t[msg]}
	if link != "" {
		p.LinkURL, p.LinkLabel = link, t[linkLabel]
	}
	web.Render(w, status, web.AccountTemplate, p)
}

// serviceError renders the answer to an error of the account service.
func (h *Handler) serviceError(w http.ResponseWriter, vw *view, err error) {
	switch {
	case errors.Is(err, account.ErrNotFound):
		h.message(w, http.StatusNotFound, vw.lang, "not_found_title", "not_found", h.urlBase+"/", "back")
	case errors.Is(err, account.ErrInvalid):
		h.message(w, http.StatusBadRequest, vw.lang, "invalid_title", "invalid", h.urlBase+"/", "back")
	case errors.Is(err, account.ErrForbidden):
		h.message(w, http.StatusForbidden, vw.lang, "forbidden_title", "forbidden", h.urlBase+"/", "back")
	default:
		h.cfg.Log.ErrorContext(vw.r.Context(), "account page", "tenant", h.cfg.Tenant, "path", vw.r.URL.Path, "err", err)
		h.message(w, http.StatusServiceUnavailable, vw.lang, "unavailable_title", "unavailable", h.urlBase+"/", "back")
	}
}
