package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/population"
)

// TestBrowserChooserLanguages: in Chromium, Kari's chooser reads in
// bokmål, nynorsk and English as ui_locales asks, service areas by name,
// with a cancel button that sends the tool access_denied. It saves a
// screenshot per language under $OIDCP_SCREENSHOT_DIR (default: the
// test's temporary directory) for a person to look at.
func TestBrowserChooserLanguages(t *testing.T) {
	exec := requireBrowser(t)
	dir := os.Getenv("OIDCP_SCREENSHOT_DIR") // before startRepServer clears OIDCP_*
	if dir == "" {
		dir = t.TempDir()
	}
	s := startRepServer(t, time.Now())
	issuer := s.base + "/sandbox"
	rp := newBrowserRP(t, issuer)
	rp.clientID, rp.secret = "chooser-langs", strings.Repeat("l", 40)
	s.cli.ok("clients", "create", "--tenant", "sandbox", "--id", rp.clientID, "--secret", rp.secret,
		"--name", "Helsedagboka", "--redirect-uri", rp.redirectURI(), "--scope", "openid profile pid",
		"--accept-relation", "parent", "--accept-relation", "power_of_attorney")
	kari := s.pid(t, population.KeyKari)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}

	authorize := func(lang string) string {
		q := url.Values{
			"response_type": {"code"}, "client_id": {rp.clientID}, "redirect_uri": {rp.redirectURI()},
			"scope": {"openid profile pid"}, "state": {"state-" + lang + "-12345"}, "nonce": {"nonce-" + lang + "-12345"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"},
			"login_hint": {"testid:" + kari}, "ui_locales": {lang},
		}
		return issuer + "/authorize?" + q.Encode()
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
		shot := browse(t, bctx, chromedp.FullScreenshot(100))
		path := filepath.Join(dir, "chooser-"+tc.lang+".png")
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
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
