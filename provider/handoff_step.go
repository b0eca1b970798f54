package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gorilla/sessions"
	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/authflow"
	"github.com/oidcp/oidcp/handoff"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/sessionstore"
)

// HandoffRedeemer redeems a portal's hand-off ticket (handoff.Tickets):
// it consumes the ticket whatever the outcome, logs every refusal, and
// returns a handoff.Err value for a ticket that does not hold.
type HandoffRedeemer interface {
	Redeem(ctx context.Context, rd handoff.Redemption) (handoff.Grant, error)
}

// redeemHandoff is the authorization step of a tool opened from a
// portal (docs/handoff.md): when the request's login_hint is a hand-off
// ticket that holds for this client and the browser's live login
// session, the flow starts authenticated with the portal's choice of whom
// to act for (authflow's RedeemTicket) and goes on to consent or issue:
// no login and no chooser page. It reports whether it answered; when the
// ticket does not hold it answers nothing, and the request goes on as an
// ordinary one (a login), never a login by the ticket. live says whether
// login is a session that satisfies the request as it stands.
func (p *Provider) redeemHandoff(w http.ResponseWriter, r *http.Request, t *tenant, ar fosite.AuthorizeRequester, f *authflow.Flow, sess *sessions.Session, login *sessionstore.Login, live bool) bool {
	hint := ar.GetRequestForm().Get("login_hint")
	if p.cfg.Handoff == nil || !handoff.IsTicket(hint) {
		return false
	}
	ctx := r.Context()
	rd := handoff.Redemption{Tenant: t.name, Ticket: hint, ClientID: ar.GetClient().GetID()}
	if live && login != nil {
		rd.SessionChain, rd.Holder = login.ChainID, login.Subject
	}
	g, err := p.cfg.Handoff.Redeem(ctx, rd)
	switch {
	case errors.Is(err, handoff.ErrUnknown), errors.Is(err, handoff.ErrExpired),
		errors.Is(err, handoff.ErrWrongClient), errors.Is(err, handoff.ErrWrongSession):
		return false // refused and logged: an ordinary login follows
	case err != nil:
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return true
	}
	if !live || login == nil {
		// A redeemer never grants without a live session; if one did,
		// nobody is logged in by it.
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithDebug("hand-off granted without a live login session"))
		return true
	}
	choice := authflow.ChoiceSelf
	if g.ActingFor != "" {
		choice = g.ActingFor
	}
	if err := f.RedeemTicket(t.sessions.ID(sess), login.Subject, choice, g.PortalClientID); err != nil {
		p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
		return true
	}
	var acting *representation.Choice
	if g.ActingFor != "" {
		// The rules again, for this tool and now: the portal's choice is
		// used only as it still holds here, never silently another.
		c, err := clientOf(ar)
		if err != nil {
			p.authorizeError(w, r, t, ar, err)
			return true
		}
		if acting, err = p.stillActing(ctx, t, c, login.Subject, g.ActingFor, g.Relation); err != nil {
			p.authorizeError(w, r, t, ar, fosite.ErrServerError.WithWrap(err))
			return true
		}
		if acting == nil {
			p.log.WarnContext(ctx, "hand-off representation does not hold for the tool", "tenant", t.name,
				"client_id", rd.ClientID, "portal_client_id", g.PortalClientID, "relation", g.Relation)
			p.authorizeError(w, r, t, ar, fosite.ErrAccessDenied.WithHintf(
				"The portal handed off acting for someone under the relation %s, which this tool may not use now.", g.Relation))
			return true
		}
	}
	p.recordChoice(w, r, t, ar, f, sess, *login, choice, acting, handedOff)
	return true
}

// AuthenticateClient implements handoff.ClientAuthenticator: the client
// of r authenticated to tenant with the parameters form, exactly as at
// the token endpoint (the method it registered, private_key_jwt's
// assertion audiences, the throttling of failures). A public client is
// refused. The error is a protocol error (oautherr) to answer with.
func (p *Provider) AuthenticateClient(ctx context.Context, tenant string, r *http.Request, form url.Values) (string, error) {
	t, ok := p.tenants[tenant]
	if !ok {
		return "", oautherr.ServerError.WithDescription("Unknown tenant.")
	}
	f, ok := t.oauth.(*fosite.Fosite)
	if !ok {
		return "", oautherr.ServerError.WithDescription("Client authentication is not available.")
	}
	c, err := f.AuthenticateClient(ctx, r, form)
	if err == nil && c.IsPublic() {
		err = fosite.ErrInvalidClient.WithHint("A public client cannot authenticate; only a confidential client may do this.")
	}
	if err != nil {
		e := protocolError(err)
		if e.Status >= http.StatusInternalServerError && !unavailable(err) {
			p.log.ErrorContext(ctx, "client authentication failed", "tenant", t.name, "err", errorDebug(err))
		}
		return "", e
	}
	return c.GetID(), nil
}
