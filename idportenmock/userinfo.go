package idportenmock

import (
	"net/http"
	"strings"
)

// userinfo returns the person's claims for a bearer access token
// (OIDC Core §5.3; RFC 6750 §2.1 header, §3 errors).
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="idporten-mock"`)
		http.Error(w, "bearer token required", http.StatusUnauthorized)
		return
	}
	at, jti, _, found := unseal[accessToken](s, sealToken, tok)
	var err error
	if found {
		// Revoked by a replay of its code (token.go).
		_, found, err = load[bool](r.Context(), s, kindRevoked, jti)
		found = !found
	}
	if err == nil && found {
		// A login ended at /endsession takes its access tokens with it.
		_, found, err = load[bool](r.Context(), s, kindEnded, at.Auth.SID)
		found = !found
	}
	if err != nil {
		s.unavailableJSON(w, r, err)
		return
	}
	if !found {
		w.Header().Set("WWW-Authenticate", `Bearer realm="idporten-mock", error="`+errInvalidToken+`", error_description="unknown or expired access token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sub":    at.Subject,
		"pid":    at.Auth.PID,
		"acr":    at.Auth.ACR,
		"amr":    at.Auth.AMR,
		"locale": at.Locale,
	})
}
