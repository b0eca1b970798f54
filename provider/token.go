package provider

import (
	"errors"
	"net/http"
	"strings"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/exchange"
	"github.com/oidcp/oidcp/storage"
)

// token handles POST /token (RFC 6749 §3.2): authorization_code,
// refresh_token, client_credentials and token exchange (RFC 8693). Each grant's reads and writes are
// one storage transaction inside fosite's handlers.
func (p *Provider) token(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := withCodeReads(withRevocationCount(r.Context()))
		r = r.WithContext(ctx)
		sess := NewSession(t.name)
		ar, err := t.oauth.NewAccessRequest(ctx, r, sess)
		if err != nil {
			p.tokenError(w, r, t, ar, err)
			return
		}
		ctx = issueCtx(ctx, ar)
		grant := ar.GetGrantTypes()
		if grant.ExactOne("client_credentials") {
			// RFC 6749 §4.4: the client acts on its own behalf; fosite
			// checked the scopes against the registration. A
			// data-exchange scope is about a citizen's data and is
			// issued only under that citizen's grant, which a machine
			// client acting for nobody cannot have.
			if p.cfg.Consent != nil {
				if data := p.cfg.Consent.Catalogue(t.name).DataScopes(ar.GetRequestedScopes()); len(data) > 0 {
					p.tokenError(w, r, t, ar, fosite.ErrInvalidScope.WithHintf("The data-exchange scopes %v are issued only under a citizen's grant (the authorization_code grant), never through client_credentials.", data))
					return
				}
			}
			for _, s := range ar.GetRequestedScopes() {
				ar.GrantScope(s)
			}
			for _, a := range ar.GetRequestedAudience() {
				ar.GrantAudience(a)
			}
			cs := ar.GetSession().(*Session)
			cs.Subject = ar.GetClient().GetID()
			cs.Claims.Subject = cs.Subject
			cs.Claims.Issuer = t.issuer // introspection's iss (RFC 7662 §2.2)
			// Only the access token is issued: an opaque one is sealed
			// (sealed.go) and written nowhere, a JWT one's row may
			// commit without waiting for the disk (losing it fails
			// closed). The usage-log event is recorded below.
			ctx = withIssueOnly(ctx)
		}
		// Every grant that issues tokens under a consent grant rechecks
		// it inside the transaction that stores them, holding it
		// against a concurrent revocation (holdGrant): a code exchange
		// in codeGrant, a refresh (with the representation) in
		// refreshGrant, a token exchange in the exchange handler's
		// Recheck.

		// What the tokens are bound to (RFC 9449), for every grant.
		if err := p.bindDPoP(w, r, t, ar); err != nil {
			p.tokenError(w, r, t, ar, err)
			return
		}
		resp, err := t.oauth.NewAccessResponse(ctx, ar)
		// A concurrent writer made the grant's transaction fail (SQLite
		// busy past its timeout, a PostgreSQL serialization failure or
		// deadlock) and it was rolled back, so run it again. A code
		// redeemed meanwhile by another request is then found used: a
		// reuse, invalid_grant. If the database stays busy, the client
		// may retry later; it is no server error.
		for try := 1; errors.Is(err, storage.ErrSerialization) && try < maxGrantTries; try++ {
			resp, err = t.oauth.NewAccessResponse(ctx, ar)
		}
		if errors.Is(err, storage.ErrSerialization) {
			err = fosite.ErrTemporarilyUnavailable.WithHint("The request competed with others for the same data; try again.").WithWrap(err)
		}
		if err != nil {
			p.tokenError(w, r, t, ar, err)
			return
		}
		// RFC 6750 §4 and RFC 6749 §7.1 spell the type "Bearer"; fosite
		// writes "bearer" (the value is case-insensitive, §5.1, but some
		// clients compare it exactly).
		resp.SetTokenType("Bearer")
		if s, ok := ar.GetSession().(*Session); ok && s.CnfJKT != "" {
			resp.SetTokenType("DPoP") // RFC 9449 §5
		}
		gt := grantName(grant)
		e := p.tokenEvent(ar, gt)
		if gt == "client_credentials" {
			// A sealed token needs no database, so its usage-log event
			// is what ties its issue to the database: recorded (queued)
			// before the token leaves, or no token while the usage log
			// cannot take it (a database outage).
			if err := p.eventTx(ctx, t, e); err != nil {
				p.tokenError(w, r, t, ar, err)
				return
			}
		}
		t.oauth.WriteAccessResponse(ctx, w, ar, resp)

		if gt == exchange.GrantType {
			p.obs.TokenIssued(t.name, "token_exchange") // a readable metric label
		} else {
			p.obs.TokenIssued(t.name, gt)
		}
		if gt != "client_credentials" {
			p.event(ctx, t, e)
		}
	}
}

// tokenEvent is the usage-log event of tokens issued for ar under grant
// type gt.
func (p *Provider) tokenEvent(ar fosite.AccessRequester, gt string) audit.Event {
	kind := audit.TokenIssued
	if gt == "refresh_token" {
		kind = audit.TokenRefreshed
	}
	e := audit.Event{Kind: kind, ClientID: ar.GetClient().GetID(), Detail: map[string]any{"grant_type": gt, "scopes": []string(ar.GetGrantedScopes())}}
	if gt == exchange.GrantType {
		e.Kind = audit.TokenExchanged
		e.Detail["requester"] = ar.GetClient().GetID()
		e.Detail["audience"] = strings.Join(ar.GetGrantedAudience(), " ") // exactly one
	}
	if s, _ := ar.GetSession().(*Session); s != nil {
		e.Actor, e.Subject, e.SessionID, e.GrantID = s.PID, s.dataSubject(), s.LoginSessionID, s.GrantID
		if s.ActingFor != "" && s.Relation != "" {
			// The represented person's log names how the actor was
			// related, also for a tool without a grant to read it from.
			e.Detail["relation"] = s.Relation
		}
	}
	return e
}

// maxGrantTries bounds how often a grant whose transaction lost to a
// concurrent one is run.
const maxGrantTries = 3

func grantName(g fosite.Arguments) string {
	if len(g) == 1 {
		return g[0]
	}
	return "unknown"
}

// tokenError writes an RFC 6749 §5.2 error, and handles the two replay
// cases fosite leaves to storage: a refresh token reused after rotation
// (fosite already revoked the chain; we record it) and an authorization
// code redeemed twice at the same instant (the loser revokes what the
// winner got, RFC 6749 §4.1.2).
func (p *Provider) tokenError(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AccessRequester, err error) {
	ctx := r.Context()
	if unavailable(err) {
		p.writeUnavailable(w, r, t, err)
		return
	}
	form := r.PostForm
	grantEnded := errors.Is(err, errGrantEnded) // no replay: the grant ended
	// Read the grant type as fosite does (split on spaces, empties
	// dropped): "refresh_token " is the refresh grant to fosite too.
	switch grantName(fosite.RemoveEmpty(strings.Split(form.Get("grant_type"), " "))) {
	case "refresh_token":
		if errors.Is(err, fosite.ErrInactiveToken) {
			if c, ok := ctx.Value(revocationCountKey{}).(*revocationCount); ok && c.refresh == 0 {
				// Nothing of the chain was active: not a reuse after
				// rotation but a grant revoked before.
				err = fosite.ErrInvalidGrant.WithHint("The refresh token was revoked; start a new authorization request.").WithWrap(err)
			} else {
				p.replayEvent(r, t, audit.RefreshReuseDetected, storage.KindRefreshToken, t.hmac.RefreshTokenSignature(ctx, form.Get("refresh_token")))
			}
		}
	case "authorization_code":
		sig := t.hmac.AuthorizeCodeSignature(ctx, form.Get("code"))
		if errors.Is(err, errCodeExpired) {
			err = fosite.ErrInvalidGrant.WithHintf("The authorization code has expired: it is valid for %v. Start a new authorization request.", t.fcfg.AuthorizeCodeLifespan).WithWrap(err)
		}
		if errors.Is(err, storage.ErrInactive) || errors.Is(err, fosite.ErrInvalidatedAuthorizeCode) {
			// Lost the race against a concurrent redemption of the same
			// code: the conditional invalidation found it used
			// (ErrInactive), or the winner had committed by the time
			// fosite read the code again (ErrInvalidatedAuthorizeCode,
			// which fosite reports as a server_error there). Either way
			// the winner's transaction, which invalidated the code and
			// created its tokens together, has committed, so the revoke
			// below reaches every token it got.
			if rec, gerr := p.store.GetToken(ctx, t.name, storage.KindAuthorizeCode, sig); gerr == nil {
				if _, rerr := p.store.RevokeByRequest(ctx, t.name, rec.RequestID, storage.KindAccessToken, storage.KindRefreshToken); rerr != nil {
					p.log.ErrorContext(ctx, "revoke after concurrent code reuse", "tenant", t.name, "err", rerr)
				}
			}
			err = fosite.ErrInvalidGrant.WithHint("The authorization code has already been used.")
		}
		if !grantEnded && fosite.ErrorToRFC6749Error(err).ErrorField == fosite.ErrInvalidGrant.ErrorField {
			p.replayEvent(r, t, audit.CodeReuseDetected, storage.KindAuthorizeCode, sig)
		}
	}
	rfc := fosite.ErrorToRFC6749Error(err)
	if rfc.CodeField >= 500 {
		p.log.ErrorContext(ctx, "token failed", "tenant", t.name, "err", errorDebug(err))
	}
	writeJSONError(w, err)
}

// replayEvent records a detected replay against the grant's person.
func (p *Provider) replayEvent(r *http.Request, t *tenant, kind string, tk storage.TokenKind, sig string) {
	ctx := r.Context()
	rec, err := p.store.GetToken(ctx, t.name, tk, sig)
	if err != nil || rec.Active {
		return // unknown, or not a replay (e.g. an expired code)
	}
	p.event(ctx, t, audit.Event{
		Kind: kind, Actor: rec.Subject, Subject: rec.Subject, ClientID: rec.ClientID,
		SessionID: rec.SessionID, GrantID: rec.GrantID,
		Detail: map[string]any{"request_id": rec.RequestID},
	})
}
