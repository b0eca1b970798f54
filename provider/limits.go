package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/ratelimit"
)

// What an anonymous caller can make the provider do is bounded three
// ways: the size of each request and of each authorization parameter
// (which would otherwise be stored, in a flow or a pushed request), the
// rate of requests per source address and per client (counters shared
// by every node), and the failed client authentications per client and
// per source address (clientauth.go).
//
// A client's own limit counts only requests that fosite has tied to it:
// at /token and /par those whose client authentication succeeded, at
// /authorize those whose client_id and redirect_uri were validated. A
// request merely naming a client_id counts against its source alone, so
// nobody can lock a client out by naming it (security review, defect 4).
// A public client's authentication and an authorization request are
// anyone's to make, so the per-client defaults are ten times the
// per-source ones: one source cannot spend a client's window.
//
// A refused rate answers 429 with Retry-After (RFC 6585 §4, RFC 9110
// §10.2.3): an error page at /authorize, and at /par and /token the
// JSON error {"error":"too_many_requests"}. OAuth defines no error code
// for it (temporarily_unavailable is a redirect to the client, which
// would cost the very lookups the limit saves); the status and
// Retry-After are what a client should act on.

// endpointKind says which limits apply and how a refusal is answered.
type endpointKind int

const (
	kindAuthorize endpointKind = iota // a browser: error page
	kindPAR                           // a client: JSON
	kindToken                         // a client: JSON
	kindAPI                           // /introspect, /revoke, /userinfo: JSON
	kindPage                          // /choose, /logout: a page
)

// Request size caps. An authorization request carries a few hundred
// bytes; the caps leave room for long state and nonce values and a
// client assertion, and bound what one request can make us store.
const (
	maxAuthorizeQueryBytes = 16 << 10 // /authorize query string
	maxAuthorizeBodyBytes  = 16 << 10 // POST /authorize form
	maxPARBodyBytes        = 32 << 10 // the request plus client authentication
	maxTokenBodyBytes      = 64 << 10 // assertions and tokens to exchange
	maxOtherBodyBytes      = 64 << 10 // a token to introspect or revoke, a logout or choice form
)

// maxStoredRequestBytes bounds the serialised authorization request a
// login flow keeps while the person is at the eID (login.go). The caps
// above keep a real request far below it.
const maxStoredRequestBytes = 32 << 10

// paramCaps bound each authorization request parameter (all values of a
// repeated one together). A request over a cap is invalid_request naming
// the parameter.
var paramCaps = []struct {
	name string
	max  int
}{
	{"state", 2048}, {"nonce", 2048}, {"login_hint", 1024}, {"id_token_hint", 8192},
	{"acr_values", 512}, {"ui_locales", 256}, {"claims_locales", 256}, {"prompt", 128},
	{"max_age", 20}, {"display", 32}, {"scope", 2048}, {"redirect_uri", 2048},
	{"client_id", 256}, {"response_type", 64}, {"response_mode", 32},
	{"code_challenge", 128}, {"code_challenge_method", 16},
	{"request", 8192}, {"request_uri", 512}, {"claims", 4096},
	{"resource", 2048}, {"audience", 2048}, {"registration", 4096},
}

// checkParamSizes returns invalid_request for the first parameter over
// its cap.
func checkParamSizes(form url.Values) error {
	for _, c := range paramCaps {
		n := 0
		for _, v := range form[c.name] {
			n += len(v)
		}
		if n > c.max {
			return fosite.ErrInvalidRequest.WithHintf("The %s parameter is %d bytes long; at most %d are accepted.", c.name, n, c.max)
		}
	}
	return nil
}

// limit wraps an endpoint with the size caps and the rate limits of its
// kind (t is read for kindToken only): per source address first (before any parsing); the per-client
// limit is left in the request's context for countClient, once the
// client is known.
func (p *Provider) limit(t *tenant, kind endpointKind, h http.HandlerFunc) http.HandlerFunc {
	lim := p.cfg.Limits
	perSource := ratelimit.Rule{Name: "authorize-source", Limit: lim.AuthorizePerSource, Window: lim.Window}
	perClient := ratelimit.Rule{Name: "authorize-client", Limit: lim.AuthorizePerClient, Window: lim.Window}
	maxBody := int64(maxAuthorizeBodyBytes)
	switch kind {
	case kindPAR:
		maxBody = maxPARBodyBytes
	case kindAPI:
		// Bearer and client-authenticated calls besides /token: its
		// per-source limit, counted apart, and no per-client one.
		perSource = ratelimit.Rule{Name: "api-source", Limit: lim.TokenPerSource, Window: lim.Window}
		perClient = ratelimit.Rule{}
		maxBody = maxOtherBodyBytes
	case kindPage:
		perSource = ratelimit.Rule{Name: "page-source", Limit: lim.AuthorizePerSource, Window: lim.Window}
		perClient = ratelimit.Rule{}
		maxBody = maxOtherBodyBytes
	case kindToken:
		perSource = ratelimit.Rule{Name: "token-source", Limit: lim.TokenPerSource, Window: lim.Window}
		perClient = ratelimit.Rule{Name: "token-client", Limit: lim.TokenPerClient, Window: lim.Window}
		if own := t.cfg.TokenPerClient; own != 0 {
			perClient.Limit = max(own, 0)
		}
		maxBody = maxTokenBodyBytes
	}
	return func(w http.ResponseWriter, r *http.Request) {
		if kind == kindAuthorize && len(r.URL.RawQuery) > maxAuthorizeQueryBytes {
			p.refuse(w, r, kind, fosite.ErrInvalidRequest.WithHintf("The request is longer than %d bytes.", maxAuthorizeQueryBytes))
			return
		}
		if !p.allow(w, r, kind, perSource, ratelimit.Source(r, lim.TrustedProxies)) {
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		if err := r.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				p.refuse(w, r, kind, fosite.ErrInvalidRequest.WithHintf("The request body is longer than %d bytes.", maxBody))
				return
			}
			p.refuse(w, r, kind, fosite.ErrInvalidRequest.WithHint("The request body is not a valid form."))
			return
		}
		if perClient.Limit > 0 {
			r = r.WithContext(context.WithValue(r.Context(), clientLimitKey{}, perClient))
		}
		h(w, r)
	}
}

// LimitPage wraps h, pages browsers reach beside the provider's tenants
// (the ID-porten mock, whose every /authorize stores a pending login in
// the database), in the limits of the provider's own pages: the
// per-source count /choose and /logout share, their body cap, and the
// same 429 page.
func (p *Provider) LimitPage(h http.Handler) http.Handler {
	return p.limit(nil, kindPage, h.ServeHTTP)
}

type clientLimitKey struct{}

// countClient counts one request of clientID, whose authentication
// succeeded (or, at /authorize, whose client_id and redirect_uri fosite
// validated), under the per-client limit limit left in ctx, and returns
// too_many_requests when it is over. Without one it counts nothing.
func (p *Provider) countClient(ctx context.Context, t *tenant, clientID string) error {
	rule, ok := ctx.Value(clientLimitKey{}).(ratelimit.Rule)
	if !ok {
		return nil
	}
	d, err := p.limiter.Allow(ctx, rule, t.name+":"+clientID)
	if err != nil {
		p.log.WarnContext(ctx, "rate limit counter unavailable", "rule", rule.Name, "err", err)
	}
	if d.Allowed {
		return nil
	}
	return errTooManyRequests(d.RetryAfter)
}

// allow counts one hit of key under rule and answers 429 when it is over.
// A failing counter does not refuse: the decision stands on this node's
// own count.
func (p *Provider) allow(w http.ResponseWriter, r *http.Request, kind endpointKind, rule ratelimit.Rule, key string) bool {
	d, err := p.limiter.Allow(r.Context(), rule, key)
	if err != nil {
		p.log.WarnContext(r.Context(), "rate limit counter unavailable", "rule", rule.Name, "err", err)
	}
	if d.Allowed {
		return true
	}
	p.refuse(w, r, kind, errTooManyRequests(d.RetryAfter))
	return false
}

// refuse answers a request the limits turned away before its handler ran.
func (p *Provider) refuse(w http.ResponseWriter, r *http.Request, kind endpointKind, err error) {
	if kind == kindAuthorize || kind == kindPage {
		errorPage(w, r, pageLang(r, r.URL.Query().Get("ui_locales")), protocolError(err))
		return
	}
	writeJSONError(w, err)
}

// retryAfter is carried inside a too_many_requests error so the handler
// that writes it can set Retry-After.
type retryAfter time.Duration

func (d retryAfter) Error() string { return fmt.Sprintf("retry after %v", time.Duration(d)) }

// errTooManyRequests is a rate limit's refusal: 429, with Retry-After
// when the error is written by writeJSONError or refuse.
func errTooManyRequests(after time.Duration) *fosite.RFC6749Error {
	e := &fosite.RFC6749Error{
		ErrorField:       "too_many_requests",
		DescriptionField: "Too many requests; retry after the number of seconds in the Retry-After header.",
		CodeField:        http.StatusTooManyRequests,
	}
	return e.WithWrap(retryAfter(after))
}

// isTooManyRequests reports whether err is a rate limit's refusal.
func isTooManyRequests(err error) bool {
	var ra retryAfter
	return errors.As(err, &ra)
}
