package conformance

import (
	"errors"
	"net/url"
)

func runPKCEEnforcement(t *T) {
	d := t.disc()
	if !d.Has("code_challenge_methods_supported") {
		t.Skipf("OP does not advertise code_challenge_methods_supported")
	}
	b := t.env.newBrowser()
	code := func(a *authz) string { return t.expectCode(t.mustAuthorize(b, a), a) }

	// RFC 7636 §4.6: a code bound to a challenge needs the verifier.
	a := t.newAuthz()
	a.pkce()
	c := code(a)
	r := t.token(a.Client, url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {a.RedirectURI}})
	if t.checkTokenError(r, "RFC7636-4.6", "invalid_grant") {
		t.OKf("RFC7636-4.6", "missing code_verifier refused with invalid_grant")
	}

	a = t.newAuthz()
	a.pkce()
	c = code(a)
	a.Verifier = randomString() + randomString()
	if t.checkTokenError(t.redeem(a, c), "RFC7636-4.6", "invalid_grant") {
		t.OKf("RFC7636-4.6", "wrong code_verifier refused with invalid_grant")
	}

	// RFC 7636 §4.4.1: a method the server does not support is refused.
	if d.Supports("code_challenge_methods_supported", "plain") {
		t.Logf("OP supports plain; not testing its refusal")
	} else {
		a = t.newAuthz()
		a.Verifier = randomString() + randomString()
		a.Params.Set("code_challenge", a.Verifier)
		a.Params.Set("code_challenge_method", "plain")
		t.expectRefused(b, a, "RFC7636-4.4.1", "code_challenge_method=plain", "invalid_request")
	}

	// Missing code_challenge: refused only under a strict policy.
	cfg := t.env.opts.Client
	switch {
	case cfg.StrictClient != nil:
		a = t.newAuthzFor(*cfg.StrictClient)
		a.Params.Del("code_challenge")
		a.Params.Del("code_challenge_method")
		t.expectRefused(t.env.newBrowser(), a, "RFC7636-4.4.1", "no code_challenge from the strict client", "invalid_request")
	case cfg.AlwaysPKCE:
		a = t.newAuthz()
		a.Params.Del("code_challenge")
		a.Params.Del("code_challenge_method")
		a.Verifier = ""
		t.expectRefused(b, a, "RFC7636-4.4.1", "no code_challenge (the config says the OP requires PKCE)", "invalid_request")
	default:
		t.Logf("no strict_client configured: not testing that a request without code_challenge is refused")
	}
}

// expectRefused sends a and expects the OP to redirect one of the wanted
// errors (an error page counts as a refusal, with a warning, since the
// redirect URI was valid and OIDC Core §3.1.2.6 says errors are redirected).
func (t *T) expectRefused(b *Browser, a *authz, ref, what string, want ...string) {
	cb, err := t.authorize(b, a)
	var pe *PageError
	switch {
	case errors.As(err, &pe):
		t.Warnf(ref, "%s: refused with a page instead of an error redirect: %v", what, pe)
	case err != nil:
		t.Errorf(ref, "%s: %v", what, err)
	case cb.get("error") == "":
		t.Errorf(ref, "%s was accepted (code issued), want error %v", what, want)
	default:
		t.checkCallbackCommon(cb, a)
		e := cb.get("error")
		for _, w := range want {
			if e == w {
				t.OKf(ref, "%s refused with %s", what, e)
				return
			}
		}
		t.Errorf(ref, "%s refused with %s (%q), want %v", what, e, cb.get("error_description"), want)
	}
}
