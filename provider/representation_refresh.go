package provider

import (
	"context"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/audit"
)

// representationRefresh is a fosite token endpoint handler that runs the
// representation rules again on a refresh of tokens issued for a
// represented person (recheckRepresentation). It is appended after
// fosite's refresh handlers, so it sees the session they restored; it
// mutates that session in fosite's Handle phase, before any Populate
// stores it, instead of from the HTTP handler.
type representationRefresh struct {
	p *Provider
	t *tenant
}

var _ fosite.TokenEndpointHandler = (*representationRefresh)(nil)

func (h *representationRefresh) CanHandleTokenEndpointRequest(_ context.Context, r fosite.AccessRequester) bool {
	return r.GetGrantTypes().ExactOne("refresh_token")
}

func (h *representationRefresh) CanSkipClientAuth(context.Context, fosite.AccessRequester) bool {
	return false
}

func (h *representationRefresh) HandleTokenEndpointRequest(ctx context.Context, r fosite.AccessRequester) error {
	if !h.CanHandleTokenEndpointRequest(ctx, r) {
		return fosite.ErrUnknownRequest
	}
	return h.p.recheckRepresentation(ctx, h.t, r)
}

func (h *representationRefresh) PopulateTokenEndpointResponse(context.Context, fosite.AccessRequester, fosite.AccessResponder) error {
	return fosite.ErrUnknownRequest
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
	c, err := clientOf(ar)
	if err != nil {
		return err
	}
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
