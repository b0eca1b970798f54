package provider

import (
	"errors"
	"net/http"
	"strings"

	"github.com/ory/fosite"
)

// oidcp takes no request objects: its discovery says
// request_parameter_supported and request_uri_parameter_supported are
// false, and the only request_uri it reads is one its PAR endpoint issued
// (RFC 9126). A request that carries one anyway gets the error OIDC Core
// §6.3 defines for that, request_not_supported or
// request_uri_not_supported. Left to fosite, it would be checked against
// the client's keys and fail with a generic invalid_request before the
// redirect URI is validated, leaving the person on an error page.

// requestObjectRefusal reports whether r carries a request object (OIDC
// Core §6.1) or, when allowRequestURI is false, a request_uri that is not
// a pushed request's (§6.2), and returns the refusal. It removes those
// parameters from r's parsed form, so that the rest of the request can be
// validated without them. A body that does not parse is left to fosite.
func requestObjectRefusal(r *http.Request, parPrefix string, allowRequestURI bool) *fosite.RFC6749Error {
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil
	}
	var refusal *fosite.RFC6749Error
	switch uri := r.Form.Get("request_uri"); {
	case r.Form.Get("request") != "":
		refusal = fosite.ErrRequestNotSupported.WithHint("Request objects are not supported: send the parameters in the request itself, or push them to the pushed_authorization_request_endpoint (RFC 9126).")
	case !allowRequestURI && uri != "" && !strings.HasPrefix(uri, parPrefix):
		refusal = fosite.ErrRequestURINotSupported.WithHint("Only a request_uri issued by the pushed_authorization_request_endpoint is accepted (RFC 9126).")
	default:
		return nil
	}
	for _, f := range []map[string][]string{r.Form, r.PostForm} {
		delete(f, "request")
		if !allowRequestURI {
			delete(f, "request_uri")
		}
	}
	return refusal
}

// refuseRequestObject answers an authorization request that carries a
// request object or a foreign request_uri, and reports whether it did.
// The rest of the request is validated first, so the refusal goes to the
// client's redirect URI when that checks out, and to a page when not.
func (p *Provider) refuseRequestObject(w http.ResponseWriter, r *http.Request, t *tenant) bool {
	refusal := requestObjectRefusal(r, t.fcfg.PushedAuthorizeRequestURIPrefix, false)
	if refusal == nil {
		return false
	}
	ar, err := t.oauth.NewAuthorizeRequest(r.Context(), r)
	if err != nil && errors.Is(err, fosite.ErrInvalidClient) {
		// An unknown client is the first thing to fix.
		p.authorizeError(w, r, t, ar, err)
		return true
	}
	// authorizeError redirects only when the redirect URI checked out; a
	// person otherwise sees the refusal on a page.
	p.authorizeError(w, r, t, ar, refusal)
	return true
}

// refusePushedRequestObject answers a pushed authorization request that
// carries a request object, after fosite has authenticated the client
// (RFC 9126 §2.1), and reports whether it did. A pushed request_uri is
// left to fosite, which refuses it as RFC 9126 §2.1 requires.
func (p *Provider) refusePushedRequestObject(w http.ResponseWriter, r *http.Request, t *tenant) bool {
	refusal := requestObjectRefusal(r, t.fcfg.PushedAuthorizeRequestURIPrefix, true)
	if refusal == nil {
		return false
	}
	if _, err := t.oauth.NewPushedAuthorizeRequest(r.Context(), r); err != nil && errors.Is(err, fosite.ErrInvalidClient) {
		writeJSONError(w, err)
		return true
	}
	writeJSONError(w, refusal)
	return true
}
