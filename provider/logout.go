package provider

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/ory/fosite/token/jwt"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/web"
)

// logoutFlow remembers where to send the browser after the upstream eID
// has logged out too.
type logoutFlow struct {
	PostLogoutRedirectURI string `json:"post_logout_redirect_uri,omitempty"`
	State                 string `json:"state,omitempty"`
	Lang                  string `json:"lang"`
}

// endSession handles OpenID Connect RP-Initiated Logout 1.0 (§2). A
// post_logout_redirect_uri is honoured only if the client (from client_id
// or the id_token_hint's aud) registered it exactly; otherwise no redirect
// happens. The person is asked to confirm, so a third-party page cannot log
// people out silently, unless the id_token_hint is an ID token of the
// person logged in to this browser's session chain (§2: the OP asks when
// the hint does not match the current session). Without a session there
// is nothing to end and nobody to ask.
func (p *Provider) endSession(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if err := r.ParseForm(); err != nil {
			errorPage(w, r, pageLang(r, ""), oautherr.InvalidRequest.WithDescription("The request is not a valid form."))
			return
		}
		lang := pageLang(r, r.Form.Get("ui_locales"))
		hint := r.Form.Get("id_token_hint")
		clientID := r.Form.Get("client_id")
		redirect := r.Form.Get("post_logout_redirect_uri")
		state := r.Form.Get("state")

		var hintClaims jwt.MapClaims
		if hint != "" {
			claims, err := t.idTokenHint(ctx, hint)
			if err != nil {
				errorPage(w, r, lang, oautherr.InvalidRequest.WithDescription(err.Error()+"."))
				return
			}
			aud := audiences(claims["aud"])
			if clientID == "" && len(aud) == 1 {
				clientID = aud[0]
			} else if clientID != "" && !slices.Contains(aud, clientID) {
				errorPage(w, r, lang, oautherr.InvalidRequest.WithDescription("client_id does not match the id_token_hint."))
				return
			}
			hintClaims = claims
		}
		if redirect != "" {
			if clientID == "" {
				errorPage(w, r, lang, oautherr.InvalidRequest.WithDescription("post_logout_redirect_uri needs client_id or id_token_hint."))
				return
			}
			c, err := p.clients.get(ctx, t.name, clientID)
			if unavailable(err) {
				p.renderUnavailable(w, r, t, lang, err)
				return
			}
			if err != nil || !slices.Contains(c.PostLogoutRedirectURIs, redirect) {
				errorPage(w, r, lang, oautherr.BadRedirect.WithDescription("post_logout_redirect_uri is not registered for this client."))
				return
			}
		}

		sess, err := t.sessions.Get(r, t.cookieName())
		if err != nil {
			// Never "you are logged out" while the session may live on.
			p.renderUnavailable(w, r, t, lang, err)
			return
		}
		login, loggedIn := t.sessions.Login(sess)
		if loggedIn && r.Form.Get("confirm") == "" {
			switch {
			case hintClaims == nil:
				p.renderLogoutConfirm(w, r, t, lang, web.Messages[lang]["logout_confirm"], clientID, redirect, state, t.sessions.ID(sess))
				return
			case !p.hintMatches(ctx, t, hintClaims, clientID, login):
				p.renderLogoutConfirm(w, r, t, lang, web.LogoutOtherMessage[lang], clientID, redirect, state, t.sessions.ID(sess))
				return
			}
		}
		if r.Form.Get("confirm") != "" {
			if r.Method != http.MethodPost || !validLogoutCSRF(r, t.sessions.ID(sess)) {
				errorPage(w, r, lang, oautherr.InvalidRequest.WithDescription("The logout confirmation expired. Try again."))
				return
			}
			if r.Form.Get("confirm") != "yes" {
				finishLogout(w, r, lang, redirect, state)
				return
			}
		}
		if !loggedIn {
			finishLogout(w, r, lang, redirect, state)
			return
		}

		sid := login.ChainID
		// Back-Channel Logout 1.0 §2: every client signed in to the
		// session is told, including the one that asked (it may have
		// other instances). Queued in the logout's transaction, so no
		// client slows the person down and no logout is lost.
		ended := endedLogin{pid: login.Subject, clientID: clientID, signedIn: t.sessions.Clients(sess)}
		if err := p.endLogin(r, w, t, sess, sid, ended); err != nil {
			// Never "you are logged out" while the session or its tokens
			// may live on: nothing was changed, the person can retry.
			p.renderUnavailable(w, r, t, lang, err)
			return
		}

		// Log out at the eID too, then come back to finish.
		if login.UpstreamIDToken != "" {
			fid := randomID()
			data, _ := json.Marshal(logoutFlow{PostLogoutRedirectURI: redirect, State: state, Lang: lang})
			now := p.now()
			// oidcp's session and tokens are already gone: if the eID's
			// logout cannot be started, the person is still logged out
			// here and told so; the failure is logged, not hidden.
			err := p.store.CreateFlow(ctx, storage.Flow{ID: fid, Tenant: t.name, Purpose: purposeLogout, Data: data, CreatedAt: now, ExpiresAt: now.Add(10 * time.Minute)})
			var u string
			if err == nil {
				u, err = t.cfg.Upstream.EndSessionURL(ctx, login.UpstreamIDToken, t.issuer+"/logout/callback", fid)
			}
			if err == nil {
				w.Header().Set("Cache-Control", "no-store")
				http.Redirect(w, r, u, http.StatusSeeOther)
				return
			}
			p.log.WarnContext(ctx, "upstream logout not started", "tenant", t.name, "err", err)
		}
		finishLogout(w, r, lang, redirect, state)
	}
}

// endLogin revokes the tokens of the session chain and ends the login
// session in one transaction: either both happen or neither, so a
// logout never leaves tokens of an ended session, nor an ended session
// whose tokens the person believes revoked. The tokens are bound to the
// chain, so this reaches those of the sessions this one replaced (a
// step-up, prompt=login) too. The session cookie is deleted only once
// the transaction is committed.
func (p *Provider) endLogin(r *http.Request, w http.ResponseWriter, t *tenant, sess *sessions.Session, chainID string, e endedLogin) error {
	txctx, err := p.store.BeginTx(r.Context())
	if err != nil {
		return err
	}
	// The session row first, then the tokens: the order the account
	// pages' end-session takes, so the two never wait for each other's
	// row locks in a cycle.
	held := &heldHeaders{h: http.Header{}}
	if err := t.sessions.End(r.WithContext(txctx), held, sess); err != nil {
		_ = p.store.Rollback(txctx)
		return err
	}
	n, err := p.store.RevokeBySession(txctx, t.name, chainID)
	if err != nil {
		_ = p.store.Rollback(txctx)
		return fmt.Errorf("revoke session tokens: %w", err)
	}
	if err := p.recordLogout(txctx, t, chainID, e, n); err != nil {
		_ = p.store.Rollback(txctx)
		return fmt.Errorf("logout: %w", err)
	}
	if err := p.store.Commit(txctx); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	for _, c := range held.h.Values("Set-Cookie") {
		w.Header().Add("Set-Cookie", c)
	}
	return nil
}

// endedLogin is who logged out, through which client, and which clients
// were signed in to the session.
type endedLogin struct {
	pid, clientID string
	signedIn      []string
}

// recordLogout writes, in the logout's transaction tx, the usage-log
// events and the back-channel logouts of the clients signed in: either
// they are queued and logged with the logout or the logout does not
// happen.
func (p *Provider) recordLogout(tx context.Context, t *tenant, chainID string, e endedLogin, revoked int64) error {
	if revoked > 0 {
		if err := p.eventTx(tx, t, audit.Event{Kind: audit.TokenRevoked, Actor: e.pid, Subject: e.pid, SessionID: chainID,
			Detail: map[string]any{"reason": "logout", "count": revoked}}); err != nil {
			return err
		}
	}
	if err := p.queueLogouts(tx, t, e.pid, chainID, e.signedIn, "logout"); err != nil {
		return err
	}
	return p.eventTx(tx, t, audit.Event{Kind: audit.Logout, Actor: e.pid, Subject: e.pid, ClientID: e.clientID, SessionID: chainID})
}

// heldHeaders collects the headers a call sets (the session cookie's
// deletion) until it is known they may be sent.
type heldHeaders struct{ h http.Header }

func (h *heldHeaders) Header() http.Header         { return h.h }
func (h *heldHeaders) Write(b []byte) (int, error) { return len(b), nil }
func (h *heldHeaders) WriteHeader(int)             {}

// logoutCallback is where the upstream eID returns after its logout.
func (p *Provider) logoutCallback(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lang := pageLang(r, "")
		// The logout itself is done (endSession); what is lost when the
		// flow is not found or unreadable is only the way back to the
		// tool, so the person is shown that they are logged out.
		f, err := p.store.TakeFlow(r.Context(), r.URL.Query().Get("state"), purposeLogout)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			p.log.ErrorContext(r.Context(), "logout callback", "tenant", t.name, "err", err)
		}
		var lf logoutFlow
		if err != nil || f.Tenant != t.name || json.Unmarshal(f.Data, &lf) != nil {
			finishLogout(w, r, lang, "", "")
			return
		}
		finishLogout(w, r, lf.Lang, lf.PostLogoutRedirectURI, lf.State)
	}
}

// finishLogout sends the browser to the (already validated) client URI,
// or shows that the person is logged out.
func finishLogout(w http.ResponseWriter, r *http.Request, lang, redirect, state string) {
	w.Header().Set("Cache-Control", "no-store")
	if redirect != "" {
		u, err := url.Parse(redirect)
		if err == nil {
			if state != "" {
				q := u.Query()
				q.Set("state", state)
				u.RawQuery = q.Encode()
			}
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
	}
	m := web.Messages[lang]
	web.Render(w, http.StatusOK, web.LogoutTemplate, web.Page{Lang: lang, Title: m["logout_title"], Message: m["logged_out"], T: m})
}

// Why an id_token_hint is refused.
var (
	errHintNotIDToken  = errors.New("id_token_hint is not an ID token issued by this provider")
	errHintOtherIssuer = errors.New("id_token_hint was issued by another issuer")
)

// idTokenHint verifies an id_token_hint: an ID token this tenant issued,
// signed with one of its published keys, iss its issuer. A JWT access token
// (RFC 9068) is signed with the same keys and carries the same iss, so it
// is told apart by what marks it as one: typ at+jwt (§2.1) and the
// client_id and scope claims (§2.2), which ID tokens never carry. An
// expired ID token is still a good hint (RP-Initiated Logout 1.0 §2); any
// other validation error is not. The error's text is for the page.
func (t *tenant) idTokenHint(ctx context.Context, hint string) (jwt.MapClaims, error) {
	tok, err := t.signer.Decode(ctx, hint)
	if err != nil {
		var ve *jwt.ValidationError
		if !asValidationError(err, &ve) || ve.Errors != jwt.ValidationErrorExpired {
			return nil, errHintNotIDToken
		}
	}
	if typ, _ := tok.Header["typ"].(string); typ != "" && !strings.EqualFold(typ, "JWT") {
		return nil, errHintNotIDToken
	}
	claims := tok.Claims
	if _, ok := claims["client_id"]; ok {
		return nil, errHintNotIDToken
	}
	if _, ok := claims["scope"]; ok {
		return nil, errHintNotIDToken
	}
	if sub, _ := claims["sub"].(string); sub == "" || len(audiences(claims["aud"])) == 0 {
		return nil, errHintNotIDToken
	}
	if iss, _ := claims["iss"].(string); iss != t.issuer {
		return nil, errHintOtherIssuer
	}
	return claims, nil
}

// hintMatches reports whether a verified ID token hint names the person
// logged in to this browser, as the client it was issued to sees them
// (pairwise sub), and, when it carries a sid, this browser's session
// chain. sid follows the chain, so an ID token issued before the person
// logged in again (prompt=login, step-up) still matches; one of another
// person, or of the same person's session in another browser, does not.
func (p *Provider) hintMatches(ctx context.Context, t *tenant, claims jwt.MapClaims, clientID string, login *sessionstore.Login) bool {
	if sid, ok := claims["sid"].(string); ok && subtle.ConstantTimeCompare([]byte(sid), []byte(sidFor(login.ChainID))) != 1 {
		return false
	}
	c, err := p.clients.get(ctx, t.name, clientID)
	if err != nil {
		return false
	}
	sub, _ := claims["sub"].(string)
	return subtle.ConstantTimeCompare([]byte(sub), []byte(t.pairwiseSub(sector(c), login.Subject))) == 1
}

// renderLogoutConfirm asks the person question: whether to log out.
func (p *Provider) renderLogoutConfirm(w http.ResponseWriter, r *http.Request, t *tenant, lang, question, clientID, redirect, state, sid string) {
	m := web.Messages[lang]
	hidden := map[string]string{"csrf": logoutCSRF(sid)}
	if clientID != "" {
		hidden["client_id"] = clientID
	}
	if redirect != "" {
		hidden["post_logout_redirect_uri"] = redirect
	}
	if state != "" {
		hidden["state"] = state
	}
	hidden["ui_locales"] = lang
	web.Render(w, http.StatusOK, web.LogoutTemplate, web.Page{
		Lang: lang, Title: m["logout_title"], Message: question, Action: t.issuer + "/logout", Hidden: hidden, T: m,
	})
}

// logoutCSRF binds the confirmation form to the login session.
func logoutCSRF(sid string) string { return sidFor("logout-csrf\x00" + sid) }

func validLogoutCSRF(r *http.Request, sid string) bool {
	return sid != "" && subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(logoutCSRF(sid))) == 1
}

func audiences(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, 0, len(a))
		for _, x := range a {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	case []string:
		return a
	}
	return nil
}

func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
