package provider

import (
	"net/http"

	"github.com/gorilla/sessions"
	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/authflow"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
)

// stepPost is a verified form post of one login flow step: the flow
// taken at that step, the person's session and login, the authorization
// request the flow carries and the page language.
type stepPost struct {
	flow  *authflow.Flow
	sess  *sessions.Session
	sid   string
	login *sessionstore.Login
	ar    fosite.AuthorizeRequester
	lang  string
}

// takeStepPost checks a POST of the flow step `step` (the form's flow id
// against the flow cookie, the step's verifier against the session, the
// flow's session and person against the logged-in ones) and takes the
// flow. Every step's page posts the same form, so the checks and their
// error pages are the same for all. When ok is false the answer has
// been written.
func (p *Provider) takeStepPost(w http.ResponseWriter, r *http.Request, t *tenant, step authflow.Step) (sp stepPost, ok bool) {
	lang := pageLang(r, "")
	if err := r.ParseForm(); err != nil {
		errorPage(w, r, lang, oautherr.InvalidRequest)
		return sp, false
	}
	flowID := r.PostForm.Get("flow")
	if flowID == "" || !t.flows.CookieMatches(r, flowID) {
		errorPage(w, r, lang, oautherr.LoginExpired)
		return sp, false
	}
	sess, err := t.sessions.Get(r, t.cookieName())
	if err != nil {
		// Whether someone is logged in is unknown: not "nobody".
		p.renderUnavailable(w, r, t, lang, err)
		return sp, false
	}
	login, loggedIn := t.sessions.Login(sess)
	sid := t.sessions.ID(sess)
	if !loggedIn || !t.flows.Verify(flowID, step, sid, r.PostForm.Get("csrf")) {
		errorPage(w, r, lang, oautherr.LoginExpired.WithStatus(http.StatusForbidden))
		return sp, false
	}
	f, ok := p.takeFlow(w, r, t, flowID, step, lang)
	if !ok {
		return sp, false
	}
	if f.SessionID != sid || f.Holder != login.Subject {
		errorPage(w, r, lang, oautherr.LoginExpired)
		return sp, false
	}
	if f.Lang != "" {
		lang = f.Lang
	}
	ar, ok := p.flowRequest(w, r, t, f, lang)
	if !ok {
		return sp, false
	}
	return stepPost{flow: f, sess: sess, sid: sid, login: login, ar: ar, lang: lang}, true
}

// saveStep persists the flow at the step its page shows (with the
// authorization request, once) and sets the flow cookie the page's post
// is checked against (takeStepPost). It returns the requesting client for
// the page. When ok is false the tool has been answered with the error.
func (p *Provider) saveStep(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, f *authflow.Flow) (c storage.Client, ok bool) {
	if f.Request == nil {
		reqData, err := marshalRequest(ar)
		if err != nil {
			p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
			return c, false
		}
		f.Request = reqData
	}
	c, err := clientOf(ar)
	if err != nil {
		p.authorizeError(w, r, t, ar, err)
		return c, false
	}
	if err := t.flows.Save(r.Context(), f); err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return c, false
	}
	t.flows.SetCookie(w, f.ID)
	return c, true
}
