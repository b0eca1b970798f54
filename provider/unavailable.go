package provider

import (
	"errors"
	"net/http"

	"github.com/ory/fosite"

	"github.com/oidcp/oidcp/storage"
)

// Storage outages. A request that needs the database while it cannot be
// reached learns nothing about the client, the person's session or the
// token. Reading that as "unknown client" (401), "not logged in" or
// "token inactive" would send tools and people down the wrong path: a
// tool would drop valid credentials, a person would be sent to log in
// again. Every endpoint therefore answers such a request with 503 and
// Retry-After, with the OAuth error code temporarily_unavailable (RFC 6749
// §4.1.2.1) where it speaks OAuth. Backends report the outage as
// storage.ErrUnavailable; fosite keeps the cause in its error chain.

// retryAfterSeconds is the Retry-After of a 503: a database failover or
// restart takes seconds, and readiness fails meanwhile so a load
// balancer stops sending traffic here.
const retryAfterSeconds = "2"

// unavailable reports whether err (possibly wrapped by fosite) comes from
// storage that could not be reached.
func unavailable(err error) bool {
	return err != nil && errors.Is(err, storage.ErrUnavailable)
}

// errUnavailable is the OAuth error for a request that hit unavailable
// storage; fosite gives it status 503.
func errUnavailable(err error) *fosite.RFC6749Error {
	return fosite.ErrTemporarilyUnavailable.WithHint("The service cannot reach its database right now; try again shortly.").WithWrap(err)
}

// writeUnavailable answers a JSON endpoint (token, introspection,
// revocation, PAR, userinfo) whose storage is unavailable.
func (p *Provider) writeUnavailable(w http.ResponseWriter, r *http.Request, t *tenant, err error) {
	p.log.ErrorContext(r.Context(), "storage unavailable", "tenant", t.name, "path", r.URL.Path, "err", errorDebug(err))
	w.Header().Set("Retry-After", retryAfterSeconds)
	w.Header().Set("Cache-Control", "no-store")
	rfc := errUnavailable(err)
	writeJSON(w, rfc.CodeField, map[string]string{"error": rfc.ErrorField, "error_description": rfc.GetDescription()})
}

// renderUnavailable shows a person that the service is unavailable, not
// that their login expired or the tool is unknown.
func (p *Provider) renderUnavailable(w http.ResponseWriter, r *http.Request, t *tenant, lang string, err error) {
	p.log.ErrorContext(r.Context(), "storage unavailable", "tenant", t.name, "path", r.URL.Path, "err", errorDebug(err))
	w.Header().Set("Retry-After", retryAfterSeconds)
	renderError(w, r, http.StatusServiceUnavailable, lang, "server_error", fosite.ErrTemporarilyUnavailable.ErrorField, "")
}
