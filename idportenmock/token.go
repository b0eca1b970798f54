package idportenmock

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
)

// token is the token endpoint for the authorization_code grant
// (RFC 6749 §4.1.3) with PKCE (RFC 7636 §4.6).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, errInvalidRequest, "malformed form body")
		return
	}
	c, status, oerr := s.authenticateClient(r)
	if oerr != nil {
		writeOAuthError(w, status, oerr.Code, oerr.Description)
		return
	}
	f := r.PostForm
	if gt := f.Get("grant_type"); gt != "authorization_code" {
		if gt == "" {
			writeOAuthError(w, http.StatusBadRequest, errInvalidRequest, "grant_type is required")
			return
		}
		writeOAuthError(w, http.StatusBadRequest, errUnsupportedGrantType, "only authorization_code is supported")
		return
	}
	code := f.Get("code")
	if code == "" {
		writeOAuthError(w, http.StatusBadRequest, errInvalidRequest, "code is required")
		return
	}
	now := s.now()
	ctx := r.Context()
	g, jti, codeExp, ok := unseal[codeGrant](s, sealCode, code)
	if !ok {
		writeOAuthError(w, http.StatusBadRequest, errInvalidGrant, "authorization code is unknown, expired or already used")
		return
	}
	sub := s.pairwiseSub(c.ID, g.Auth.PID)
	at, atJTI, err := seal(s, sealToken, accessToken{ClientID: c.ID, Subject: sub, Locale: g.Req.Locale, Auth: g.Auth}, now.Add(accessTokenLifetime))
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "could not seal the access token")
		return
	}
	// The code is spent from here on, whatever the outcome below: its
	// marker names the access token it gives out, so that a replay
	// revokes that token (§4.1.2).
	first, err := mark(ctx, s, kindUsed, jti, atJTI, markerExpiry(codeExp))
	if err != nil {
		s.unavailableJSON(w, r, err)
		return
	}
	if !first {
		tok, used, err := load[string](ctx, s, kindUsed, jti)
		if err == nil && used {
			_, err = mark(ctx, s, kindRevoked, tok, true, markerExpiry(now.Add(accessTokenLifetime)))
		}
		if err != nil {
			s.unavailableJSON(w, r, err)
			return
		}
		s.log.Warn("idportenmock: authorization code replayed; access token revoked", "client_id", c.ID)
		writeOAuthError(w, http.StatusBadRequest, errInvalidGrant, "authorization code is unknown, expired or already used")
		return
	}
	switch {
	case g.Req.ClientID != c.ID:
		writeOAuthError(w, http.StatusBadRequest, errInvalidGrant, "authorization code was issued to another client")
		return
	case f.Get("redirect_uri") != g.Req.RedirectURI:
		// §4.1.3: required and identical when it was in the request.
		writeOAuthError(w, http.StatusBadRequest, errInvalidGrant, "redirect_uri does not match the authorization request")
		return
	case !pkceMatches(f.Get("code_verifier"), g.Req.CodeChallenge):
		writeOAuthError(w, http.StatusBadRequest, errInvalidGrant, "code_verifier does not match code_challenge")
		return
	}
	idToken, err := s.signIDToken(c.ID, sub, g.Req, g.Auth, now)
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "could not sign the ID token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at,
		"token_type":   "Bearer",
		"expires_in":   int(accessTokenLifetime.Seconds()),
		"id_token":     idToken,
		"scope":        g.Req.Scope,
	})
}

// pkceMatches checks an S256 verifier (RFC 7636 §4.1, §4.6).
func pkceMatches(verifier, challenge string) bool {
	// §4.1: 43 to 128 characters.
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) == 1
}
