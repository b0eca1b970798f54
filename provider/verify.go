package provider

import (
	"context"
	"fmt"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/representation"
)

// VerifyAccessToken implements account.TokenVerifier: the one way a
// component outside the provider (the citizen pages and API) learns who
// an access token of a tenant speaks for. It accepts only an active
// access token issued for a person, opaque or JWT, of that tenant.
func (p *Provider) VerifyAccessToken(ctx context.Context, tenant, token string) (account.AccessToken, error) {
	t, ok := p.tenants[tenant]
	if !ok || token == "" {
		return account.AccessToken{}, account.ErrInvalidToken
	}
	tt, ar, err := t.oauth.IntrospectToken(ctx, token, fosite.AccessToken, NewSession(t.name))
	if unavailable(err) {
		return account.AccessToken{}, fmt.Errorf("verify access token: %w", err)
	}
	if err != nil || tt != fosite.AccessToken {
		return account.AccessToken{}, account.ErrInvalidToken
	}
	s, ok := ar.GetSession().(*Session)
	if !ok || s.PID == "" || s.Tenant != t.name {
		return account.AccessToken{}, account.ErrInvalidToken
	}
	v := account.Viewer{
		Tenant:       t.name,
		Person:       s.PID,
		Subject:      s.dataSubject(),
		ClientID:     ar.GetClient().GetID(),
		SessionChain: s.LoginSessionID,
	}
	if s.ActingFor != "" {
		v.Relation = representation.RelationKind(s.Relation)
	}
	return account.AccessToken{
		Viewer:    v,
		Scopes:    append([]string(nil), ar.GetGrantedScopes()...),
		ExpiresAt: s.GetExpiresAt(fosite.AccessToken),
	}, nil
}
