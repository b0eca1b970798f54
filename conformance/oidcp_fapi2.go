package conformance

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// runFAPI2 checks the FAPI 2.0 Security Profile's OP rules that apply
// without mTLS, with the configured fapi_client (private_key_jwt,
// registered with dpop_bound_access_tokens): the metadata, the refusals
// (authorization request not pushed, no PKCE, a client assertion for
// another audience, a token request without DPoP) and a whole PAR, code
// and DPoP-bound token flow.
func runFAPI2(t *T) {
	cp := t.env.opts.Client.FAPIClient
	if cp == nil {
		t.Skipf("no fapi_client in the client configuration")
	}
	c := *cp
	d := t.disc()
	if !d.Bool("require_pushed_authorization_requests", false) {
		t.Skipf("OP does not require pushed authorization requests: not an OP in the FAPI 2.0 profile")
	}
	const (
		refPAR  = "FAPI2-SP-5.3.2.2"
		refAuth = "FAPI2-SP-5.3.2.1"
		refAlg  = "FAPI2-SP-5.4.1"
	)
	methods := d.Strs("token_endpoint_auth_methods_supported")
	t.Check(slices.Contains(methods, "private_key_jwt") && !slices.ContainsFunc(methods, func(m string) bool {
		return strings.HasPrefix(m, "client_secret_") || m == "none"
	}), refAuth, "token_endpoint_auth_methods_supported offers private_key_jwt and no secret or public method (%v)", methods)
	t.Check(d.Supports("code_challenge_methods_supported", "S256"), refPAR, "code_challenge_methods_supported has S256")
	t.Check(d.Bool("authorization_response_iss_parameter_supported", false), refPAR, "authorization_response_iss_parameter_supported is true (RFC 9207)")
	t.Check(len(d.Strs("dpop_signing_alg_values_supported")) > 0, refAuth, "dpop_signing_alg_values_supported is advertised (sender-constrained tokens)")
	par := t.requireEndpoint("pushed_authorization_request_endpoint")
	tokenEP := d.Str("token_endpoint")

	a := t.newAuthzFor(c)
	a.pkce()

	// Not pushed: refused.
	cb, err := t.authorize(t.env.newBrowser(), a)
	var pe *PageError
	switch {
	case errors.As(err, &pe):
		t.OKf(refPAR, "an authorization request that was not pushed is refused with a page: %v", pe)
	case err != nil:
		t.Fatalf("", "authorization: %v", err)
	case cb.get("error") != "":
		t.OKf(refPAR, "an authorization request that was not pushed is refused: error=%s", cb.get("error"))
	default:
		t.Errorf(refPAR, "an authorization request that was not pushed was accepted")
	}

	noPKCE := cloneValues(a.Params)
	noPKCE.Del("code_challenge")
	noPKCE.Del("code_challenge_method")
	r := t.postForm(par, &c, noPKCE)
	t.Check(r.Status == http.StatusBadRequest && r.errCode() == "invalid_request", refPAR, "a pushed request without PKCE is refused with invalid_request (%s)", r)

	wrongAud := cloneValues(a.Params)
	wrongAud.Set("client_id", c.ClientID)
	wrongAud.Set("client_assertion_type", clientAssertionType)
	wrongAud.Set("client_assertion", t.clientAssertion(c, tokenEP, 60*time.Second))
	r = t.postFormWith(par, nil, wrongAud, nil)
	t.Check(r.Status == http.StatusUnauthorized && r.errCode() == "invalid_client", refAuth,
		"a client assertion whose aud is the token endpoint, not the issuer, is refused with invalid_client (%s)", r)

	// The flow: pushed, PKCE, private_key_jwt, DPoP.
	r = t.postForm(par, &c, a.Params)
	if r.Status != http.StatusCreated || r.str("request_uri") == "" {
		t.Fatalf(refPAR, "pushed authorization request answered %s, want 201 with a request_uri", r)
	}
	pa := &authz{Client: c, Endpoint: a.Endpoint, Method: http.MethodGet, State: a.State, Nonce: a.Nonce,
		Verifier: a.Verifier, RedirectURI: a.RedirectURI,
		Params: url.Values{"client_id": {c.ClientID}, "request_uri": {r.str("request_uri")}}}
	code := t.expectCode(t.mustAuthorize(t.env.newBrowser(), pa), pa)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.RedirectURI}, "code_verifier": {a.Verifier}}
	r = t.postForm(tokenEP, &c, form)
	t.Check(r.Status == http.StatusBadRequest && r.errCode() != "", refAuth, "a token request without a DPoP proof is refused (%s)", r)
	p := t.newDPoPProver()
	tok := p.token(c, form)
	if tok.Status != http.StatusOK {
		t.Fatalf(refAuth, "token request with private_key_jwt and a DPoP proof answered %s, want 200", tok)
	}
	t.Check(strings.EqualFold(tok.str("token_type"), "DPoP"), refAuth, "the access token is DPoP-bound (token_type %q)", tok.str("token_type"))
	var hdr struct {
		Alg string `json:"alg"`
	}
	if parts := strings.Split(tok.str("id_token"), "."); len(parts) == 3 {
		b, _ := base64.RawURLEncoding.DecodeString(parts[0])
		_ = json.Unmarshal(b, &hdr)
	}
	t.Check(slices.Contains([]string{"PS256", "ES256", "EdDSA"}, hdr.Alg), refAlg, "the ID token is signed with PS256, ES256 or EdDSA (got %q)", hdr.Alg)
	ui, _ := p.userinfo("DPoP", tok.str("access_token"), "")
	t.Check(ui.Status == http.StatusOK, refAuth, "userinfo accepts the bound token with a proof (%s)", ui)
}
