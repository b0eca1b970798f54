package provider

import (
	"net/http"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/audit"
)

// revoke handles POST /revoke (RFC 7009). Revoking either token of a grant
// revokes the whole chain (§2.1's "SHOULD also invalidate").
func (p *Provider) revoke(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		// Look the token up first, only to say in the usage log whose it was.
		var actor, subject, relation, sessionID, clientID string
		if err := r.ParseForm(); err == nil {
			if tok := r.PostForm.Get("token"); tok != "" {
				sess := NewSession(t.name)
				if _, ar, err := t.oauth.IntrospectToken(ctx, tok, fosite.AccessToken, sess); err == nil {
					if s, ok := ar.GetSession().(*Session); ok {
						// Whose data the token was about: the represented
						// person's log shows it, with the relation.
						actor, subject, sessionID = s.PID, s.dataSubject(), s.LoginSessionID
						if s.ActingFor != "" {
							relation = s.Relation
						}
					}
					clientID = ar.GetClient().GetID()
				}
			}
		}
		err := t.oauth.NewRevocationRequest(ctx, r)
		if unavailable(err) {
			// fosite would answer 200; the token is not revoked, and RFC
			// 7009 §2.2.1 has the client retry after a 503.
			p.writeUnavailable(w, r, t, err)
			return
		}
		if isTooManyRequests(err) {
			// fosite's revocation writer knows only the RFC 7009 errors.
			writeJSONError(w, err)
			return
		}
		t.oauth.WriteRevocationResponse(ctx, w, err)
		if err == nil && clientID != "" {
			e := audit.Event{Kind: audit.TokenRevoked, Actor: actor, Subject: subject, ClientID: clientID, SessionID: sessionID}
			if relation != "" {
				e.Detail = map[string]any{"relation": relation}
			}
			p.event(ctx, t, e)
		}
	}
}
