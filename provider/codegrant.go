package provider

import (
	"context"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"
)

// codeGrant is fosite's authorization code handler (RFC 6749 §4.1) with
// the consent grant rechecked inside the transaction that redeems the
// code. fosite's handler reads the code in its Handle phase and, in its
// Populate phase, begins a transaction, invalidates the code, stores the
// new tokens and commits. codeGrant begins that transaction itself,
// holds the code's grant in it (holdGrant), lets fosite redeem the code
// in the same transaction, and commits once:
//
//   - the grant is active: the code invalidated and the tokens stored
//     commit together, and a revocation of the grant that comes
//     meanwhile waits for them and revokes them too;
//   - the grant has been revoked or has expired (revoked after the
//     consent step checked it but before the code was stored, so the
//     revocation did not reach the code; or since): the code is
//     revoked, that commits, and the redemption fails with
//     invalid_grant;
//   - anything fails: all of it rolls back.
//
// It takes the place of fosite's handler in the composition, for the
// authorize endpoint too (the embedded handler answers there unchanged).
type codeGrant struct {
	// AuthorizeExplicitGrantHandler is fosite's handler over the
	// transactional store: the authorize endpoint's half and the token
	// endpoint's Handle phase.
	*oauth2.AuthorizeExplicitGrantHandler
	p *Provider
	t *tenant
	// populate is the same handler over a store that begins no
	// transaction (joinCoreTx): its writes join codeGrant's.
	populate *oauth2.AuthorizeExplicitGrantHandler
}

var (
	_ fosite.TokenEndpointHandler     = (*codeGrant)(nil)
	_ fosite.AuthorizeEndpointHandler = (*codeGrant)(nil)
)

// codeGrantFactory is compose.OAuth2AuthorizeExplicitFactory with the
// grant recheck of tenant t.
func (p *Provider) codeGrantFactory(t *tenant) compose.Factory {
	return func(config fosite.Configurator, store any, strategy any) any {
		h := compose.OAuth2AuthorizeExplicitFactory(config, store, strategy).(*oauth2.AuthorizeExplicitGrantHandler)
		joined := *h
		joined.CoreStorage = joinCoreTx{h.CoreStorage}
		joined.TokenRevocationStorage = joinTx{h.TokenRevocationStorage}
		return &codeGrant{AuthorizeExplicitGrantHandler: h, p: p, t: t, populate: &joined}
	}
}

// joinCoreTx is joinTx for fosite's CoreStorage: writes through it join
// the transaction the context carries.
type joinCoreTx struct{ oauth2.CoreStorage }

func (h *codeGrant) PopulateTokenEndpointResponse(ctx context.Context, r fosite.AccessRequester, resp fosite.AccessResponder) error {
	if !h.CanHandleTokenEndpointRequest(ctx, r) {
		return fosite.ErrUnknownRequest
	}
	return h.p.inTokenTx(ctx, h.t, "code exchange", func(ctx context.Context) (refusal, err error) {
		s, _ := r.GetSession().(*Session)
		active, err := h.p.holdGrant(ctx, h.t, s)
		if err != nil {
			return nil, err
		}
		if !active {
			// The code's records share the request's id: revoke them,
			// so the code cannot be tried again.
			if _, err := h.p.store.RevokeByRequest(ctx, h.t.name, r.GetID()); err != nil {
				return nil, fosite.ErrServerError.WithWrap(err)
			}
			return errGrantInactive(), nil
		}
		return nil, h.populate.PopulateTokenEndpointResponse(ctx, r, resp)
	})
}
