package conformance

import (
	"net/http"
	"net/url"
	"time"
)

func runRefreshReuse(t *T) {
	a := t.offlineAuthz()
	f := t.codeFlow(t.env.newBrowser(), a)
	rt0 := f.Token.str("refresh_token")
	if rt0 == "" {
		t.Skipf("OP issued no refresh token")
	}
	r1 := t.refresh(a.Client, rt0)
	t.checkTokenSuccess(r1, false)
	rt1 := r1.str("refresh_token")
	if rt1 == "" || rt1 == rt0 {
		t.Skipf("OP does not rotate refresh tokens for this client")
	}
	t.OKf("OAuth-BCP-4.14.2", "refresh token was rotated")
	// OAuth 2.0 Security BCP §4.14.2: a rotated-out token presented again
	// means one of two parties is an attacker; the AS refuses it and
	// revokes the active token of the chain.
	t.checkTokenError(t.refresh(a.Client, rt0), "OAuth-BCP-4.14.2", "invalid_grant")
	t.checkTokenError(t.refresh(a.Client, rt1), "OAuth-BCP-4.14.2", "invalid_grant")
	ui := t.userinfo("get", r1.str("access_token"))
	if ui.Status == http.StatusOK {
		t.Warnf("OAuth-BCP-4.14.2", "the access token of the revoked chain still works at userinfo")
	} else {
		t.OKf("OAuth-BCP-4.14.2", "the access token of the revoked chain is refused (%s)", ui)
	}
}

// revoke calls the revocation endpoint (RFC 7009 §2.1).
func (t *T) revoke(ep string, c *Client, token, hint string) *httpResult {
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	r := t.postForm(ep, c, form)
	t.Logf("revocation (hint %q) -> %s", hint, r)
	return r
}

func runRevocation(t *T) {
	ep := t.requireEndpoint("revocation_endpoint")
	a := t.offlineAuthz()
	f := t.codeFlow(t.env.newBrowser(), a)
	at, rt := f.Token.str("access_token"), f.Token.str("refresh_token")
	c := a.Client

	r := t.revoke(ep, nil, at, "access_token")
	t.Check(r.Status == http.StatusUnauthorized || r.Status == http.StatusBadRequest, "RFC7009-2.1",
		"revocation without client authentication is refused (%s)", r)
	t.Check(t.userinfo("get", at).Status == http.StatusOK, "RFC7009-2.1", "access token still works after the unauthenticated attempt")

	r = t.revoke(ep, &c, at, "access_token")
	t.Check(r.Status == http.StatusOK, "RFC7009-2.2", "revoking the access token answers 200 (%s)", r)
	if ui := t.userinfo("get", at); ui.Status == http.StatusOK {
		t.Warnf("RFC7009-2", "access token still works after revocation (revoking access tokens is a SHOULD)")
	} else {
		t.OKf("RFC7009-2", "revoked access token is refused at userinfo (%s)", ui)
	}
	if rt != "" {
		r = t.revoke(ep, &c, rt, "refresh_token")
		t.Check(r.Status == http.StatusOK, "RFC7009-2.2", "revoking the refresh token answers 200 (%s)", r)
		t.checkTokenError(t.refresh(c, rt), "RFC7009-2.1", "invalid_grant")
	} else {
		t.Logf("no refresh token issued; refresh token revocation not tested")
	}
	r = t.revoke(ep, &c, "unknown-"+randomString(), "")
	t.Check(r.Status == http.StatusOK, "RFC7009-2.2", "revoking an unknown token answers 200 (%s)", r)
}

// introspect calls the introspection endpoint (RFC 7662 §2.1).
func (t *T) introspect(ep string, c *Client, token string) *httpResult {
	r := t.postForm(ep, c, url.Values{"token": {token}})
	t.Logf("introspection -> %s active=%v", r, r.JSON["active"])
	return r
}

func runIntrospection(t *T) {
	ep := t.requireEndpoint("introspection_endpoint")
	a := t.newAuthz()
	f := t.codeFlow(t.env.newBrowser(), a)
	at := f.Token.str("access_token")
	c := a.Client

	r := t.introspect(ep, &c, at)
	if r.Status != http.StatusOK {
		t.Fatalf("RFC7662-2.2", "introspection answered %s, want 200", r)
	}
	active, _ := r.JSON["active"].(bool)
	t.Check(active, "RFC7662-2.2", "a fresh access token is active")
	if v, ok := r.JSON["client_id"]; ok {
		t.Check(v == c.ClientID, "RFC7662-2.2", "client_id %v is the client's", v)
	}
	if v, ok := r.JSON["sub"]; ok {
		t.Check(v == f.ID.str("sub"), "RFC7662-2.2", "sub %v equals the ID token's", v)
	}
	if v, ok := r.JSON["exp"].(float64); ok {
		t.Check(time.Unix(int64(v), 0).After(t.env.opts.Now()), "RFC7662-2.2", "exp is in the future")
	}
	if v, ok := r.JSON["iss"]; ok {
		t.Check(v == t.env.opts.Issuer, "RFC7662-2.2", "iss %v is the issuer", v)
	}

	r = t.introspect(ep, nil, at)
	if r.Status == http.StatusOK && r.JSON["active"] == true {
		t.Errorf("RFC7662-2.1", "introspection without client authentication disclosed an active token")
	} else {
		t.OKf("RFC7662-2.1", "introspection without client authentication is refused (%s)", r)
	}

	r = t.introspect(ep, &c, "unknown-"+randomString())
	t.Check(r.Status == http.StatusOK && r.JSON["active"] == false, "RFC7662-2.2", "an unknown token is reported as active=false")
	if len(r.JSON) > 1 {
		t.Warnf("RFC7662-2.2", "an inactive token's response SHOULD NOT carry more than active (got %v)", sortedKeys(r.JSON))
	}

	rev := t.disc().Str("revocation_endpoint")
	if rev == "" {
		t.Logf("no revocation_endpoint: not testing active=false after revocation")
		return
	}
	t.revoke(rev, &c, at, "access_token")
	r = t.introspect(ep, &c, at)
	t.Check(r.Status == http.StatusOK && r.JSON["active"] == false, "RFC7662-2.2", "the revoked access token is reported as active=false")
}
