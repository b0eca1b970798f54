package idportenmock

import (
	"net/http"
)

const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// par is the pushed authorization request endpoint (RFC 9126 §2). The
// request is validated now, as §2.1 asks, and handed back sealed in the
// request_uri (seal.go), valid for 60 seconds and one use at /authorize.
func (s *Server) par(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, errInvalidRequest, "malformed form body")
		return
	}
	c, status, oerr := s.authenticateClient(r)
	if oerr != nil {
		writeOAuthError(w, status, oerr.Code, oerr.Description)
		return
	}
	form := r.PostForm
	if form.Get("request_uri") != "" {
		// §2.1: request_uri must not be pushed.
		writeOAuthError(w, http.StatusBadRequest, errInvalidRequest, "request_uri is not allowed in a pushed request")
		return
	}
	if form.Get("client_id") == "" {
		form.Set("client_id", c.ID)
	}
	req, oerr := s.parseAuthRequest(form)
	if oerr != nil {
		writeOAuthError(w, http.StatusBadRequest, oerr.Code, oerr.Description)
		return
	}
	value, _, err := seal(s, sealPAR, req, s.now().Add(parLifetime))
	if err != nil {
		writeOAuthError(w, http.StatusInternalServerError, "server_error", "could not seal the request")
		return
	}
	uri := requestURIPrefix + value
	// §2.2: 201 Created.
	writeJSON(w, http.StatusCreated, map[string]any{
		"request_uri": uri,
		"expires_in":  int(parLifetime.Seconds()),
	})
}
