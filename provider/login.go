package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/authflow"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/upstream"
)

// purposeLogout is the storage purpose of a logout's flow (logout.go);
// the login's flow record belongs to authflow.
const purposeLogout = "logout"

func maxAgeDuration(n int64) time.Duration { return time.Duration(n) * time.Second }

func (t *tenant) flowCookie() string { return "oidcp_flow_" + t.name }

// newFlow starts the flow record of an authorization request.
func newFlow(r *http.Request, ar fosite.AuthorizeRequester, viaPAR bool) *authflow.Flow {
	return &authflow.Flow{ViaPAR: viaPAR, Lang: pageLang(r, ar.GetRequestForm().Get("ui_locales"))}
}

// startLogin sends the browser to the upstream eID with a pushed request,
// keeping the authorize request server-side.
func (p *Provider) startLogin(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, f *authflow.Flow, reauth bool) {
	ctx := r.Context()
	form := ar.GetRequestForm()
	params := upstream.AuthParams{
		ACRValues: upstreamACR(form.Get("acr_values")),
		UILocales: pageLang(r, form.Get("ui_locales")),
	}
	// Only ID-porten's test-login hint is meaningful upstream; other hints
	// (an email, a pid) are not forwarded, so a tool cannot make the eID
	// leak whether a person exists.
	if h := form.Get("login_hint"); strings.HasPrefix(h, "testid:") {
		params.LoginHint = h
	}
	if reauth {
		params.Prompt = "login"
	}
	// The request is stored until the person is back from the eID; it is
	// measured before the upstream is asked for anything.
	reqData, err := marshalRequest(ar)
	if err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	if len(reqData) > maxStoredRequestBytes {
		p.authorizeError(w, r, t, ar, fosite.ErrInvalidRequest.WithHintf("The authorization request is too large to keep during the login (%d bytes; at most %d).", len(reqData), maxStoredRequestBytes))
		return
	}
	redirect, st, err := t.cfg.Upstream.Start(ctx, params)
	if err != nil {
		p.log.ErrorContext(ctx, "upstream start", "tenant", t.name, "err", err)
		p.authorizeError(w, r, t, ar, fosite.ErrTemporarilyUnavailable.WithHint("The national eID login is not reachable right now."))
		return
	}
	// At the upstream step the flow's id is the upstream state: the
	// callback's state must equal the flow cookie (login CSRF).
	f.ID, f.Request, f.Lang = st.State, reqData, params.UILocales
	if f.Upstream, err = json.Marshal(st); err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	if step := f.Advance(); step != authflow.StepUpstream {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithDebugf("login started at step %q", step))
		return
	}
	if err := t.flows.Save(ctx, f); err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	t.flows.SetCookie(w, f.ID)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, redirect, http.StatusSeeOther)
}

// requiredACR is the lowest eID level a tool's acr_values accepts: the
// values are alternatives in order of preference (OIDC Core §3.1.2.1), so
// listing substantial accepts substantial even if high comes first. ""
// when no ID-porten level is listed.
func requiredACR(v string) string {
	levels := strings.Fields(v)
	switch {
	case slices.Contains(levels, upstream.ACRSubstantial):
		return upstream.ACRSubstantial
	case slices.Contains(levels, upstream.ACRHigh):
		return upstream.ACRHigh
	}
	return ""
}

// acrSatisfies reports whether an eID login at level got meets the level
// a tool requires (requiredACR; "" requires nothing). ID-porten's levels
// are ordered: high satisfies substantial.
func acrSatisfies(got, want string) bool {
	switch want {
	case "":
		return true
	case upstream.ACRHigh:
		return got == upstream.ACRHigh
	default:
		return got == want || got == upstream.ACRHigh
	}
}

// upstreamACR maps the tool's acr_values to what the upstream knows;
// unknown values fall back to the upstream client's default.
func upstreamACR(v string) string {
	for _, a := range strings.Fields(v) {
		if a == upstream.ACRHigh || a == upstream.ACRSubstantial {
			return a
		}
	}
	return ""
}

// takeFlow takes the flow id at step for this browser, or answers the
// request. Storage trouble keeps the flow cookie, so that the same
// request completes the step once storage is back; a flow that waits at
// a later step keeps it too (a reloaded callback while the chooser is
// open). A flow that is gone or at another step is an expired login.
func (p *Provider) takeFlow(w http.ResponseWriter, r *http.Request, t *tenant, id string, step authflow.Step, lang string) (*authflow.Flow, bool) {
	f, err := t.flows.Take(r.Context(), id, step)
	if err != nil && !errors.Is(err, authflow.ErrExpired) {
		p.renderUnavailable(w, r, t, lang, err)
		return nil, false
	}
	if !errors.Is(err, authflow.ErrWrongStep) {
		t.flows.ClearCookie(w)
	}
	if err != nil {
		errorPage(w, r, lang, oautherr.LoginExpired)
		return nil, false
	}
	return f, true
}

// flowRequest reads the authorization request a taken flow carries, or
// answers the request: the client may have vanished (deleted or
// disabled) during the login.
func (p *Provider) flowRequest(w http.ResponseWriter, r *http.Request, t *tenant, f *authflow.Flow, lang string) (fosite.AuthorizeRequester, bool) {
	ar, err := t.fstore.unmarshalRequest(r.Context(), f.Request, NewSession(t.name))
	if unavailable(err) {
		p.renderUnavailable(w, r, t, lang, err)
		return nil, false
	}
	if err != nil {
		errorPage(w, r, lang, oautherr.UnknownClient)
		return nil, false
	}
	return ar, true
}

// callback receives the upstream eID's authorization response.
func (p *Provider) callback(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		q := r.URL.Query()
		state := q.Get("state")
		lang := pageLang(r, "")
		if state == "" || !t.flows.CookieMatches(r, state) {
			// Not started in this browser, or a forged callback (login CSRF).
			errorPage(w, r, lang, oautherr.LoginExpired)
			return
		}
		f, ok := p.takeFlow(w, r, t, state, authflow.StepUpstream, lang)
		if !ok {
			return
		}
		var ust upstream.State
		if json.Unmarshal(f.Upstream, &ust) != nil {
			errorPage(w, r, lang, oautherr.LoginExpired)
			return
		}
		ar, ok := p.flowRequest(w, r, t, f, f.Lang)
		if !ok {
			return
		}
		id, err := t.cfg.Upstream.Exchange(ctx, q, ust)
		if err != nil {
			p.obs.Login(t.name, "failed")
			var ce *upstream.CallbackError
			if errors.As(err, &ce) && ce.Code == "access_denied" {
				p.authorizeError(w, r, t, ar, fosite.ErrAccessDenied.WithHint("The person cancelled the eID login."))
				return
			}
			p.log.WarnContext(ctx, "upstream login rejected", "tenant", t.name, "err", err)
			p.authorizeError(w, r, t, ar, fosite.ErrAccessDenied.WithHint("The eID login could not be verified."))
			return
		}
		if want := requiredACR(ar.GetRequestForm().Get("acr_values")); !acrSatisfies(id.ACR, want) {
			// The eID answered with a lower level than the tool asked for
			// (ID-porten's test login takes its level from the hint). A
			// tool that asked for high must not get a substantial login.
			p.obs.Login(t.name, "failed")
			p.authorizeError(w, r, t, ar, fosite.ErrAccessDenied.WithHintf("The eID login was at %s, below the requested %s.", id.ACR, want))
			return
		}
		sess, err := t.sessions.Get(r, t.cookieName())
		if err != nil {
			p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
			return
		}
		prev, hadLogin := t.sessions.Login(sess)
		login := sessionstore.Login{
			Subject: id.PID, ACR: id.ACR, AMR: id.AMR, AuthTime: id.AuthTime,
			UpstreamSID: id.SID, UpstreamIDToken: id.IDToken, Locale: id.Locale,
		}
		if err := t.sessions.SetLogin(r, w, sess, login); err != nil {
			p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
			return
		}
		if l, ok := t.sessions.Login(sess); ok {
			login = *l // with its ChainID
		}
		if hadLogin && prev.Subject != id.PID {
			p.endReplacedChain(ctx, t, prev)
		}
		p.obs.Login(t.name, "ok")
		p.event(ctx, t, audit.Event{
			Kind: audit.Login, Actor: id.PID, Subject: id.PID, ClientID: ar.GetClient().GetID(),
			SessionID: t.sessions.ID(sess),
			Detail:    map[string]any{"acr": id.ACR, "amr": id.AMR},
		})
		p.afterLogin(w, r, t, ar, f, sess, login)
	}
}

// issue completes an authorization request for a logged-in person: the
// code goes to the client with iss (RFC 9207).
func (p *Provider) issue(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, sess *sessions.Session, login sessionstore.Login, acting *representation.Choice, grantID string) {
	ctx := issueCtx(r.Context(), ar)
	for _, s := range ar.GetRequestedScopes() {
		ar.GrantScope(s)
	}
	for _, a := range ar.GetRequestedAudience() {
		ar.GrantAudience(a)
	}
	fsess, err := p.newUserSession(ctx, t, ar, login, login.ChainID, acting)
	if err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	if err := p.attachGrant(ctx, t, ar, fsess, grantID); err != nil {
		p.authorizeError(w, r, t, ar, err)
		return
	}
	// The code's records are written together once fosite has made
	// them, before the code leaves (issueCode).
	codeCtx := withPendingCode(ctx)
	resp, err := t.oauth.NewAuthorizeResponse(codeCtx, ar, fsess)
	if err == nil {
		err = t.fstore.issueCode(codeCtx)
	}
	if err != nil {
		p.authorizeError(w, r, t, ar, err)
		return
	}
	if err := t.sessions.AddClient(ctx, sess, ar.GetClient().GetID()); err != nil {
		p.log.WarnContext(ctx, "session add client", "tenant", t.name, "err", err)
	}
	detail := map[string]any{"scopes": []string(ar.GetGrantedScopes())}
	if fsess.ActingFor != "" && fsess.Relation != "" {
		// As for token events: the represented person's log names the
		// relation, also for a tool without a grant to read it from.
		detail["relation"] = fsess.Relation
	}
	p.event(ctx, t, audit.Event{
		Kind: audit.Authorized, Actor: login.Subject, Subject: fsess.dataSubject(),
		ClientID: ar.GetClient().GetID(), SessionID: t.sessions.ID(sess), GrantID: fsess.GrantID,
		Detail: detail,
	})
	values := resp.GetParameters()
	values.Set("iss", t.issuer)
	writeRedirectResponse(w, ar, values)
}

func (p *Provider) event(ctx context.Context, t *tenant, e audit.Event) {
	e.Tenant = t.name
	if err := audit.Record(ctx, p.store, p.now(), e); err != nil {
		// The usage log is part of the contract; losing an entry is an
		// operational error worth a loud log line, not a failed login.
		p.log.ErrorContext(ctx, "usage log append failed", "tenant", t.name, "kind", e.Kind, "err", err)
	}
}

// endReplacedChain revokes the tokens of a login that another person's
// login in the same browser just replaced (a shared computer where the
// first person did not log out). sessionstore ended that session and
// starts a new chain for the newcomer, so nothing would reach the first
// person's tokens any more: they end with their session, as at logout.
func (p *Provider) endReplacedChain(ctx context.Context, t *tenant, prev *sessionstore.Login) {
	n, err := p.store.RevokeBySession(ctx, t.name, prev.ChainID)
	if err != nil {
		p.log.ErrorContext(ctx, "revoke tokens of a replaced session", "tenant", t.name, "err", err)
		return
	}
	if n > 0 {
		p.event(ctx, t, audit.Event{Kind: audit.TokenRevoked, Actor: prev.Subject, Subject: prev.Subject, SessionID: prev.ChainID, Detail: map[string]any{"reason": "session_replaced", "count": n}})
	}
}
