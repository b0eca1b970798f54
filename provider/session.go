package provider

import (
	"github.com/ory/fosite"
	"github.com/ory/fosite/handler/openid"
	"github.com/ory/fosite/token/jwt"
)

// Session is the fosite session oidcp stores with every code and token. It
// carries, besides the ID token claims, the facts later revocation and the
// usage log need: which login session and which person.
type Session struct {
	openid.DefaultSession
	// Tenant the session belongs to; a token of one tenant never resolves
	// in another (the adapter also filters by tenant).
	Tenant string `json:"tenant"`
	// LoginSessionID is the chain of server-side login sessions the tokens
	// were issued under (sessionstore.Login.ChainID; empty for
	// client_credentials): a new login of the same person in the same
	// browser rotates the session id but stays in the chain, so ending the
	// newest session reaches every token issued in the browser.
	LoginSessionID string `json:"login_session_id,omitempty"`
	// GrantID is the consent grant (filled once consent lands).
	GrantID string `json:"grant_id,omitempty"`
	// PID is the logged-in person's national id; never put in a token
	// unless the scope pid was granted.
	PID string `json:"pid,omitempty"`
	// ActingFor is the represented person's national id when the person
	// acts for someone else, and Relation the relation kind that allowed
	// it; a refresh re-checks that relation (it may have ended).
	ActingFor string `json:"acting_for,omitempty"`
	Relation  string `json:"relation,omitempty"`
	// UserinfoClaims are the claims userinfo returns, fixed at issuance.
	UserinfoClaims map[string]any `json:"userinfo_claims,omitempty"`
	// Act is the actor claim of a token issued by token exchange (RFC
	// 8693 §4.1): {"client_id": the client that exchanged}, with the
	// previous actor nested under "act" when an exchanged token was
	// exchanged again. Empty for every other token.
	Act map[string]any `json:"act,omitempty"`
	// CnfJKT is the thumbprint of the DPoP key the tokens issued with
	// this session are bound to (RFC 9449 §6, cnf.jkt); empty for bearer
	// tokens. A public client's refresh token is bound to it too (§5).
	CnfJKT string `json:"cnf_jkt,omitempty"`
	// CodeJKT is the dpop_jkt of the authorization request (RFC 9449
	// §10): the code is redeemed only with a proof by that key.
	CodeJKT string `json:"code_jkt,omitempty"`
	// exchangedFrom is, while a token exchange is handled, the DPoP
	// binding of the subject token; never stored.
	exchangedFrom *exchangeOrigin
}

// NewSession returns an empty session for fosite to hydrate.
func NewSession(tenant string) *Session {
	return &Session{
		DefaultSession: openid.DefaultSession{
			Claims:  &jwt.IDTokenClaims{Extra: map[string]any{}},
			Headers: &jwt.Headers{Extra: map[string]any{}},
		},
		Tenant: tenant,
	}
}

// Clone implements fosite.Session with a deep copy.
func (s *Session) Clone() fosite.Session {
	if s == nil {
		return nil
	}
	c := *s
	if d, ok := s.DefaultSession.Clone().(*openid.DefaultSession); ok && d != nil {
		c.DefaultSession = *d
	}
	if s.UserinfoClaims != nil {
		c.UserinfoClaims = make(map[string]any, len(s.UserinfoClaims))
		for k, v := range s.UserinfoClaims {
			c.UserinfoClaims[k] = v
		}
	}
	if s.Act != nil {
		c.Act = make(map[string]any, len(s.Act))
		for k, v := range s.Act {
			c.Act[k] = v
		}
	}
	return &c
}

// dataSubject is whose data the tokens are about: the represented person,
// or the logged-in person acting for themself.
func (s *Session) dataSubject() string {
	if s.ActingFor != "" {
		return s.ActingFor
	}
	return s.PID
}

// GetExtraClaims implements fosite.ExtraClaimsSession: what introspection
// (RFC 7662 §2.2) says about the token beyond fosite's standard members.
func (s *Session) GetExtraClaims() map[string]any {
	out := map[string]any{"token_type": "Bearer"}
	if s.Claims.Issuer != "" {
		out["iss"] = s.Claims.Issuer
	}
	if s.Act != nil {
		out["act"] = s.Act
	}
	if s.CnfJKT != "" {
		// RFC 9449 §6.2.
		out["token_type"] = "DPoP"
		out["cnf"] = map[string]any{"jkt": s.CnfJKT}
	}
	if s.PID == "" {
		return out
	}
	for k, v := range s.UserinfoClaims {
		if k == "sub" {
			continue
		}
		out[k] = v
	}
	return out
}
