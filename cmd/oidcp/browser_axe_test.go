package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oidcp/oidcp/population"
)

// axeVersion is the axe-core release the accessibility test runs; npm
// installs it once per machine into the user cache.
const axeVersion = "4.10.3"

// axeScript returns axe-core's browser bundle, installing it from the npm
// registry on first use. Without npm or the registry the test skips
// loudly, and fails with OIDCP_REQUIRE_BROWSER=1 (CI), like the browser
// itself.
func axeScript(t *testing.T) string {
	t.Helper()
	fail := func(format string, args ...any) {
		msg := "!!! ACCESSIBILITY TEST NOT RUN: " + fmt.Sprintf(format, args...)
		if os.Getenv("OIDCP_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "oidcp-test", "axe-core-"+axeVersion)
	bundle := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if b, err := os.ReadFile(bundle); err == nil {
		return string(b)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		fail("npm not found; install Node.js to fetch axe-core")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	install := exec.CommandContext(ctx, "npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "--loglevel=error", "axe-core@"+axeVersion)
	if out, err := install.CombinedOutput(); err != nil {
		fail("npm install axe-core@%s failed (no registry?): %v\n%s", axeVersion, err, out)
	}
	b, err := os.ReadFile(bundle)
	if err != nil {
		fail("axe-core installed without %s: %v", bundle, err)
	}
	return string(b)
}

// axeViolation is one failed axe-core rule with the elements it failed on.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// checkAccessible runs axe-core's WCAG 2.1 A and AA rules on the page the
// browser shows and fails the test for every violation.
func checkAccessible(t *testing.T, bctx context.Context, axe, page string) {
	t.Helper()
	if !browse(t, bctx, chromedp.Evaluate[bool](`typeof axe !== "undefined"`)) {
		browse(t, bctx, chromedp.Evaluate[any](axe+";true"))
	}
	ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}).then(r => JSON.stringify(r.violations))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: axe.run: %v\n%s", page, err, browserState(bctx))
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("%s: axe result %q: %v", page, raw, err)
	}
	for _, v := range vs {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target...))
		}
		t.Errorf("%s: axe %s (%s): %s, at %s", page, v.ID, v.Impact, v.Help, strings.Join(where, "; "))
	}
}

// TestBrowserAccessibility: every page a person meets — the eID mock's
// login page, the chooser, the consent page (and its refusal for an
// ordinary power of attorney), the error and not-found pages, the sandbox's
// start and population pages and the demo — passes axe-core's
// WCAG 2.1 A/AA rules in Chromium, in bokmål and, where the page follows
// ui_locales, in nynorsk and English. (The base URL's index is a JSON
// document for scripts, not a page.)
func TestBrowserAccessibility(t *testing.T) {
	chromium := requireBrowser(t)
	axe := axeScript(t)
	s, issuer, rp := sandboxBrowserTool(t, "axe-tool", "openid profile pid health:measurements", "parent", "power_of_attorney")
	kari, sofie, astrid := s.pid(t, population.KeyKari), s.pid(t, population.KeySofie), s.pid(t, population.KeyAstrid)
	authorize := func(lang string, extra url.Values) string {
		q := url.Values{"ui_locales": {lang}}
		for k, v := range extra {
			q[k] = v
		}
		return authorizeURL(issuer, rp, "openid profile pid", "axe-"+lang+"-123", q)
	}
	bctx := startChromium(t, chromium)
	visit := func(name, u, wait string) {
		t.Helper()
		browserSteps(t, bctx, name, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(wait)))
		checkAccessible(t, bctx, axe, name)
	}
	for _, lang := range []string{"nb", "nn", "en"} {
		visit("eID login page "+lang, authorize(lang, url.Values{"prompt": {"login"}}), "h1")
		visit("chooser "+lang, authorize(lang, url.Values{"login_hint": {"testid:" + kari}, "prompt": {"select_account"}}), `input[type=radio][name="subject"]`)
		data := url.Values{"login_hint": {"testid:" + kari}, "scope": {"openid profile pid health:measurements"}}
		data.Set("testid_acting_for", sofie)
		visit("consent page "+lang, authorize(lang, data), `button[value="allow"]`)
		// An ordinary power of attorney may not consent: the page says why.
		data.Set("testid_acting_for", astrid)
		visit("consent refusal page "+lang, authorize(lang, data), "h1")
		unknown := url.Values{"client_id": {"no-such-tool"}, "response_type": {"code"}, "scope": {"openid"},
			"redirect_uri": {"https://tool.example/cb"}, "state": {"state-123456789"}, "ui_locales": {lang}}
		visit("error page "+lang, issuer+"/authorize?"+unknown.Encode(), "h1")
	}
	visit("not-found page", issuer+"/no-such-page", "h1")
	visit("sandbox start page", issuer+"/", "h1")
	visit("population page", issuer+"/population", "h1")
	visit("demo", s.base+"/demo/", "body")
}
