package accountapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/claims"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/ratelimit"
	"github.com/oidcp/oidcp/router"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/uilang"
)

// Scope is the scope an access token must carry to call the API. It
// needs no consent grant, but it is operator-only (clients.AccountScope):
// only the operator registers it, for first-party clients.
const Scope = clients.AccountScope

// Prefix is the API's path under a tenant's issuer.
const Prefix = "/api/v1/me/"

// Service is what the API needs of account.Service.
type Service interface {
	Events(ctx context.Context, v account.Viewer, q account.EventQuery) (account.EventPage, error)
	Sessions(ctx context.Context, v account.Viewer) ([]account.Session, error)
	EndSession(ctx context.Context, v account.Viewer, id string) error
	Grants(ctx context.Context, v account.Viewer) ([]account.Grant, error)
	RevokeGrant(ctx context.Context, v account.Viewer, id string) error
}

// Config is what the API is built from.
type Config struct {
	// Tenants are the tenant names; each gets the API under
	// /{tenant}/api/v1/me/.
	Tenants []string
	Service Service
	Tokens  account.TokenVerifier
	// Requests, when set, verifies a request's token itself, Bearer or
	// DPoP-bound with its proof (RFC 9449 §7); Issuers then names each
	// tenant's issuer, the base of the URL a proof's htu must name.
	// Without it only Bearer tokens not bound to a key are accepted.
	Requests RequestVerifier
	Issuers  map[string]string
	// PersonKey is the tenant secret persons' opaque ids are derived from
	// (personIDs); without it every call fails.
	PersonKey PersonKey
	// Logger logs the failures a caller cannot fix (nil: discard). It
	// never receives a token or a fødselsnummer.
	Logger *slog.Logger
	// Limit, when set, counts every request per source address before
	// its token is looked up, and answers 429 over the limit.
	Limit *RateLimit
}

// RateLimit is the per-source limit of the API, counted by a shared
// ratelimit.Limiter as the provider's endpoints are.
type RateLimit struct {
	Limiter *ratelimit.Limiter
	Rule    ratelimit.Rule
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// source (ratelimit.Source).
	TrustedProxies []netip.Prefix
}

// RequestVerifier checks the access token of a resource request as the
// provider's VerifyRequestToken does. A refusal is account.ErrInvalidToken
// (errors.Is); when it also has a Challenge (and a DPoPNonce), those are
// the WWW-Authenticate and DPoP-Nonce to answer with.
type RequestVerifier interface {
	VerifyRequestToken(r *http.Request, tenant, url string) (account.AccessToken, error)
}

// challenged is a refusal that says how to answer it.
type challenged interface {
	Challenge() string
	DPoPNonce() string
}

// API serves the account API of every tenant.
type API struct {
	cfg Config
	log *slog.Logger
	// ids caches the person ids of each (tenant, client): the key is
	// derived from a secret that stays the same (PersonKey), so deriving
	// it (HMAC, AES key schedule) on every request is wasted.
	ids sync.Map // tenant + "\x00" + client ID → personIDs
}

var _ router.Handler = (*API)(nil)

// New returns the API of cfg.
func New(cfg Config) *API {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &API{cfg: cfg, log: log}
}

// Lists are the answers of the three GET operations: the items under a
// plural key, and next, the cursor of the following page. next is the
// empty string on the last page (never null or absent). Sessions and
// grants come whole, so their next is always "".
type (
	eventList struct {
		Events []account.Event `json:"events"`
		Next   string          `json:"next"`
	}
	sessionList struct {
		Sessions []account.Session `json:"sessions"`
		Next     string            `json:"next"`
	}
	grantList struct {
		Grants []account.Grant `json:"grants"`
		Next   string          `json:"next"`
	}
)

// Mount registers each tenant's routes. Any other method or path under
// the prefix gets a problem+json answer (405 with Allow, or 404) rather
// than the provider's HTML not-found page.
func (a *API) Mount(m router.Mux) {
	for _, tenant := range a.cfg.Tenants {
		base := "/" + tenant + strings.TrimSuffix(Prefix, "/")
		route := router.Route{Tenant: tenant, Endpoint: "account_api"}
		handle := func(pattern string, h func(http.ResponseWriter, *http.Request, caller)) {
			method, path, _ := strings.Cut(pattern, " ")
			m.Handle(method+" "+base+path, route, a.authorized(tenant, h))
		}
		handle("GET /events", a.events)
		handle("GET /sessions", a.sessions)
		handle("DELETE /sessions/{id}", a.endSession)
		handle("GET /grants", a.grants)
		handle("DELETE /grants/{id}", a.revokeGrant)
		m.Handle(base+"/", route, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.unrouted(w, r, strings.TrimPrefix(r.URL.Path, base))
		}))
	}
}

// unrouted answers a request under the prefix that no operation serves.
func (a *API) unrouted(w http.ResponseWriter, r *http.Request, rest string) {
	var allow string
	switch {
	case rest == "/events", rest == "/sessions", rest == "/grants":
		allow = "GET, HEAD"
	case strings.Count(rest, "/") == 2 && (strings.HasPrefix(rest, "/sessions/") || strings.HasPrefix(rest, "/grants/")) && !strings.HasSuffix(rest, "/"):
		allow = "DELETE"
	}
	if allow == "" {
		writeProblem(w, probNotFound.with("There is no operation at this path; the API offers events, sessions, sessions/{id}, grants and grants/{id}."))
		return
	}
	w.Header().Set("Allow", allow)
	writeProblem(w, probMethod.with(r.Method+" is not allowed here; allowed: "+allow+"."))
}

// caller is who calls an operation: the token's viewer, the opaque ids
// of persons for the token's (tenant, client), and whether the token may
// see fødselsnummer.
type caller struct {
	account.Viewer
	ids     personIDs
	showPID bool
}

// authorized checks the bearer token (RFC 6750 §2.1: the Authorization
// header only; a token in the query or a form is refused as missing, as
// it would end up in logs) and calls h with the token's viewer.
func (a *API) authorized(tenant string, h func(http.ResponseWriter, *http.Request, caller)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !a.allow(w, r) {
			return
		}
		var at account.AccessToken
		var err error
		switch token, ok := bearer(r.Header.Values("Authorization")); {
		case a.cfg.Requests != nil && (ok || isDPoP(r.Header.Values("Authorization"))):
			at, err = a.cfg.Requests.VerifyRequestToken(r, tenant, a.cfg.Issuers[tenant]+strings.TrimPrefix(r.URL.Path, "/"+tenant))
		case ok:
			at, err = a.cfg.Tokens.VerifyAccessToken(r.Context(), tenant, token)
		default:
			// RFC 6750 §3.1: a request without authentication gets
			// no error code, only the challenge.
			w.Header().Set("WWW-Authenticate", `Bearer scope="`+Scope+`"`)
			writeProblem(w, probNoToken)
			return
		}
		var ch challenged
		switch {
		case errors.Is(err, account.ErrInvalidToken) && errors.As(err, &ch):
			w.Header().Set("WWW-Authenticate", ch.Challenge())
			if n := ch.DPoPNonce(); n != "" {
				w.Header().Set("DPoP-Nonce", n)
			}
			writeProblem(w, probInvalidToken)
			return
		case errors.Is(err, account.ErrInvalidToken), err == nil && at.Viewer.Tenant != tenant:
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="The access token is unknown, expired, revoked or not issued for a person of this tenant."`)
			writeProblem(w, probInvalidToken)
			return
		case err != nil:
			a.fail(w, r, tenant, err)
			return
		}
		if !slices.Contains(at.Scopes, Scope) {
			w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", scope="`+Scope+`"`)
			writeProblem(w, probScope)
			return
		}
		ids, err := a.personIDs(r.Context(), tenant, at.Viewer.ClientID)
		if err != nil {
			a.fail(w, r, tenant, err)
			return
		}
		h(w, r, caller{Viewer: at.Viewer, ids: ids, showPID: at.MaySeePID && slices.Contains(at.Scopes, claims.ScopePID)})
	})
}

// personIDs returns the person ids of (tenant, clientID), derived once
// from the tenant's PersonKey.
func (a *API) personIDs(ctx context.Context, tenant, clientID string) (personIDs, error) {
	k := tenant + "\x00" + clientID
	if p, ok := a.ids.Load(k); ok {
		return p.(personIDs), nil
	}
	if a.cfg.PersonKey == nil {
		return personIDs{}, errors.New("accountapi: no PersonKey configured")
	}
	secret, err := a.cfg.PersonKey(ctx, tenant)
	if err != nil {
		return personIDs{}, fmt.Errorf("accountapi: person id key: %w", err)
	}
	p, err := newPersonIDs(secret, tenant, clientID)
	if err != nil {
		return personIDs{}, err
	}
	a.ids.Store(k, p)
	return p, nil
}

// allow counts the request under the per-source limit and answers 429
// with Retry-After (RFC 6585 §4) when it is over. A failing counter does
// not refuse: the decision stands on this node's own count.
func (a *API) allow(w http.ResponseWriter, r *http.Request) bool {
	l := a.cfg.Limit
	if l == nil || l.Limiter == nil || l.Rule.Limit <= 0 {
		return true
	}
	d, err := l.Limiter.Allow(r.Context(), l.Rule, ratelimit.Source(r, l.TrustedProxies))
	if err != nil {
		a.log.WarnContext(r.Context(), "account api: rate limit counter unavailable", "rule", l.Rule.Name, "err", err)
	}
	if d.Allowed {
		return true
	}
	w.Header().Set("Retry-After", strconv.FormatInt(max(int64((d.RetryAfter+time.Second-1)/time.Second), 1), 10))
	writeProblem(w, probTooMany)
	return false
}

// bearer returns the token of the one Authorization header with the
// Bearer scheme (case-insensitive, RFC 9110 §11.1) and a b64token (RFC
// 6750 §2.1).
func bearer(headers []string) (string, bool) {
	if len(headers) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(headers[0], " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	for _, c := range token {
		if !isB64TokenChar(c) {
			return "", false
		}
	}
	return token, true
}

// isDPoP reports whether the one Authorization header uses the DPoP
// scheme (RFC 9449 §7.1).
func isDPoP(headers []string) bool {
	if len(headers) != 1 {
		return false
	}
	scheme, _, ok := strings.Cut(headers[0], " ")
	return ok && strings.EqualFold(scheme, "DPoP")
}

func isB64TokenChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._~+/=", c)
}

func (a *API) events(w http.ResponseWriter, r *http.Request, c caller) {
	q, err := parseEventQuery(r.URL.Query())
	if err != nil {
		writeProblem(w, probInvalid.with(err.Error()))
		return
	}
	if q.Who != "" && q.Who != account.WhoSelf {
		// who names a person by the opaque id this API gave; a
		// fødselsnummer in a URL would end up in access logs.
		if q.Who, err = c.ids.open(q.Who); err != nil {
			writeProblem(w, probInvalid.with(err.Error()))
			return
		}
	}
	page, err := a.cfg.Service.Events(r.Context(), c.Viewer, q)
	if err != nil {
		a.fail(w, r, c.Tenant, err)
		return
	}
	lang := language(w, r)
	es := slices.Clone(nonNil(page.Events)) // the Service's items stay as they were
	for i := range es {
		es[i].Client = tool(es[i].Client, lang)
		if es[i].Via != nil {
			via := tool(*es[i].Via, lang)
			es[i].Via = &via
		}
		es[i].Subject = c.ids.person(es[i].Subject, c.showPID)
		es[i].Actor = c.ids.person(es[i].Actor, c.showPID)
	}
	writeJSON(w, eventList{Events: es, Next: page.Next})
}

func (a *API) sessions(w http.ResponseWriter, r *http.Request, c caller) {
	if !a.noQuery(w, r) {
		return
	}
	ss, err := a.cfg.Service.Sessions(r.Context(), c.Viewer)
	if err != nil {
		a.fail(w, r, c.Tenant, err)
		return
	}
	// The device in words, in the caller's language, as the account
	// pages show it.
	lang := language(w, r)
	ss = slices.Clone(nonNil(ss))
	for i := range ss {
		ss[i].Device = account.DeviceName(ss[i].UserAgent, lang)
		cs := make([]account.Party, len(ss[i].Clients))
		for j, t := range ss[i].Clients {
			cs[j] = tool(t, lang)
		}
		ss[i].Clients = cs
		ss[i].Subject = c.ids.person(ss[i].Subject, c.showPID)
		ss[i].Actor = c.ids.person(ss[i].Actor, c.showPID)
	}
	writeJSON(w, sessionList{Sessions: ss})
}

func (a *API) endSession(w http.ResponseWriter, r *http.Request, c caller) {
	if err := a.cfg.Service.EndSession(r.Context(), c.Viewer, r.PathValue("id")); err != nil {
		a.fail(w, r, c.Tenant, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) grants(w http.ResponseWriter, r *http.Request, c caller) {
	if !a.noQuery(w, r) {
		return
	}
	gs, err := a.cfg.Service.Grants(r.Context(), c.Viewer)
	if err != nil {
		a.fail(w, r, c.Tenant, err)
		return
	}
	lang := language(w, r)
	gs = slices.Clone(nonNil(gs))
	for i := range gs {
		gs[i].Client = tool(gs[i].Client, lang)
		gs[i].Subject = c.ids.person(gs[i].Subject, c.showPID)
		gs[i].Actor = c.ids.person(gs[i].Actor, c.showPID)
	}
	writeJSON(w, grantList{Grants: gs})
}

func (a *API) revokeGrant(w http.ResponseWriter, r *http.Request, c caller) {
	if err := a.cfg.Service.RevokeGrant(r.Context(), c.Viewer, r.PathValue("id")); err != nil {
		a.fail(w, r, c.Tenant, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// language is the language the caller asks for (Accept-Language: nb by
// default, nn, en), said in Content-Language: the one of the tools'
// names and the sessions' devices.
func language(w http.ResponseWriter, r *http.Request) string {
	lang := uilang.Pick(r)
	w.Header().Set("Content-Language", lang)
	w.Header().Add("Vary", "Accept-Language")
	return lang
}

// tool is a tool as the API shows it: its name in lang
// (account.Party.NameIn); a tool deleted since keeps only its id.
func tool(p account.Party, lang string) account.Party {
	return account.Party{ID: p.ID, Name: p.NameIn(lang)}
}

// noQuery refuses a query on the lists that take none: a filter the API
// would silently ignore (a cursor, a limit) is a caller's mistake.
func (a *API) noQuery(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.RawQuery == "" {
		return true
	}
	writeProblem(w, probInvalid.with("This list takes no query parameters: it is returned whole."))
	return false
}

// fail answers an error of the Service or the token check.
func (a *API) fail(w http.ResponseWriter, r *http.Request, tenant string, err error) {
	switch {
	case errors.Is(err, account.ErrNotFound):
		writeProblem(w, probNotFound.with("No such item for this person (it may have ended or been withdrawn already)."))
	case errors.Is(err, account.ErrForbidden):
		writeProblem(w, probForbidden)
	case errors.Is(err, account.ErrInvalid):
		writeProblem(w, probInvalid.with(detailOf(err)))
	case errors.Is(err, storage.ErrUnavailable):
		a.log.ErrorContext(r.Context(), "account api: storage unavailable", "tenant", tenant, "method", r.Method, "route", r.Pattern, "err", err)
		w.Header().Set("Retry-After", "2")
		writeProblem(w, probUnavailable)
	default:
		a.log.ErrorContext(r.Context(), "account api failed", "tenant", tenant, "method", r.Method, "route", r.Pattern, "err", err)
		writeProblem(w, probServer)
	}
}

// detailOf is what a caller is told of an ErrInvalid: the Service's
// message without the sentinel's words ("cursor from another filter").
func detailOf(err error) string {
	msg := strings.Replace(err.Error(), account.ErrInvalid.Error(), "", 1)
	msg = strings.Trim(strings.ReplaceAll(msg, ": : ", ": "), ": ")
	if msg == "" {
		return "A filter or the cursor cannot be read."
	}
	return msg
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
