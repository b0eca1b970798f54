package provider

import (
	"net/http"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/dpop"
	"github.com/oidcp/oidcp/oautherr"
)

// userinfo handles GET and POST /userinfo (OIDC Core §5.3). The claims were
// fixed when the person authorized; the endpoint only checks the bearer
// token (RFC 6750) and returns them.
func (p *Provider) userinfo(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		tok, scheme, refusal := accessToken(r)
		if refusal != "" {
			oautherr.WriteBearer(w, oautherr.InvalidRequest.WithDescription(refusal))
			return
		}
		if tok == "" {
			oautherr.WriteBearer(w, oautherr.InvalidRequest.WithStatus(http.StatusUnauthorized).WithDescription("An access token is required."))
			return
		}
		// The challenge in the scheme the client used (RFC 9449 §7.1).
		challenge := oautherr.WriteBearer
		if scheme == "dpop" {
			challenge = func(w http.ResponseWriter, e *oautherr.Error) { oautherr.WriteDPoP(w, e, t.dpop.Algs()) }
		}
		sess := NewSession(t.name)
		tt, ar, err := t.oauth.IntrospectToken(ctx, tok, fosite.AccessToken, sess)
		if unavailable(err) {
			p.writeUnavailable(w, r, t, err)
			return
		}
		if err != nil || tt != fosite.AccessToken {
			challenge(w, oautherr.InvalidToken.WithDescription("The access token is invalid, expired or revoked."))
			return
		}
		s, ok := ar.GetSession().(*Session)
		if !ok || s.PID == "" {
			challenge(w, oautherr.InvalidToken.WithDescription("The access token was not issued for a person."))
			return
		}
		if !p.resourceDPoP(w, r, t, "/userinfo", scheme, tok, s) {
			return
		}
		if !ar.GetGrantedScopes().Has("openid") {
			challenge(w, oautherr.InsufficientScope.WithDescription("The access token lacks the openid scope."))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, s.UserinfoClaims)
	}
}

// accessToken returns the access token of a userinfo request and the
// Authorization scheme it came with ("bearer" or "dpop", RFC 9449 §7.1;
// "" from the body): from the Authorization header (RFC 6750 §2.1) or,
// on a POST, the form body (§2.2). A token in the query string (§2.3) is refused, not read: §2.3
// discourages it because URLs end up in server logs, browser history and
// Referer headers, and oidcp advertises no support for it. More than one
// method is refused too (§2). refusal says why, for invalid_request.
func accessToken(r *http.Request) (tok, scheme, refusal string) {
	if r.URL.Query().Has("access_token") {
		return "", "", "An access token in the query string is not accepted (RFC 6750 section 2.3); send it in the Authorization header as Bearer, or in the form body of a POST."
	}
	header := ""
	if s, v := dpop.AuthorizationToken(r); s == "bearer" || s == "dpop" {
		header, scheme = v, s
	}
	body := ""
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return "", "", "The request body is not a form."
		}
		body = r.PostForm.Get("access_token")
	}
	if header != "" && body != "" {
		return "", "", "Send the access token once: in the Authorization header or in the form body, not both (RFC 6750 section 2)."
	}
	return header + body, scheme, ""
}
