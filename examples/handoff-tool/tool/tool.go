// Package tool is the example tool of docs/handoff.md: a small web tool
// that a portal can open logged in (OpenID Connect third-party-initiated
// login, OIDC Core §4) and that a person can also log in to directly. It
// uses only github.com/coreos/go-oidc/v3 and golang.org/x/oauth2, as any
// vendor's Go tool would; ../main.go runs it.
//
// Its three URLs are what it registers with oidcp:
//
//	BaseURL + "/initiate"  initiate_login_uri: oidcp's hand-off lands here
//	BaseURL + "/callback"  redirect_uri
//	BaseURL + "/"          a launch URI (target_link_uri)
//
// It keeps its sessions in memory: an example, not production session
// handling.
package tool

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config is the tool's registration at oidcp.
type Config struct {
	// Issuer is the tenant's issuer, e.g. http://127.0.0.1:8080/sandbox.
	Issuer string
	// ClientID and ClientSecret are the tool's confidential client.
	ClientID, ClientSecret string
	// BaseURL is where the tool is reached, e.g. http://127.0.0.1:9100.
	BaseURL string
	// Name is shown on the tool's page.
	Name string
	// HTTPClient calls oidcp; nil: http.DefaultClient.
	HTTPClient *http.Client
}

// Tool is the example tool's HTTP handler.
type Tool struct {
	cfg  Config
	mux  *http.ServeMux
	mu   sync.Mutex
	prov *oidc.Provider
	// pending logins by state; sessions by session cookie.
	pending  map[string]pending
	sessions map[string]map[string]any
}

type pending struct {
	verifier, nonce, target string
	created                 time.Time
}

// Cookies of the tool: the login in progress and the session.
const (
	stateCookie   = "tool_state"
	sessionCookie = "tool_session"
)

// New returns the tool. Discovery is fetched at first use.
func New(cfg Config) *Tool {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.Name == "" {
		cfg.Name = cfg.ClientID
	}
	t := &Tool{cfg: cfg, mux: http.NewServeMux(), pending: map[string]pending{}, sessions: map[string]map[string]any{}}
	// OIDC Core §4: the initiator may use GET or POST.
	t.mux.HandleFunc("GET /initiate", t.initiate)
	t.mux.HandleFunc("POST /initiate", t.initiate)
	t.mux.HandleFunc("GET /login", t.login)
	t.mux.HandleFunc("GET /callback", t.callback)
	t.mux.HandleFunc("GET /{$}", t.home)
	return t
}

// ServeHTTP serves the tool.
func (t *Tool) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	t.mux.ServeHTTP(w, r)
}

func (t *Tool) provider(ctx context.Context) (*oidc.Provider, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.prov == nil {
		p, err := oidc.NewProvider(oidc.ClientContext(ctx, t.cfg.HTTPClient), t.cfg.Issuer)
		if err != nil {
			return nil, err
		}
		t.prov = p
	}
	return t.prov, nil
}

func (t *Tool) oauth(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: t.cfg.ClientID, ClientSecret: t.cfg.ClientSecret,
		Endpoint: p.Endpoint(), RedirectURL: t.cfg.BaseURL + "/callback",
		Scopes: []string{oidc.ScopeOpenID, "profile"},
	}
}

// initiate is the initiate_login_uri (OIDC Core §4): iss must be the
// tool's issuer, target_link_uri one of the tool's own pages, and
// login_hint (oidcp's one-time ticket) goes unchanged into an ordinary
// authorization request with PKCE, state and nonce.
func (t *Tool) initiate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		t.fail(w, http.StatusBadRequest, "malformed request")
		return
	}
	if iss := r.Form.Get("iss"); iss != t.cfg.Issuer {
		// Only the tool's own issuer may start a login here (OIDC Core
		// §4: the RP must check iss).
		t.fail(w, http.StatusBadRequest, "unknown issuer "+iss)
		return
	}
	target := r.Form.Get("target_link_uri")
	if target == "" {
		target = t.cfg.BaseURL + "/"
	}
	if !strings.HasPrefix(target, t.cfg.BaseURL+"/") {
		// Never an open redirector: only the tool's own pages.
		t.fail(w, http.StatusBadRequest, "target_link_uri is not a page of this tool")
		return
	}
	t.start(w, r, target, r.Form.Get("login_hint"))
}

// login is an ordinary login started at the tool.
func (t *Tool) login(w http.ResponseWriter, r *http.Request) {
	t.start(w, r, t.cfg.BaseURL+"/", "")
}

func (t *Tool) start(w http.ResponseWriter, r *http.Request, target, hint string) {
	p, err := t.provider(r.Context())
	if err != nil {
		t.fail(w, http.StatusBadGateway, "discovery: "+err.Error())
		return
	}
	state := rand.Text()
	pd := pending{verifier: oauth2.GenerateVerifier(), nonce: rand.Text(), target: target, created: time.Now()}
	t.mu.Lock()
	t.pending[state] = pd
	t.mu.Unlock()
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(pd.verifier), oidc.Nonce(pd.nonce)}
	if hint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", hint))
	}
	// The state is bound to this browser too (login CSRF).
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/", MaxAge: 600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, t.oauth(p).AuthCodeURL(state, opts...), http.StatusFound)
}

// callback finishes the code flow and opens the target page.
func (t *Tool) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := r.Cookie(stateCookie)
	if err != nil || c.Value != q.Get("state") {
		t.fail(w, http.StatusBadRequest, "no login in progress in this browser")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: "", Path: "/", MaxAge: -1})
	t.mu.Lock()
	pd, ok := t.pending[q.Get("state")]
	delete(t.pending, q.Get("state"))
	t.mu.Unlock()
	if !ok {
		t.fail(w, http.StatusBadRequest, "unknown state")
		return
	}
	if e := q.Get("error"); e != "" {
		t.fail(w, http.StatusBadRequest, e+": "+q.Get("error_description"))
		return
	}
	if iss := q.Get("iss"); iss != "" && iss != t.cfg.Issuer {
		t.fail(w, http.StatusBadRequest, "response from another issuer (RFC 9207)")
		return
	}
	p, err := t.provider(r.Context())
	if err != nil {
		t.fail(w, http.StatusBadGateway, err.Error())
		return
	}
	ctx := oidc.ClientContext(r.Context(), t.cfg.HTTPClient)
	tok, err := t.oauth(p).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pd.verifier))
	if err != nil {
		t.fail(w, http.StatusBadGateway, "token: "+err.Error())
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: t.cfg.ClientID}).Verify(ctx, raw)
	if err != nil || idt.Nonce != pd.nonce {
		t.fail(w, http.StatusBadGateway, fmt.Sprintf("ID token: %v", err))
		return
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		t.fail(w, http.StatusBadGateway, err.Error())
		return
	}
	sid := rand.Text()
	t.mu.Lock()
	t.sessions[sid] = claims
	t.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, pd.target, http.StatusSeeOther)
}

// home shows who is logged in and for whom, or a login link.
func (t *Tool) home(w http.ResponseWriter, r *http.Request) {
	v := view{Name: t.cfg.Name}
	if c, err := r.Cookie(sessionCookie); err == nil {
		t.mu.Lock()
		claims := t.sessions[c.Value]
		t.mu.Unlock()
		if claims != nil {
			b, _ := json.MarshalIndent(claims, "", "  ")
			v.Claims = string(b)
			v.Name2, _ = claims["name"].(string)
			if rep, ok := claims["representation"].(map[string]any); ok {
				if who, ok := rep["represented"].(map[string]any); ok {
					v.ActingFor, _ = who["name"].(string)
				}
				rel, _ := rep["relation"].(string)
				v.Relation = relationWord(rel)
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Execute(w, v)
}

// relationWord is the claim's relation in the words of the page
// (bokmål), as oidcp's own pages say it; an unknown kind is shown as sent.
func relationWord(kind string) string {
	switch kind {
	case "parent":
		return "foreldreansvar"
	case "power_of_attorney":
		return "fullmakt"
	case "assigned_power_of_attorney":
		return "tildelt fullmakt"
	}
	return kind
}

type view struct {
	Name, Name2, ActingFor, Relation, Claims string
}

var page = template.Must(template.New("tool").Parse(`<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>{{.Name}}</title></head>
<body><h1>{{.Name}}</h1>
{{if .Claims}}<p id="who">Innlogget som {{.Name2}}{{if .ActingFor}}, på vegne av <span id="acting-for">{{.ActingFor}}</span> ({{.Relation}}){{end}}.</p>
<pre id="id-token">{{.Claims}}</pre>
{{else}}<p id="who">Ikke innlogget. <a href="/login">Logg inn</a></p>{{end}}
</body></html>`))

func (t *Tool) fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, "login failed: "+msg)
}

// RegisterURLs are the URLs to register the tool with, for a base URL.
func RegisterURLs(baseURL string) (redirect, initiate, launch string) {
	b := strings.TrimRight(baseURL, "/")
	return b + "/callback", b + "/initiate", b + "/"
}
