package conformance

import (
	"errors"
	"net/http"
	"net/url"
	"time"
)

// codeReuseModule redeems a code twice (RFC 6749 §4.1.2: a code is single
// use; the AS SHOULD revoke tokens issued from it when it is reused),
// waiting wait seconds before the second try.
func codeReuseModule(wait int) func(*T) {
	return func(t *T) {
		a := t.newAuthz()
		cb := t.mustAuthorize(t.env.newBrowser(), a)
		code := t.expectCode(cb, a)
		first := t.redeem(a, code)
		t.checkTokenSuccess(first, true)
		t.checkIDTokenOf(a, first)
		if wait > 0 {
			t.Sleep(time.Duration(wait) * time.Second)
		}
		second := t.redeem(a, code)
		t.checkTokenError(second, "RFC6749-4.1.2", "invalid_grant")
		ui := t.userinfo("get", first.str("access_token"))
		if ui.Status == http.StatusOK {
			t.Warnf("RFC6749-4.1.2", "the access token from the first redemption still works after the code was reused; the OP SHOULD revoke it")
		} else {
			t.OKf("RFC6749-4.1.2", "the access token from the first redemption was revoked (%s)", ui)
		}
	}
}

func runRegisteredRedirectURI(t *T) {
	a := t.newAuthz()
	reg, err := url.Parse(a.RedirectURI)
	if err != nil {
		t.Fatalf("", "redirect_uri: %v", err)
	}
	bad := *reg
	bad.Path += "/unregistered-" + randomString()[:8]
	a.RedirectURI = bad.String()
	a.Params.Set("redirect_uri", a.RedirectURI)
	a.StopAt = []string{a.RedirectURI}
	cb, err := t.authorize(t.env.newBrowser(), a)
	var pe *PageError
	switch {
	case errors.As(err, &pe):
		t.OKf("OIDC-Core-3.1.2.1", "OP showed an error page instead of redirecting: %v", pe)
	case err != nil:
		t.Fatalf("", "authorization: %v", err)
	case stripQuery(cb.URL) == stripQuery(&bad):
		t.Errorf("OIDC-Core-3.1.2.1", "OP redirected to the unregistered redirect_uri %s (params %s)", stripQuery(&bad), describeParams(cb.Params))
	default:
		t.Warnf("OIDC-Core-3.1.2.6", "OP redirected to %s, another registered URI, instead of showing an error", stripQuery(cb.URL))
	}
}
