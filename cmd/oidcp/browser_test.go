package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// chromiumPath is where Debian's chromium package installs the browser.
const chromiumPath = "/usr/bin/chromium"

// requireBrowser returns the Chromium binary, or skips the test loudly
// when there is none; with OIDCP_REQUIRE_BROWSER=1 (CI) a missing
// browser fails the test instead.
func requireBrowser(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := fmt.Sprintf("!!! BROWSER TEST NOT RUN: %s not found (%v). Install it with `apt-get install -y chromium`; set OIDCP_REQUIRE_BROWSER=1 to make this a failure.", chromiumPath, err)
		if os.Getenv("OIDCP_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return chromiumPath
}

// startChromium starts headless Chromium with a fresh profile and returns
// its browser context; the browser stops when the test ends.
func startChromium(t *testing.T, exec string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exec),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A Norwegian person's browser: pages honour Accept-Language.
		chromedp.Flag("accept-lang", "nb-NO,nb"),
		chromedp.Flag("lang", "nb-NO"),
		// Form controls (a date field's dd.mm.yyyy) in the page's
		// language, as a Norwegian's browser shows them in its own. The
		// packaged Chromium has only the en-US locale, so --lang and LANG
		// leave them en-US (mm/dd/yyyy), and Emulation.setLocaleOverride
		// reaches only Intl; this makes them follow <html lang>.
		chromedp.Flag("enable-blink-features", "LangAttributeAwareFormControlUI"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	// Start the browser now, so a broken installation fails here with a
	// clear message rather than in the first navigation. chromedp ties the
	// browser's life to this first call's context, so it has no deadline;
	// each step below has its own.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exec, err)
	}
	return bctx
}

// browserStepTimeout bounds one step (a navigation and what it waits for).
const browserStepTimeout = 10 * time.Second

// browserSteps runs actions in the browser; on failure it reports where
// the browser is and what the page says.
func browserSteps(t *testing.T, bctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, browserStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser, %s: %v\n%s", what, err, browserState(bctx))
	}
}

// browse runs one browser action that reads a value.
func browse[T any](t *testing.T, bctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, browserStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v\n%s", err, browserState(bctx))
	}
	return v
}

// browserState describes the page the browser is on, for failure messages.
func browserState(bctx context.Context) string {
	ctx, cancel := context.WithTimeout(bctx, 3*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return fmt.Sprintf("(browser state unavailable: %v)", err)
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	return fmt.Sprintf("browser at %s; page text:\n%.1500s", loc, text)
}

// browserRP is a minimal confidential relying party: /start begins a code
// flow (PKCE S256, state, nonce; no login_hint, so the person meets the
// login page), /cb receives the authorization response and redeems the
// code at the token endpoint, as a real web tool would.
type browserRP struct {
	issuer, clientID, secret string
	srv                      *httptest.Server

	mu      sync.Mutex
	pending map[string]browserRPFlow // by state
	result  chan browserRPResult
}

type browserRPFlow struct{ nonce, verifier string }

// browserRPResult is what the RP learnt from one callback.
type browserRPResult struct {
	iss     string         // the iss parameter of the authorization response (RFC 9207)
	claims  map[string]any // the verified ID token's claims
	nonce   string         // the nonce the RP sent
	idToken string
	err     error
}

func newBrowserRP(t *testing.T, issuer string) *browserRP {
	t.Helper()
	rp := &browserRP{issuer: issuer, pending: map[string]browserRPFlow{}, result: make(chan browserRPResult, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /start", rp.start)
	mux.HandleFunc("GET /cb", rp.callback)
	rp.srv = httptest.NewServer(mux)
	t.Cleanup(rp.srv.Close)
	return rp
}

func (rp *browserRP) redirectURI() string { return rp.srv.URL + "/cb" }

func (rp *browserRP) start(w http.ResponseWriter, r *http.Request) {
	state, f := rand.Text(), browserRPFlow{nonce: rand.Text(), verifier: oauth2.GenerateVerifier()}
	rp.mu.Lock()
	rp.pending[state] = f
	rp.mu.Unlock()
	q := url.Values{
		"response_type": {"code"}, "client_id": {rp.clientID}, "redirect_uri": {rp.redirectURI()},
		"scope": {"openid profile pid"}, "state": {state}, "nonce": {f.nonce},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(f.verifier)}, "code_challenge_method": {"S256"},
	}
	http.Redirect(w, r, rp.issuer+"/authorize?"+q.Encode(), http.StatusFound)
}

func (rp *browserRP) callback(w http.ResponseWriter, r *http.Request) {
	res := rp.redeem(r)
	select {
	case rp.result <- res:
	default: // a second callback: the first result is what counts
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if res.err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<!DOCTYPE html><p id=\"rp-done\">error</p>")
		return
	}
	fmt.Fprintf(w, "<!DOCTYPE html><p id=\"rp-done\">ok</p>")
}

// redeem checks the authorization response and exchanges its code.
func (rp *browserRP) redeem(r *http.Request) browserRPResult {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return browserRPResult{err: fmt.Errorf("authorization error %s: %s", e, q.Get("error_description"))}
	}
	rp.mu.Lock()
	f, ok := rp.pending[q.Get("state")]
	delete(rp.pending, q.Get("state"))
	rp.mu.Unlock()
	if !ok {
		return browserRPResult{err: fmt.Errorf("callback with unknown state %q", q.Get("state"))}
	}
	if q.Get("code") == "" {
		return browserRPResult{err: errors.New("callback without code")}
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
		"redirect_uri": {rp.redirectURI()}, "code_verifier": {f.verifier}}
	req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, rp.issuer+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(rp.clientID, rp.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return browserRPResult{err: fmt.Errorf("token request: %w", err)}
	}
	defer resp.Body.Close()
	var tok struct {
		IDToken string `json:"id_token"`
		Error   string `json:"error"`
		Desc    string `json:"error_description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.IDToken == "" {
		return browserRPResult{err: fmt.Errorf("token response %d: %s %s (%v)", resp.StatusCode, tok.Error, tok.Desc, err)}
	}
	_, claims, err := verifyWithJWKS(r.Context(), rp.issuer, tok.IDToken, jose.RS256, jose.ES256, jose.PS256)
	if err != nil {
		return browserRPResult{err: err}
	}
	return browserRPResult{iss: q.Get("iss"), claims: claims, nonce: f.nonce, idToken: tok.IDToken}
}

// TestBrowserLogin drives headless Chromium through the whole login as a
// person meets it: a tool (RP) starts a code flow without login_hint, the
// provider sends the browser to the ID-porten mock, the person first
// types an invalid fødselsnummer (and must get a readable error), then
// picks BankID and the test person Kari from the list; the tool's
// callback gets a code and redeems it for an ID token that names Kari
// with the chosen acr and amr.
func TestBrowserLogin(t *testing.T) {
	exec := requireBrowser(t)

	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	base, logs := srv.base, srv.logs

	issuer := base + "/sandbox"
	rp := newBrowserRP(t, issuer)
	rp.clientID, rp.secret = "browser-tool", strings.Repeat("b", 40)
	c.ok("clients", "create", "--tenant", "sandbox", "--id", rp.clientID, "--secret", rp.secret,
		"--redirect-uri", rp.redirectURI(), "--scope", "openid profile pid")

	// The server generates the population of its own today; so do we.
	kari, ok := population.Generate(time.Now().In(representation.Oslo)).Lookup(population.KeyKari)
	if !ok {
		t.Fatal("population has no Kari")
	}

	bctx := startChromium(t, exec)
	invalid := "12345678901" // 11 digits, wrong check digits
	kariButton := chromedp.CSS(`button[name="pid"][value="` + kari.PID + `"]`)
	browserSteps(t, bctx, "to the login page",
		chromedp.Navigate(rp.srv.URL+"/start"),
		chromedp.WaitVisible(chromedp.ID("pid_manual")),
	)
	loginURL := browse(t, bctx, chromedp.Location())
	if !strings.HasPrefix(loginURL, base+"/idporten-mock/") {
		t.Errorf("login page at %s, want the ID-porten mock under %s/idporten-mock", loginURL, base)
	}
	if lang := browse(t, bctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "nb" {
		t.Errorf(`login page lang = %q, want "nb"`, lang)
	}
	if label := browse(t, bctx, chromedp.Text(kariButton)); !strings.Contains(label, kari.GivenName+" "+kari.FamilyName) {
		t.Errorf("Kari's button reads %q", label)
	}

	browserSteps(t, bctx, "an invalid fødselsnummer",
		chromedp.SendKeys(chromedp.ID("pid_manual"), invalid),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="manual"]`)),
		chromedp.WaitVisible(chromedp.ID("pid-error")),
	)
	if msg := browse(t, bctx, chromedp.Text(chromedp.ID("pid-error"))); !strings.Contains(msg, invalid) || !strings.Contains(msg, "ikke et gyldig fødselsnummer") {
		t.Errorf("error for an invalid fødselsnummer reads %q", msg)
	}

	browserSteps(t, bctx, "choosing BankID and Kari",
		chromedp.Click(chromedp.ID("amr-BankID")),
		chromedp.Click(kariButton),
		chromedp.WaitVisible(chromedp.ID("rp-done")),
	)
	if u := browse(t, bctx, chromedp.Location()); !strings.HasPrefix(u, rp.redirectURI()+"?") {
		t.Errorf("browser ended at %s, want the tool's callback", u)
	}

	var res browserRPResult
	select {
	case res = <-rp.result:
	default:
		t.Fatal("the tool's callback was never called")
	}
	if res.err != nil {
		t.Fatalf("tool: %v\nlogs:\n%s", res.err, logs.String())
	}
	if res.iss != issuer {
		t.Errorf("authorization response iss = %q, want %q (RFC 9207)", res.iss, issuer)
	}
	cl := res.claims
	for k, want := range map[string]any{
		"iss": issuer, "aud": rp.clientID, "nonce": res.nonce,
		"acr": "idporten-loa-substantial", "pid": kari.PID,
	} {
		got := cl[k]
		if k == "aud" {
			if list, ok := got.([]any); ok && len(list) == 1 {
				got = list[0]
			}
		}
		if got != want {
			t.Errorf("id_token %s = %v, want %v", k, got, want)
		}
	}
	amr, _ := cl["amr"].([]any)
	if !slices.Equal(amr, []any{"BankID"}) {
		t.Errorf("id_token amr = %v, want [BankID] as chosen on the page", cl["amr"])
	}
	if sub, _ := cl["sub"].(string); sub == "" || sub == kari.PID {
		t.Errorf("id_token sub = %q, want a pairwise id, not the fødselsnummer", sub)
	}
	if strings.Contains(logs.String(), kari.PID) {
		t.Errorf("logs contain the fødselsnummer:\n%s", logs.String())
	}
}

// TestBrowserChooser: in Chromium, Kari logs in at the mock and meets the
// chooser page of a tool that accepts representation; every option has a
// label, the 16-year-old is not offered, and after she picks her
// 14-year-old daughter with the keyboard the tool's ID token says so.
func TestBrowserChooser(t *testing.T) {
	exec := requireBrowser(t)
	s := startRepServer(t, time.Now())
	issuer := s.base + "/sandbox"
	rp := newBrowserRP(t, issuer)
	rp.clientID, rp.secret = "chooser-tool", strings.Repeat("c", 40)
	s.cli.ok("clients", "create", "--tenant", "sandbox", "--id", rp.clientID, "--secret", rp.secret,
		"--redirect-uri", rp.redirectURI(), "--scope", "openid profile pid",
		"--accept-relation", "parent", "--accept-relation", "power_of_attorney")
	kari, _ := s.pop.Lookup(population.KeyKari)
	ingrid, _ := s.pop.Lookup(population.KeyIngrid)
	sander, _ := s.pop.Lookup(population.KeySander)

	bctx := startChromium(t, exec)
	browserSteps(t, bctx, "login at the mock",
		chromedp.Navigate(rp.srv.URL+"/start"),
		chromedp.WaitVisible(chromedp.ID("pid_manual")),
		chromedp.Click(chromedp.CSS(`button[name="pid"][value="`+kari.PID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[type=radio][name="subject"]`)),
	)
	if lang := browse(t, bctx, chromedp.Evaluate[string](`document.documentElement.lang`)); lang != "nb" {
		t.Errorf(`chooser lang = %q, want "nb"`, lang)
	}
	if h := browse(t, bctx, chromedp.Text(chromedp.CSS("h1"))); h != "Hvem vil du bruke tjenesten på vegne av?" {
		t.Errorf("chooser heading %q", h)
	}
	unlabelled := browse(t, bctx, chromedp.Evaluate[int](
		`[...document.querySelectorAll('input[type=radio]')].filter(i => !document.querySelector('label[for="'+i.id+'"]')).length`))
	if unlabelled != 0 {
		t.Errorf("%d radio buttons without a label", unlabelled)
	}
	if n := browse(t, bctx, chromedp.Evaluate[int](`document.querySelectorAll('input[value="`+sander.PID+`"]').length`)); n != 0 {
		t.Error("the 16-year-old is offered")
	}
	// Keyboard only: focus Ingrid's radio button, select it with space,
	// submit with Enter.
	ingridRadio := chromedp.CSS(`input[type=radio][value="` + ingrid.PID + `"]`)
	browserSteps(t, bctx, "choose Ingrid with the keyboard",
		chromedp.Focus(ingridRadio),
		chromedp.SendKeys(ingridRadio, " "),
		chromedp.SendKeys(ingridRadio, "\r"),
		chromedp.WaitVisible(chromedp.ID("rp-done")),
	)
	var res browserRPResult
	select {
	case res = <-rp.result:
	default:
		t.Fatal("the tool's callback was never called")
	}
	if res.err != nil {
		t.Fatalf("tool: %v", res.err)
	}
	rep, _ := res.claims["representation"].(map[string]any)
	rp2, _ := rep["represented"].(map[string]any)
	if rep["relation"] != "parent" || rep["limited"] != true || rp2["pid"] != ingrid.PID {
		t.Errorf("representation = %v, want parent, limited, Ingrid", rep)
	}
}
