package accountapi

import (
	"encoding/json"
	"net/http"
)

// problem is an RFC 9457 problem detail. Type is a URN naming the kind of
// problem (RFC 9457 §3.1.1 allows a non-resolvable URI); docs/account-api.md
// lists them. Title is the same for every occurrence of a type; Detail
// says what was wrong with this request.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// with returns a copy of p with detail d.
func (p problem) with(d string) problem { p.Detail = d; return p }

// ProblemPrefix starts the type URN of every problem the API answers.
const ProblemPrefix = "urn:oidcp:problem:"

var (
	probNoToken = problem{Type: ProblemPrefix + "unauthorized", Title: "Authentication required", Status: http.StatusUnauthorized,
		Detail: "Send an access token with the scope account in the Authorization header: Authorization: Bearer <token> (RFC 6750 §2.1)."}
	probInvalidToken = problem{Type: ProblemPrefix + "invalid-token", Title: "Invalid access token", Status: http.StatusUnauthorized,
		Detail: "The access token is unknown, expired, revoked or not issued for a person of this tenant; get a new one."}
	probScope = problem{Type: ProblemPrefix + "insufficient-scope", Title: "The access token lacks the scope account", Status: http.StatusForbidden,
		Detail: "Ask for the scope account in the authorization request; the client must be registered with it."}
	probForbidden = problem{Type: ProblemPrefix + "forbidden", Title: "Not allowed for this representation", Status: http.StatusForbidden,
		Detail: "An ordinary power of attorney may see the log and the permissions but not withdraw them, as it cannot give them."}
	probNotFound = problem{Type: ProblemPrefix + "not-found", Title: "Not found", Status: http.StatusNotFound}
	probMethod   = problem{Type: ProblemPrefix + "method-not-allowed", Title: "Method not allowed", Status: http.StatusMethodNotAllowed}
	probInvalid  = problem{Type: ProblemPrefix + "invalid-request", Title: "Invalid request", Status: http.StatusBadRequest}
	probServer   = problem{Type: ProblemPrefix + "server-error", Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "The request failed on the server; it has been logged."}
	probTooMany = problem{Type: ProblemPrefix + "too-many-requests", Title: "Too many requests", Status: http.StatusTooManyRequests,
		Detail: "Too many requests from this address; try again after the number of seconds in Retry-After."}
	probUnavailable = problem{Type: ProblemPrefix + "unavailable", Title: "Temporarily unavailable", Status: http.StatusServiceUnavailable,
		Detail: "The service cannot reach its database right now; try again after the number of seconds in Retry-After."}
)

// writeProblem answers with p as application/problem+json (RFC 9457 §3).
func writeProblem(w http.ResponseWriter, p problem) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
