package provider

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
)

// pairwiseSub is the subject a client sees for a person (OIDC Core §8.1):
// an HMAC of the client's sector and the person's pid under the tenant's
// pairwise salt. Clients of one sector see the same sub; others can't
// link it.
func (t *tenant) pairwiseSub(sector, pid string) string {
	m := hmac.New(sha256.New, t.pairwise)
	m.Write([]byte(sector))
	m.Write([]byte{0})
	m.Write([]byte(pid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sector is the client's sector identifier: the registered one, else the
// host of its first redirect URI (OIDC Core §8.1).
func sector(c storage.Client) string {
	if c.SectorIdentifier != "" {
		return c.SectorIdentifier
	}
	for _, ru := range c.RedirectURIs {
		if u, err := url.Parse(ru); err == nil && u.Host != "" {
			return u.Hostname()
		}
	}
	return c.ID
}

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
	fc, ok := ar.GetClient().(*fositeClient)
	if !ok {
		return nil, errors.New("unexpected client type")
	}
	c := fc.c
	sub := t.pairwiseSub(sector(c), login.Subject)
	s := NewSession(t.name)
	s.Subject = sub
	s.PID = login.Subject
	s.LoginSessionID = sessionID
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

	claims := p.personClaims(ctx, t, c, ar.GetGrantedScopes(), login.Subject, login.Locale)
	for k, v := range claims {
		cl.Extra[k] = v
	}
	ui := map[string]any{"sub": sub, "acr": login.ACR, "amr": login.AMR, "auth_time": authTime.Unix()}
	for k, v := range claims {
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

// personClaims returns the claims about a person a client may see.
func (p *Provider) personClaims(ctx context.Context, t *tenant, c storage.Client, scopes fosite.Arguments, pid, locale string) map[string]any {
	out := map[string]any{}
	if c.Category == "pseudonymous" {
		return out
	}
	if scopes.Has("pid") {
		out["pid"] = pid
	}
	if scopes.Has("profile") {
		if person, err := p.store.GetPerson(ctx, t.cfg.Registry, pid); err == nil {
			name := strings.TrimSpace(person.GivenName + " " + person.FamilyName)
			if name != "" {
				out["name"] = name
				out["given_name"] = person.GivenName
				out["family_name"] = person.FamilyName
			}
			if !person.BirthDate.IsZero() {
				out["birthdate"] = dateClaim(person.BirthDate)
			}
		}
		if _, ok := out["birthdate"]; !ok {
			if parsed, err := representation.ParsePID(pid); err == nil {
				out["birthdate"] = dateClaim(parsed.BirthDate)
			}
		}
		if locale != "" {
			out["locale"] = locale
		}
	}
	return out
}

// dateClaim formats a calendar date claim such as birthdate (OIDC Core
// §5.1: YYYY-MM-DD). Dates are kept as their start in Europe/Oslo, which
// storage may hand back in UTC (22:00 or 23:00 the day before), so the
// date is read in Oslo.
func dateClaim(t time.Time) string { return t.In(representation.Oslo).Format(time.DateOnly) }
