package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/claims"
	"github.com/oidcp/oidcp/dpop"
	"github.com/oidcp/oidcp/oautherr"
	"github.com/oidcp/oidcp/representation"
)

// VerifyAccessToken implements account.TokenVerifier: the one way a
// component outside the provider (the citizen pages and API) learns who
// an access token of a tenant speaks for. It accepts only an active
// access token issued for a person, opaque or JWT, of that tenant, and
// not a DPoP-bound one: such a token is worth nothing without its proof,
// which only VerifyRequestToken, seeing the request, can check.
func (p *Provider) VerifyAccessToken(ctx context.Context, tenant, token string) (account.AccessToken, error) {
	at, s, err := p.verifyAccessToken(ctx, tenant, token)
	if err != nil {
		return account.AccessToken{}, err
	}
	if s.CnfJKT != "" {
		return account.AccessToken{}, &TokenRefusal{Code: dpop.CodeInvalidToken, cause: account.ErrInvalidToken,
			Description: "The access token is DPoP-bound; the resource must check its DPoP proof."}
	}
	return at, nil
}

// VerifyRequestToken is VerifyAccessToken for a resource request r that
// presents the token in its Authorization header, Bearer or DPoP
// (RFC 9449 §7.1): a DPoP-bound token is accepted only with the DPoP
// scheme and a valid proof by its key for r's method and url (the URL the
// client sent r to, without the query), whose ath is the token's hash;
// the proof's jti is then used up. A refusal is a *TokenRefusal, which is
// account.ErrInvalidToken (errors.Is) and carries the WWW-Authenticate
// challenge and DPoP-Nonce to answer with; any other error means the
// check could not be made.
func (p *Provider) VerifyRequestToken(r *http.Request, tenant, url string) (account.AccessToken, error) {
	t, ok := p.tenants[tenant]
	if !ok {
		return account.AccessToken{}, account.ErrInvalidToken
	}
	scheme, token := dpop.AuthorizationToken(r)
	if scheme != "bearer" && scheme != "dpop" {
		return account.AccessToken{}, &TokenRefusal{Code: "invalid_request", cause: account.ErrInvalidToken,
			Description: "Send the access token in the Authorization header, with the Bearer or DPoP scheme."}
	}
	at, s, err := p.verifyAccessToken(r.Context(), tenant, token)
	if err != nil {
		return account.AccessToken{}, err
	}
	switch {
	case s.CnfJKT == "" && scheme == "dpop":
		return account.AccessToken{}, &TokenRefusal{Code: dpop.CodeInvalidToken, DPoP: true, Algs: t.dpop.Algs(), cause: account.ErrInvalidToken,
			Description: "The access token is not DPoP-bound; send it with the Bearer scheme."}
	case s.CnfJKT == "":
		return at, nil
	}
	err = t.dpop.VerifyHeader(r.Context(), r.Header, r.Method, url, token, s.CnfJKT)
	if e, ok := dpop.AsError(err); ok {
		return account.AccessToken{}, &TokenRefusal{Code: e.Code, Description: e.Description, Nonce: e.Nonce,
			DPoP: true, Algs: t.dpop.Algs(), cause: errors.Join(account.ErrInvalidToken, err)}
	}
	if err != nil {
		return account.AccessToken{}, fmt.Errorf("verify access token: %w", err)
	}
	return at, nil
}

// TokenRefusal is why VerifyRequestToken (or VerifyAccessToken) refused
// a token, in the terms of RFC 6750 §3 and RFC 9449 §7.1.
type TokenRefusal struct {
	// Code and Description are the error and error_description.
	Code, Description string
	// DPoP: the challenge is in the DPoP scheme, naming Algs.
	DPoP bool
	Algs []string
	// Nonce, when set, goes in the DPoP-Nonce header.
	Nonce string
	cause error
}

func (e *TokenRefusal) Error() string { return e.Code + ": " + e.Description }

// Unwrap makes a refusal account.ErrInvalidToken.
func (e *TokenRefusal) Unwrap() error { return e.cause }

// DPoPNonce is the nonce to answer the refusal with in DPoP-Nonce, if any.
func (e *TokenRefusal) DPoPNonce() string { return e.Nonce }

// Challenge is the WWW-Authenticate value to answer the refusal with.
func (e *TokenRefusal) Challenge() string {
	oe := &oautherr.Error{Code: e.Code, Description: e.Description}
	if e.DPoP {
		return oautherr.DPoPChallenge(oe, e.Algs)
	}
	return oautherr.BearerChallenge(oe)
}

// verifyAccessToken looks the token up: an active access token of the
// tenant issued for a person.
func (p *Provider) verifyAccessToken(ctx context.Context, tenant, token string) (account.AccessToken, *Session, error) {
	t, ok := p.tenants[tenant]
	if !ok || token == "" {
		return account.AccessToken{}, nil, account.ErrInvalidToken
	}
	tt, ar, err := t.oauth.IntrospectToken(ctx, token, fosite.AccessToken, NewSession(t.name))
	if unavailable(err) {
		return account.AccessToken{}, nil, fmt.Errorf("verify access token: %w", err)
	}
	if err != nil || tt != fosite.AccessToken {
		return account.AccessToken{}, nil, account.ErrInvalidToken
	}
	s, ok := ar.GetSession().(*Session)
	if !ok || s.PID == "" || s.Tenant != t.name {
		return account.AccessToken{}, nil, account.ErrInvalidToken
	}
	v := account.Viewer{
		Tenant:       t.name,
		Person:       s.PID,
		Subject:      s.dataSubject(),
		ClientID:     ar.GetClient().GetID(),
		SessionChain: s.LoginSessionID,
	}
	c, err := clientOf(ar)
	if err != nil {
		return account.AccessToken{}, nil, account.ErrInvalidToken
	}
	if s.ActingFor != "" {
		// The representation rules run again on every use, as a refresh
		// runs them: a relation withdrawn or past its end, or a tool that
		// no longer accepts it, ends what the token may see now, not when
		// it expires; a child who has turned 12 meanwhile is seen with
		// the limited view at once.
		a, err := p.stillActing(ctx, t, c, s.PID, s.ActingFor, s.Relation)
		if err != nil {
			return account.AccessToken{}, nil, fmt.Errorf("verify access token: representation: %w", err)
		}
		if a == nil {
			return account.AccessToken{}, nil, account.ErrInvalidToken
		}
		v.Relation = representation.RelationKind(s.Relation)
		v.Limited = a.Decision.Limited
	}
	scopes := append([]string(nil), ar.GetGrantedScopes()...)
	return account.AccessToken{
		Viewer:    v,
		Scopes:    scopes,
		ExpiresAt: s.GetExpiresAt(fosite.AccessToken),
		MaySeePID: claims.ShowsPID(c, scopes),
	}, s, nil
}
