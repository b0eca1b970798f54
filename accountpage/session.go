package accountpage

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"net/url"
	"time"

	"github.com/oidcp/oidcp/uilang"
	"github.com/oidcp/oidcp/web"
)

// cookieMaxAge bounds how long the browser may present a page session
// or a login in progress; the access token inside expires sooner and is
// what decides.
const cookieMaxAge = 12 * time.Hour

// flowMaxAge bounds a login in progress.
const flowMaxAge = 10 * time.Minute

// pageSession is what the page-session cookie carries, encrypted and
// authenticated (securecookie, AES-256 and HMAC-SHA256): the access
// token the pages act with, the ID token (the hint of the logout), a
// CSRF token, and the names the ID token gave, for the page's header.
type pageSession struct {
	AccessToken string `json:"a"`
	IDToken     string `json:"i"`
	CSRF        string `json:"c"`
	Name        string `json:"n"`
	For         string `json:"f,omitempty"`
}

// csrfOK compares the form's token with the session's in constant time.
func (s pageSession) csrfOK(form string) bool {
	return s.CSRF != "" && subtle.ConstantTimeCompare([]byte(s.CSRF), []byte(form)) == 1
}

// loginFlow is what the flow cookie carries from /login to /callback.
type loginFlow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Return   string `json:"r"`
	Lang     string `json:"l"`
	Expires  int64  `json:"e"`
}

func (h *Handler) sessionCookie() string { return "oidcp_account_" + h.cfg.Tenant }
func (h *Handler) flowCookie() string    { return "oidcp_account_flow_" + h.cfg.Tenant }
func (h *Handler) langCookie() string    { return "oidcp_account_lang" }

// cookie is a cookie of the pages: HttpOnly, SameSite=Lax (the callback
// arrives by a top-level redirect), Secure over https, only for the
// pages' path.
func (h *Handler) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: h.urlBase, MaxAge: maxAge,
		HttpOnly: true, Secure: h.cfg.Secure, SameSite: http.SameSiteLaxMode,
	}
}

func (h *Handler) readSession(r *http.Request) (pageSession, bool) {
	var s pageSession
	c, err := r.Cookie(h.sessionCookie())
	if err != nil || h.codec.Decode(h.sessionCookie(), c.Value, &s) != nil || s.AccessToken == "" {
		return pageSession{}, false
	}
	return s, true
}

func (h *Handler) writeSession(w http.ResponseWriter, s pageSession) error {
	v, err := h.codec.Encode(h.sessionCookie(), s)
	if err != nil {
		return err
	}
	// A session cookie: it ends with the browser.
	http.SetCookie(w, h.cookie(h.sessionCookie(), v, 0))
	return nil
}

func (h *Handler) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, h.cookie(h.sessionCookie(), "", -1))
}

// takeFlow reads and deletes the login in progress.
func (h *Handler) takeFlow(w http.ResponseWriter, r *http.Request) (loginFlow, bool) {
	var f loginFlow
	c, err := r.Cookie(h.flowCookie())
	if err != nil {
		return f, false
	}
	http.SetCookie(w, h.cookie(h.flowCookie(), "", -1))
	if h.codec.Decode(h.flowCookie(), c.Value, &f) != nil || h.cfg.Now().Unix() > f.Expires {
		return loginFlow{}, false
	}
	return f, true
}

func (h *Handler) writeFlow(w http.ResponseWriter, f loginFlow) error {
	v, err := h.codec.Encode(h.flowCookie(), f)
	if err != nil {
		return err
	}
	http.SetCookie(w, h.cookie(h.flowCookie(), v, int(flowMaxAge/time.Second)))
	return nil
}

// lang picks the page language: ?lang= (remembered in a cookie for the
// next pages), else the cookie, else Accept-Language, else bokmål.
func (h *Handler) lang(w http.ResponseWriter, r *http.Request) string {
	if l := uilang.Norm(r.URL.Query().Get("lang")); l != "" {
		http.SetCookie(w, h.cookie(h.langCookie(), l, 365*24*3600))
		return l
	}
	var pref string
	if c, err := r.Cookie(h.langCookie()); err == nil {
		pref = c.Value
	}
	return uilang.Pick(r, pref)
}

// langLinks are the language switch: the same page in each language.
func (h *Handler) langLinks(r *http.Request, cur string) []web.AccountLink {
	var out []web.AccountLink
	for _, l := range uilang.Languages {
		q := r.URL.Query()
		q.Set("lang", l.Code)
		u := url.URL{Path: h.cfgPathOf(r), RawQuery: q.Encode()}
		out = append(out, web.AccountLink{Label: l.Name, URL: u.String(), Lang: l.Code, Current: l.Code == cur})
	}
	return out
}

// cfgPathOf is the request's path as the browser sees it (the base URL's
// path in front of the router's).
func (h *Handler) cfgPathOf(r *http.Request) string {
	return h.urlBase + r.URL.Path[len(h.base):]
}

// random returns a fresh unguessable token (130 bits).
func random() string { return rand.Text() }
