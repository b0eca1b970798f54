package provider

import (
	"context"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/sessions"
	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/authflow"
	"github.com/oidcp/oidcp/claims"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/web"
)

// The representation step (docs/representation.md) is authflow's
// StepChoose. After the login, decideChoice settles it when it can:
//
//	tool accepts no relation ─────────────────────────────> choice self
//	choice stored on the session for this tool, still allowed,
//	  no prompt=select_account ───────────────────────────> the stored choice
//	no one to act for ────────────────────────────────────> choice self
//	prompt=none ──> error account_selection_required
//	testid_acting_for after a test login ─────────────────> the named choice (access_denied if not allowed)
//	otherwise ──> the flow requires a choice: the chooser page; POST /choose ──> the chosen
//	                                          └─ "Avbryt" (cancel) ──> error access_denied to the tool
//
// The choice is remembered per tool on the login session, so a tool never
// silently gets a different person than the one chosen for it: when a
// stored choice no longer holds, the chooser is shown again.

// choiceSelf is the stored choice "I use the tool for myself".
const choiceSelf = authflow.ChoiceSelf

// errAccountSelectionRequired is OIDC Core §3.1.2.6's error for
// prompt=none when the person must pick an account (here: whom to act
// for); fosite does not define it.
var errAccountSelectionRequired = &fosite.RFC6749Error{
	ErrorField:       "account_selection_required",
	DescriptionField: "The End-User is required to select a session at the Authorization Server.",
	CodeField:        http.StatusBadRequest,
}

// sessionChoiceKey keys a stored choice by tool and by who chose: the
// session store already drops values when another person logs in on the
// browser, and keying by holder keeps a choice from ever applying to
// anyone else even if it did not.
func sessionChoiceKey(clientID, holderPID string) string {
	return "acting_for\x00" + clientID + "\x00" + holderPID
}

// choices returns the holder as the tenant's registry knows them and whom
// they may act for through client c now. Two registry reads: the holder's
// relations, then every person they name (registry.Lookup).
func (p *Provider) choices(ctx context.Context, t *tenant, c storage.Client, holderPID string) (representation.Person, []representation.Choice, error) {
	h, err := registry.Lookup(ctx, p.store, t.cfg.Registry, holderPID)
	if err != nil {
		return representation.Person{}, nil, err
	}
	return h.Holder, representation.Choices(h.Holder, h.Relations, h.Persons, representation.ParseKinds(c.AcceptedRelations), c.Standalone, p.now()), nil
}

// afterLogin continues an authorization once a login session satisfies
// it: the flow records the session, the representation step is decided
// where it can be, and authflow says what comes next.
func (p *Provider) afterLogin(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, f *authflow.Flow, sess *sessions.Session, login sessionstore.Login) {
	if err := f.Authenticate(t.sessions.ID(sess), login.Subject); err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	c, err := clientOf(ar)
	if err != nil {
		p.authorizeError(w, r, t, ar, err)
		return
	}
	rep, err := p.decideChoice(r.Context(), t, ar, c, sess, login, f)
	if err != nil {
		p.authorizeError(w, r, t, ar, err)
		return
	}
	if rep.picked != "" {
		how := chosenOnPage
		if rep.headless {
			how = chosenHeadless
		}
		p.recordChoice(w, r, t, ar, f, sess, login, rep.picked, rep.acting, how)
		return
	}
	p.advance(w, r, t, ar, f, sess, login, rep)
}

// repStep is what the representation step knows after a login: whom
// the person may act for, and the choice when it is already made.
type repStep struct {
	holder  representation.Person
	choices []representation.Choice
	// picked is a choice made without the page (choiceSelf or a pid)
	// that recordChoice stores; "" when none or when the flow already
	// holds it.
	picked   string
	acting   *representation.Choice
	headless bool
	// grantID is the grant the consent step found or just gave, so that
	// issuing records it without looking it up again; "" when none.
	grantID string
}

// decideChoice settles the representation step when no page is needed
// (see the table at the top of this file); otherwise it makes the flow
// require a choice among the current options.
func (p *Provider) decideChoice(ctx context.Context, t *tenant, ar fosite.AuthorizeRequester, c storage.Client, sess *sessions.Session, login sessionstore.Login, f *authflow.Flow) (repStep, error) {
	want := ar.GetRequestForm().Get(paramTestIDActingFor)
	if len(c.AcceptedRelations) == 0 {
		if want != "" {
			// Nothing to choose, but the parameter is checked all the
			// same, so a script learns of a mistake here rather than later.
			if err := headlessAllowed(ar, login, paramTestIDActingFor); err != nil {
				return repStep{}, err
			}
			if want != choiceSelf {
				return repStep{}, fosite.ErrAccessDenied.WithHintf("%s names someone to act for, but this tool accepts no relation (register it with --accept-relation to act for others).", paramTestIDActingFor)
			}
		}
		f.Choose(choiceSelf)
		return repStep{}, nil
	}
	holder, choices, err := p.choices(ctx, t, c, login.Subject)
	if err != nil {
		return repStep{}, fosite.ErrServerError.WithWrap(err)
	}
	rep := repStep{holder: holder, choices: choices}
	if want != "" {
		if err := headlessAllowed(ar, login, paramTestIDActingFor); err != nil {
			return repStep{}, err
		}
		rep.picked, rep.headless = want, true
		if want != choiceSelf {
			if rep.acting = pick(choices, want); rep.acting == nil {
				return repStep{}, fosite.ErrAccessDenied.WithHintf(
					"The person named in %s is not someone the logged-in person may act for in this tool now: no such relation, a relation the tool does not accept, or one the rules deny (age, expiry, confidential address). See the sandbox population.", paramTestIDActingFor)
			}
		}
		return rep, nil
	}
	prompts := fosite.RemoveEmpty(strings.Split(ar.GetRequestForm().Get("prompt"), " "))
	if stored, ok := sess.Values[sessionChoiceKey(c.ID, login.Subject)].(string); ok && !slices.Contains(prompts, "select_account") {
		if stored == choiceSelf {
			f.Choose(choiceSelf)
			return rep, nil
		}
		if rep.acting = pick(choices, stored); rep.acting != nil {
			f.Choose(stored)
			return rep, nil
		}
		// The stored choice no longer holds: ask again rather than
		// silently issuing for somebody else.
	} else if len(choices) == 0 {
		f.Choose(choiceSelf)
		return rep, nil
	}
	if slices.Contains(prompts, "none") {
		return repStep{}, errAccountSelectionRequired.WithHint("The person must choose whom to act for (prompt=none).")
	}
	options := make([]string, 0, len(choices))
	for _, ch := range choices {
		options = append(options, ch.Subject.PID)
	}
	f.RequireChoice(options)
	return rep, nil
}

// advance serves the step authflow names next for f.
func (p *Provider) advance(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, f *authflow.Flow, sess *sessions.Session, login sessionstore.Login, rep repStep) {
	if f.Next() != authflow.StepChoose {
		// Whom the person acts for is settled: so is whether the tool
		// needs their permission (consent_step.go).
		id, err := p.decideConsent(r.Context(), t, ar, f, login, rep.acting)
		if err != nil {
			p.authorizeError(w, r, t, ar, err)
			return
		}
		if id != "" {
			rep.grantID = id
		}
	}
	switch step := f.Advance(); step {
	case authflow.StepChoose:
		p.showChooser(w, r, t, ar, f, sess, rep.holder, rep.choices)
	case authflow.StepConsent:
		p.showConsent(w, r, t, ar, f, sess, login, rep.acting)
	case authflow.StepIssue:
		p.issue(w, r, t, ar, sess, login, rep.acting, rep.grantID)
	default:
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithDebugf("no handler for flow step %q", step))
	}
}

// paramTestIDActingFor is oidcp's headless stand-in for the chooser page,
// for scripts and CI that log in with ID-porten's test login
// (login_hint=testid:<pid>): "self", or the fødselsnummer of the person
// to act for. It is honoured only after a test login of exactly the
// person the hint names (chooseHeadless), and the choice goes through the
// same rules as a choice on the page.
const paramTestIDActingFor = "testid_acting_for"

// checkTestIDActingFor validates testid_acting_for when the request
// arrives, before the person is sent to the eID: it needs the test-login
// hint, and names "self" or a well-formed fødselsnummer.
func checkTestIDActingFor(form interface{ Get(string) string }) error {
	v := form.Get(paramTestIDActingFor)
	if v == "" {
		return nil
	}
	if err := requireTestIDHint(form, paramTestIDActingFor); err != nil {
		return err
	}
	if v != choiceSelf && !representation.ValidPID(v) {
		return fosite.ErrInvalidRequest.WithHintf("%s must be %q or the 11-digit fødselsnummer of the person to act for.", paramTestIDActingFor, choiceSelf)
	}
	return nil
}

// requireTestIDHint refuses a headless test parameter (param, present in
// form) without ID-porten's test-login hint, the only login it is for.
func requireTestIDHint(form interface{ Get(string) string }, param string) error {
	if _, ok := testIDHintPID(form.Get("login_hint")); !ok {
		return fosite.ErrInvalidRequest.WithHintf("%s is only for ID-porten's headless test login: send it together with login_hint=testid:<fødselsnummer>.", param)
	}
	return nil
}

// testIDHintPID returns the pid of ID-porten's test-login hint
// "testid:<pid>" or "testid:<pid>_idporten-loa-high".
func testIDHintPID(hint string) (string, bool) {
	rest, ok := strings.CutPrefix(hint, "testid:")
	if !ok || rest == "" {
		return "", false
	}
	pid, _, _ := strings.Cut(rest, "_")
	return pid, true
}

// headlessAllowed reports why a headless test parameter (param:
// testid_acting_for, testid_consent) cannot be honoured for this login,
// or nil. Only a test login counts: the eID said so (amr TestID, which
// ID-porten's production never issues), and the session's person is the
// one the hint names, so a script never decides for a person who logged
// in some other way.
func headlessAllowed(ar fosite.AuthorizeRequester, login sessionstore.Login, param string) error {
	hintPID, _ := testIDHintPID(ar.GetRequestForm().Get("login_hint"))
	if !slices.Contains(login.AMR, "TestID") {
		return fosite.ErrAccessDenied.WithHintf("%s is honoured only after ID-porten's headless test login (amr TestID); this login used another method, so the person must answer on the page.", param)
	}
	if subtle.ConstantTimeCompare([]byte(hintPID), []byte(login.Subject)) != 1 {
		return fosite.ErrAccessDenied.WithHintf("%s applies to the person named in login_hint, but this browser's login session is another person's; log out or use a fresh cookie jar.", param)
	}
	return nil
}

// pick finds the choice for subjectPID among the current ones; nil when
// it is not (or no longer) among them.
// recheckChoice evaluates the rules again for a choice a page posted
// (the rules are evaluated at login time, and the page may have been
// open across a relation's end): nil for acting as oneself, the choice
// when it still holds; otherwise it answers the request and reports
// false.
func (p *Provider) recheckChoice(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, holder, choice, lang string) (*representation.Choice, bool) {
	if choice == choiceSelf {
		return nil, true
	}
	c, err := clientOf(ar)
	if err != nil {
		p.authorizeError(w, r, t, ar, err)
		return nil, false
	}
	_, choices, err := p.choices(r.Context(), t, c, holder)
	if err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return nil, false
	}
	acting := pick(choices, choice)
	if acting == nil {
		errorPage(w, r, lang, oautherr.ChoiceGone)
		return nil, false
	}
	return acting, true
}

func pick(choices []representation.Choice, subjectPID string) *representation.Choice {
	for i := range choices {
		if choices[i].Subject.PID == subjectPID {
			return &choices[i]
		}
	}
	return nil
}

// showChooser persists the flow at StepChoose and shows the page; the
// form carries the flow id and the step's verifier.
func (p *Provider) showChooser(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, f *authflow.Flow, sess *sessions.Session, holder representation.Person, choices []representation.Choice) {
	c, ok := p.saveStep(w, r, t, ar, f)
	if !ok {
		return
	}
	web.Render(w, http.StatusOK, web.ChooserTemplate, chooserView(f.Lang, t, c, p.ownClient(c.ID), holder, choices, f.ID, t.flows.Verifier(f, t.sessions.ID(sess)), p.now(), ""))
}

// choose handles POST /choose: the person's pick from the chooser page.
func (p *Provider) choose(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sp, ok := p.takeStepPost(w, r, t, authflow.StepChoose)
		if !ok {
			return
		}
		f, sess, sid, login, ar, lang := sp.flow, sp.sess, sp.sid, sp.login, sp.ar, sp.lang
		if r.PostForm.Get("action") == "cancel" {
			// The person would rather not go on: the tool hears so
			// (OIDC Core §3.1.2.6) instead of the person being stuck.
			p.authorizeError(w, r, t, ar, fosite.ErrAccessDenied.WithHint("The person cancelled choosing whom to act for."))
			return
		}
		picked := r.PostForm.Get("subject")
		if picked == "" {
			picked = choiceSelf
		}
		if err := f.Chosen(sid, login.Subject, picked); err != nil {
			errorPage(w, r, lang, oautherr.InvalidRequest)
			return
		}
		acting, ok := p.recheckChoice(w, r, t, ar, login.Subject, picked, lang)
		if !ok {
			return
		}
		p.recordChoice(w, r, t, ar, f, sess, *login, picked, acting, chosenOnPage)
	}
}

// choiceHow is how a choice of whom to act for was made.
type choiceHow int

const (
	chosenOnPage   choiceHow = iota // on the chooser page, or remembered from it
	chosenHeadless                  // with testid_acting_for
	// handedOff: made by the portal the tool was opened from. The
	// hand-off's own event (handoff_redeemed, with the relation) is what
	// the log shows; the person chose nothing here.
	handedOff
)

// recordChoice stores a choice (choiceSelf or a pid) on the login session
// for the tool, logs it (unless handed off) and issues the code.
func (p *Provider) recordChoice(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, f *authflow.Flow, sess *sessions.Session, login sessionstore.Login, picked string, acting *representation.Choice, how choiceHow) {
	f.Choose(picked)
	sess.Values[sessionChoiceKey(ar.GetClient().GetID(), login.Subject)] = picked
	if err := t.sessions.Save(r, w, sess); err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	detail := map[string]any{"relation": "self"}
	subject := login.Subject
	if acting != nil {
		detail = map[string]any{"relation": string(acting.Relation.Kind), "limited": acting.Decision.Limited}
		subject = acting.Subject.PID
	}
	if how == chosenHeadless {
		detail["headless"] = true
	}
	if how != handedOff {
		p.event(r.Context(), t, audit.Event{
			Kind: audit.RepresentationChosen, Actor: login.Subject, Subject: subject,
			ClientID: ar.GetClient().GetID(), SessionID: t.sessions.ID(sess), Detail: detail,
		})
	}
	p.advance(w, r, t, ar, f, sess, login, repStep{acting: acting})
}

// representationClaim is the "representation" claim for acting as a
// (claims.Representation), with the represented person's pairwise sub.
func (t *tenant) representationClaim(c storage.Client, scopes fosite.Arguments, a *representation.Choice) map[string]any {
	return claims.Representation(c, scopes, t.pairwiseSub(sector(c), a.Subject.PID), a)
}
