package provider

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gorilla/sessions"
	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/authflow"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/web"
)

// The consent step (docs/consent.md) is authflow's StepConsent. Once
// the representation step is settled, decideConsent settles it when it
// can:
//
//	no consent service, or no data-exchange scope requested ──> no step
//	an active grant covers the request, no prompt=consent ────> no step (issue finds the grant)
//	prompt=none ──> error consent_required
//	testid_consent after a test login ────────────────────────> allow: grant; deny: access_denied
//	otherwise ──> the flow requires consent: the consent page; POST /consent
//	                 ├─ allow ──> grant (consent_given), issue
//	                 └─ deny ───> consent_refused, error access_denied to the tool
//
// A holder of an ordinary power of attorney cannot consent for its giver
// (representation.Decision.MayConsent): the page explains why and only
// returns to the tool, with access_denied.

// paramTestIDConsent is oidcp's headless stand-in for the consent page,
// for scripts and CI that log in with ID-porten's test login: "allow" or
// "deny". It is honoured under the same conditions as testid_acting_for
// (headlessAllowed), and the decision goes through the same rules as on
// the page.
const paramTestIDConsent = "testid_consent"

// checkTestIDConsent validates testid_consent when the request arrives:
// it needs the test-login hint and is "allow" or "deny".
func checkTestIDConsent(form interface{ Get(string) string }) error {
	v := form.Get(paramTestIDConsent)
	if v == "" {
		return nil
	}
	if err := requireTestIDHint(form, paramTestIDConsent); err != nil {
		return err
	}
	if v != "allow" && v != "deny" {
		return fosite.ErrInvalidRequest.WithHintf("%s must be \"allow\" or \"deny\".", paramTestIDConsent)
	}
	return nil
}

// stepConsentRequest is what the flow asks consent for: the requested
// scopes, for the person acted for (or the holder), with the
// representative's right as the grant's latest end.
func stepConsentRequest(t *tenant, ar fosite.AuthorizeRequester, login sessionstore.Login, acting *representation.Choice) consent.Request {
	r := consent.Request{Tenant: t.name, ClientID: ar.GetClient().GetID(), Subject: login.Subject, Scopes: ar.GetRequestedScopes()}
	if acting != nil {
		r.Subject, r.Actor, r.Relation = acting.Subject.PID, login.Subject, string(acting.Relation.Kind)
		r.NotAfter = acting.Decision.ValidUntil
	}
	return r
}

// errCannotConsent is the tool's answer when the representative's
// relation cannot give consent.
var errCannotConsent = fosite.ErrAccessDenied.WithHint("The person acts under an ordinary power of attorney, which cannot give consent on the giver's behalf.")

// decideConsent settles the consent step when no page is needed (see
// the table at the top of this file); otherwise it makes the flow
// require consent. It runs once the choice is made, and returns the id
// of the grant that covers the request (found, or given headlessly), ""
// when it found none.
func (p *Provider) decideConsent(ctx context.Context, t *tenant, ar fosite.AuthorizeRequester, f *authflow.Flow, login sessionstore.Login, acting *representation.Choice) (string, error) {
	if p.cfg.Consent == nil || f.ConsentRequired {
		return "", nil
	}
	req := stepConsentRequest(t, ar, login, acting)
	data := p.cfg.Consent.Catalogue(t.name).DataScopes(req.Scopes)
	if len(data) == 0 {
		return "", nil
	}
	prompts := fosite.RemoveEmpty(strings.Split(ar.GetRequestForm().Get("prompt"), " "))
	if !slices.Contains(prompts, "consent") {
		g, ok, err := p.cfg.Consent.Covers(ctx, req)
		if err != nil {
			return "", fosite.ErrServerError.WithWrap(err)
		}
		if ok {
			return g.ID, nil
		}
	}
	if slices.Contains(prompts, "none") {
		return "", fosite.ErrConsentRequired.WithHintf("No active permission (grant) covers the data-exchange scopes %v for this person and tool, and prompt=none allows no consent page.", data)
	}
	if v := ar.GetRequestForm().Get(paramTestIDConsent); v != "" {
		if err := headlessAllowed(ar, login, paramTestIDConsent); err != nil {
			return "", err
		}
		if acting != nil && !acting.Decision.MayConsent {
			return "", errCannotConsent
		}
		if v == "deny" {
			if err := p.cfg.Consent.Refuse(ctx, req); err != nil {
				return "", fosite.ErrServerError.WithWrap(err)
			}
			return "", fosite.ErrAccessDenied.WithHintf("The person did not give permission (%s=deny).", paramTestIDConsent)
		}
		g, err := p.cfg.Consent.Grant(ctx, req)
		if err != nil {
			return "", fosite.ErrServerError.WithWrap(err)
		}
		return g.ID, nil
	}
	f.RequireConsent()
	return "", nil
}

// showConsent persists the flow at StepConsent and shows the page.
func (p *Provider) showConsent(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, f *authflow.Flow, sess *sessions.Session, login sessionstore.Login, acting *representation.Choice) {
	c, ok := p.saveStep(w, r, t, ar, f)
	if !ok {
		return
	}
	v := p.consentView(f.Lang, t, c, ar.GetRequestedScopes(), acting, f.ID, t.flows.Verifier(f, t.sessions.ID(sess)))
	if v.LogoURI != "" {
		// The logo is the one image from another origin the OP shows.
		w.Header().Set("Content-Security-Policy", strings.Replace(pageCSP, "img-src 'self' data:", "img-src 'self' data: "+originOf(v.LogoURI), 1))
	}
	web.Render(w, http.StatusOK, web.ConsentTemplate, v)
}

// consentView is the consent page's view model in lang.
func (p *Provider) consentView(lang string, t *tenant, c storage.Client, scopes []string, acting *representation.Choice, flowID, csrf string) web.ConsentPage {
	m := web.ConsentTexts[lang]
	if m == nil {
		lang, m = "nb", web.ConsentTexts["nb"]
	}
	tool := clients.DisplayName(c, lang)
	v := web.ConsentPage{
		Lang: lang, Title: m["title"], Tool: tool, Vendor: c.Vendor,
		PolicyURI: httpsURL(c.PolicyURI), LogoURI: httpsURL(c.LogoURI),
		Action: t.issuer + "/consent", Flow: flowID, CSRF: csrf, T: m,
		Intro: strings.Replace(m["intro"], "%s", tool, 1),
	}
	cat := p.cfg.Consent.Catalogue(t.name)
	data := cat.DataScopes(scopes)
	for _, s := range cat.Scopes() {
		if slices.Contains(data, s.Name) {
			v.Scopes = append(v.Scopes, web.ConsentScope{Name: s.Name, Title: s.Title.In(lang), Description: s.Description.In(lang)})
		}
	}
	if acting != nil {
		name := strings.TrimSpace(acting.Subject.GivenName + " " + acting.Subject.FamilyName)
		v.OnBehalf = name
		v.Intro = strings.Replace(strings.Replace(m["intro_for"], "%s", tool, 1), "%s", name, 1)
		if !acting.Decision.MayConsent {
			v.CannotConsent = strings.ReplaceAll(m["cannot_poa"], "%s", name)
			v.Title = m["title_cannot"]
		}
	}
	return v
}

// httpsURL returns u when it is an absolute https URL (the only kind the
// page links to or loads), else "".
func httpsURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "https" || pu.Host == "" {
		return ""
	}
	return u
}

// originOf is the scheme and host of an absolute URL.
func originOf(u string) string {
	pu, _ := url.Parse(u)
	return pu.Scheme + "://" + pu.Host
}

// consentPost handles POST /consent: the person's answer on the consent
// page.
func (p *Provider) consentPost(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		sp, ok := p.takeStepPost(w, r, t, authflow.StepConsent)
		if !ok {
			return
		}
		f, sess, sid, login, ar, lang := sp.flow, sp.sess, sp.sid, sp.login, sp.ar, sp.lang
		// Whom the person acts for is checked again: the page may have
		// been open across the relation's end.
		acting, ok := p.recheckChoice(w, r, t, ar, login.Subject, f.ChoiceOrSelf(), lang)
		if !ok {
			return
		}
		req := stepConsentRequest(t, ar, *login, acting)
		action := r.PostForm.Get("action")
		switch {
		case acting != nil && !acting.Decision.MayConsent:
			// The page offered no "allow"; whatever the form says, the
			// tool hears that no permission was given.
			p.authorizeError(w, r, t, ar, errCannotConsent)
			return
		case action == "allow":
		case action == "deny":
			if err := p.cfg.Consent.Refuse(ctx, req); err != nil {
				p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
				return
			}
			p.authorizeError(w, r, t, ar, fosite.ErrAccessDenied.WithHint("The person did not give the tool permission."))
			return
		default:
			errorPage(w, r, lang, oautherr.InvalidRequest)
			return
		}
		if err := f.Consent(sid); err != nil {
			errorPage(w, r, lang, oautherr.LoginExpired)
			return
		}
		g, err := p.cfg.Consent.Grant(ctx, req)
		if err != nil {
			p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
			return
		}
		p.advance(w, r, t, ar, f, sess, *login, repStep{acting: acting, grantID: g.ID})
	}
}
