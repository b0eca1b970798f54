package provider

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
)

// The representation step (docs/representation.md) sits between the
// login and issue in the state machine drawn in authorize.go:
//
//	authenticated ──(tool accepts no relation)──────────────────────> issue (self)
//	      │ (choice stored on the session for this tool, still allowed,
//	      │  no prompt=select_account) ─────────────────────────────> issue (stored choice)
//	      │ (no one to act for) ────────────────────────────────────> issue (self)
//	      │ prompt=none ──> error account_selection_required
//	      │ testid_acting_for after a test login ───────────────────> issue (named; access_denied if not allowed)
//	      └──> stateChoose: chooser page; POST /choose ─────────────> issue (chosen)
//	                                          └─ "Avbryt" (cancel) ──> error access_denied to the tool
//
// The choice is remembered per tool on the login session, so a tool never
// silently gets a different person than the one chosen for it: when a
// stored choice no longer holds, the chooser is shown again.

const (
	purposeChoose = "choose"
	stateChoose   = "choose"
	// choiceSelf is the stored choice "I use the tool for myself".
	choiceSelf = "self"
)

// errAccountSelectionRequired is OIDC Core §3.1.2.6's error for
// prompt=none when the person must pick an account (here: whom to act
// for); fosite does not define it.
var errAccountSelectionRequired = &fosite.RFC6749Error{
	ErrorField:       "account_selection_required",
	DescriptionField: "The End-User is required to select a session at the Authorization Server.",
	CodeField:        http.StatusBadRequest,
}

// chooseFlow is the server-side state of a pending authorization while
// the person picks whom to act for.
type chooseFlow struct {
	State     string          `json:"state"`
	Request   json.RawMessage `json:"request"`
	SessionID string          `json:"session_id"`
	Holder    string          `json:"holder"`
	// Options are the represented persons' pids offered on the page.
	Options []string `json:"options"`
	Lang    string   `json:"lang"`
}

func (t *tenant) chooseCookie() string { return "oidcp_choose_" + t.name }

// sessionChoiceKey keys a stored choice by tool and by who chose: the
// session store already drops values when another person logs in on the
// browser, and keying by holder keeps a choice from ever applying to
// anyone else even if it did not.
func sessionChoiceKey(clientID, holderPID string) string {
	return "acting_for\x00" + clientID + "\x00" + holderPID
}

// acceptedKinds is the client's accepted relation kinds as the rules know
// them.
func acceptedKinds(c storage.Client) []representation.RelationKind {
	out := make([]representation.RelationKind, 0, len(c.AcceptedRelations))
	for _, k := range c.AcceptedRelations {
		out = append(out, representation.RelationKind(k))
	}
	return out
}

// choices returns the holder as the tenant's registry knows them and whom
// they may act for through client c now. Two registry reads: the holder's
// relations, then every person they name (registry.Lookup).
func (p *Provider) choices(ctx context.Context, t *tenant, c storage.Client, holderPID string) (representation.Person, []representation.Choice, error) {
	h, err := registry.Lookup(ctx, p.store, t.cfg.Registry, holderPID)
	if err != nil {
		return representation.Person{}, nil, err
	}
	return h.Holder, representation.Choices(h.Holder, h.Relations, h.Persons, acceptedKinds(c), c.Standalone, p.now()), nil
}

// afterLogin runs the representation step for a logged-in person and
// then issues the code.
func (p *Provider) afterLogin(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, sess *sessions.Session, login sessionstore.Login) {
	ctx := r.Context()
	c := ar.GetClient().(*fositeClient).c
	want := ar.GetRequestForm().Get(paramTestIDActingFor)
	if want != "" && len(c.AcceptedRelations) == 0 {
		// Nothing to choose, but the parameter is checked all the same,
		// so a script learns of a mistake here rather than later.
		err := headlessAllowed(ar, login)
		if err == nil && want != choiceSelf {
			err = fosite.ErrAccessDenied.WithHintf("%s names someone to act for, but this tool accepts no relation (register it with --accept-relation to act for others).", paramTestIDActingFor)
		}
		if err != nil {
			p.authorizeError(w, r, t, ar, err)
			return
		}
	}
	if len(c.AcceptedRelations) == 0 {
		p.issue(w, r, t, ar, sess, login, nil)
		return
	}
	holder, choices, err := p.choices(ctx, t, c, login.Subject)
	if err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	if want != "" {
		p.chooseHeadless(w, r, t, ar, sess, login, want, choices)
		return
	}
	prompts := fosite.RemoveEmpty(strings.Split(ar.GetRequestForm().Get("prompt"), " "))
	if stored, ok := sess.Values[sessionChoiceKey(c.ID, login.Subject)].(string); ok && !slices.Contains(prompts, "select_account") {
		if stored == choiceSelf {
			p.issue(w, r, t, ar, sess, login, nil)
			return
		}
		if ch := pick(choices, stored); ch != nil {
			p.issue(w, r, t, ar, sess, login, ch)
			return
		}
		// The stored choice no longer holds: ask again rather than
		// silently issuing for somebody else.
	} else if len(choices) == 0 {
		p.issue(w, r, t, ar, sess, login, nil)
		return
	}
	if slices.Contains(prompts, "none") {
		p.authorizeError(w, r, t, ar, errAccountSelectionRequired.WithHint("The person must choose whom to act for (prompt=none)."))
		return
	}
	p.showChooser(w, r, t, ar, sess, holder, choices)
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
	if _, ok := testIDHintPID(form.Get("login_hint")); !ok {
		return fosite.ErrInvalidRequest.WithHintf("%s is only for ID-porten's headless test login: send it together with login_hint=testid:<fødselsnummer>.", paramTestIDActingFor)
	}
	if v != choiceSelf && !representation.ValidPID(v) {
		return fosite.ErrInvalidRequest.WithHintf("%s must be %q or the 11-digit fødselsnummer of the person to act for.", paramTestIDActingFor, choiceSelf)
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

// headlessAllowed reports why testid_acting_for cannot be honoured for
// this login, or nil. Only a test login counts: the eID said so (amr
// TestID, which ID-porten's production never issues), and the session's
// person is the one the hint names, so a script never chooses for a
// person who logged in some other way.
func headlessAllowed(ar fosite.AuthorizeRequester, login sessionstore.Login) error {
	hintPID, _ := testIDHintPID(ar.GetRequestForm().Get("login_hint"))
	if !slices.Contains(login.AMR, "TestID") {
		return fosite.ErrAccessDenied.WithHintf("%s is honoured only after ID-porten's headless test login (amr TestID); this login used another method, so the person must choose on the page.", paramTestIDActingFor)
	}
	if subtle.ConstantTimeCompare([]byte(hintPID), []byte(login.Subject)) != 1 {
		return fosite.ErrAccessDenied.WithHintf("%s applies to the person named in login_hint, but this browser's login session is another person's; log out or use a fresh cookie jar.", paramTestIDActingFor)
	}
	return nil
}

// chooseHeadless makes the choice testid_acting_for asks for, as the
// chooser page would: it must be among the current choices (the rules of
// representation.Evaluate, the tool's accepted relations), it is stored
// on the session for the tool and logged. An impossible choice ends the
// authorization with access_denied for the tool.
func (p *Provider) chooseHeadless(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, sess *sessions.Session, login sessionstore.Login, want string, choices []representation.Choice) {
	if err := headlessAllowed(ar, login); err != nil {
		p.authorizeError(w, r, t, ar, err)
		return
	}
	var acting *representation.Choice
	if want != choiceSelf {
		if acting = pick(choices, want); acting == nil {
			p.authorizeError(w, r, t, ar, fosite.ErrAccessDenied.WithHintf(
				"The person named in %s is not someone the logged-in person may act for in this tool now: no such relation, a relation the tool does not accept, or one the rules deny (age, expiry, confidential address). See the sandbox population.", paramTestIDActingFor))
			return
		}
	}
	p.recordChoice(w, r, t, ar, sess, login, want, acting, true)
}

// pick finds the choice for subjectPID among the current ones; nil when
// it is not (or no longer) among them.
func pick(choices []representation.Choice, subjectPID string) *representation.Choice {
	for i := range choices {
		if choices[i].Subject.PID == subjectPID {
			return &choices[i]
		}
	}
	return nil
}

// chooseCSRF binds the chooser form to the login session and the flow.
func chooseCSRF(sessionID, flowID string) string {
	return sidFor("choose-csrf\x00" + sessionID + "\x00" + flowID)
}

func (p *Provider) showChooser(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, sess *sessions.Session, holder representation.Person, choices []representation.Choice) {
	ctx := r.Context()
	reqData, err := marshalRequest(ar)
	if err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	lang := pageLang(r, ar.GetRequestForm().Get("ui_locales"))
	sid := t.sessions.ID(sess)
	f := chooseFlow{State: stateChoose, Request: reqData, SessionID: sid, Holder: holder.PID, Lang: lang}
	for _, c := range choices {
		f.Options = append(f.Options, c.Subject.PID)
	}
	data, _ := json.Marshal(f)
	id := randomID()
	now := p.now()
	if err := p.store.CreateFlow(ctx, storage.Flow{
		ID: id, Tenant: t.name, Purpose: purposeChoose, Data: data,
		CreatedAt: now, ExpiresAt: now.Add(p.cfg.LoginFlowLifespan),
	}); err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return
	}
	t.setFlowCookie(w, t.chooseCookie(), id, int(p.cfg.LoginFlowLifespan.Seconds()))
	renderChooser(w, http.StatusOK, chooserView(lang, t, ar.GetClient().(*fositeClient).c, holder, choices, id, chooseCSRF(sid, id), now, ""))
}

// choose handles POST /choose: the person's pick from the chooser page.
func (p *Provider) choose(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		_ = r.ParseForm()
		lang := pageLang(r, "")
		flowID := r.PostForm.Get("flow")
		c, err := r.Cookie(t.chooseCookie())
		if flowID == "" || err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(flowID)) != 1 {
			renderError(w, r, http.StatusBadRequest, lang, "login_expired", "invalid_request", "")
			return
		}
		sess, err := t.sessions.Get(r, t.cookieName())
		if unavailable(err) {
			p.renderUnavailable(w, r, t, lang, err)
			return
		}
		login, loggedIn := t.sessions.Login(sess)
		sid := t.sessions.ID(sess)
		if !loggedIn || subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(chooseCSRF(sid, flowID))) != 1 {
			renderError(w, r, http.StatusForbidden, lang, "login_expired", "invalid_request", "")
			return
		}
		f, err := p.store.TakeFlow(ctx, flowID, purposeChoose)
		if unavailable(err) {
			p.renderUnavailable(w, r, t, lang, err)
			return
		}
		t.setFlowCookie(w, t.chooseCookie(), "", -1)
		var cf chooseFlow
		if err != nil || f.Tenant != t.name || !f.ExpiresAt.After(p.now()) || json.Unmarshal(f.Data, &cf) != nil ||
			cf.State != stateChoose || cf.SessionID != sid || cf.Holder != login.Subject {
			renderError(w, r, http.StatusBadRequest, cf.langOr(lang), "login_expired", "invalid_request", "")
			return
		}
		lang = cf.langOr(lang)
		ar, err := t.fstore.unmarshalRequest(ctx, cf.Request, NewSession(t.name))
		if unavailable(err) {
			p.renderUnavailable(w, r, t, lang, err)
			return
		}
		if err != nil {
			renderError(w, r, http.StatusBadRequest, lang, "unknown_client", "invalid_client", "")
			return
		}
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
		if picked != choiceSelf && !slices.Contains(cf.Options, picked) {
			renderError(w, r, http.StatusBadRequest, lang, "bad_request", "invalid_request", "")
			return
		}
		var acting *representation.Choice
		if picked != choiceSelf {
			// Re-check now: the rules are evaluated at login time, and
			// the page may have been open across a relation's end.
			_, choices, err := p.choices(ctx, t, ar.Client.(*fositeClient).c, login.Subject)
			if err != nil {
				p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
				return
			}
			if acting = pick(choices, picked); acting == nil {
				renderError(w, r, http.StatusConflict, lang, "choice_gone", "access_denied", "")
				return
			}
		}
		p.recordChoice(w, r, t, ar, sess, *login, picked, acting, false)
	}
}

// recordChoice stores a choice (choiceSelf or a pid) on the login session
// for the tool, logs it and issues the code. headless marks a choice made
// with testid_acting_for rather than on the page.
func (p *Provider) recordChoice(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, sess *sessions.Session, login sessionstore.Login, picked string, acting *representation.Choice, headless bool) {
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
	if headless {
		detail["headless"] = true
	}
	p.event(r.Context(), t, audit.Event{
		Kind: audit.RepresentationChosen, Actor: login.Subject, Subject: subject,
		ClientID: ar.GetClient().GetID(), SessionID: t.sessions.ID(sess), Detail: detail,
	})
	p.issue(w, r, t, ar, sess, login, acting)
}

func (f chooseFlow) langOr(def string) string {
	if f.Lang != "" {
		return f.Lang
	}
	return def
}

// representationClaim is the "representation" claim
// (docs/representation.md, "Claims"). A pseudonymous tool gets only the
// pairwise id of the represented person.
func (t *tenant) representationClaim(c storage.Client, scopes fosite.Arguments, a *representation.Choice) map[string]any {
	d := a.Decision
	rep := map[string]any{"sub": t.pairwiseSub(sector(c), a.Subject.PID)}
	if c.Category != "pseudonymous" {
		if scopes.Has("pid") {
			rep["pid"] = a.Subject.PID
		}
		// The same scope rule as for the person's own claims: names and
		// birth date only with profile.
		if scopes.Has("profile") {
			if name := strings.TrimSpace(a.Subject.GivenName + " " + a.Subject.FamilyName); name != "" {
				rep["name"] = name
			}
			if !a.Subject.BirthDate.IsZero() {
				rep["birthdate"] = dateClaim(a.Subject.BirthDate)
			}
		}
	}
	out := map[string]any{
		"relation":    string(a.Relation.Kind),
		"limited":     d.Limited,
		"represented": rep,
	}
	if len(d.ServiceAreas) > 0 {
		out["service_areas"] = d.ServiceAreas
	}
	if !d.ValidUntil.IsZero() {
		out["valid_until"] = d.ValidUntil.UTC().Format(time.RFC3339)
	}
	return out
}

// recheckRepresentation runs the rules again when tokens issued for a
// represented person are refreshed. When the relation no longer holds
// (the child turned 16, the power of attorney expired or was withdrawn,
// the tool stopped accepting the relation), the whole grant is revoked,
// the event logged, and the refresh fails with invalid_grant (RFC 6749
// §5.2: the grant is no longer valid). Otherwise the claim is brought up
// to date (a child may have turned 12 and become limited).
func (p *Provider) recheckRepresentation(ctx context.Context, t *tenant, ar fosite.AccessRequester) error {
	s, ok := ar.GetSession().(*Session)
	if !ok || s.ActingFor == "" {
		return nil
	}
	c := ar.GetClient().(*fositeClient).c
	_, choices, err := p.choices(ctx, t, c, s.PID)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	if a := pick(choices, s.ActingFor); a != nil && string(a.Relation.Kind) == s.Relation {
		rep := t.representationClaim(c, ar.GetGrantedScopes(), a)
		if s.Claims != nil && s.Claims.Extra != nil {
			s.Claims.Extra["representation"] = rep
		}
		if s.UserinfoClaims != nil {
			s.UserinfoClaims["representation"] = rep
		}
		return nil
	}
	n, err := p.store.RevokeByRequest(ctx, t.name, ar.GetID())
	if err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	p.revokeGrantRelationEnded(ctx, t, s)
	p.event(ctx, t, audit.Event{
		Kind: audit.RepresentationEnded, Actor: s.PID, Subject: s.ActingFor, ClientID: c.ID,
		SessionID: s.LoginSessionID, GrantID: s.GrantID,
		Detail: map[string]any{"relation": s.Relation, "revoked": n, "request_id": ar.GetID()},
	})
	return fosite.ErrInvalidGrant.WithHint("The relation that allowed acting for this person no longer holds; the grant has been revoked.")
}
