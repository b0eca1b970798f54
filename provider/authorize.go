package provider

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/web"
)

// The authorization flow is authflow's state machine (authflow/doc.go
// draws it). authorize decides whether a login session already
// satisfies the request: if so the flow starts authenticated
// (afterLogin), otherwise at the upstream eID (startLogin); prompt=none
// without a usable session ends with login_required.

// authorize handles GET and POST /authorize (OIDC Core §3.1.2).
func (p *Provider) authorize(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if p.refuseRequestObject(w, r, t) {
			return
		}
		if strings.HasPrefix(r.FormValue("request_uri"), t.fcfg.PushedAuthorizeRequestURIPrefix) {
			r = onlyPushed(r)
		}
		ar, err := t.oauth.NewAuthorizeRequest(ctx, r)
		if err != nil {
			p.authorizeError(w, r, t, ar, err)
			return
		}
		// Only now is the client known: a request naming it with a
		// wrong redirect_uri counts against its source alone.
		if err := p.countClient(ctx, t, ar.GetClient().GetID()); err != nil {
			p.refuse(w, r, kindAuthorize, err)
			return
		}
		// The client and redirect_uri are known good: a parameter over its
		// cap goes back to the client as invalid_request.
		if err := checkParamSizes(ar.GetRequestForm()); err != nil {
			p.authorizeError(w, r, t, ar, err)
			return
		}
		viaPAR := strings.HasPrefix(r.FormValue("request_uri"), t.fcfg.PushedAuthorizeRequestURIPrefix)
		if err := p.checkClientPolicy(ar, viaPAR); err != nil {
			p.authorizeError(w, r, t, ar, err)
			return
		}
		if err := checkAuthorizeParams(ar); err != nil {
			p.authorizeError(w, r, t, ar, err)
			return
		}
		if err := checkTestIDActingFor(ar.GetRequestForm()); err != nil {
			p.authorizeError(w, r, t, ar, err)
			return
		}
		if err := checkTestIDConsent(ar.GetRequestForm()); err != nil {
			p.authorizeError(w, r, t, ar, err)
			return
		}
		prompts := fosite.RemoveEmpty(strings.Split(ar.GetRequestForm().Get("prompt"), " "))
		if slices.Contains(prompts, "none") && len(prompts) > 1 {
			p.authorizeError(w, r, t, ar, fosite.ErrInvalidRequest.WithHint("prompt=none cannot be combined with other values."))
			return
		}
		maxAge, err := parseMaxAge(ar.GetRequestForm().Get("max_age"))
		if err != nil {
			p.authorizeError(w, r, t, ar, err)
			return
		}

		sess, err := t.sessions.Get(r, t.cookieName())
		if err != nil {
			// Whether someone is logged in is unknown: not "nobody".
			p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
			return
		}
		login, loggedIn := t.sessions.Login(sess)
		reauth := slices.Contains(prompts, "login")
		if loggedIn && maxAge >= 0 && p.now().Sub(login.AuthTime) > maxAgeDuration(maxAge) {
			reauth = true
		}
		if loggedIn && !acrSatisfies(login.ACR, requiredACR(ar.GetRequestForm().Get("acr_values"))) {
			// Step-up: the session's eID level is below what the tool asks.
			reauth = true
		}
		f := newFlow(r, ar, viaPAR)
		if p.redeemHandoff(w, r, t, ar, f, sess, login, loggedIn && !reauth) {
			return
		}
		if loggedIn && !reauth {
			p.afterLogin(w, r, t, ar, f, sess, *login)
			return
		}
		if slices.Contains(prompts, "none") {
			// OIDC Core §3.1.2.6: no interaction allowed, none possible.
			p.authorizeError(w, r, t, ar, fosite.ErrLoginRequired.WithHint("No active login session (prompt=none)."))
			return
		}
		p.startLogin(w, r, t, ar, f, reauth)
	}
}

// checkClientPolicy applies the per-client rules fosite has no knob for:
// PKCE and nonce are required unless a confidential client relaxed them,
// and PAR is required for public clients (DESIGN: protocol surface).
func (p *Provider) checkClientPolicy(ar fosite.AuthorizeRequester, viaPAR bool) error {
	c, err := clientOf(ar)
	if err != nil {
		return err
	}
	if err := p.checkFAPI2Request(c, ar, viaPAR); err != nil {
		return err
	}
	form := ar.GetRequestForm()
	requirePKCE := c.RequirePKCE || c.Public
	requireNonce := c.RequireNonce || c.Public
	requirePAR := c.RequirePAR || c.Public
	if requirePAR && !viaPAR {
		return fosite.ErrInvalidRequest.WithHint("This client must push its authorization request to the pushed_authorization_request_endpoint first (RFC 9126).")
	}
	if requirePKCE && form.Get("code_challenge") == "" {
		return fosite.ErrInvalidRequest.WithHint("This client must use PKCE: code_challenge with code_challenge_method=S256 is required.")
	}
	if m := form.Get("code_challenge_method"); form.Get("code_challenge") != "" && m != "S256" {
		return fosite.ErrInvalidRequest.WithHint("code_challenge_method must be S256.")
	}
	if ar.GetRequestedScopes().Has("openid") && requireNonce && form.Get("nonce") == "" {
		return fosite.ErrInvalidRequest.WithHint("This client must send a nonce.")
	}
	if ar.GetState() == "" {
		return fosite.ErrInvalidState.WithHint("The state parameter is required.")
	}
	if !printableState(ar.GetState()) {
		return fosite.ErrInvalidRequest.WithHint("The state parameter must be printable ASCII (RFC 6749 Appendix A.5).")
	}
	return nil
}

// singleValued are the authorization request's parameters that may
// appear once: RFC 6749 §3.1 forbids repeating any, and silently taking
// the first of two scopes would hide a script's mistake. (RFC 8707's
// resource may repeat.)
var singleValued = []string{
	"response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
	"prompt", "max_age", "ui_locales", "login_hint", "acr_values", "display",
	"response_mode", "code_challenge", "code_challenge_method", "claims",
	"id_token_hint", "request", "request_uri", "testid_acting_for", "testid_consent",
}

// minNonceLength is fosite's minimum parameter entropy, which it applies
// to nonce only at the token endpoint; checking it here answers before
// the person logs in, as for state.
const minNonceLength = 8

// checkAuthorizeParams refuses, once the client and redirect_uri are
// known good, what would otherwise only fail later or silently: a
// repeated parameter, a request without the openid scope (oidcp is an
// OpenID Connect provider: without it there is no ID token, and a
// library fails far from the cause), and a nonce too short for fosite.
func checkAuthorizeParams(ar fosite.AuthorizeRequester) error {
	form := ar.GetRequestForm()
	for _, name := range singleValued {
		if len(form[name]) > 1 {
			return fosite.ErrInvalidRequest.WithHintf("The %s parameter is included more than once; send it once (RFC 6749 §3.1).", name)
		}
	}
	if !ar.GetRequestedScopes().Has("openid") {
		return fosite.ErrInvalidScope.WithHint("The scope must include openid: oidcp answers OpenID Connect authentication requests (OIDC Core §3.1.2.1).")
	}
	if n := form.Get("nonce"); n != "" && len(n) < minNonceLength {
		return fosite.ErrInvalidRequest.WithHintf("The nonce must be at least %d characters long.", minNonceLength)
	}
	return checkDPoPJKT(form)
}

// printableState reports whether state is 1*VSCHAR (RFC 6749 Appendix
// A.5). Only such a state is echoed: anything else could not come back
// unchanged in every response mode (HTML turns a NUL in a form_post page
// into U+FFFD).
func printableState(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// parseMaxAge returns -1 when absent.
func parseMaxAge(s string) (int64, error) {
	if s == "" {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fosite.ErrInvalidRequest.WithHint("max_age must be a non-negative integer number of seconds.")
	}
	return n, nil
}

// authorizeError answers an authorization request that failed. Before
// the redirect URI is known to be registered, a person gets a readable
// page and no redirect (RFC 6749 §4.1.2.1); after, the client gets the
// error with state and iss (RFC 9207).
func (p *Provider) authorizeError(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, err error) {
	ctx := r.Context()
	if ar == nil || !ar.IsRedirectURIValid() {
		e := authorizePageError(err)
		if e.Status >= 500 {
			p.log.ErrorContext(ctx, "authorize failed", "tenant", t.name, "err", errorDebug(err))
		}
		errorPage(w, r, pageLang(r, r.FormValue("ui_locales")), e)
		return
	}
	e := protocolError(err)
	if e.Status >= 500 {
		p.log.ErrorContext(ctx, "authorize failed", "tenant", t.name, "err", errorDebug(err))
	}
	st := ar.GetState()
	if !printableState(st) {
		st = ""
	}
	oautherr.SetRetryAfter(w, e)
	writeRedirectResponse(w, ar, oautherr.RedirectValues(e, st, t.issuer))
}

// standardError turns fosite's invalid_state, which is no RFC 6749
// §4.1.2.1 error code, into invalid_request: a missing or too short state
// is a malformed request.
func standardError(err error) error {
	if rfc := fosite.ErrorToRFC6749Error(err); rfc.ErrorField == fosite.ErrInvalidState.ErrorField {
		return fosite.ErrInvalidRequest.WithHint(rfc.HintField).WithWrap(err)
	}
	return err
}

// errorDebug is what we log of an error: fosite's debug text, which never
// contains tokens or form values.
func errorDebug(err error) string {
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.DebugField != "" {
		return rfc.ErrorField + ": " + rfc.DebugField
	}
	if c := rfc.Unwrap(); c != nil {
		return rfc.ErrorField + ": " + c.Error()
	}
	return rfc.ErrorField + ": " + rfc.HintField
}

// writeRedirectResponse sends parameters to the client's redirect URI in
// the request's response mode (query or form_post).
func writeRedirectResponse(w http.ResponseWriter, ar fosite.AuthorizeRequester, values map[string][]string) {
	w.Header().Set("Cache-Control", "no-store")
	u := *ar.GetRedirectURI()
	u.Fragment = ""
	if ar.GetResponseMode() == fosite.ResponseModeFormPost {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fosite.WriteAuthorizeFormPostResponse(u.String(), values, web.FormPostTemplate, w)
		return
	}
	q := u.Query()
	for k, vs := range values {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusSeeOther)
}

func (t *tenant) cookieName() string { return "oidcp_session_" + t.name }

// issueCtx prepares the context fosite signs under: the client's ID token
// alg.
func issueCtx(ctx context.Context, ar fosite.Requester) context.Context {
	if c, err := clientOf(ar); err == nil {
		return withSigningAlg(ctx, c.IDTokenSignedResponseAlg)
	}
	return ctx
}

// onlyPushed reduces an authorization request that names a pushed one
// (RFC 9126) to client_id and request_uri, so every other parameter
// comes from what the client pushed. fosite starts from the query and
// lays the pushed parameters over it, so one the push lacked (prompt,
// dpop_jkt, nonce, max_age, claims, acr_values) would be taken from a
// link anybody can edit. RFC 9101 (section 5) does the same for request
// objects: the parameters come from the protected request only.
func onlyPushed(r *http.Request) *http.Request {
	q := url.Values{"request_uri": {r.FormValue("request_uri")}}
	if id := r.FormValue("client_id"); id != "" {
		q.Set("client_id", id)
	}
	r2 := r.Clone(r.Context())
	r2.Method = http.MethodGet
	r2.URL.RawQuery = q.Encode()
	r2.Body, r2.ContentLength, r2.Form, r2.PostForm = http.NoBody, 0, nil, nil
	r2.Header.Del("Content-Type")
	return r2
}
