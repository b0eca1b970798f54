package idportenmock

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// OAuth error codes (RFC 6749 §4.1.2.1, §5.2; OIDC Core §3.1.2.6).
const (
	errInvalidRequest          = "invalid_request"
	errInvalidClient           = "invalid_client"
	errInvalidGrant            = "invalid_grant"
	errUnauthorizedClient      = "unauthorized_client"
	errUnsupportedGrantType    = "unsupported_grant_type"
	errUnsupportedResponseType = "unsupported_response_type"
	errInvalidScope            = "invalid_scope"
	errAccessDenied            = "access_denied"
	errLoginRequired           = "login_required"
	errInvalidToken            = "invalid_token"
)

// oauthError is a protocol error; redirectable says whether the client and
// redirect_uri were already verified, so the error may go back to the
// client rather than onto an error page (RFC 6749 §4.1.2.1).
type oauthError struct {
	Code         string
	Description  string
	redirectable bool
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func fatal(code, desc string) *oauthError { return &oauthError{Code: code, Description: desc} }

func redirectable(code, desc string) *oauthError {
	return &oauthError{Code: code, Description: desc, redirectable: true}
}

// writeJSON writes a JSON body that must not be cached (RFC 6749 §5.1).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeOAuthError writes an error response of the token and PAR
// endpoints (RFC 6749 §5.2, RFC 9126 §2.3). invalid_client after a failed
// Basic attempt is 401 with a challenge.
func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="idporten-mock"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// redirectError sends an authorization error back to the client with state
// and iss (RFC 6749 §4.1.2.1, RFC 9207 §2).
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, req authRequest, e *oauthError) {
	q := url.Values{"error": {e.Code}, "iss": {s.issuer}}
	if e.Description != "" {
		q.Set("error_description", e.Description)
	}
	if req.State != "" {
		q.Set("state", req.State)
	}
	s.redirect(w, r, req.RedirectURI, q)
}

// redirect sends the browser to target with q merged into its query.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, target string, q url.Values) {
	u, err := url.Parse(target)
	if err != nil { // registered URIs are checked at start; this is a bug
		s.errorPage(w, http.StatusInternalServerError, "Ugyldig adresse for retur.")
		return
	}
	merged := u.Query()
	for k, vs := range q {
		merged[k] = vs
	}
	u.RawQuery = merged.Encode()
	w.Header().Set("Cache-Control", "no-store")
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther // the browser must GET the client's URI
	}
	http.Redirect(w, r, u.String(), status)
}

// unavailablePage answers a page request the store could not serve:
// 503, try again (RFC 9110 §15.6.4). The store's error is logged; it
// carries no personal data.
func (s *Server) unavailablePage(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "idportenmock: state store", "err", err)
	w.Header().Set("Retry-After", "5")
	s.messagePage(w, http.StatusServiceUnavailable, "Midlertidig utilgjengelig", "Testinnloggingen er midlertidig utilgjengelig. Prøv igjen om litt.")
}

// unavailableJSON is unavailablePage for the token, PAR and userinfo
// endpoints.
func (s *Server) unavailableJSON(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "idportenmock: state store", "err", err)
	w.Header().Set("Retry-After", "5")
	writeOAuthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the mock's state store is unavailable; try again shortly")
}
