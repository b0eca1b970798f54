package oautherr

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Error is a protocol error.
type Error struct {
	// Code is the OAuth error code ("invalid_request").
	Code string
	// Description is error_description: English, for the developer.
	Description string
	// Detail is the specific part of Description that an error page
	// shows (translated when it is a common one); "" shows none.
	Detail string
	// Status is the HTTP status of a direct answer.
	Status int
	// Page is the catalogue key of what a person is told on an error
	// page ("login_expired"); "" derives it from Status.
	Page string
	// RetryAfter, when positive, is sent as Retry-After (whole seconds).
	RetryAfter time.Duration
	cause      error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.cause }

func (e *Error) copy() *Error { c := *e; return &c }

// WithDescription returns a copy of e with description d and page
// detail d.
func (e *Error) WithDescription(d string) *Error {
	c := e.copy()
	c.Description, c.Detail = d, d
	return c
}

// WithStatus returns a copy of e with status s.
func (e *Error) WithStatus(s int) *Error { c := e.copy(); c.Status = s; return c }

// WithPage returns a copy of e whose page says the message of key.
func (e *Error) WithPage(key string) *Error { c := e.copy(); c.Page = key; return c }

// WithRetryAfter returns a copy of e with Retry-After d.
func (e *Error) WithRetryAfter(d time.Duration) *Error { c := e.copy(); c.RetryAfter = d; return c }

// Wrap returns a copy of e caused by err.
func (e *Error) Wrap(err error) *Error { c := e.copy(); c.cause = err; return c }

// PageKey is what a person is told: Page, else by status.
func (e *Error) PageKey() string {
	switch {
	case e.Page != "":
		return e.Page
	case e.Status == http.StatusTooManyRequests:
		return "too_many"
	case e.Status >= 500:
		return "server_error"
	}
	return "bad_request"
}

// The errors oidcp answers with. Each is a template: use the With
// methods for a specific description, status or cause.
var (
	// InvalidRequest: a malformed or unacceptable request.
	InvalidRequest = &Error{Code: "invalid_request", Status: http.StatusBadRequest}
	// LoginExpired: a login step that is not (or no longer) in
	// progress in this browser: expired, used, or started elsewhere.
	LoginExpired = &Error{Code: "invalid_request", Status: http.StatusBadRequest, Page: "login_expired"}
	// UnknownClient: the client is not registered (or no longer).
	UnknownClient = &Error{Code: "invalid_client", Status: http.StatusBadRequest, Page: "unknown_client"}
	// BadRedirect: a redirect URI the client did not register.
	BadRedirect = &Error{Code: "invalid_request", Status: http.StatusBadRequest, Page: "bad_redirect"}
	// ChoiceGone: the person chosen to act for may no longer be.
	ChoiceGone = &Error{Code: "access_denied", Status: http.StatusConflict, Page: "choice_gone"}
	// InvalidToken: a bearer token that is missing its mark (RFC 6750 §3.1).
	InvalidToken = &Error{Code: "invalid_token", Status: http.StatusUnauthorized}
	// InsufficientScope: the token lacks a scope (RFC 6750 §3.1).
	InsufficientScope = &Error{Code: "insufficient_scope", Status: http.StatusForbidden}
	// ServerError: something failed on our side.
	ServerError = &Error{Code: "server_error", Status: http.StatusInternalServerError, Page: "server_error"}
	// Unavailable: storage (or another dependency) cannot be reached;
	// the request may be retried shortly.
	Unavailable = &Error{Code: "temporarily_unavailable", Status: http.StatusServiceUnavailable, Page: "server_error",
		Description: "The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server. The service cannot reach its database right now; try again shortly.",
		RetryAfter:  2 * time.Second}
	// TooManyRequests: a rate limit's refusal.
	TooManyRequests = &Error{Code: "too_many_requests", Status: http.StatusTooManyRequests, Page: "too_many",
		Description: "Too many requests; retry after the number of seconds in the Retry-After header."}
)

// SetRetryAfter sets Retry-After when e has one.
func SetRetryAfter(w http.ResponseWriter, e *Error) {
	if e.RetryAfter <= 0 {
		return
	}
	secs := int64((e.RetryAfter + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
}

// WriteJSON answers with e as an OAuth JSON error (RFC 6749 §5.2).
func WriteJSON(w http.ResponseWriter, e *Error) {
	SetRetryAfter(w, e)
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(e.Status)
	body := map[string]string{"error": e.Code}
	if e.Description != "" {
		body["error_description"] = e.Description
	}
	_ = json.NewEncoder(w).Encode(body)
}

// BearerToken extracts an RFC 6750 §2.1 bearer token from the
// Authorization header (the scheme case-insensitive, RFC 9110 §11.1).
func BearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// WriteBearer answers a protected-resource request with e as a bearer
// challenge (RFC 6750 §3) and the same JSON body.
func WriteBearer(w http.ResponseWriter, e *Error) {
	w.Header().Set("WWW-Authenticate", BearerChallenge(e))
	WriteJSON(w, e)
}

// BearerChallenge is the WWW-Authenticate value of e (RFC 6750 §3).
func BearerChallenge(e *Error) string {
	return `Bearer error="` + quote(e.Code) + `", error_description="` + quote(e.Description) + `"`
}

// quote keeps a value inside an auth-param's quoted string (RFC 9110
// §11.2): no quote or backslash.
func quote(s string) string { return quoter.Replace(s) }

// quoter is built once: a Replacer is safe for concurrent use, and quote
// runs for every refused bearer or DPoP request.
var quoter = strings.NewReplacer(`"`, `'`, `\`, `/`)

// RedirectValues are e's parameters for the client's redirect URI
// (RFC 6749 §4.1.2.1), with state and iss (RFC 9207) when given.
func RedirectValues(e *Error, state, iss string) url.Values {
	v := url.Values{"error": {e.Code}}
	if e.Description != "" {
		v.Set("error_description", e.Description)
	}
	if state != "" {
		v.Set("state", state)
	}
	if iss != "" {
		v.Set("iss", iss)
	}
	return v
}

// DPoP errors (RFC 9449 §5, §8, §12.2).
var (
	// InvalidDPoPProof: a DPoP proof missing where one is required, or
	// failing a rule of RFC 9449 §4.3.
	InvalidDPoPProof = &Error{Code: "invalid_dpop_proof", Status: http.StatusBadRequest}
	// UseDPoPNonce: the proof must carry the nonce of the DPoP-Nonce
	// header (RFC 9449 §8).
	UseDPoPNonce = &Error{Code: "use_dpop_nonce", Status: http.StatusBadRequest}
)

// WriteDPoP answers a protected-resource request with e as a DPoP
// challenge (RFC 9449 §7.1), naming the proof algorithms accepted, and
// the same JSON body.
func WriteDPoP(w http.ResponseWriter, e *Error, algs []string) {
	w.Header().Set("WWW-Authenticate", DPoPChallenge(e, algs))
	WriteJSON(w, e)
}

// DPoPChallenge is the WWW-Authenticate value of e in the DPoP scheme
// (RFC 9449 §7.1), naming the proof algorithms accepted.
func DPoPChallenge(e *Error, algs []string) string {
	return `DPoP error="` + quote(e.Code) + `", error_description="` + quote(e.Description) + `", algs="` + strings.Join(algs, " ") + `"`
}
