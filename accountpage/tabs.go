package accountpage

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/web"
)

// logTab is "Logg over bruk": GET /account/?from=&to=&tool=&who=&after=.
func (h *Handler) logTab(w http.ResponseWriter, vw *view) (int, web.AccountPage) {
	t := web.AccountTexts[vw.lang]
	q := vw.r.URL.Query()
	p := web.AccountPage{Tab: web.AccountTabLog, Title: t["tab_log"]}
	lg := &web.AccountLog{Action: h.urlBase + "/", From: q.Get("from"), To: q.Get("to"), Intro: t["log_intro"]}
	if !vw.v.Self() {
		// A representative reads whose log this is, not "identiteten din".
		lg.Intro = fmt.Sprintf(t["log_intro_for_f"], orDash(vw.sess.For))
	}
	p.Log = lg

	eq := account.EventQuery{ClientID: q.Get("tool"), Cursor: q.Get("after")}
	since, okFrom := parseDate(lg.From)
	until, okTo := parseDate(lg.To)
	if !okFrom {
		p.Errors = append(p.Errors, web.FieldError{Field: "from", Message: fmt.Sprintf(t["bad_date_f"], lg.From)})
	}
	if !okTo {
		p.Errors = append(p.Errors, web.FieldError{Field: "to", Message: fmt.Sprintf(t["bad_date_f"], lg.To)})
	}
	if okFrom && okTo && !since.IsZero() && !until.IsZero() && until.Before(since) {
		p.Errors = append(p.Errors, web.FieldError{Field: "to", Message: t["bad_period"]})
	}
	eq.Since = since
	if !until.IsZero() {
		eq.Until = until.AddDate(0, 0, 1) // "til og med": the whole day
	}
	selectedActor := ""
	switch who := q.Get("who"); who {
	case "", "self":
		eq.Who = who
	default:
		// A representative is named by a sealed value, so no fødselsnummer
		// is ever part of a URL (and so of an access log).
		if err := h.codec.Decode("who", who, &selectedActor); err != nil || selectedActor == "" {
			p.Errors = append(p.Errors, web.FieldError{Field: "who", Message: t["bad_who"]})
		} else {
			eq.Who = selectedActor
		}
	}

	var page account.EventPage
	if len(p.Errors) == 0 {
		var err error
		page, err = h.cfg.Service.Events(vw.r.Context(), vw.v, eq)
		if errors.Is(err, account.ErrInvalid) && eq.Cursor != "" {
			// A cursor of another filter, or too old: start again.
			p.Notice = t["bad_cursor"]
			eq.Cursor = ""
			q.Del("after")
			page, err = h.cfg.Service.Events(vw.r.Context(), vw.v, eq)
		}
		if err != nil {
			h.serviceError(w, vw, err)
			return 0, p
		}
	}
	for _, e := range page.Events {
		lg.Events = append(lg.Events, web.AccountEvent{
			Time: web.AccountTime(vw.lang, e.Time.In(representation.Oslo)), TimeISO: e.Time.UTC().Format(time.RFC3339),
			Who: eventWho(vw.lang, vw.v.Subject, e), What: h.eventWhat(vw.lang, e), Where: h.clientName(vw.lang, e.Client),
		})
	}
	if page.Next != "" {
		nq := cloneValues(q)
		nq.Set("after", page.Next)
		lg.NextURL = h.urlBase + "/?" + nq.Encode()
	}
	if eq.Cursor != "" {
		fq := cloneValues(q)
		fq.Del("after")
		lg.FirstURL = h.urlBase + "/"
		if len(fq) > 0 {
			lg.FirstURL += "?" + fq.Encode()
		}
	}

	// The filter's choices: the tools the person has a permission or a
	// login with, or that appear on this page; and "self" plus the
	// representatives that appear on this page.
	tools := map[string]string{}
	addTool := func(c account.Party) {
		if c.ID != "" && tools[c.ID] == "" {
			tools[c.ID] = h.clientName(vw.lang, c)
		}
	}
	if gs, err := h.cfg.Service.Grants(vw.r.Context(), vw.v); err == nil {
		for _, g := range gs {
			addTool(g.Client)
		}
	}
	if ss, err := h.cfg.Service.Sessions(vw.r.Context(), vw.v); err == nil {
		for _, s := range ss {
			for _, c := range s.Clients {
				addTool(c)
			}
		}
	}
	for _, e := range page.Events {
		addTool(e.Client)
	}
	addTool(account.Party{ID: eq.ClientID})
	lg.Tools = append(lg.Tools, web.AccountOption{Value: "", Label: t["all_tools"], Selected: eq.ClientID == ""})
	for _, id := range sortedKeys(tools) {
		lg.Tools = append(lg.Tools, web.AccountOption{Value: id, Label: tools[id], Selected: id == eq.ClientID})
	}
	lg.Who = []web.AccountOption{
		{Value: "", Label: t["everyone"], Selected: eq.Who == ""},
		{Value: "self", Label: t["self_use"], Selected: eq.Who == "self"},
	}
	actors := map[string]string{}
	for _, e := range page.Events {
		// The subject's own actions, for themself or for others, are "self".
		if !e.SelfUse && e.Actor.ID != "" && e.Actor.ID != vw.v.Subject {
			if actors[e.Actor.ID] == "" || e.Relation != "" {
				actors[e.Actor.ID] = representative(vw.lang, e.Actor, e.Relation)
			}
		}
	}
	if selectedActor != "" && actors[selectedActor] == "" {
		actors[selectedActor] = t["a_representative"]
	}
	for _, pid := range sortedKeys(actors) {
		sealed, err := h.codec.Encode("who", pid)
		if err != nil {
			continue
		}
		lg.Who = append(lg.Who, web.AccountOption{Value: sealed, Label: actors[pid], Selected: pid == selectedActor})
	}
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusBadRequest
	}
	return status, p
}

// parseDate reads a date as a date input sends it (2025-12-31) or as
// people write it (31.12.2025), as the start of that day in Oslo; "" is
// the zero time and ok.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02", "02.01.2006", "2.1.2006"} {
		if d, err := time.ParseInLocation(layout, s, representation.Oslo); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// eventWho is the log's "who": the person themself (egen bruk), a
// representative with the relation, or, for what the page's subject did
// for someone they represent, the subject on behalf of that person.
func eventWho(lang, subject string, e account.Event) string {
	t := web.AccountTexts[lang]
	switch {
	case e.SelfUse || e.Actor.ID == "" || e.Actor.ID == e.Subject.ID:
		return fmt.Sprintf(t["egen_bruk_f"], personName(lang, e.Subject))
	case e.Subject.ID != "" && e.Subject.ID != subject:
		if e.Relation == "" {
			return fmt.Sprintf(t["who_for_norel_f"], personName(lang, e.Actor), personName(lang, e.Subject))
		}
		return fmt.Sprintf(t["who_for_f"], personName(lang, e.Actor), personName(lang, e.Subject), relationWord(lang, e.Relation))
	}
	return representative(lang, e.Actor, e.Relation)
}

// representative names someone who acted for another person, with the
// relation in brackets when one was recorded (never an empty "()").
func representative(lang string, actor account.Party, relation string) string {
	if relation == "" {
		return personName(lang, actor)
	}
	return fmt.Sprintf(web.AccountTexts[lang]["by_rep_f"], personName(lang, actor), relationWord(lang, relation))
}

// eventWhat says in words what happened; a hand-off names the portal
// the tool was opened from.
func (h *Handler) eventWhat(lang string, e account.Event) string {
	texts := web.AccountEventTexts[lang]
	if e.Kind == audit.HandoffIssued && e.Via != nil && (e.Via.Name != "" || e.Via.ID != "") {
		return fmt.Sprintf(texts["handoff_issued_via_f"], h.clientName(lang, *e.Via))
	}
	if s, ok := texts[e.Kind]; ok {
		return s
	}
	return texts["other"] + " (" + e.Kind + ")"
}

// personName is a person's name, never their fødselsnummer.
func personName(lang string, p account.Party) string {
	if p.Name != "" {
		return p.Name
	}
	return web.AccountTexts[lang]["unknown_person"]
}

// clientName is a tool's name in the page's language
// (account.Party.NameIn), or for a tool deleted since, words that say so
// with its client id.
func (h *Handler) clientName(lang string, c account.Party) string {
	switch {
	case c.Deleted:
		return fmt.Sprintf(web.AccountTexts[lang]["deleted_tool_f"], c.ID)
	case c.ID == "" && c.Name == "":
		return "—"
	}
	return c.NameIn(lang)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		if k != "lang" {
			out[k] = slices.Clone(v)
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(strings.ToLower(m[a]), strings.ToLower(m[b])) })
	return keys
}

// sessionsTab is "Aktive innlogginger".
func (h *Handler) sessionsTab(w http.ResponseWriter, vw *view) (int, web.AccountPage) {
	t := web.AccountTexts[vw.lang]
	p := web.AccountPage{Tab: web.AccountTabSessions, Title: t["tab_sessions"],
		SessionBase: h.urlBase + "/sessions", EndAllAction: h.urlBase + "/sessions/end-all"}
	if vw.r.URL.Query().Get("done") == "ended" {
		p.Notice = t["session_ended"]
	}
	if !vw.v.Self() {
		// The logins shown are the person's own, not the represented's.
		p.SessionsNote = fmt.Sprintf(t["sessions_own_f"], orDash(vw.sess.For))
	}
	ss, err := h.cfg.Service.Sessions(vw.r.Context(), vw.v)
	if err != nil {
		h.serviceError(w, vw, err)
		return 0, p
	}
	for _, s := range ss {
		device := s.Device
		if h.cfg.DeviceName != nil && s.UserAgent != "" {
			device = h.cfg.DeviceName(s.UserAgent, vw.lang)
		}
		var tools []string
		for _, c := range s.Clients {
			tools = append(tools, h.clientName(vw.lang, c))
		}
		toolText := strings.Join(tools, ", ")
		if toolText == "" {
			toolText = t["no_tools"]
		}
		p.Sessions = append(p.Sessions, web.AccountSession{
			ID: s.ID, Device: device, Current: s.Current, Tools: toolText,
			Created: web.AccountTime(vw.lang, s.CreatedAt.In(representation.Oslo)), CreatedISO: s.CreatedAt.UTC().Format(time.RFC3339),
			LastUsed: web.AccountTime(vw.lang, s.LastSeenAt.In(representation.Oslo)), LastUsedISO: s.LastSeenAt.UTC().Format(time.RFC3339),
		})
	}
	return http.StatusOK, p
}

// grantsTab is "Tillatelser".
func (h *Handler) grantsTab(w http.ResponseWriter, vw *view) (int, web.AccountPage) {
	t := web.AccountTexts[vw.lang]
	p := web.AccountPage{Tab: web.AccountTabGrants, Title: t["tab_grants"]}
	if vw.r.URL.Query().Get("done") == "withdrawn" {
		p.Notice = t["withdrawn"]
	}
	gs, err := h.cfg.Service.Grants(vw.r.Context(), vw.v)
	if err != nil {
		h.serviceError(w, vw, err)
		return 0, p
	}
	for _, g := range gs {
		p.Grants = append(p.Grants, h.grantView(vw.lang, g))
	}
	return http.StatusOK, p
}

// grantView is a grant as the page shows it: the scopes in the words of
// the tenant's consent catalogue.
func (h *Handler) grantView(lang string, g account.Grant) web.AccountGrant {
	t := web.AccountTexts[lang]
	out := web.AccountGrant{
		ID: g.ID, Tool: h.clientName(lang, g.Client), Vendor: g.Vendor, LogoURI: g.LogoURI,
		For:   personName(lang, g.Subject),
		Given: web.AccountTime(lang, g.CreatedAt.In(representation.Oslo)), GivenISO: g.CreatedAt.UTC().Format(time.RFC3339),
		WithdrawURL: h.urlBase + "/grants/" + url.PathEscape(g.ID) + "/withdraw",
	}
	if !strings.HasPrefix(out.LogoURI, "https://") {
		out.LogoURI = ""
	}
	for _, s := range g.Scopes {
		if sc, ok := h.cfg.Catalogue.Lookup(s); ok {
			out.Scopes = append(out.Scopes, web.AccountGrantScope{Title: sc.Title.In(lang), Description: sc.Description.In(lang)})
		} else {
			out.Scopes = append(out.Scopes, web.AccountGrantScope{Title: s})
		}
	}
	if g.Relation == "" || g.Actor.ID == "" || g.Actor.ID == g.Subject.ID {
		out.GivenBy = personName(lang, g.Subject)
	} else {
		out.GivenBy = fmt.Sprintf(t["by_rep_f"], personName(lang, g.Actor), relationWord(lang, g.Relation))
	}
	return out
}

// confirmWithdraw asks before withdrawing: GET /account/grants/{id}/withdraw.
func (h *Handler) confirmWithdraw(w http.ResponseWriter, vw *view) (int, web.AccountPage) {
	t := web.AccountTexts[vw.lang]
	p := web.AccountPage{Tab: web.AccountTabConfirm, Title: t["confirm_title"]}
	if !vw.v.MayWithdraw() {
		h.serviceError(w, vw, account.ErrForbidden)
		return 0, p
	}
	id := vw.r.PathValue("id")
	gs, err := h.cfg.Service.Grants(vw.r.Context(), vw.v)
	if err != nil {
		h.serviceError(w, vw, err)
		return 0, p
	}
	i := slices.IndexFunc(gs, func(g account.Grant) bool { return g.ID == id })
	if i < 0 {
		h.serviceError(w, vw, account.ErrNotFound)
		return 0, p
	}
	g := h.grantView(vw.lang, gs[i])
	p.Confirm = &g
	p.ConfirmAction = g.WithdrawURL
	p.CancelURL = h.urlBase + "/grants"
	return http.StatusOK, p
}

// withdraw runs the revocation: POST /account/grants/{id}/withdraw.
func (h *Handler) withdraw(w http.ResponseWriter, vw *view) {
	if !vw.v.MayWithdraw() {
		h.serviceError(w, vw, account.ErrForbidden)
		return
	}
	if err := h.cfg.Service.RevokeGrant(vw.r.Context(), vw.v, vw.r.PathValue("id")); err != nil {
		h.serviceError(w, vw, err)
		return
	}
	http.Redirect(w, vw.r, h.urlBase+"/grants?done=withdrawn", http.StatusSeeOther)
}

// endSession logs one login out: POST /account/sessions/{id}/end. The
// sessions are always the logged-in person's own, so anyone may end
// them, whomever they look on behalf of. When
// it was the login these pages run under, the page session ends too.
func (h *Handler) endSession(w http.ResponseWriter, vw *view) {
	if err := h.cfg.Service.EndSession(vw.r.Context(), vw.v, vw.r.PathValue("id")); err != nil {
		h.serviceError(w, vw, err)
		return
	}
	if !h.stillValid(vw) {
		h.clearSession(w)
		http.Redirect(w, vw.r, h.urlBase+"/logged-out", http.StatusSeeOther)
		return
	}
	http.Redirect(w, vw.r, h.urlBase+"/sessions?done=ended", http.StatusSeeOther)
}

// endAll logs every login out: POST /account/sessions/end-all.
func (h *Handler) endAll(w http.ResponseWriter, vw *view) {
	n, err := h.cfg.Service.EndAllSessions(vw.r.Context(), vw.v)
	if err != nil {
		h.serviceError(w, vw, err)
		return
	}
	t := web.AccountTexts[vw.lang]
	msg := fmt.Sprintf(t["sessions_ended_f"], n)
	if h.stillValid(vw) {
		// The sessions ended are always the logged-in person's own;
		// the token holds only when the login these pages run under was
		// not among them (it had already ended), so the list is shown.
		http.Redirect(w, vw.r, h.urlBase+"/sessions?done=ended", http.StatusSeeOther)
		return
	}
	h.clearSession(w)
	web.Render(w, http.StatusOK, web.AccountTemplate, web.AccountPage{
		Lang: vw.lang, T: t, Tab: web.AccountTabMessage, Title: t["logged_out_title"],
		Message: msg, LinkURL: h.urlBase + "/", LinkLabel: t["login_again"],
	})
}

// stillValid reports whether the page session's access token still
// holds (ending the login it was issued under revokes it).
func (h *Handler) stillValid(vw *view) bool {
	_, err := h.cfg.Tokens.VerifyAccessToken(vw.r.Context(), h.cfg.Tenant, vw.sess.AccessToken)
	return err == nil
}
