package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ory/fosite"
	"github.com/ory/fosite/token/jwt"

	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/storage"
)

// Consent is the slice of consent.Service the provider uses. Grant and
// Refuse are the consent step's (consent_step.go).
type Consent interface {
	Catalogue(tenant string) *consent.Catalogue
	Covers(ctx context.Context, r consent.Request) (storage.Grant, bool, error)
	Grant(ctx context.Context, r consent.Request) (storage.Grant, error)
	Refuse(ctx context.Context, r consent.Request) error
	// ActiveInTx reports whether a grant is active, inside the
	// transaction ctx carries, holding the grant against revocation
	// until that transaction ends.
	ActiveInTx(ctx context.Context, tenant, id string) (bool, error)
	Revoke(ctx context.Context, tenant, id string, rev storage.Revocation) (storage.RevokedGrants, error)
	// RevokeInTx is Revoke inside the transaction ctx carries.
	RevokeInTx(ctx context.Context, tenant, id string, rev storage.Revocation) (storage.RevokedGrants, error)
}

// LogoutNotifier queues back-channel logouts (backchannel.Enqueuer) for
// the clients a person was signed in to in an ended login session chain.
type LogoutNotifier interface {
	SessionEnded(ctx context.Context, tenant, pid, chainID string, clientIDs []string, reason string) error
}

var _ Consent = (*consent.Service)(nil)

// scopesSupported are the identity scopes and the tenant's data-exchange
// scopes (discovery).
func (p *Provider) scopesSupported(t *tenant) []string {
	out := slices.Clone(supportedScopes)
	if p.cfg.Consent != nil {
		out = append(out, p.cfg.Consent.Catalogue(t.name).Names()...)
	}
	return out
}

// consentRequest is what an authorization asks for, for whom.
func consentRequest(t *tenant, ar fosite.Requester, s *Session) consent.Request {
	r := consent.Request{Tenant: t.name, ClientID: ar.GetClient().GetID(), Subject: s.dataSubject(), Scopes: ar.GetGrantedScopes()}
	if s.ActingFor != "" {
		r.Actor, r.Relation = s.PID, s.Relation
	}
	return r
}

// attachGrant is the token-issuance hook of consent: an authorization
// with data-exchange scopes is issued only under an active grant that
// covers them, and its codes and tokens record the grant's id (so that
// revoking the grant reaches every one of them). The consent step
// (consent_step.go) has made sure a grant exists; should none cover the
// request by now (revoked in the meantime), it fails with
// consent_required rather than carry a data scope nobody allowed.
// grantID is the grant the consent step of this request found or gave;
// with it no second lookup is needed.
func (p *Provider) attachGrant(ctx context.Context, t *tenant, ar fosite.Requester, s *Session, grantID string) error {
	if p.cfg.Consent == nil {
		return nil
	}
	if grantID != "" {
		// The consent step of this same request found or gave it.
		s.GrantID = grantID
		return nil
	}
	req := consentRequest(t, ar, s)
	g, ok, err := p.cfg.Consent.Covers(ctx, req)
	if err != nil {
		return fosite.ErrServerError.WithWrap(err)
	}
	if !ok {
		data := p.cfg.Consent.Catalogue(t.name).DataScopes(req.Scopes)
		return fosite.ErrConsentRequired.WithHintf("No active permission (grant) covers the data-exchange scopes %v for this person and tool.", data)
	}
	s.GrantID = g.ID
	return nil
}

// holdGrant reports whether the consent grant a session's tokens are
// issued under is still active, and holds it against revocation until
// the transaction ctx carries ends (consent's ActiveInTx, storage's
// LockGrant): a revocation then either waits for that transaction and
// deactivates what it issued, or committed before and the grant reads
// revoked here. Every transaction that issues codes or tokens under a
// grant calls it first, before it writes any code or token row, so that
// it takes its locks in the order a revocation does (the grant, then its
// tokens). True when there is no grant to hold. (A logout's sweep holds
// nothing of the grant: it reaches what such a transaction commits
// through the token row the transaction deactivates or locks; see
// storage's RevokeBySession.)
func (p *Provider) holdGrant(ctx context.Context, t *tenant, s *Session) (bool, error) {
	if s == nil || s.GrantID == "" || p.cfg.Consent == nil {
		return true, nil
	}
	active, err := p.cfg.Consent.ActiveInTx(ctx, t.name, s.GrantID)
	if err != nil {
		return false, fosite.ErrServerError.WithWrap(err)
	}
	return active, nil
}

// errGrantEnded marks the refusal of a token request whose consent grant
// is no longer active (errGrantInactive), so that the token endpoint does
// not take it for a replay of the code it revoked.
var errGrantEnded = errors.New("provider: the consent grant is no longer active")

func errGrantInactive() error {
	return fosite.ErrInvalidGrant.WithHint("The permission (grant) these tokens were issued under has been revoked or has expired.").WithWrap(errGrantEnded)
}

// queueLogouts queues, in ctx's transaction, back-channel logouts for
// the clients signed in to an ended login session chain: they are queued
// with the change that ends the session, or neither happens.
func (p *Provider) queueLogouts(ctx context.Context, t *tenant, pid, chainID string, clientIDs []string, reason string) error {
	if p.cfg.Logouts == nil || len(clientIDs) == 0 {
		return nil
	}
	if err := p.cfg.Logouts.SessionEnded(ctx, t.name, pid, chainID, clientIDs, reason); err != nil {
		return fmt.Errorf("queue back-channel logout: %w", err)
	}
	return nil
}

// LogoutClaims returns the sub and sid a client's logout token carries
// for a person (pid) and a login session chain: the pairwise sub and the
// sid of the ID tokens the client got. sid is empty without a chain.
func (p *Provider) LogoutClaims(ctx context.Context, tenant, clientID, pid, chainID string) (sub, sid string, err error) {
	t, ok := p.tenants[tenant]
	if !ok {
		return "", "", fmt.Errorf("provider: unknown tenant %q", tenant)
	}
	// The client may be disabled (the kill-switch): read it directly.
	c, err := p.store.GetClient(ctx, tenant, clientID)
	if err != nil {
		return "", "", err
	}
	if pid != "" {
		sub = t.pairwiseSub(sector(c), pid)
	}
	if chainID != "" {
		sid = sidFor(chainID)
	}
	return sub, sid, nil
}

// SignLogoutToken signs a logout token's claims with the tenant's key in
// the client's ID token algorithm, typ logout+jwt (Back-Channel Logout
// 1.0 §2.4).
func (p *Provider) SignLogoutToken(ctx context.Context, tenant, clientID string, claims map[string]any) (string, error) {
	t, ok := p.tenants[tenant]
	if !ok {
		return "", fmt.Errorf("provider: unknown tenant %q", tenant)
	}
	alg := ""
	if c, err := p.store.GetClient(ctx, tenant, clientID); err == nil {
		alg = c.IDTokenSignedResponseAlg
	}
	tok, _, err := t.signer.Generate(withSigningAlg(ctx, alg), jwt.MapClaims(claims), &jwt.Headers{Extra: map[string]any{"typ": "logout+jwt"}})
	return tok, err
}

// Issuer returns a tenant's issuer URL.
func (p *Provider) Issuer(tenant string) string {
	if t, ok := p.tenants[tenant]; ok {
		return t.issuer
	}
	return ""
}
