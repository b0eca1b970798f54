package provider

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuthorizeStateMustBePrintable: state is 1*VSCHAR (RFC 6749
// Appendix A.5). One with a control character is refused with
// invalid_request and not echoed, since a form_post page cannot carry it
// back unchanged (HTML turns a NUL into U+FFFD); FuzzAuthorize found the
// mangled echo. A printable state, spaces included, goes through.
func TestAuthorizeStateMustBePrintable(t *testing.T) {
	e := newFzEnv(t)
	q := func(state, mode string) string {
		v := url.Values{
			"client_id": {fzWeb}, "redirect_uri": {fzWebRedirect}, "response_type": {"code"},
			"scope": {"openid"}, "state": {state}, "nonce": {"nonce-0123456789"},
			"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"},
		}
		if mode != "" {
			v.Set("response_mode", mode)
		}
		return v.Encode()
	}
	for _, state := range []string{"state\x00nul", "tab\tstate", "del\x7fstate", "ø-state-1234"} {
		w := e.serve(http.MethodGet, "/main/authorize", q(state, ""), "", nil)
		loc, err := url.Parse(w.Header().Get("Location"))
		if err != nil || !strings.HasPrefix(loc.String(), "https://rp.example/cb?") {
			t.Fatalf("state %q: %d %q, want a redirect to the client", state, w.Code, w.Header().Get("Location"))
		}
		if got := loc.Query(); got.Get("error") != "invalid_request" || got.Has("state") {
			t.Errorf("state %q: redirected with %v, want invalid_request without state", state, got)
		}
		w = e.serve(http.MethodGet, "/main/authorize", q(state, "form_post"), "", nil)
		if body := w.Body.String(); !strings.Contains(body, `value="invalid_request"`) || strings.Contains(body, `name="state"`) {
			t.Errorf("state %q, form_post: %d %s, want invalid_request without state", state, w.Code, body)
		}
	}
	w := e.serve(http.MethodGet, "/main/authorize", q("a printable state ~!", ""), "", nil)
	if !strings.HasPrefix(w.Header().Get("Location"), fzUpstreamAuth) {
		t.Fatalf("printable state: %d %q, want the eID", w.Code, w.Header().Get("Location"))
	}
}
