package main

import (
	"html"
	"io"
	"net/http"
	"net/url"
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
		b := newAgent()
		// Establish the session, then a second authorization in form_post.
		b.authorize(t, s, tool, kari)
		v := oauth2.GenerateVerifier()
		resp, err := b.c.Get(tool.oauth.AuthCodeURL("state-fp-1234567890", oauth2.S256ChallengeOption(v),
			oauth2.SetAuthURLParam("nonce", "nonce-fp-1234567890"), oauth2.SetAuthURLParam("response_mode", "form_post")))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
			t.Fatalf("form_post: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if !strings.Contains(page, `action="`+tool.redirect+`"`) {
			t.Errorf("form does not post to the redirect URI:\n%s", page)
		}
		fields := map[string]string{}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
			fields[m[1]] = html.UnescapeString(m[2])
		}
		if fields["state"] != "state-fp-1234567890" || fields["iss"] != s.base+"/sandbox" || fields["code"] == "" {
			t.Fatalf("form fields = %v, want code, state and iss", fields)
		}
		// The auto-submit script must be allowed by the page's CSP.
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'sha256-") {
			t.Errorf("CSP %q does not allow the form_post script by hash", csp)
		}
		if _, idt := tool.tokens(t, fields["code"], v); idt["pid"] != kari {
			t.Errorf("form_post code gave pid %v", idt["pid"])
		}
	})

	t.Run("ACRValues", func(t *testing.T) {
		tool := s.client(t, "sandbox", "acr-tool")
		high := oauth2.SetAuthURLParam("acr_values", "idporten-loa-high")
		// A substantial login where high was asked for is refused: the
		// test login takes its level from the hint, like ID-porten's.
		b := newAgent()
		if e := b.finalError(t, tool, kari, high); e != "access_denied" {
			t.Errorf("acr_values=high with a substantial login: error=%q, want access_denied", e)
		}
		// A high login satisfies it, and the ID token says so.
		b = newAgent()
		code, v, _ := b.authorize(t, s, tool, kari+"_idporten-loa-high", high)
		if _, idt := tool.tokens(t, code, v); idt["acr"] != "idporten-loa-high" {
			t.Errorf("acr = %v, want idporten-loa-high", idt["acr"])
		}
		// Step-up: a session at substantial sends the person back to the
		// eID when a tool asks for high.
		b = newAgent()
		b.authorize(t, s, tool, kari)
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
		b := newAgent()
		code, v, _ := b.authorize(t, s, tool, kari)
		_, first := tool.tokens(t, code, v)
		// A live session satisfies max_age=3600 without the eID ...
		if visited := b.visitsUpstream(t, tool, kari, "3600"); visited {
			t.Error("max_age=3600 on a fresh session went to the eID again")
		}
		// ... but max_age=0 demands a new eID login (OIDC Core §3.1.2.1).
		if visited := b.visitsUpstream(t, tool, kari, "0"); !visited {
			t.Error("max_age=0 did not send the person to the eID")
		}
		code, v, _ = b.authorize(t, s, tool, kari, oauth2.SetAuthURLParam("max_age", "0"))
		_, second := tool.tokens(t, code, v)
		// A new eID login renews the login session, hence its sid.
		if first["sid"] == nil || first["sid"] == second["sid"] {
			t.Errorf("sid unchanged after max_age=0 forced a new login: %v", second["sid"])
		}
	})

	t.Run("UILocales", func(t *testing.T) {
		tool := s.client(t, "sandbox", "locale-tool", "--accept-relation", "parent")
		for lang, heading := range map[string]string{
			"nn": "Kven vil du bruke tenesta på vegner av?",
			"en": "On whose behalf do you want to use the service?",
		} {
			b := newAgent()
			_, _, ch := b.authorize(t, s, tool, kari, oauth2.SetAuthURLParam("ui_locales", lang+" nb"))
			if ch == nil || !strings.Contains(ch.body, `lang="`+lang+`"`) || !strings.Contains(ch.body, heading) {
				t.Errorf("ui_locales=%s: chooser not in %s", lang, lang)
			}
		}
	})
}

// visitsUpstream starts an authorization with max_age and reports whether
// the browser was sent to the ID-porten mock (a new eID login).
func (b *agent) visitsUpstream(t *testing.T, rc *repClient, pid, maxAge string) bool {
	t.Helper()
	return b.visitsUpstreamWith(t, rc, pid, oauth2.SetAuthURLParam("max_age", maxAge))
}

// visitsUpstreamWith starts an authorization with extra parameters and
// reports whether the first hop sends the browser to the ID-porten mock.
func (b *agent) visitsUpstreamWith(t *testing.T, rc *repClient, pid string, extra ...oauth2.AuthCodeOption) bool {
	t.Helper()
	v := oauth2.GenerateVerifier()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(v),
		oauth2.SetAuthURLParam("nonce", "nonce-ma-1234567890"), oauth2.SetAuthURLParam("login_hint", "testid:"+pid)}, extra...)
	resp, err := b.c.Get(rc.oauth.AuthCodeURL("state-ma-1234567890", opts...))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("%d without redirect", resp.StatusCode)
	}
	return strings.Contains(loc.Path, "/idporten-mock/")
}

// finalError follows a whole headless authorization for pid and returns
// the error the client receives ("" if it got a code).
func (b *agent) finalError(t *testing.T, rc *repClient, pid string, extra ...oauth2.AuthCodeOption) string {
	t.Helper()
	v := oauth2.GenerateVerifier()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(v),
		oauth2.SetAuthURLParam("nonce", "nonce-fe-1234567890"), oauth2.SetAuthURLParam("login_hint", "testid:"+pid)}, extra...)
	next := rc.oauth.AuthCodeURL("state-fe-1234567890", opts...)
	for range 12 {
		if strings.HasPrefix(next, rc.redirect) {
			u, _ := url.Parse(next)
			return u.Query().Get("error")
		}
		resp, err := b.c.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("GET %s: %d without redirect", next, resp.StatusCode)
		}
		next = loc.String()
	}
	t.Fatal("too many redirects")
	return ""
}
