package main

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/oidcp/oidcp/population"
)

// TestBrowserConsentLanguages: in Chromium, the consent page Kari sees
// when she acts for her daughter Sofie reads in bokmål, nynorsk and
// English as ui_locales asks, names the tool, the scope and for whom the
// permission is given, and "allow" goes on to the tool with a code. It
// saves a screenshot per language under $OIDCP_SCREENSHOT_DIR (default:
// the test's temporary directory) for a person to look at.
func TestBrowserConsentLanguages(t *testing.T) {
	exec := requireBrowser(t)
	dir := screenshotDir(t) // before startRepServer clears OIDCP_*
	s, issuer, rp := sandboxBrowserTool(t, "consent-langs", "openid profile pid health:measurements", "parent")
	kari, sofie := s.pid(t, population.KeyKari), s.pid(t, population.KeySofie)

	authorize := func(lang string) string {
		return authorizeURL(issuer, rp, "openid profile pid health:measurements", lang+"-12345",
			url.Values{"login_hint": {"testid:" + kari}, "testid_acting_for": {sofie}, "ui_locales": {lang}})
	}
	bctx := startChromium(t, exec)
	for _, tc := range []struct {
		lang, title, allow, deny, scope, behalf string
	}{
		{"nb", "Gi tillatelse", "Gi tillatelse", "Ikke gi tillatelse", "Målinger", "på vegne av"},
		{"nn", "Gi løyve", "Gi løyve", "Ikkje gi løyve", "Målingar", "på vegner av"},
		{"en", "Give permission", "Allow", "Do not allow", "Measurements", "on behalf of"},
	} {
		browserSteps(t, bctx, "the consent page in "+tc.lang,
			chromedp.Navigate(authorize(tc.lang)),
			chromedp.WaitVisible(chromedp.CSS(`button[value="allow"]`)),
		)
		if lang := browse(t, bctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != tc.lang {
			t.Errorf("consent page lang = %q, want %q", lang, tc.lang)
		}
		if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != tc.title {
			t.Errorf("%s heading %q, want %q", tc.lang, h, tc.title)
		}
		if b := browse(t, bctx, chromedp.Text(chromedp.CSS(`button[value="allow"]`))); b != tc.allow {
			t.Errorf("%s allow button %q, want %q", tc.lang, b, tc.allow)
		}
		if b := browse(t, bctx, chromedp.Text(chromedp.CSS(`button[value="deny"]`))); b != tc.deny {
			t.Errorf("%s deny button %q, want %q", tc.lang, b, tc.deny)
		}
		body := browse(t, bctx, chromedp.Text(chromedp.CSS("main")))
		for _, want := range []string{"Helsedagboka", tc.scope, tc.behalf, "Sofie"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s consent page lacks %q:\n%s", tc.lang, want, body)
			}
		}
		path := filepath.Join(dir, "consent-"+tc.lang+".png")
		shot(t, bctx, path)
		t.Logf("screenshot: %s", path)
	}

	// The English page is open: allow goes on to the tool with a code.
	browserSteps(t, bctx, "allow",
		chromedp.Click(chromedp.CSS(`button[value="allow"]`)),
		chromedp.WaitVisible(chromedp.ID("rp-done")),
	)
	u, err := url.Parse(browse(t, bctx, chromedp.Location()))
	if err != nil || !strings.HasPrefix(u.String(), rp.redirectURI()+"?") {
		t.Fatalf("after allow the browser is at %v, want the tool's callback", u)
	}
	if q := u.Query(); q.Get("code") == "" || q.Get("state") != "state-en-12345" {
		t.Errorf("the tool got %v, want a code with its state", q)
	}
}
