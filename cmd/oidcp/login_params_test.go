package main

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/population"
)

// TestAuthorizeParameters covers the authorization request parameters the
// walking skeleton promises beyond the plain flow: response_mode=form_post,
// acr_values passed to the eID, max_age forcing a new eID login, and
// ui_locales choosing the page language.
func TestAuthorizeParameters(t *testing.T) {
	s := startRepServer(t, time.Now())
	kari := s.pid(t, population.KeyKari)

	t.Run("FormPost", func(t *testing.T) {
		tool := s.client(t, "sandbox", "formpost-tool")
		b := newBrowser()
		// Establish the session, then a second authorization in form_post.
		b.authorize(t, tool, kari)
		a := tool.authURL("", oauth2.SetAuthURLParam("response_mode", "form_post"))
		resp, err := b.c.Get(a.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
			t.Fatalf("form_post: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if !strings.Contains(page, `action="`+tool.c.redirect+`"`) {
			t.Errorf("form does not post to the redirect URI:\n%s", page)
		}
		fields := map[string]string{}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
			fields[m[1]] = html.UnescapeString(m[2])
		}
		if fields["state"] != a.state || fields["iss"] != s.base+"/sandbox" || fields["code"] == "" {
			t.Fatalf("form fields = %v, want code, state and iss", fields)
		}
		// The auto-submit script must be allowed by the page's CSP.
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'sha256-") {
			t.Errorf("CSP %q does not allow the form_post script by hash", csp)
		}
		if _, idt := tool.tokens(t, fields["code"], a.verifier); idt["pid"] != kari {
			t.Errorf("form_post code gave pid %v", idt["pid"])
		}
	})

	t.Run("ACRValues", func(t *testing.T) {
		tool := s.client(t, "sandbox", "acr-tool")
		high := oauth2.SetAuthURLParam("acr_values", "idporten-loa-high")
		// A substantial login where high was asked for is refused: the
		// test login takes its level from the hint, like ID-porten's.
		b := newBrowser()
		if e := b.finalError(t, tool, kari, high); e != "access_denied" {
			t.Errorf("acr_values=high with a substantial login: error=%q, want access_denied", e)
		}
		// A high login satisfies it, and the ID token says so.
		b = newBrowser()
		code, v, _ := b.authorize(t, tool, kari+"_idporten-loa-high", high)
		if _, idt := tool.tokens(t, code, v); idt["acr"] != "idporten-loa-high" {
			t.Errorf("acr = %v, want idporten-loa-high", idt["acr"])
		}
		// Step-up: a session at substantial sends the person back to the
		// eID when a tool asks for high.
		b = newBrowser()
		b.authorize(t, tool, kari)
		if !b.visitsUpstreamWith(t, tool, kari, high) {
			t.Error("acr_values=high on a substantial session did not go to the eID")
		}
		// Alternatives in order of preference: substantial is listed, so a
		// substantial session is acceptable although high comes first.
		if b.visitsUpstreamWith(t, tool, kari, oauth2.SetAuthURLParam("acr_values", "idporten-loa-high idporten-loa-substantial")) {
			t.Error(`acr_values="high substantial" on a substantial session went to the eID`)
		}
		// And substantial is satisfied by the session without the eID.
		if b.visitsUpstreamWith(t, tool, kari, oauth2.SetAuthURLParam("acr_values", "idporten-loa-substantial")) {
			t.Error("acr_values=substantial on a substantial session went to the eID")
		}
	})

	t.Run("MaxAge", func(t *testing.T) {
		tool := s.client(t, "sandbox", "maxage-tool")
		b := newBrowser()
		code, v, _ := b.authorize(t, tool, kari)
		_, first := tool.tokens(t, code, v)
		// A live session satisfies max_age=3600 without the eID ...
		if visited := b.visitsUpstreamWith(t, tool, kari, oauth2.SetAuthURLParam("max_age", "3600")); visited {
			t.Error("max_age=3600 on a fresh session went to the eID again")
		}
		// ... but max_age=0 demands a new eID login (OIDC Core §3.1.2.1).
		if visited := b.visitsUpstreamWith(t, tool, kari, oauth2.SetAuthURLParam("max_age", "0")); !visited {
			t.Error("max_age=0 did not send the person to the eID")
		}
		code, v, _ = b.authorize(t, tool, kari, oauth2.SetAuthURLParam("max_age", "0"))
		_, second := tool.tokens(t, code, v)
		// A new eID login of the same person renews the session id but
		// continues its chain: sid stays, so that logout with the earlier
		// ID token as hint still ends this session and reaches the
		// earlier tokens (docs/sessions.md), and auth_time moves on.
		if first["sid"] == nil || first["sid"] != second["sid"] {
			t.Errorf("sid after max_age=0 re-login = %v, want the chain's %v", second["sid"], first["sid"])
		}
		if a1, a2 := first["auth_time"], second["auth_time"]; a1 == nil || a2 == nil || a2.(float64) < a1.(float64) {
			t.Errorf("auth_time after max_age=0 = %v, want at least %v", a2, a1)
		}
	})

	t.Run("UILocales", func(t *testing.T) {
		tool := s.client(t, "sandbox", "locale-tool", "--accept-relation", "parent")
		for lang, heading := range map[string]string{
			"nn": "Kven vil du bruke tenesta på vegner av?",
			"en": "On whose behalf do you want to use the service?",
		} {
			b := newBrowser()
			_, _, ch := b.authorize(t, tool, kari, oauth2.SetAuthURLParam("ui_locales", lang+" nb"))
			if ch == nil || !strings.Contains(ch.body, `lang="`+lang+`"`) || !strings.Contains(ch.body, heading) {
				t.Errorf("ui_locales=%s: chooser not in %s", lang, lang)
			}
		}
	})
}

// visitsUpstreamWith starts an authorization with extra parameters and
// reports whether the first hop sends the browser to the ID-porten mock.
func (b *browser) visitsUpstreamWith(t *testing.T, rc *relyingParty, pid string, extra ...oauth2.AuthCodeOption) bool {
	t.Helper()
	return strings.Contains(b.firstHop(t, rc.authURL(pid, extra...).url).Path, "/idporten-mock/")
}

// finalError follows a whole headless authorization for pid and returns
// the error the client receives ("" if it got a code).
func (b *browser) finalError(t *testing.T, rc *relyingParty, pid string, extra ...oauth2.AuthCodeOption) string {
	t.Helper()
	v, err := b.visit(rc.authURL(pid, extra...).url, rc.c.redirect)
	if err != nil || v.final == nil {
		t.Fatalf("no authorization response: %v %s", err, v)
	}
	return v.final.Query().Get("error")
}
