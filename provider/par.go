package provider

import (
	"net/http"
)

// par handles POST /par (RFC 9126). fosite authenticates the client,
// validates the request as it would at /authorize and stores it under a
// one-time request_uri.
func (p *Provider) par(t *tenant) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if p.refusePushedRequestObject(w, r, t) {
			return
		}
		// Before the client is authenticated: an oversized request is
		// refused whoever sends it, and costs no bcrypt comparison.
		if err := checkParamSizes(r.Form); err != nil {
			writeJSONError(w, err)
			return
		}
		ar, err := t.oauth.NewPushedAuthorizeRequest(ctx, r)
		if unavailable(err) {
			p.writeUnavailable(w, r, t, err)
			return
		}
		if err != nil {
			// protocolError keeps a rate limit's refusal, which fosite
			// turns into invalid_client, a 429.
			writeJSONError(w, err)
			return
		}
		if err := p.checkClientPolicy(ar, true); err != nil {
			writeJSONError(w, err)
			return
		}
		if err := p.parDPoP(w, r, t, ar); err != nil {
			if unavailable(err) {
				p.writeUnavailable(w, r, t, err)
				return
			}
			writeJSONError(w, err)
			return
		}
		resp, err := t.oauth.NewPushedAuthorizeResponse(ctx, ar, NewSession(t.name))
		if unavailable(err) {
			p.writeUnavailable(w, r, t, err)
			return
		}
		if err != nil {
			writeJSONError(w, err)
			return
		}
		t.oauth.WritePushedAuthorizeResponse(ctx, w, ar, resp)
	}
}
