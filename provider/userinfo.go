package provider

import (
	"net/http"

	"github.com/ory/fosite"
)

// userinfo handles GET and POST /userinfo (OIDC Core §5.3). The claims were
// fixed when the person authorized; the endpoint only checks the bearer
// token (RFC 6750) and returns them.
func (p *Provider) userinfo(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		tok := fosite.AccessTokenFromRequest(r)
		if tok == "" {
			bearerError(w, http.StatusUnauthorized, "invalid_request", "An access token is required.")
			return
		}
		sess := NewSession(t.name)
		tt, ar, err := t.oauth.IntrospectToken(ctx, tok, fosite.AccessToken, sess)
		if err != nil || tt != fosite.AccessToken {
			bearerError(w, http.StatusUnauthorized, "invalid_token", "The access token is invalid, expired or revoked.")
			return
		}
		s, ok := ar.GetSession().(*Session)
		if !ok || s.PID == "" {
			bearerError(w, http.StatusUnauthorized, "invalid_token", "The access token was not issued for a person.")
			return
		}
		if !ar.GetGrantedScopes().Has("openid") {
			bearerError(w, http.StatusForbidden, "insufficient_scope", "The access token lacks the openid scope.")
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, s.UserinfoClaims)
	}
}

// bearerError answers per RFC 6750 §3.
func bearerError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="`+code+`", error_description="`+desc+`"`)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
