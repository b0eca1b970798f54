package provider

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/claims"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
)

// pairwiseSub is the subject a client of sector sees for a person
// (claims.PairwiseSubject under the tenant's salt).
func (t *tenant) pairwiseSub(sector, pid string) string {
	return claims.PairwiseSubject(t.pairwise, sector, pid)
}

// sector is the client's sector identifier (claims.Sector).
func sector(c storage.Client) string { return claims.Sector(c) }

// sidFor derives the sid claim from the login session's chain id
// (sessionstore.Login.ChainID), so no session id leaves the server and the
// sid stays the same when the person logs in again in the same browser.
func sidFor(sessionID string) string {
	h := sha256.Sum256([]byte("sid\x00" + sessionID))
	return base64.RawURLEncoding.EncodeToString(h[:18])
}

// newUserSession builds the fosite session for a person's authorization:
// ID token claims and the userinfo claims, by granted scope (DESIGN claim
// rules: pid only with scope pid; names only with profile; nothing
// identifying for a pseudonymous tool).
func (p *Provider) newUserSession(ctx context.Context, t *tenant, ar fosite.AuthorizeRequester, login sessionstore.Login, sessionID string, acting *representation.Choice) (*Session, error) {
	c, err := clientOf(ar)
	if err != nil {
		return nil, err
	}
	sub := t.pairwiseSub(sector(c), login.Subject)
	s := NewSession(t.name)
	s.Subject = sub
	s.PID = login.Subject
	s.LoginSessionID = sessionID
	s.CodeJKT = ar.GetRequestForm().Get(paramDPoPJKT)
	cl := s.Claims
	cl.Subject = sub
	cl.Issuer = t.issuer
	// fosite checks auth_time against time.Now (5 s of slack) and against
	// RequestedAt, which it stamps with time.Now; auth_time comes from the
	// eID on the provider's clock. State it on fosite's clock so the checks
	// hold when the clock is injected (tests move it by whole seconds; in
	// production the offset rounds to zero).
	authTime := login.AuthTime.Add(-p.now().Sub(time.Now()).Round(time.Second)).UTC()
	// An eID whose clock runs ahead of ours must not make every
	// authorization of the session fail ("auth_time in the future").
	if fnow := time.Now().UTC().Truncate(time.Second); authTime.After(fnow) {
		authTime = fnow
	}
	cl.AuthTime = authTime
	// fosite compares auth_time (whole seconds, from the eID) with the
	// request time for prompt=login; compare at the same precision.
	cl.RequestedAt = ar.GetRequestedAt().UTC().Truncate(time.Second)
	cl.AuthenticationContextClassReference = login.ACR
	cl.AuthenticationMethodsReferences = login.AMR
	cl.Extra["sid"] = sidFor(sessionID)

	person, err := p.personClaims(ctx, t, c, ar.GetGrantedScopes(), login.Subject, login.Locale)
	if err != nil {
		return nil, err
	}
	for k, v := range person {
		cl.Extra[k] = v
	}
	ui := map[string]any{"sub": sub, "acr": login.ACR, "amr": login.AMR, "auth_time": authTime.Unix()}
	for k, v := range person {
		ui[k] = v
	}
	if acting != nil {
		rep := t.representationClaim(c, ar.GetGrantedScopes(), acting)
		cl.Extra["representation"] = rep
		ui["representation"] = rep
		s.ActingFor = acting.Subject.PID
		s.Relation = string(acting.Relation.Kind)
	}
	s.UserinfoClaims = ui
	return s, nil
}

// personClaims returns the claims about a person a client may see
// (claims.Person), with the registry's entry when the scopes show names.
// A registry that cannot be read is an error, not a person without a
// name.
func (p *Provider) personClaims(ctx context.Context, t *tenant, c storage.Client, scopes fosite.Arguments, pid, locale string) (map[string]any, error) {
	var person *storage.Person
	if !claims.Pseudonymous(c) && scopes.Has(claims.ScopeProfile) {
		got, err := p.store.GetPerson(ctx, t.cfg.Registry, pid)
		switch {
		case err == nil:
			person = &got
		case !errors.Is(err, storage.ErrNotFound):
			return nil, fmt.Errorf("registry lookup: %w", err)
		}
	}
	return claims.Person(c, scopes, pid, locale, person), nil
}
