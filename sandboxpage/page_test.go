package sandboxpage

import (
	"html"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// TestStartPage: the page shows the endpoints, the registration steps,
// the headless login and every representation case with the parameters
// that try it, in the language asked for.
func TestStartPage(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, representation.Oslo)
	pop := population.Generate(now)
	kari, _ := pop.Lookup(population.KeyKari)
	jonas, _ := pop.Lookup(population.KeyJonas)
	h := Handler(Config{Issuer: "http://127.0.0.1:8080/sandbox", DisplayName: "oidcp sandbox", MockIssuer: "http://127.0.0.1:8080/idporten-mock",
		Registration: true, Now: func() time.Time { return now }})
	for _, tc := range []struct{ query, accept, lang, title string }{
		{"", "", "nb", "Sandkasse for leverandører"},
		{"?lang=nn", "", "nn", "Sandkasse for leverandørar"},
		{"", "en-GB,en;q=0.8", "en", "Sandbox for vendors"},
	} {
		req := httptest.NewRequest("GET", "/sandbox/"+tc.query, nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Language", tc.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := html.UnescapeString(rec.Body.String())
		if rec.Code != 200 || rec.Header().Get("Content-Language") != tc.lang || !strings.Contains(body, `<html lang="`+tc.lang+`">`) {
			t.Fatalf("%s: %d lang %q", tc.lang, rec.Code, rec.Header().Get("Content-Language"))
		}
		for _, want := range []string{
			tc.title,
			"http://127.0.0.1:8080/sandbox/.well-known/openid-configuration",
			"http://127.0.0.1:8080/sandbox/register",
			"http://127.0.0.1:8080/sandbox/vendor/reset",
			"http://127.0.0.1:8080/idporten-mock",
			"docs/sandbox-quickstart.md",
			"login_hint=testid:" + kari.PID + "&testid_acting_for=" + jonas.PID,
			"child_16_or_older", "confidential_address", "withdrawn", "expired",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: page lacks %q", tc.lang, want)
			}
		}
		if n := strings.Count(body, "testid_acting_for="); n != len(pop.Relations)+0 {
			t.Errorf("%s: %d cases with a headless login, want one per relation (%d)", tc.lang, n, len(pop.Relations))
		}
	}
	// Without registration the page says who registers clients.
	rec := httptest.NewRecorder()
	Handler(Config{Issuer: "http://x.example/sb", DisplayName: "sb", Now: func() time.Time { return now }}).ServeHTTP(rec, httptest.NewRequest("GET", "/sb/?lang=en", nil))
	if b := rec.Body.String(); strings.Contains(b, "/sb/register") || !strings.Contains(b, "self-service registration is off") {
		t.Error("a tenant without registration: the page offers registration")
	}
}

// TestStartPageLinksAccountPages: with account pages, the start page
// links to them; without, it does not.
func TestStartPageLinksAccountPages(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:8080/sandbox/account/", ""} {
		h := Handler(Config{Issuer: "http://127.0.0.1:8080/sandbox", DisplayName: "oidcp sandbox", AccountURL: url})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/sandbox/?lang=nn", nil))
		has := strings.Contains(rec.Body.String(), `<a href="http://127.0.0.1:8080/sandbox/account/" id="account-link">`)
		if has != (url != "") || (url != "" && !strings.Contains(rec.Body.String(), "Bruk og tilgangar")) {
			t.Errorf("AccountURL %q: link shown %v\n%s", url, has, rec.Body)
		}
	}
}
