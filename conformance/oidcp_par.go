package conformance

import (
	"errors"
	"net/http"
	"net/url"
)

func runPAR(t *T) {
	ep := t.requireEndpoint("pushed_authorization_request_endpoint")
	a := t.newAuthz()
	r := t.postForm(ep, &a.Client, a.Params)
	t.Logf("pushed authorization request -> %s", r)
	if r.Status != http.StatusCreated {
		t.Fatalf("RFC9126-2.2", "PAR endpoint answered %s, want 201", r)
	}
	uri := r.str("request_uri")
	exp, _ := r.JSON["expires_in"].(float64)
	t.Check(uri != "", "RFC9126-2.2", "response has request_uri")
	t.Check(exp > 0, "RFC9126-2.2", "response has a positive expires_in (%v)", r.JSON["expires_in"])
	push := func() *authz {
		return &authz{Client: a.Client, Endpoint: a.Endpoint, Method: http.MethodGet, State: a.State, Nonce: a.Nonce,
			Verifier: a.Verifier, RedirectURI: a.RedirectURI,
			Params: url.Values{"client_id": {a.Client.ClientID}, "request_uri": {uri}}}
	}
	b := t.env.newBrowser()
	pa := push()
	cb := t.mustAuthorize(b, pa)
	code := t.expectCode(cb, pa)
	pa.Params = a.Params // for the ID token's nonce check
	tok := t.redeem(pa, code)
	t.checkTokenSuccess(tok, true)
	t.checkIDTokenOf(pa, tok)

	// RFC 9126 §4: the AS SHOULD treat a request_uri as one-time use.
	again := push()
	cb, err := t.authorize(t.env.newBrowser(), again)
	var pe *PageError
	switch {
	case errors.As(err, &pe):
		t.OKf("RFC9126-4", "reused request_uri refused with a page: %v", pe)
	case err != nil:
		t.Fatalf("", "authorization: %v", err)
	case cb.get("error") != "":
		t.OKf("RFC9126-4", "reused request_uri refused: error=%s", cb.get("error"))
	default:
		t.Warnf("RFC9126-4", "request_uri was accepted a second time; it SHOULD be one-time use")
	}

	// RFC 9126 §2.1: request_uri must not be pushed.
	bad := cloneValues(a.Params)
	bad.Set("request_uri", "urn:example:pushed")
	r = t.postForm(ep, &a.Client, bad)
	// The RFC names no error code for this; any 400 error will do.
	t.Check(r.Status == http.StatusBadRequest && r.errCode() != "", "RFC9126-2.1",
		"pushing a request_uri is refused with a 400 error (%s)", r)

	// RFC 9126 §3 lets a PAR endpoint take a request object; an OP that
	// says it takes none (Discovery §3 request_parameter_supported) must
	// refuse one rather than push a request built from part of it.
	if !t.disc().Bool("request_parameter_supported", false) {
		ra := t.newAuthz()
		ro := t.unsignedRequestObject(ra)
		form := url.Values{"client_id": {a.Client.ClientID}, "response_type": {"code"}, "scope": {ra.Params.Get("scope")},
			"redirect_uri": {a.RedirectURI}, "request": {ro}}
		r = t.postForm(ep, &a.Client, form)
		t.Check(r.Status == http.StatusBadRequest && (r.errCode() == "request_not_supported" || r.errCode() == "invalid_request_object"),
			"OIDC-Core-6.3", "a pushed request object is refused with request_not_supported, as request_parameter_supported is false (%s)", r)
	}

	// RFC 9126 §2.3: the PAR endpoint authenticates confidential clients.
	wrong := a.Client
	wrong.ClientSecret = "wrong-" + randomString()
	r = t.postForm(ep, &wrong, a.Params)
	t.Check(r.Status == http.StatusUnauthorized && r.errCode() == "invalid_client", "RFC9126-2.3",
		"a wrong client secret is refused with 401 invalid_client (%s)", r)
}
