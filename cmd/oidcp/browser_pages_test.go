package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"
)

// screenshotDir is where browser tests write screenshots for a person to
// look at: $OIDCP_SCREENSHOT_DIR when set, else a directory removed with
// the test.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("OIDCP_SCREENSHOT_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestBrowserErrorPages: in Chromium, the error page for a tool that is
// not registered reads wholly in bokmål (the browser's language), nynorsk
// and English (ui_locales), with the OAuth error code visible, and the
// page for an unknown path is a real page. Screenshots of each are
// written to screenshotDir.
func TestBrowserErrorPages(t *testing.T) {
	exec := requireBrowser(t)
	dir := screenshotDir(t) // before newCLI clears the OIDCP_ environment
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	bctx := startChromium(t, exec)

	q := url.Values{"client_id": {"unregistered-tool"}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {"https://tool.example/cb"}, "state": {"state-123456789"}}
	for _, tc := range []struct {
		name, uiLocales, lang, heading, detail string
	}{
		{"error-nb", "", "nb", "Noe gikk galt", "Tjenesten (client_id) er ikke registrert hos oss."},
		{"error-nn", "nn", "nn", "Noko gjekk gale", "Tenesta (client_id) er ikkje registrert hos oss."},
		{"error-en", "en", "en", "Something went wrong", "The service (client_id) is not registered with us."},
	} {
		u := srv.base + "/sandbox/authorize?" + q.Encode()
		if tc.uiLocales != "" {
			u += "&ui_locales=" + tc.uiLocales
		}
		browserSteps(t, bctx, tc.name, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("h1")))
		if lang := browse(t, bctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != tc.lang {
			t.Errorf("%s: lang %q, want %q", tc.name, lang, tc.lang)
		}
		if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != tc.heading {
			t.Errorf("%s: heading %q, want %q", tc.name, h, tc.heading)
		}
		text := browse(t, bctx, chromedp.Text(chromedp.CSS("main")))
		if !strings.Contains(text, "invalid_client") || !strings.Contains(text, tc.detail) || tc.lang != "en" && strings.Contains(text, "does not exist") {
			t.Errorf("%s: page reads %q", tc.name, text)
		}
		shot(t, bctx, filepath.Join(dir, tc.name+".png"))
	}

	browserSteps(t, bctx, "unknown path", chromedp.Navigate(srv.base+"/sandbox/no-such-page"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != "Siden finnes ikke" {
		t.Errorf("not-found heading %q", h)
	}
	if title := browse(t, bctx, chromedp.Title()); title != "Siden finnes ikke" {
		t.Errorf("not-found title %q", title)
	}
	shot(t, bctx, filepath.Join(dir, "not-found-nb.png"))
	t.Logf("screenshots in %s", dir)
}

// shot writes a full-page screenshot of the browser's page to path.
func shot(t *testing.T, bctx context.Context, path string) {
	t.Helper()
	png := browse(t, bctx, chromedp.FullScreenshot(100))
	if len(png) == 0 {
		t.Fatalf("empty screenshot for %s", path)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sandboxBrowserTool starts a server with the synthetic population and
// registers a sandbox tool named Helsedagboka for a browser RP, with the
// given client id, scope and accepted relations (the secret is the
// client id's first letter, 40 times). It returns the issuer and the RP.
func sandboxBrowserTool(t *testing.T, clientID, scope string, relations ...string) (*repServer, string, *browserRP) {
	t.Helper()
	s := startRepServer(t, time.Now())
	issuer := s.base + "/sandbox"
	rp := newBrowserRP(t, issuer)
	rp.clientID, rp.secret = clientID, strings.Repeat(clientID[:1], 40)
	args := []string{"clients", "create", "--tenant", "sandbox", "--id", rp.clientID, "--secret", rp.secret,
		"--name", "Helsedagboka", "--redirect-uri", rp.redirectURI(), "--scope", scope}
	for _, rel := range relations {
		args = append(args, "--accept-relation", rel)
	}
	s.cli.ok(args...)
	return s, issuer, rp
}

// authorizeURL is a code-flow authorization URL at issuer for rp, with
// PKCE, state "state-"+tag and nonce "nonce-"+tag; extra parameters are
// added or replace the defaults.
func authorizeURL(issuer string, rp *browserRP, scope, tag string, extra url.Values) string {
	q := url.Values{
		"response_type": {"code"}, "client_id": {rp.clientID}, "redirect_uri": {rp.redirectURI()},
		"scope": {scope}, "state": {"state-" + tag}, "nonce": {"nonce-" + tag},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		q[k] = v
	}
	return issuer + "/authorize?" + q.Encode()
}
