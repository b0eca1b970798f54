package provider

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuthorizeRefusesWhatWouldFailLater: once the client and
// redirect_uri are known good, a repeated parameter (RFC 6749 §3.1), a
// request without the openid scope and a nonce shorter than fosite
// accepts at the token endpoint are refused at /authorize, redirected to
// the client with a description that names the cause, before anyone
// logs in. Before, the first of two scopes was silently taken, a request
// without openid logged the person in and answered no ID token, and a
// short nonce failed only at /token with insufficient_entropy.
func TestAuthorizeRefusesWhatWouldFailLater(t *testing.T) {
	e := newFzEnv(t)
	base := func() url.Values {
		return url.Values{
			"client_id": {fzWeb}, "redirect_uri": {fzWebRedirect}, "response_type": {"code"},
			"scope": {"openid profile"}, "state": {"state-0123456789"}, "nonce": {"nonce-0123456789"},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
		}
	}
	for _, tc := range []struct {
		name      string
		change    func(url.Values)
		err, hint string
	}{
		{"repeated scope", func(v url.Values) { v.Add("scope", "openid health:measurements") }, "invalid_request", "scope parameter is included more than once"},
		{"repeated nonce", func(v url.Values) { v.Add("nonce", "another-nonce-123") }, "invalid_request", "nonce parameter is included more than once"},
		{"no openid", func(v url.Values) { v.Set("scope", "profile") }, "invalid_scope", "must include openid"},
		{"no scope", func(v url.Values) { v.Del("scope") }, "invalid_scope", "must include openid"},
		{"short nonce", func(v url.Values) { v.Set("nonce", "abc") }, "invalid_request", "at least 8 characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := base()
			tc.change(v)
			w := e.serve(http.MethodGet, "/main/authorize", v.Encode(), "", nil)
			loc, err := url.Parse(w.Header().Get("Location"))
			if err != nil || !strings.HasPrefix(loc.String(), "https://rp.example/cb?") {
				t.Fatalf("%d %q, want a redirect to the client", w.Code, w.Header().Get("Location"))
			}
			q := loc.Query()
			if q.Get("error") != tc.err || !strings.Contains(q.Get("error_description"), tc.hint) || q.Get("state") != "state-0123456789" {
				t.Errorf("redirected with %v, want %s mentioning %q, with state", q, tc.err, tc.hint)
			}
		})
	}
	w := e.serve(http.MethodGet, "/main/authorize", base().Encode(), "", nil)
	if !strings.HasPrefix(w.Header().Get("Location"), fzUpstreamAuth) {
		t.Fatalf("a good request: %d %q, want the eID", w.Code, w.Header().Get("Location"))
	}
}
