package registration

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/oidcp/oidcp/clients"
)

// Error is an error response (RFC 7591 §3.2.2, RFC 6750 §3.1): Code is
// the error code, Description names the field and the fix.
type Error struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Description }

func fieldError(code, field, reason string) *Error {
	return &Error{Code: code, Description: field + ": " + reason}
}

// fromBuild turns clients.Build's joined FieldErrors into one response:
// invalid_redirect_uri when every problem is a redirect URI,
// invalid_client_metadata otherwise (RFC 7591 §3.2.2), with every
// problem in the description so one attempt shows them all.
func fromBuild(err error) *Error {
	var fes []*clients.FieldError
	var walk func(error)
	walk = func(e error) {
		if fe, ok := e.(*clients.FieldError); ok {
			fes = append(fes, fe)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		if u := errors.Unwrap(e); u != nil {
			walk(u)
		}
	}
	walk(err)
	if len(fes) == 0 {
		return &Error{Code: "invalid_client_metadata", Description: err.Error()}
	}
	code := clients.ErrInvalidRedirectURI.Error()
	msgs := make([]string, len(fes))
	for i, fe := range fes {
		msgs[i] = fe.Error()
		if !errors.Is(fe, clients.ErrInvalidRedirectURI) {
			code = clients.ErrInvalidMetadata.Error()
		}
	}
	return &Error{Code: code, Description: strings.Join(msgs, "; ")}
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// RFC 7591 §3.2.1: responses carry credentials, never cache them.
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeError(w http.ResponseWriter, status int, e *Error) {
	if status == http.StatusUnauthorized {
		// RFC 6750 §3: say how to authenticate and, when a token was
		// sent, why it was refused.
		v := `Bearer realm="oidcp-registration"`
		if e.Code == "invalid_token" {
			v += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", v)
	}
	writeJSON(w, status, e)
}
