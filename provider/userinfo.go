package provider

import (
	"net/http"
	"strings"

	"github.com/ory/fosite"
)

// userinfo handles GET and POST /userinfo (OIDC Core §5.3). The claims were
// fixed when the person authorized; the endpoint only checks the bearer
// token (RFC 6750) and returns them.
func (p *Provider) userinfo(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		tok, refusal := bearerToken(r)
		if refusal != "" {
			bearerError(w, http.StatusBadRequest, "invalid_request", refusal)
			return
		}
		if tok == "" {
			bearerError(w, http.StatusUnauthorized, "invalid_request", "An access token is required.")
			return
		}
		sess := NewSession(t.name)
		tt, ar, err := t.oauth.IntrospectToken(ctx, tok, fosite.AccessToken, sess)
		if unavailable(err) {
			p.writeUnavailable(w, r, t, err)
			return
		}
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

// bearerToken returns the access token of a userinfo request: from the
// Authorization header (RFC 6750 §2.1) or, on a POST, the form body
// (§2.2). A token in the query string (§2.3) is refused, not read: §2.3
// discourages it because URLs end up in server logs, browser history and
// Referer headers, and oidcp advertises no support for it. More than one
// method is refused too (§2). refusal says why, for invalid_request.
func bearerToken(r *http.Request) (tok, refusal string) {
	if r.URL.Query().Has("access_token") {
		return "", "An access token in the query string is not accepted (RFC 6750 section 2.3); send it in the Authorization header as Bearer, or in the form body of a POST."
	}
	header := ""
	if scheme, v, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") {
		header = strings.TrimSpace(v)
	}
	body := ""
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return "", "The request body is not a form."
		}
		body = r.PostForm.Get("access_token")
	}
	if header != "" && body != "" {
		return "", "Send the access token once: in the Authorization header or in the form body, not both (RFC 6750 section 2)."
	}
	return header + body, ""
}

// bearerError answers per RFC 6750 §3.
func bearerError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("WWW-Authenticate", `Bearer error="`+code+`", error_description="`+desc+`"`)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
