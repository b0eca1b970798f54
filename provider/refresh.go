package provider

import (
	"context"
	"errors"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// refreshGrant is fosite's refresh token handler (RFC 6749 §6) with
// oidcp's rechecks inside its transaction. fosite's handler reads the
// refresh token in its Handle phase and, in its Populate phase, begins a
// transaction, rotates the token and commits. refreshGrant begins that
// transaction itself, runs the rechecks in it (is the consent grant
// still active, holdGrant, which also holds it against a concurrent
// revocation until the commit; does the relation the tokens act under
// still hold, recheckRepresentation), lets fosite rotate the token in
// the same transaction, and commits once:
//
//   - the rechecks pass: the claim brought up to date, the old refresh
//     token rotated and the new tokens stored commit together;
//   - a recheck refuses: what the refusal wrote (the request's tokens
//     and the grant revoked, the usage-log entries) commits and the
//     refresh fails with invalid_grant; nothing is rotated;
//   - anything fails (a read, a write, the commit): all of it rolls
//     back, and the next refresh runs the rechecks again.
//
// It takes the place of fosite's handler in the composition, so the
// OpenID Connect refresh handler after it sees the session it restored
// and the claim it updated.
type refreshGrant struct {
	p *Provider
	t *tenant
	// handle is fosite's handler over the transactional store: its
	// Handle phase reads the refresh token, and on a reuse revokes the
	// chain in a transaction of its own.
	handle *oauth2.RefreshTokenGrantHandler
	// populate is the same handler over a store that begins no
	// transaction (joinTx): its writes join refreshGrant's.
	populate *oauth2.RefreshTokenGrantHandler
}

var _ fosite.TokenEndpointHandler = (*refreshGrant)(nil)

// refreshGrantFactory is compose.OAuth2RefreshTokenGrantFactory with the
// rechecks of tenant t.
func (p *Provider) refreshGrantFactory(t *tenant) compose.Factory {
	return func(config fosite.Configurator, store any, strategy any) any {
		h := compose.OAuth2RefreshTokenGrantFactory(config, store, strategy).(*oauth2.RefreshTokenGrantHandler)
		joined := *h
		joined.TokenRevocationStorage = joinTx{h.TokenRevocationStorage}
		return &refreshGrant{p: p, t: t, handle: h, populate: &joined}
	}
}

// joinTx hides the store's storage.Transactional from fosite, so that a
// handler over it writes in the transaction its context already carries
// instead of beginning (and committing) one of its own.
type joinTx struct{ oauth2.TokenRevocationStorage }

func (h *refreshGrant) CanHandleTokenEndpointRequest(ctx context.Context, r fosite.AccessRequester) bool {
	return h.handle.CanHandleTokenEndpointRequest(ctx, r)
}

func (h *refreshGrant) CanSkipClientAuth(ctx context.Context, r fosite.AccessRequester) bool {
	return h.handle.CanSkipClientAuth(ctx, r)
}

func (h *refreshGrant) HandleTokenEndpointRequest(ctx context.Context, r fosite.AccessRequester) error {
	return h.handle.HandleTokenEndpointRequest(ctx, r)
}

func (h *refreshGrant) PopulateTokenEndpointResponse(ctx context.Context, r fosite.AccessRequester, resp fosite.AccessResponder) error {
	if !h.CanHandleTokenEndpointRequest(ctx, r) {
		return fosite.ErrUnknownRequest
	}
	return h.p.inTokenTx(ctx, h.t, "refresh", func(ctx context.Context) (refusal, err error) {
		refusal, err = h.p.recheckRefresh(ctx, h.t, r)
		if refusal != nil || err != nil {
			return refusal, err
		}
		return nil, h.populate.PopulateTokenEndpointResponse(ctx, r, resp)
	})
}

// inTokenTx runs fn, a grant's rechecks and fosite's writes, in one
// transaction of t's store (whose BeginTX and Commit also batch the
// access and refresh token records into one INSERT) and commits once:
// fn's refusal is returned after what fn wrote has committed; an error
// (fn's, or the commit's) rolls it all back.
func (p *Provider) inTokenTx(ctx context.Context, t *tenant, what string, fn func(ctx context.Context) (refusal, err error)) error {
	store := t.fstore
	ctx, err := store.BeginTX(ctx)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err).WithDebug(err.Error())
	}
	ended := false
	defer func() {
		if !ended {
			if err := store.Rollback(ctx); err != nil {
				p.log.ErrorContext(ctx, what+": roll back", "tenant", t.name, "err", err)
			}
		}
	}()
	refusal, err := fn(ctx)
	if err != nil {
		return err
	}
	ended = true
	if err := store.Commit(ctx); err != nil {
		return fosite.ErrServerError.WithWrap(err).WithDebug(err.Error())
	}
	return refusal
}

// recheckRefresh runs the rechecks of a refresh in ctx's transaction. A
// refusal is the invalid_grant to answer after committing what it wrote;
// err is a failure that rolls everything back. The consent grant is read
// first, holding it against revocation (holdGrant) before anything in
// the transaction writes a token row.
func (p *Provider) recheckRefresh(ctx context.Context, t *tenant, ar fosite.AccessRequester) (refusal, err error) {
	s, _ := ar.GetSession().(*Session)
	active, err := p.holdGrant(ctx, t, s)
	if err != nil {
		return nil, err
	}
	if refusal, err := p.recheckRepresentation(ctx, t, ar); refusal != nil || err != nil {
		return refusal, err
	}
	if !active {
		return p.refuseInactiveGrant(ctx, t, ar, s)
	}
	return nil, nil
}

// recheckRepresentation runs the rules again when tokens issued for a
// represented person are refreshed. When the relation no longer holds
// (the child turned 16, the power of attorney expired or was withdrawn,
// the tool stopped accepting the relation), the request's tokens and the
// consent grant are revoked, the event logged, and the refresh refused
// with invalid_grant (RFC 6749 §5.2: the grant is no longer valid).
// Otherwise the claim is brought up to date (a child may have turned 12
// and become limited).
func (p *Provider) recheckRepresentation(ctx context.Context, t *tenant, ar fosite.AccessRequester) (refusal, err error) {
	s, ok := ar.GetSession().(*Session)
	if !ok || s.ActingFor == "" {
		return nil, nil
	}
	c, err := clientOf(ar)
	if err != nil {
		return nil, err
	}
	a, err := p.stillActing(ctx, t, c, s.PID, s.ActingFor, s.Relation)
	if err != nil {
		return nil, fosite.ErrServerError.WithWrap(err)
	}
	if a != nil {
		rep := t.representationClaim(c, ar.GetGrantedScopes(), a)
		if s.Claims != nil && s.Claims.Extra != nil {
			s.Claims.Extra["representation"] = rep
		}
		if s.UserinfoClaims != nil {
			s.UserinfoClaims["representation"] = rep
		}
		return nil, nil
	}
	n, err := p.store.RevokeByRequest(ctx, t.name, ar.GetID())
	if err != nil {
		return nil, fosite.ErrServerError.WithWrap(err)
	}
	if s.GrantID != "" && p.cfg.Consent != nil {
		// Already revoked (ErrInactive) is what this wants; a grant that
		// merely expired is revoked now, so it says why it ended.
		_, err := p.cfg.Consent.RevokeInTx(ctx, t.name, s.GrantID, storage.Revocation{By: consent.RevokedByRelationEnded})
		if err != nil && !errors.Is(err, storage.ErrInactive) && !errors.Is(err, storage.ErrNotFound) {
			return nil, fosite.ErrServerError.WithWrap(err)
		}
	}
	if err := p.eventTx(ctx, t, audit.Event{
		Kind: audit.RepresentationEnded, Actor: s.PID, Subject: s.ActingFor, ClientID: c.ID,
		SessionID: s.LoginSessionID, GrantID: s.GrantID,
		Detail: map[string]any{"relation": s.Relation, "revoked": n, "request_id": ar.GetID()},
	}); err != nil {
		return nil, fosite.ErrServerError.WithWrap(err)
	}
	return fosite.ErrInvalidGrant.WithHint("The relation that allowed acting for this person no longer holds; the grant has been revoked."), nil
}

// refuseInactiveGrant refuses a refresh whose consent grant is no
// longer active. Revoking a grant revokes its tokens, so this is a grant
// that has expired: the request's tokens are revoked and the revocation
// logged.
func (p *Provider) refuseInactiveGrant(ctx context.Context, t *tenant, ar fosite.AccessRequester, s *Session) (refusal, err error) {
	n, err := p.store.RevokeByRequest(ctx, t.name, ar.GetID())
	if err != nil {
		return nil, fosite.ErrServerError.WithWrap(err)
	}
	if n > 0 {
		detail := map[string]any{"reason": "grant_inactive", "count": n, "request_id": ar.GetID()}
		if s.ActingFor != "" && s.Relation != "" {
			detail["relation"] = s.Relation
		}
		if err := p.eventTx(ctx, t, audit.Event{
			Kind: audit.TokenRevoked, Actor: s.PID, Subject: s.dataSubject(), ClientID: ar.GetClient().GetID(),
			SessionID: s.LoginSessionID, GrantID: s.GrantID, Detail: detail,
		}); err != nil {
			return nil, fosite.ErrServerError.WithWrap(err)
		}
	}
	return errGrantInactive(), nil
}

// stillActing is the choice of acting for actingFor under the relation
// kind relation, when the representation rules, run again for client c
// and now, still allow holder to; nil when they no longer do. A choice
// that exists under another relation kind does not hold: the relation
// the tokens or the hand-off were issued under is what must still hold.
func (p *Provider) stillActing(ctx context.Context, t *tenant, c storage.Client, holder, actingFor, relation string) (*representation.Choice, error) {
	_, choices, err := p.choices(ctx, t, c, holder)
	if err != nil {
		return nil, err
	}
	if a := pick(choices, actingFor); a != nil && string(a.Relation.Kind) == relation {
		return a, nil
	}
	return nil, nil
}

// eventTx records a usage-log event as part of ctx's transaction, if any:
// unlike event, a failure fails the caller, whose writes then roll back
// with it (or, outside a transaction, whose answer is refused).
func (p *Provider) eventTx(ctx context.Context, t *tenant, e audit.Event) error {
	e.Tenant = t.name
	return audit.Record(ctx, p.store, p.now(), e)
}
