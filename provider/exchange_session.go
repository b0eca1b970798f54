package provider

import (
	"context"
	"errors"
	"maps"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/claims"
	"github.com/oidcp/oidcp/exchange"
	"github.com/oidcp/oidcp/storage"
)

var _ exchange.Session = (*Session)(nil)

// ForPerson implements exchange.Session: a person logged in.
func (s *Session) ForPerson() bool { return s.PID != "" }

// Exchanged implements exchange.Session. The new token speaks for the
// same person with the same sub (the subject token's pairwise sub: the
// receiving API sees the person the calling tool sees, and act says
// whose sector that is), the same login session and grant (so logout
// and a revoked grant reach it), the same representation; the claims a
// narrower scope no longer allows are dropped (claims.Narrow).
//
// A subject token bound to a DPoP key passes its binding on to the
// exchange (exchangedFrom), not to the new token: bindDPoP then demands
// a proof, by the same key when the token's own client exchanges it, and
// binds the new token to the proof's key. A bound token never becomes a
// bearer token by being exchanged.
func (s *Session) Exchanged(from, requester string, scopes []string) fosite.Session {
	c := s.Clone().(*Session)
	c.CnfJKT = ""
	c.exchangedFrom = &exchangeOrigin{jkt: s.CnfJKT, sameClient: from == requester}
	act := map[string]any{"client_id": requester}
	if s.Act != nil {
		act["act"] = maps.Clone(s.Act)
	}
	c.Act = act
	c.UserinfoClaims = claims.Narrow(s.UserinfoClaims, scopes)
	if c.Claims != nil {
		c.Claims.Extra = claims.Narrow(s.Claims.Extra, scopes)
	}
	// Only the access token's expiry applies; the handler sets it.
	c.ExpiresAt = nil
	return c
}

// recheckExchange is the token exchange's Recheck (exchange.Handler): in
// the transaction that stores the new token it holds the consent grant
// the subject token was issued under, which the new token records
// (holdGrant), and refuses the exchange when that grant has been revoked
// or has expired. It then holds the subject token's own record (read
// before the transaction) and refuses when it is no longer active: a
// logout or revocation that committed meanwhile is seen here, and one
// still running waits for this transaction and then reaches the new
// token (storage's LockToken and RevokeBySession).
func (p *Provider) recheckExchange(ctx context.Context, t *tenant, r fosite.AccessRequester, subjectSignature string) error {
	s, _ := r.GetSession().(*Session)
	active, err := p.holdGrant(ctx, t, s)
	if err != nil {
		return err
	}
	if !active {
		return errGrantInactive()
	}
	rec, err := p.store.LockToken(ctx, t.name, storage.KindAccessToken, subjectSignature)
	switch {
	case errors.Is(err, storage.ErrNotFound) || err == nil && !rec.Active:
		return fosite.ErrInvalidGrant.WithHint("The subject_token has been revoked (or its login session ended) during the exchange.")
	case err != nil:
		return fosite.ErrServerError.WithWrap(err)
	}
	return nil
}

// exchangeOrigin is what bindDPoP needs of an exchange's subject token:
// the key it is bound to (empty when it is a bearer token), and whether
// the client exchanging it is the client it was issued to.
type exchangeOrigin struct {
	jkt        string
	sameClient bool
}
