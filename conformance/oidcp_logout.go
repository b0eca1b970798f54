package conformance

import (
	"errors"
	"net/http"
	"net/url"
)

// logout sends the browser to the end_session_endpoint (RP-Initiated
// Logout 1.0 §2) and confirms any "sign out?" page. It returns where the
// OP sent the browser: a callback at a stop URI, or a *PageError.
func (t *T) logout(b *Browser, ep string, params url.Values, stops ...string) (*url.URL, error) {
	u, err := url.Parse(ep)
	if err != nil {
		t.Fatalf("", "end_session_endpoint: %v", err)
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatalf("", "build logout request: %v", err)
	}
	b.StopAt(stops...)
	t.Logf("logout request: %s", describeParams(params))
	return driveForms(t.ctx, b, req, "", "")
}

func runRPLogout(t *T) {
	ep := t.requireEndpoint("end_session_endpoint")
	plr := t.env.opts.Client.PostLogoutRedirectURI
	if plr == "" {
		t.Skipf("no post_logout_redirect_uri in the client config")
	}
	b := t.env.newBrowser()
	f := t.codeFlow(b, t.newAuthz())
	state := randomString()
	u, err := t.logout(b, ep, url.Values{"id_token_hint": {f.ID.Raw}, "post_logout_redirect_uri": {plr},
		"state": {state}, "client_id": {f.Authz.Client.ClientID}}, plr)
	var pe *PageError
	switch {
	case errors.As(err, &pe):
		t.Errorf("OIDC-RPInitiated-3", "OP did not redirect to the registered post_logout_redirect_uri: %v", pe)
	case err != nil:
		t.Fatalf("", "logout: %v", err)
	default:
		t.OKf("OIDC-RPInitiated-3", "OP redirected to the registered post_logout_redirect_uri")
		t.Check(u.Query().Get("state") == state, "OIDC-RPInitiated-3", "state is returned on post-logout redirection")
	}

	// The session is gone: prompt=none must now fail.
	a := t.newAuthz()
	a.Params.Set("prompt", "none")
	a.Params.Del("login_hint")
	cb, err := t.authorize(b, a)
	if err == nil && cb.get("code") != "" {
		t.Errorf("OIDC-RPInitiated-2", "prompt=none still succeeds after logout: the session was not ended")
	} else if err == nil {
		t.OKf("OIDC-RPInitiated-2", "prompt=none after logout returns error=%s", cb.get("error"))
	} else {
		t.Errorf("OIDC-Core-3.1.2.6", "prompt=none after logout did not return to the client: %v", err)
	}

	// An unregistered post_logout_redirect_uri must not be redirected to.
	f = t.codeFlow(b, t.newAuthz())
	bad, _ := url.Parse(plr)
	bad.Path += "/unregistered-" + randomString()[:8]
	u, err = t.logout(b, ep, url.Values{"id_token_hint": {f.ID.Raw}, "post_logout_redirect_uri": {bad.String()},
		"state": {state}}, plr, bad.String())
	switch {
	case errors.As(err, &pe):
		t.OKf("OIDC-RPInitiated-2", "unregistered post_logout_redirect_uri refused with a page: %v", pe)
	case err != nil:
		t.Fatalf("", "logout: %v", err)
	case stripQuery(u) == stripQuery(bad):
		t.Errorf("OIDC-RPInitiated-2", "OP redirected to the unregistered post_logout_redirect_uri %s", stripQuery(bad))
	default:
		t.OKf("OIDC-RPInitiated-2", "OP did not redirect to the unregistered URI (went to %s)", stripQuery(u))
	}
}
