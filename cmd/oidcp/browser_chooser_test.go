package main

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oidcp/oidcp/population"
)

// TestBrowserChooserLanguages: in Chromium, Kari's chooser reads in
// bokmål, nynorsk and English as ui_locales asks, service areas by name,
// with a cancel button that sends the tool access_denied. It saves a
// screenshot per language under $OIDCP_SCREENSHOT_DIR (default: the
// test's temporary directory) for a person to look at.
func TestBrowserChooserLanguages(t *testing.T) {
	exec := requireBrowser(t)
	dir := screenshotDir(t) // before startRepServer clears OIDCP_*
	s, issuer, rp := sandboxBrowserTool(t, "chooser-langs", "openid profile pid", "parent", "power_of_attorney")
	kari := s.pid(t, population.KeyKari)

	authorize := func(lang string) string {
		return authorizeURL(issuer, rp, "openid profile pid", lang+"-12345",
			url.Values{"login_hint": {"testid:" + kari}, "ui_locales": {lang}})
	}
	bctx := startChromium(t, exec)
	for _, tc := range []struct {
		lang, title, cancel, areas string
	}{
		{"nb", "Hvem vil du bruke tjenesten på vegne av?", "Avbryt", "timeavtaler, meldinger, resepter"},
		{"nn", "Kven vil du bruke tenesta på vegner av?", "Avbryt", "timeavtalar, meldingar, reseptar"},
		{"en", "On whose behalf do you want to use the service?", "Cancel", "appointments, messages, prescriptions"},
	} {
		browserSteps(t, bctx, "the chooser in "+tc.lang,
			chromedp.Navigate(authorize(tc.lang)),
			chromedp.WaitVisible(chromedp.CSS(`input[type=radio][name="subject"]`)),
		)
		if lang := browse(t, bctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != tc.lang {
			t.Errorf("chooser lang = %q, want %q", lang, tc.lang)
		}
		if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != tc.title {
			t.Errorf("%s heading %q, want %q", tc.lang, h, tc.title)
		}
		if b := browse(t, bctx, chromedp.Text(chromedp.CSS(`button[value="cancel"]`))); b != tc.cancel {
			t.Errorf("%s cancel button %q, want %q", tc.lang, b, tc.cancel)
		}
		if body := browse(t, bctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(body, tc.areas) {
			t.Errorf("%s chooser lacks the service areas %q:\n%s", tc.lang, tc.areas, body)
		}
		path := filepath.Join(dir, "chooser-"+tc.lang+".png")
		shot(t, bctx, path)
		t.Logf("screenshot: %s", path)
	}

	// The English page is open: cancel goes back to the tool.
	browserSteps(t, bctx, "cancel",
		chromedp.Click(chromedp.CSS(`button[value="cancel"]`)),
		chromedp.WaitVisible(chromedp.ID("rp-done")),
	)
	u, err := url.Parse(browse(t, bctx, chromedp.Location()))
	if err != nil || !strings.HasPrefix(u.String(), rp.redirectURI()+"?") {
		t.Fatalf("after cancel the browser is at %v, want the tool's callback", u)
	}
	if q := u.Query(); q.Get("error") != "access_denied" || q.Get("state") != "state-en-12345" {
		t.Errorf("the tool got %v, want error=access_denied with its state", q)
	}
}
