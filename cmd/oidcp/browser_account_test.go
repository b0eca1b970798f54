package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// User-Agents of Kari's other devices, so the active-logins tab tells
// them apart.
const (
	uaIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
	uaWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)

// uaTransport sends every request with one User-Agent.
type uaTransport struct {
	ua   string
	next http.RoundTripper
}

func (u uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	return u.next.RoundTrip(r)
}

// newDeviceBrowser is a cookie-jar browser that presents itself as ua.
func newDeviceBrowser(ua string) *browser {
	b := newBrowser()
	b.c.Transport = uaTransport{ua: ua, next: http.DefaultTransport}
	return b
}

// accountTool registers Helsedagboka in the sandbox: a confidential tool
// with refresh tokens and the data scope, a back-channel logout endpoint
// at bcl, accepting parents.
func accountTool(t *testing.T, s *repServer, bclURI string) *relyingParty {
	t.Helper()
	s.clients++
	c := e2eClient{tenant: "sandbox", id: "diary", secret: strings.Repeat("d", 40),
		redirect: fmt.Sprintf("http://127.0.0.%d:9/diary/cb", 1+s.clients),
		scopes:   []string{"openid", "profile", "pid", "offline_access", dataScope}}
	// In dev mode, as the server runs: the back-channel endpoint is on
	// loopback.
	dev := s.cli.on(t)
	dev.flags = append(slices.Clone(dev.flags), "--dev")
	dev.ok("clients", "create", "--tenant", "sandbox", "--id", c.id, "--secret", c.secret, "--name", "Helsedagboka",
		"--redirect-uri", c.redirect, "--scope", strings.Join(c.scopes, " "),
		"--grant-type", "authorization_code", "--grant-type", "refresh_token",
		"--backchannel-logout-uri", bclURI, "--accept-relation", "parent")
	return newRelyingParty(t, s.base+"/sandbox", c, s.clock.now)
}

// refreshFails asserts that the tool's refresh token no longer works,
// with invalid_grant.
func refreshFails(t *testing.T, rp *relyingParty, refresh, why string) {
	t.Helper()
	_, err := rp.refreshE(refresh)
	if code, _ := oauthError(err); code != "invalid_grant" {
		t.Errorf("%s: the tool's refresh gives %v, want invalid_grant", why, err)
	}
}

// TestBrowserAccountPages drives "Bruk og tilganger" in Chromium as Kari:
// she opens {issuer}/account/, logs in at the eID (she has no login
// session in this browser), keeps herself in the chooser and sees each
// tab; she logs out her iPhone, whose tool then fails to refresh and
// receives a back-channel logout token; she withdraws the tool's
// permission with the keyboard only, through the confirmation page, and
// the tool's refresh on her PC fails with invalid_grant; she switches
// to nynorsk and English; then, through "Bytt person", she does the
// same for her daughter Sofie. Every account page passes axe-core's
// WCAG 2.1 A/AA rules, and a screenshot of each tab in each language is
// written to $OIDCP_SCREENSHOT_DIR.
func TestBrowserAccountPages(t *testing.T) {
	chromium := requireBrowser(t)
	axe := axeScript(t)
	dir := screenshotDir(t) // before startRepServer clears OIDCP_*
	s := startRepServer(t, time.Now())
	issuer := s.base + "/sandbox"
	kari, sofie := s.pid(t, population.KeyKari), s.pid(t, population.KeySofie)
	bcl := newBCLReceiver(t)
	diary := accountTool(t, s, bcl.uri())

	// Kari's own permission for the tool, and one she gave for Sofie.
	s.cli.on(t).ok("consent", "grant", "--tenant", "sandbox", "--client", "diary", "--subject", kari, "--scope", dataScope)
	s.cli.on(t).ok("consent", "grant", "--tenant", "sandbox", "--client", "diary", "--subject", sofie,
		"--actor", kari, "--relation", "parent", "--scope", dataScope)

	// Kari uses the tool on her iPhone and her PC; on the PC also for Sofie.
	phone, pc := newDeviceBrowser(uaIPhone), newDeviceBrowser(uaWindows)
	self := oauth2.SetAuthURLParam("testid_acting_for", "self")
	onPhone := diary.login(t, phone, kari, self)
	onPC := diary.login(t, pc, kari, self)
	forSofie := diary.login(t, pc, kari, oauth2.SetAuthURLParam("testid_acting_for", sofie))

	bctx := startChromium(t, chromium)
	check := func(name, lang string) {
		t.Helper()
		if got := browse(t, bctx, chromedp.Evaluate[string](`document.documentElement.lang`)); got != lang {
			t.Errorf("%s: lang %q, want %q", name, got, lang)
		}
		checkAccessible(t, bctx, axe, name)
		// A relation nobody recorded must not show as an empty "()".
		if body := browse(t, bctx, chromedp.Evaluate[string](`document.body.innerText`)); strings.Contains(body, "()") {
			t.Errorf("%s shows an empty \"()\":\n%s", name, body)
		}
		shot(t, bctx, filepath.Join(dir, name+".png"))
	}
	mainText := func() string { return browse(t, bctx, chromedp.Text(chromedp.CSS("main"))) }
	header := func() string { return browse(t, bctx, chromedp.Text(chromedp.CSS("header"))) }
	tab := func(path, wait string) {
		t.Helper()
		browserSteps(t, bctx, "tab "+path,
			chromedp.Click(chromedp.CSS(`ul.tabs a[href$="/account`+path+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(wait)))
	}
	// tabTo presses Tab until the element matching sel has the focus.
	tabTo := func(sel string) {
		t.Helper()
		for range 80 {
			if browse(t, bctx, chromedp.Evaluate[bool](fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel))) {
				return
			}
			browserSteps(t, bctx, "Tab", chromedp.KeyEvent(kb.Tab))
		}
		t.Fatalf("Tab never reached %s\n%s", sel, browserState(bctx))
	}

	// 1. Kari opens the pages: the eID login, the chooser (herself), back.
	browserSteps(t, bctx, "open the account pages",
		chromedp.Navigate(issuer+"/account/"),
		chromedp.WaitVisible(chromedp.CSS(`button[name="pid"][value="`+kari+`"]`)),
		chromedp.Click(chromedp.CSS(`button[name="pid"][value="`+kari+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[type=radio][name="subject"]`)),
	)
	// The chooser and the account pages are styled by the layout's
	// stylesheet, which their CSP allows by hash, not 'unsafe-inline'.
	styled := func(page, maxWidth string) {
		t.Helper()
		if got := browse(t, bctx, chromedp.Evaluate[string](`getComputedStyle(document.body).maxWidth`)); got != maxWidth {
			t.Errorf("%s: body max-width %q, want the stylesheet's %q (blocked by CSP?)", page, got, maxWidth)
		}
	}
	styled("chooser", "640px")
	// The chooser asks whose use and access to see, not "Velg hvem du
	// vil bruke Bruk og tilganger for".
	if intro := mainText(); !strings.Contains(intro, "Velg hvem du vil se bruk og tilganger for.") {
		t.Errorf("the chooser of the account pages reads:\n%s", intro)
	}
	browserSteps(t, bctx, "choose herself",
		chromedp.Click(chromedp.CSS(`button[value="choose"]`)),
		chromedp.WaitVisible(chromedp.ID("events")),
	)
	styled("usage log", "992px")
	if u := browse(t, bctx, chromedp.Location()); u != issuer+"/account/" {
		t.Errorf("after login the browser is at %s, want the account pages", u)
	}
	if h := header(); !strings.Contains(h, "Logget inn som Kari Nordmann") {
		t.Errorf("header reads %q", h)
	}
	log := mainText()
	for _, want := range []string{"Logg over bruk", "Kari Nordmann (egen bruk)", "Logget inn", "Helsedagboka"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, kari) {
		t.Error("the log shows Kari's fødselsnummer")
	}
	check("account-log-nb", "nb")
	// A date that does not exist: the error summary links to the field.
	browserSteps(t, bctx, "a bad date in the filter",
		chromedp.Navigate(issuer+"/account/?from=31.02.2026"),
		chromedp.WaitVisible(chromedp.ID("error-summary")))
	if got := browse(t, bctx, chromedp.Evaluate[string](`document.querySelector('.error a').getAttribute('href') + ' ' + document.getElementById('from').getAttribute('aria-invalid')`)); got != "#from true" {
		t.Errorf("error summary link and field: %q", got)
	}
	check("account-log-error-nb", "nb")

	// 2. Aktive innlogginger: this browser, the iPhone and the PC.
	tab("/sessions", "#sessions")
	sessions := mainText()
	for _, want := range []string{"Denne nettleseren", "iPhone", "Windows", "Helsedagboka", "Logg ut overalt"} {
		if !strings.Contains(sessions, want) {
			t.Errorf("active logins lack %q:\n%s", want, sessions)
		}
	}
	check("account-sessions-nb", "nb")
	phoneSession := browse(t, bctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll('#sessions tbody tr')].filter(r => r.querySelector('th').textContent.includes('iPhone')).map(r => r.querySelector('button[data-session]').dataset.session).join(',')`))
	if phoneSession == "" || strings.Contains(phoneSession, ",") {
		t.Fatalf("the iPhone's row: %q\n%s", phoneSession, sessions)
	}
	browserSteps(t, bctx, "log out the iPhone",
		chromedp.Click(chromedp.CSS(`button[data-session="`+phoneSession+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if after := mainText(); strings.Contains(after, "iPhone") || !strings.Contains(after, "Innloggingen er avsluttet.") {
		t.Errorf("after logging out the iPhone:\n%s", after)
	}
	refreshFails(t, diary, onPhone.refresh, "after its login was logged out")
	lt := bcl.waitTokens(t, 1, browserStepTimeout)
	verifyLogoutToken(t, issuer, "diary", lt[0], onPhone.id.Subject, onPhone.claims.SID)
	// The PC's login lives on.
	pcTok, err := diary.refreshE(onPC.refresh)
	if err != nil {
		t.Fatalf("the PC's tool cannot refresh after the iPhone was logged out: %v", err)
	}

	// 3. Tillatelser: withdraw Kari's permission with the keyboard only.
	tab("/grants", "#grants")
	grants := mainText()
	for _, want := range []string{"Helsedagboka", "Målinger", "Kari Nordmann", "Trekk tilbake"} {
		if !strings.Contains(grants, want) {
			t.Errorf("permissions lack %q:\n%s", want, grants)
		}
	}
	check("account-grants-nb", "nb")
	tabTo(`a.withdraw`)
	browserSteps(t, bctx, "Enter on Trekk tilbake", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("confirm-withdraw")))
	if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != "Vil du trekke tilbake tillatelsen?" {
		t.Errorf("confirmation heading %q", h)
	}
	check("account-confirm-nb", "nb")
	tabTo(`#confirm-withdraw`)
	browserSteps(t, bctx, "Enter on the confirmation", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := mainText(); !strings.Contains(got, "Tillatelsen er trukket tilbake.") || strings.Contains(got, "Målinger") {
		t.Errorf("after withdrawing:\n%s", got)
	}
	refreshFails(t, diary, pcTok.refresh, "after its permission was withdrawn")

	// 4. The language switch, kept from page to page.
	for _, lang := range []struct{ code, link, log, sessions, grants string }{
		{"nn", "Nynorsk", "Logg over bruk", "Aktive innloggingar", "Løyve"},
		{"en", "English", "Usage log", "Active logins", "Permissions"},
	} {
		browserSteps(t, bctx, "switch to "+lang.code,
			chromedp.Click(chromedp.CSS(`a[hreflang="`+lang.code+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`html[lang="`+lang.code+`"]`)))
		tab("/", "#events")
		if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != lang.log {
			t.Errorf("%s log heading %q", lang.code, h)
		}
		check("account-log-"+lang.code, lang.code)
		tab("/sessions", "#sessions")
		if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != lang.sessions {
			t.Errorf("%s sessions heading %q", lang.code, h)
		}
		check("account-sessions-"+lang.code, lang.code)
		tab("/grants", "h1")
		if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != lang.grants {
			t.Errorf("%s grants heading %q", lang.code, h)
		}
		check("account-grants-"+lang.code, lang.code)
	}

	// 5. "Bytt person": Kari opens the pages for Sofie (in English now).
	browserSteps(t, bctx, "switch person",
		chromedp.Click(chromedp.CSS(`header a[href$="prompt=select_account"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[type=radio][value="`+sofie+`"]`)),
		chromedp.Click(chromedp.CSS(`input[type=radio][value="`+sofie+`"]`)),
		chromedp.Click(chromedp.CSS(`button[value="choose"]`)),
		chromedp.WaitVisible(chromedp.ID("events")),
	)
	if h := header(); !strings.Contains(h, "on behalf of Sofie") || !strings.Contains(h, "parental responsibility") {
		t.Errorf("header for Sofie reads %q", h)
	}
	check("account-child-log-en", "en")
	tab("/sessions", "h1")
	check("account-child-sessions-en", "en")
	tab("/grants", "#grants")
	if g := mainText(); !strings.Contains(g, "Sofie") || !strings.Contains(g, "Measurements") || !strings.Contains(g, "Kari Nordmann (parental responsibility)") {
		t.Errorf("Sofie's permissions:\n%s", g)
	}
	check("account-child-grants-en", "en")
	// Back to bokmål, and withdraw Sofie's permission with the keyboard.
	browserSteps(t, bctx, "switch to nb",
		chromedp.Click(chromedp.CSS(`a[hreflang="nb"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="nb"]`)))
	check("account-child-grants-nb", "nb")
	tabTo(`a.withdraw`)
	browserSteps(t, bctx, "Enter on Trekk tilbake (Sofie)", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.ID("confirm-withdraw")))
	check("account-child-confirm-nb", "nb")
	tabTo(`#confirm-withdraw`)
	browserSteps(t, bctx, "Enter on the confirmation (Sofie)", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(".notice")))
	refreshFails(t, diary, forSofie.refresh, "Sofie's tool after her permission was withdrawn")

	// 6. "Logg ut" ends the login session (the pages send their ID token
	// as the hint, so no question is asked) and comes back to a page that
	// says so; the pages then need a new login at the eID.
	browserSteps(t, bctx, "log out",
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.CSS(`main[data-tab="message"]`)))
	if u := browse(t, bctx, chromedp.Location()); u != issuer+"/account/logged-out" {
		t.Errorf("after logging out the browser is at %s", u)
	}
	if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != "Du er logget ut" {
		t.Errorf("after logging out: %q", h)
	}
	check("account-logged-out-nb", "nb")
	browserSteps(t, bctx, "the pages again",
		chromedp.Navigate(issuer+"/account/"),
		chromedp.WaitVisible(chromedp.CSS(`button[name="pid"][value="`+kari+`"]`)))
	t.Logf("screenshots in %s", dir)
}

// TestBrowserAccountSilentLogin: when the pages' access token has
// expired but the login session lives, the next page logs in again
// without the eID or the chooser (the login session and the choice it
// remembers) and lands where the person was going.
func TestBrowserAccountSilentLogin(t *testing.T) {
	chromium := requireBrowser(t)
	c := newCLI(t)
	// Long enough that the token cannot expire between its issue and the
	// first page on a slow machine (that would make a second login
	// before the test waits for one).
	const lifetime = 5 * time.Second
	srv := startServing(t, devArgs(t, c, "http"), func(cfg *Config) { cfg.AccessTokenLifetime = lifetime }, time.Now)
	issuer := srv.base + "/sandbox"
	kari, ok := population.Generate(time.Now().In(representation.Oslo)).Lookup(population.KeyKari)
	if !ok {
		t.Fatal("population has no Kari")
	}
	pagesTokens := func() int {
		t.Helper()
		st, err := openStore(context.Background(), c.dsn())
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		evs, err := st.ListEvents(context.Background(), storage.EventFilter{Tenant: "sandbox", Person: kari.PID,
			Kinds: []string{audit.TokenIssued}, ClientID: accountClientID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}

	bctx := startChromium(t, chromium)
	browserSteps(t, bctx, "log in to the account pages",
		accountLogin(issuer, kari.PID)...,
	)
	if n := pagesTokens(); n != 1 {
		t.Fatalf("the pages hold %d tokens after logging in, want 1", n)
	}
	time.Sleep(lifetime + 500*time.Millisecond)
	browserSteps(t, bctx, "a page after the token expired",
		chromedp.Navigate(issuer+"/account/grants"),
		chromedp.WaitVisible(chromedp.CSS(`main[data-tab="grants"]`)))
	if u := browse(t, bctx, chromedp.Location()); u != issuer+"/account/grants" {
		t.Errorf("after the silent login the browser is at %s", u)
	}
	if n := pagesTokens(); n != 2 {
		t.Errorf("the pages got %d tokens in all, want 2 (one silent login)", n)
	}
}

// accountLogin opens issuer's account pages in a browser with no session,
// logs the person pid in at the mock's page, and acts for themself at
// the chooser, until the log tab is shown.
func accountLogin(issuer, pid string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(issuer + "/account/"),
		chromedp.WaitVisible(chromedp.CSS(`button[name="pid"][value="` + pid + `"]`)),
		chromedp.Click(chromedp.CSS(`button[name="pid"][value="` + pid + `"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[type=radio][name="subject"]`)),
		chromedp.Click(chromedp.CSS(`button[value="choose"]`)),
		chromedp.WaitVisible(chromedp.ID("filter-submit")),
	}
}
