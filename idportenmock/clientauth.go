package idportenmock

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// authenticateClient checks client_secret_basic or client_secret_post
// (RFC 6749 §2.3.1). It returns the client, or the HTTP status and error
// code to answer with. Using both methods at once is rejected, as §2.3
// requires a single method per request.
func (s *Server) authenticateClient(r *http.Request) (Client, int, *oauthError) {
	id, secret, basic := r.BasicAuth()
	postID, postSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	switch {
	case basic && postSecret != "":
		return Client{}, http.StatusBadRequest, fatal(errInvalidRequest, "more than one client authentication method")
	case basic:
		// §2.3.1: the id and secret are form-urlencoded before Basic.
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return Client{}, http.StatusUnauthorized, fatal(errInvalidClient, "malformed basic credentials")
		}
		if postID != "" && postID != id {
			return Client{}, http.StatusBadRequest, fatal(errInvalidRequest, "client_id does not match the authenticated client")
		}
	case postSecret != "":
		id, secret = postID, postSecret
	default:
		return Client{}, http.StatusUnauthorized, fatal(errInvalidClient, "client authentication required")
	}
	c, ok := s.clients[id]
	if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		status := http.StatusBadRequest
		if basic {
			status = http.StatusUnauthorized
		}
		return Client{}, status, fatal(errInvalidClient, "client authentication failed")
	}
	return c, 0, nil
}
