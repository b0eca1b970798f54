package web

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCatalogueComplete: every text exists in bokmål, nynorsk and
// English, so no page shows an empty line in one language.
func TestCatalogueComplete(t *testing.T) {
	for name, cat := range map[string]map[string]map[string]string{
		"Messages": Messages, "PageTexts": PageTexts, "ChooserTexts": ChooserTexts, "ConsentTexts": ConsentTexts, "serviceAreaNames": serviceAreaNames,
	} {
		for key := range cat["nb"] {
			for _, lang := range []string{"nn", "en"} {
				if _, ok := cat[lang][key]; !ok {
					t.Errorf("%s[%s] lacks %q", name, lang, key)
				}
			}
		}
		if len(cat["nn"]) != len(cat["nb"]) || len(cat["en"]) != len(cat["nb"]) {
			t.Errorf("%s: %d nb, %d nn, %d en texts", name, len(cat["nb"]), len(cat["nn"]), len(cat["en"]))
		}
	}
	for _, lang := range []string{"nb", "nn", "en"} {
		if LogoutOtherMessage[lang] == "" {
			t.Errorf("LogoutOtherMessage[%s] empty", lang)
		}
	}
}

// TestRender: every page renders in the one layout, with its language
// and status, never cached.
func TestRender(t *testing.T) {
	for _, tc := range []struct {
		tmpl string
		data any
		want []string
	}{
		{ErrorTemplate, Page{Lang: "nn", Title: Messages["nn"]["error_title"], Message: Messages["nn"]["login_expired"], Code: "invalid_request", T: Messages["nn"]},
			[]string{`<html lang="nn">`, "Noko gjekk gale", "<code>invalid_request</code>"}},
		{NotFoundTemplate, Page{Lang: "en", Title: PageTexts["en"]["not_found_title"], Message: PageTexts["en"]["not_found"], Action: "/", Detail: PageTexts["en"]["to_start"]},
			[]string{`<html lang="en">`, "Page not found", `href="/"`}},
		{LogoutTemplate, Page{Lang: "nb", Title: "Logg ut", Message: "Vil du logge ut?", Action: "/main/logout", Hidden: map[string]string{"csrf": "c<1>"}, T: Messages["nb"]},
			[]string{"Vil du logge ut?", `value="c&lt;1&gt;"`}},
		{ChooserTemplate, ChooserPage{Lang: "nb", Title: ChooserTexts["nb"]["title"], Action: "/main/choose", Flow: "f1", CSRF: "v1", T: ChooserTexts["nb"],
			Options: []ChooserOption{{Value: "self", Label: "Meg selv", Checked: true}, {Value: "15901050012", Label: "Ingrid", Limited: true}}},
			[]string{`name="flow" value="f1"`, `name="csrf" value="v1"`, "Ingrid", "Meg selv"}},
		{ConsentTemplate, ConsentPage{Lang: "nn", Title: ConsentTexts["nn"]["title"], Tool: "Måleverktøy", Vendor: "Helse AS", PolicyURI: "https://tool.example/personvern",
			OnBehalf: "Ingrid", Scopes: []ConsentScope{{Name: "health:measurements", Title: "Målingar", Description: "Tenesta kan lese målingane dine."}},
			Action: "/main/consent", Flow: "f1", CSRF: "v1", T: ConsentTexts["nn"]},
			[]string{`<html lang="nn">`, "Gi løyve", "Måleverktøy", "Helse AS", "Ingrid", "Målingar", `href="https://tool.example/personvern"`,
				`name="csrf" value="v1"`, `value="allow"`, `value="deny"`}},
		{ConsentTemplate, ConsentPage{Lang: "nb", Title: ConsentTexts["nb"]["title"], Tool: "Verktøy", CannotConsent: "Du har en ordinær fullmakt.",
			Action: "/main/consent", Flow: "f1", CSRF: "v1", T: ConsentTexts["nb"]},
			[]string{"Du har en ordinær fullmakt.", "Tilbake til tjenesten", "ikke oppgitt noen personvernerklæring"}},
	} {
		rec := httptest.NewRecorder()
		Render(rec, 418, tc.tmpl, tc.data)
		body := rec.Body.String()
		if rec.Code != 418 || rec.Header().Get("Cache-Control") != "no-store" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %v", tc.tmpl, rec.Code, rec.Header())
		}
		if !strings.Contains(body, "<style>") || !strings.Contains(body, "</html>") {
			t.Errorf("%s: not in the layout:\n%s", tc.tmpl, body)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q:\n%s", tc.tmpl, w, body)
			}
		}
	}
}

func TestServiceAreasAndDetails(t *testing.T) {
	if got := ServiceAreas("nn", []string{"messages", "unknown_code"}); got != "meldingar, unknown_code" {
		t.Errorf("ServiceAreas = %q", got)
	}
	if got, ok := DetailIn("en", "The requested OAuth 2.0 Client does not exist."); !ok || got != "The service (client_id) is not registered with us." {
		t.Errorf("DetailIn = %q %v", got, ok)
	}
	if _, ok := DetailIn("nb", "Something else."); ok {
		t.Error("an unknown description translated")
	}
	if !strings.HasPrefix(FormPostScriptHash, "'sha256-") || len(FormPostScriptHash) != len("'sha256-")+44+1 {
		t.Errorf("hash %q", FormPostScriptHash)
	}
}

// TestStyleHash: the CSP hash is of exactly the stylesheet the layout
// inlines, so a page served with it needs no 'unsafe-inline'.
func TestStyleHash(t *testing.T) {
	rec := httptest.NewRecorder()
	Render(rec, 200, AccountTemplate, AccountPage{Lang: "nb", Title: "x", T: AccountTexts["nb"], Tab: AccountTabMessage})
	body := rec.Body.String()
	start, end := strings.Index(body, "<style>"), strings.Index(body, "</style>")
	if start < 0 || end < start {
		t.Fatalf("no inline stylesheet:\n%s", body)
	}
	css := body[start+len("<style>") : end]
	h := sha256.Sum256([]byte(css))
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"; StyleHash != want {
		t.Errorf("StyleHash %s, the page's stylesheet hashes to %s", StyleHash, want)
	}
}

// TestAccountTexts: every account text and event text exists in the
// three languages, and each tab renders with its landmarks.
func TestAccountTexts(t *testing.T) {
	for name, cat := range map[string]map[string]map[string]string{"AccountTexts": AccountTexts, "AccountEventTexts": AccountEventTexts} {
		for _, lang := range []string{"nb", "nn", "en"} {
			if len(cat[lang]) != len(cat["nb"]) {
				t.Errorf("%s: %d %s texts, %d nb", name, len(cat[lang]), lang, len(cat["nb"]))
			}
			for key := range cat["nb"] {
				if cat[lang][key] == "" {
					t.Errorf("%s[%s] lacks %q", name, lang, key)
				}
			}
		}
	}
	if got := AccountTime("nn", time.Date(2026, 3, 9, 7, 5, 0, 0, time.UTC)); got != "9. mars 2026 kl. 07.05" {
		t.Errorf("AccountTime nn = %q", got)
	}
	if got := AccountTime("en", time.Date(2026, 3, 9, 17, 5, 0, 0, time.UTC)); got != "9 March 2026, 17:05" {
		t.Errorf("AccountTime en = %q", got)
	}
	for _, tab := range []string{AccountTabLog, AccountTabSessions, AccountTabGrants} {
		rec := httptest.NewRecorder()
		p := AccountPage{Lang: "nn", Title: "t", T: AccountTexts["nn"], Tab: tab, MayWithdraw: true, CSRF: "c1",
			Tabs: []AccountLink{{Label: "Logg over bruk", URL: "/a/", Current: tab == AccountTabLog}}}
		if tab == AccountTabLog {
			p.Log = &AccountLog{Action: "/a/", Events: []AccountEvent{{Time: "1", Who: "Kari", What: "Logga inn", Where: "Verktøy"}}}
		}
		p.Sessions = []AccountSession{{ID: "s1", Device: "iPhone"}}
		p.Grants = []AccountGrant{{ID: "g1", Tool: "Verktøy", WithdrawURL: "/a/grants/g1/withdraw"}}
		Render(rec, 200, AccountTemplate, p)
		body := rec.Body.String()
		for _, want := range []string{`<html lang="nn">`, "<header", `<main id="main" data-tab="`, "<nav", "<caption>", `scope="col"`, `scope="row"`} {
			if !strings.Contains(body, want) {
				t.Errorf("tab %s lacks %q", tab, want)
			}
		}
	}
}

// TestLimitedAccessAgeBand: the chooser explains limited access with
// the band of docs/glossary.md, 12 to 15 inclusive, in every language
// (not "mellom 12 og 16", which reads as 13–15 or up to 16).
func TestLimitedAccessAgeBand(t *testing.T) {
	for lang, want := range map[string]string{
		"nb": "Barn fra 12 til og med 15 år",
		"nn": "Barn frå 12 til og med 15 år",
		"en": "Children aged 12 to 15 decide for themselves about some of their health information.",
	} {
		if got := ChooserTexts[lang]["limited_why"]; !strings.HasPrefix(got, want) || strings.Contains(got, "16") {
			t.Errorf("%s: %q, want it to begin %q", lang, got, want)
		}
	}
}

func TestDate(t *testing.T) {
	d := time.Date(2029, 10, 31, 0, 0, 0, 0, time.UTC)
	for lang, want := range map[string]string{"nb": "31.10.2029", "nn": "31.10.2029", "en": "31 October 2029", "de": "31.10.2029"} {
		if got := Date(lang, d); got != want {
			t.Errorf("Date(%s) = %q, want %q", lang, got, want)
		}
	}
}
