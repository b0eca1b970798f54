package accountpage

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/router"
)

// Synthetic fødselsnumre of the population package's kind.
const (
	kariPID   = "02917899011"
	childPID  = "15901050012"
	astridPID = "12345678911"
)

// fakeService is the account service as the pages see it: one grant
// and two sessions, and a record of what was ended and withdrawn.
type fakeService struct {
	mu       sync.Mutex
	revoked  []string
	ended    []string
	endedAll int
	events   []account.Event
	lastQ    account.EventQuery
	// diary, when set, is the tool of the sessions and grants.
	diary *account.Party
}

func (f *fakeService) tool() account.Party {
	if f.diary != nil {
		return *f.diary
	}
	return account.Party{ID: "diary", Name: "Helsedagboka"}
}

func (f *fakeService) Events(_ context.Context, v account.Viewer, q account.EventQuery) (account.EventPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastQ = q
	if q.Cursor == "bad" {
		return account.EventPage{}, account.ErrInvalid
	}
	// Two pages: all but the last event, then the last.
	if q.Cursor == "" && len(f.events) > 1 {
		return account.EventPage{Events: f.events[:len(f.events)-1], Next: "c2"}, nil
	}
	if q.Cursor == "c2" {
		return account.EventPage{Events: f.events[len(f.events)-1:]}, nil
	}
	return account.EventPage{Events: f.events}, nil
}

func (f *fakeService) Sessions(_ context.Context, v account.Viewer) ([]account.Session, error) {
	t := time.Date(2026, 1, 2, 13, 5, 0, 0, time.UTC)
	return []account.Session{
		{ID: "s-this", Device: "Chrome på Linux", CreatedAt: t, LastSeenAt: t, Current: true},
		{ID: "s-other", Device: "iPhone", UserAgent: "Mozilla/5.0 (iPhone)", CreatedAt: t, LastSeenAt: t,
			Clients: []account.Party{f.tool()}},
	}, nil
}

func (f *fakeService) EndSession(_ context.Context, v account.Viewer, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ended = append(f.ended, id)
	return nil
}

func (f *fakeService) EndAllSessions(_ context.Context, v account.Viewer) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.endedAll++
	return 2, nil
}

func (f *fakeService) Grants(_ context.Context, v account.Viewer) ([]account.Grant, error) {
	return []account.Grant{{
		ID: "g1", Client: f.tool(), Vendor: "Dagbok AS", LogoURI: "https://cdn.dagbok.example/logo.png",
		Scopes: []string{"health:measurements"}, Subject: account.Party{ID: v.Subject, Name: "Kari Nordmann"},
		Actor: account.Party{ID: v.Subject}, CreatedAt: time.Date(2026, 1, 2, 13, 5, 0, 0, time.UTC),
	}}, nil
}

func (f *fakeService) RevokeGrant(_ context.Context, v account.Viewer, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !v.MayWithdraw() {
		return account.ErrForbidden
	}
	if id != "g1" {
		return account.ErrNotFound
	}
	f.revoked = append(f.revoked, id)
	return nil
}

// fakeTokens verifies the tokens it was given.
type fakeTokens map[string]account.AccessToken

func (f fakeTokens) VerifyAccessToken(_ context.Context, tenant, token string) (account.AccessToken, error) {
	at, ok := f[token]
	if !ok || tenant != "main" {
		return account.AccessToken{}, account.ErrInvalidToken
	}
	return at, nil
}

type pagesEnv struct {
	h   *Handler
	svc *fakeService
	srv http.Handler
	// pushed is the last pushed authorization request the fake PAR
	// endpoint received.
	pushed url.Values
	// calls are the URLs the pages called at the tenant.
	calls []string
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func newPagesEnv(t *testing.T) *pagesEnv {
	t.Helper()
	cat, err := consent.NewCatalogue([]consent.Scope{{Name: "health:measurements",
		Title:       consent.Text{NB: "Målinger", NN: "Målingar", EN: "Measurements"},
		Description: consent.Text{NB: "Lese målingene dine.", NN: "Lese målingane dine.", EN: "Read your measurements."}}})
	if err != nil {
		t.Fatal(err)
	}
	svc := &fakeService{}
	self := account.Viewer{Tenant: "main", Person: kariPID, Subject: kariPID, ClientID: "oidcp-account"}
	parent := self
	parent.Subject, parent.Relation = childPID, representation.Parent
	poa := account.Viewer{Tenant: "main", Person: astridPID, Subject: kariPID, Relation: representation.PowerOfAttorney, ClientID: "oidcp-account"}
	other := self
	other.ClientID = "some-tool"
	tokens := fakeTokens{
		"at-self":   {Viewer: self, Scopes: []string{"openid", "account"}},
		"at-parent": {Viewer: parent, Scopes: []string{"openid", "account"}},
		"at-poa":    {Viewer: poa, Scopes: []string{"openid", "account"}},
		"at-tool":   {Viewer: other, Scopes: []string{"openid", "account"}},
		"at-noacct": {Viewer: self, Scopes: []string{"openid"}},
	}
	e := &pagesEnv{svc: svc}
	par := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		e.calls = append(e.calls, r.URL.String())
		if r.URL.String() != "https://op.example/main/par" {
			return nil, fmt.Errorf("unexpected request to %s", r.URL)
		}
		_ = r.ParseForm()
		e.pushed = r.PostForm
		return &http.Response{StatusCode: http.StatusCreated, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}`))}, nil
	})
	h, err := New(Config{
		Tenant: "main", Issuer: "https://op.example/main", Path: "/main", CookiePath: "/main",
		ClientID: "oidcp-account", Service: svc, Tokens: tokens, Catalogue: cat,
		HTTPClient: &http.Client{Transport: par}, HashKey: []byte(strings.Repeat("h", 32)), BlockKey: []byte(strings.Repeat("b", 32)),
		Secure: true, Now: time.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	rt := router.New(router.Options{})
	rt.Mount(h)
	e.h, e.srv = h, rt
	return e
}

// cookie is a page-session cookie carrying token, as the callback sets it.
func (e *pagesEnv) cookie(t *testing.T, token string) *http.Cookie {
	t.Helper()
	return e.sessionCookie(t, pageSession{AccessToken: token, CSRF: "csrf-" + token, Name: "Kari Nordmann", For: "Ingrid Nordmann"})
}

func (e *pagesEnv) sessionCookie(t *testing.T, s pageSession) *http.Cookie {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := e.h.writeSession(rec, s); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()[0]
}

func (e *pagesEnv) do(t *testing.T, method, target string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, target, nil)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// TestPagesHeaders: every personal page is never cached, carries a CSP
// without 'unsafe-inline' that forbids framing, and its cookie is
// HttpOnly, Secure and SameSite=Lax.
func TestPagesHeaders(t *testing.T) {
	e := newPagesEnv(t)
	c := e.cookie(t, "at-self")
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/main/account" {
		t.Errorf("page-session cookie %+v", c)
	}
	if strings.Contains(c.Value, "at-self") {
		t.Error("the cookie shows the access token: it must be encrypted")
	}
	for _, path := range []string{"/main/account/", "/main/account/sessions", "/main/account/grants", "/main/account/grants/g1/withdraw"} {
		rec := e.do(t, "GET", path, nil, c)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d\n%s", path, rec.Code, rec.Body)
			continue
		}
		hd := rec.Header()
		if hd.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, hd.Get("Cache-Control"))
		}
		csp := hd.Get("Content-Security-Policy")
		if strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "style-src 'sha256-") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		// The tool's logo, and only its origin, is an image source where
		// the page shows it.
		logo := strings.Contains(path, "grants")
		if strings.Contains(csp, "img-src 'self' data: https://cdn.dagbok.example;") != logo || strings.Contains(csp, "https:;") || strings.Contains(csp, "https: ") {
			t.Errorf("%s: CSP img-src %q", path, csp)
		}
		body := rec.Body.String()
		for _, want := range []string{`<html lang="nb">`, "<main", "<header", "<nav", `aria-current="page"`, "Bytt person", `name="csrf" value="csrf-at-self"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %q", path, want)
			}
		}
	}
}

// TestPagesRequireLogin: without a page session, or with a token that
// no longer verifies, is of another client or lacks the account scope,
// a page starts a login at the tenant that comes back to it.
func TestPagesRequireLogin(t *testing.T) {
	e := newPagesEnv(t)
	for name, cookies := range map[string][]*http.Cookie{
		"none":       nil,
		"expired":    {e.cookie(t, "at-expired")},
		"other tool": {e.cookie(t, "at-tool")},
		"no scope":   {e.cookie(t, "at-noacct")},
		"forged":     {{Name: "oidcp_account_main", Value: "at-self"}},
	} {
		rec := e.do(t, "GET", "/main/account/grants?lang=nn", nil, cookies...)
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/main/account/login?") {
			t.Errorf("%s: %d %q", name, rec.Code, loc)
			continue
		}
		u, _ := url.Parse(loc)
		if got := u.Query().Get("return"); got != "/main/account/grants?lang=nn" {
			t.Errorf("%s: return %q", name, got)
		}
	}
	// The login pushes an authorization request (PAR, as a public client
	// must) as the pages' client with PKCE S256, state and nonce, sends
	// the browser to /authorize with its request_uri, and keeps the
	// return in a flow cookie.
	rec := e.do(t, "GET", "/main/account/login?return=%2Fmain%2Faccount%2Fgrants&prompt=select_account", nil)
	u, err := url.Parse(rec.Header().Get("Location"))
	if err != nil || u.String() != "https://op.example/main/authorize?client_id=oidcp-account&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc" {
		t.Fatalf("login redirects to %v", u)
	}
	q := e.pushed
	if q.Get("client_id") != "oidcp-account" || q.Get("code_challenge_method") != "S256" || q.Get("state") == "" || q.Get("nonce") == "" ||
		q.Get("redirect_uri") != "https://op.example/main/account/callback" || q.Get("scope") != "openid profile account" || q.Get("prompt") != "select_account" {
		t.Errorf("authorization request %v", q)
	}
	var flowSet bool
	for _, c := range rec.Result().Cookies() {
		flowSet = flowSet || (c.Name == "oidcp_account_flow_main" && c.HttpOnly && c.Secure)
	}
	if !flowSet {
		t.Error("no flow cookie")
	}
}

// TestLogoutWithoutValidToken: the page's access token expires long
// before the login session behind it, so "Logg ut" must still end that
// session: with the page session's CSRF token it goes to the end-session
// endpoint with the ID token as hint, whether or not the access token
// still verifies; without a page session it goes there without a hint
// (the endpoint then asks the person to confirm).
func TestLogoutWithoutValidToken(t *testing.T) {
	e := newPagesEnv(t)
	for _, tc := range []struct {
		name    string
		cookies []*http.Cookie
		form    url.Values
		hint    string
	}{
		{"valid token", []*http.Cookie{e.sessionCookie(t, pageSession{AccessToken: "at-self", IDToken: "id-self", CSRF: "csrf-at-self"})}, url.Values{"csrf": {"csrf-at-self"}}, "id-self"},
		{"expired token", []*http.Cookie{e.sessionCookie(t, pageSession{AccessToken: "at-expired", IDToken: "id-expired", CSRF: "csrf-at-expired"})}, url.Values{"csrf": {"csrf-at-expired"}}, "id-expired"},
		{"no page session", nil, url.Values{}, ""},
	} {
		rec := e.do(t, "POST", "/main/account/logout", tc.form, tc.cookies...)
		u, err := url.Parse(rec.Header().Get("Location"))
		if rec.Code != http.StatusSeeOther || err != nil || u.Host != "op.example" || u.Path != "/main/logout" {
			t.Errorf("%s: %d %q, want a redirect to the end-session endpoint", tc.name, rec.Code, rec.Header().Get("Location"))
			continue
		}
		q := u.Query()
		if q.Get("id_token_hint") != tc.hint || q.Get("client_id") != "oidcp-account" ||
			q.Get("post_logout_redirect_uri") != "https://op.example/main/account/logged-out" {
			t.Errorf("%s: end-session query %v", tc.name, q)
		}
		cleared := false
		for _, c := range rec.Result().Cookies() {
			cleared = cleared || c.Name == "oidcp_account_main" && c.MaxAge < 0
		}
		if !cleared {
			t.Errorf("%s: the page session cookie is not cleared", tc.name)
		}
	}
}

// TestSafeReturn: the login only ever returns to one of the pages.
func TestSafeReturn(t *testing.T) {
	e := newPagesEnv(t)
	for in, want := range map[string]string{
		"/main/account/grants?x=1":     "/main/account/grants?x=1",
		"https://evil.example/":        "/main/account/",
		"//evil.example/main/account/": "/main/account/",
		"/main/account/../../admin":    "/main/account/",
		"/other/account/":              "/main/account/",
		"/main/account/login":          "/main/account/",
		`/main/account/\evil`:          "/main/account/",
		"":                             "/main/account/",
	} {
		if got := e.h.safeReturn(in); got != want {
			t.Errorf("safeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPagesCSRF: every form action is refused without the session's CSRF
// token, and nothing happens.
func TestPagesCSRF(t *testing.T) {
	e := newPagesEnv(t)
	c := e.cookie(t, "at-self")
	for _, path := range []string{"/main/account/grants/g1/withdraw", "/main/account/sessions/s-other/end", "/main/account/sessions/end-all", "/main/account/logout"} {
		for name, form := range map[string]url.Values{
			"missing": {},
			"wrong":   {"csrf": {"csrf-at-other"}},
		} {
			rec := e.do(t, "POST", path, form, c)
			if rec.Code != http.StatusForbidden || rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("%s, %s csrf: %d", path, name, rec.Code)
			}
		}
		// Without a page session at all, nothing happens either (logout
		// goes to the end-session endpoint without a hint, which asks
		// the person to confirm: TestLogoutWithoutValidToken).
		if rec := e.do(t, "POST", path, url.Values{"csrf": {"csrf-at-self"}}); rec.Code != http.StatusForbidden && !strings.HasSuffix(path, "/logout") {
			t.Errorf("%s without session: %d", path, rec.Code)
		}
	}
	if len(e.svc.revoked) != 0 || len(e.svc.ended) != 0 || e.svc.endedAll != 0 {
		t.Fatalf("a refused form acted: %v %v %d", e.svc.revoked, e.svc.ended, e.svc.endedAll)
	}
	// With the token, the actions run.
	rec := e.do(t, "POST", "/main/account/grants/g1/withdraw", url.Values{"csrf": {"csrf-at-self"}}, c)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/main/account/grants?done=withdrawn" {
		t.Errorf("withdraw: %d %v", rec.Code, rec.Header())
	}
	rec = e.do(t, "POST", "/main/account/sessions/s-other/end", url.Values{"csrf": {"csrf-at-self"}}, c)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/main/account/sessions?done=ended" {
		t.Errorf("end session: %d %v", rec.Code, rec.Header())
	}
	if len(e.svc.revoked) != 1 || len(e.svc.ended) != 1 || e.svc.ended[0] != "s-other" {
		t.Errorf("actions: revoked %v, ended %v", e.svc.revoked, e.svc.ended)
	}
	rec = e.do(t, "POST", "/main/account/grants/nope/withdraw", url.Values{"csrf": {"csrf-at-self"}}, c)
	if rec.Code != http.StatusNotFound {
		t.Errorf("withdraw of an unknown grant: %d", rec.Code)
	}
}

// TestOrdinaryPowerOfAttorneyCannotWithdraw: an ordinary power of
// attorney sees the permissions but no button to withdraw them, and a
// forged POST or confirmation page is refused. The logins shown are the
// holder's own, so they may log those out, and the page says whose they
// are.
func TestOrdinaryPowerOfAttorneyCannotWithdraw(t *testing.T) {
	e := newPagesEnv(t)
	poa := e.cookie(t, "at-poa")
	rec := e.do(t, "GET", "/main/account/grants", nil, poa)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "Helsedagboka") || !strings.Contains(body, "Målinger") {
		t.Fatalf("the power of attorney does not see the grant: %d\n%s", rec.Code, body)
	}
	if strings.Contains(body, "/withdraw") || strings.Contains(body, ">Trekk tilbake") {
		t.Errorf("an ordinary power of attorney is offered withdrawing:\n%s", body)
	}
	if !strings.Contains(body, `id="poa-cannot-withdraw"`) {
		t.Error("the page does not say why there is no withdraw button")
	}
	if rec := e.do(t, "GET", "/main/account/grants/g1/withdraw", nil, poa); rec.Code != http.StatusForbidden {
		t.Errorf("confirmation page for a power of attorney: %d", rec.Code)
	}
	if rec := e.do(t, "POST", "/main/account/grants/g1/withdraw", url.Values{"csrf": {"csrf-at-poa"}}, poa); rec.Code != http.StatusForbidden {
		t.Errorf("POST withdraw by a power of attorney: %d", rec.Code)
	}
	if len(e.svc.revoked) != 0 {
		t.Error("a power of attorney withdrew a permission")
	}

	rec = e.do(t, "GET", "/main/account/sessions", nil, poa)
	body = rec.Body.String()
	if !strings.Contains(body, `action="/main/account/sessions/s-other/end"`) || !strings.Contains(body, "Dette er dine egne innlogginger, ikke innloggingene til Ingrid Nordmann.") {
		t.Errorf("a representative's own logins:\n%s", body)
	}
	if rec := e.do(t, "POST", "/main/account/sessions/s-other/end", url.Values{"csrf": {"csrf-at-poa"}}, poa); rec.Code != http.StatusSeeOther || len(e.svc.ended) != 1 {
		t.Errorf("a representative logging out their own login: %d, ended %v", rec.Code, e.svc.ended)
	}

	// A parent may withdraw: the link is there.
	rec = e.do(t, "GET", "/main/account/grants", nil, e.cookie(t, "at-parent"))
	if !strings.Contains(rec.Body.String(), "/main/account/grants/g1/withdraw") || !strings.Contains(rec.Body.String(), "på vegne av Ingrid Nordmann (foreldreansvar)") {
		t.Errorf("parent's grants page:\n%s", rec.Body)
	}
}

// TestLogTab: the log shows time in Oslo, who in words, what in words
// and the tool; the filter reaches the service; a bad date is named in an
// error summary; the next page is a keyset link.
func TestLogTab(t *testing.T) {
	e := newPagesEnv(t)
	e.svc.events = []account.Event{
		{ID: "0", Time: time.Date(2026, 1, 3, 7, 0, 0, 0, time.UTC), Kind: "handoff_issued", SelfUse: true,
			Client: account.Party{ID: "diary", Name: "Helsedagboka"}, Via: &account.Party{ID: "portal", Name: "Helseportalen"},
			Subject: account.Party{ID: kariPID, Name: "Kari Nordmann"}, Actor: account.Party{ID: kariPID, Name: "Kari Nordmann"}},
		{ID: "1", Time: time.Date(2026, 1, 2, 23, 30, 0, 0, time.UTC), Kind: "login", SelfUse: true,
			Client: account.Party{ID: "diary", Name: "Helsedagboka"}, Subject: account.Party{ID: kariPID, Name: "Kari Nordmann"}, Actor: account.Party{ID: kariPID, Name: "Kari Nordmann"}},
		{ID: "2", Time: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC), Kind: "consent_given", Relation: "parent",
			Client: account.Party{ID: "diary", Name: "Helsedagboka"}, Subject: account.Party{ID: childPID, Name: "Ingrid"}, Actor: account.Party{ID: kariPID, Name: "Kari Nordmann"}},
	}
	c := e.cookie(t, "at-self")
	rec := e.do(t, "GET", "/main/account/?lang=nn", nil, c)
	body := rec.Body.String()
	for _, want := range []string{`<html lang="nn">`, "3. januar 2026 kl. 00.30", "Kari Nordmann (eigen bruk)", "Logga inn", "Helsedagboka", "Opna tenesta frå Helseportalen",
		`<caption>`, `scope="col"`, `rel="next"`, "after=c2", `<label for="from">`} {
		if !strings.Contains(body, want) {
			t.Errorf("log page lacks %q", want)
		}
	}
	if strings.Contains(body, kariPID) {
		t.Error("the log page shows a fødselsnummer")
	}
	// The language is kept: the next page, without ?lang, is nynorsk too.
	var langCookie *http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "oidcp_account_lang" {
			langCookie = ck
		}
	}
	if langCookie == nil || langCookie.Value != "nn" {
		t.Fatalf("no language cookie: %v", rec.Result().Cookies())
	}
	rec = e.do(t, "GET", "/main/account/?after=c2", nil, c, langCookie)
	body = rec.Body.String()
	// In Kari's own log, what she did for her child says for whom.
	for _, want := range []string{`<html lang="nn">`, "Kari Nordmann, på vegner av Ingrid (foreldreansvar)", "Gav løyve", "Første side"} {
		if !strings.Contains(body, want) {
			t.Errorf("second page lacks %q\n%s", want, body)
		}
	}
	// In the child's log, seen by the parent, it names the parent.
	body = e.do(t, "GET", "/main/account/?after=c2&lang=nb", nil, e.cookie(t, "at-parent")).Body.String()
	if !strings.Contains(body, "<td>Kari Nordmann (foreldreansvar)</td>") {
		t.Errorf("the child's log does not name the parent:\n%s", body)
	}

	// The parent is offered in the child's "who" filter under a sealed
	// value (no fødselsnummer in a URL), which filters by the parent.
	body = e.do(t, "GET", "/main/account/?after=c2", nil, e.cookie(t, "at-parent")).Body.String()
	m := regexp.MustCompile(`<option value="([^"]+)">Kari Nordmann \(foreldreansvar\)</option>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no representative in the who filter:\n%s", body)
	}
	if strings.Contains(m[1], kariPID) {
		t.Error("the who filter carries the fødselsnummer")
	}
	e.do(t, "GET", "/main/account/?who="+url.QueryEscape(html.UnescapeString(m[1])), nil, e.cookie(t, "at-parent"))
	if e.svc.lastQ.Who != kariPID {
		t.Errorf("who filter reached the service as %q", e.svc.lastQ.Who)
	}
	if rec := e.do(t, "GET", "/main/account/?who=forged", nil, c); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `href="#who"`) {
		t.Errorf("a forged who: %d", rec.Code)
	}

	rec = e.do(t, "GET", "/main/account/?from=2026-01-01&to=2026-01-02&tool=diary&who=self", nil, c)
	q := e.svc.lastQ
	wantSince := time.Date(2026, 1, 1, 0, 0, 0, 0, representation.Oslo)
	if !q.Since.Equal(wantSince) || !q.Until.Equal(wantSince.AddDate(0, 0, 2)) || q.ClientID != "diary" || q.Who != "self" {
		t.Errorf("query %+v", q)
	}
	rec = e.do(t, "GET", "/main/account/?from=31.02.2026", nil, c)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `href="#from"`) || !strings.Contains(rec.Body.String(), `aria-invalid="true"`) {
		t.Errorf("bad date: %d\n%s", rec.Code, rec.Body)
	}
	rec = e.do(t, "GET", "/main/account/?after=bad", nil, c)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ikke gyldig lenger") {
		t.Errorf("bad cursor: %d", rec.Code)
	}
}

// TestLogWhoWithoutRelation: an event that recorded no relation names
// the representative without an empty "()".
func TestLogWhoWithoutRelation(t *testing.T) {
	e := newPagesEnv(t)
	e.svc.events = []account.Event{
		{ID: "0", Time: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC), Kind: "authorized",
			Client: account.Party{ID: "diary", Name: "Helsedagboka"}, Subject: account.Party{ID: childPID, Name: "Ingrid"}, Actor: account.Party{ID: kariPID, Name: "Kari Nordmann"}},
	}
	for _, c := range []struct{ token, want string }{
		{"at-self", "Kari Nordmann, på vegne av Ingrid<"},
		{"at-parent", "<td>Kari Nordmann</td>"},
	} {
		body := e.do(t, "GET", "/main/account/?lang=nb", nil, e.cookie(t, c.token)).Body.String()
		if !strings.Contains(body, c.want) || strings.Contains(body, "()") {
			t.Errorf("%s: want %q and no \"()\":\n%s", c.token, c.want, body)
		}
	}
}

// TestToolNamedInPageLanguage: a tool is named in the page's language
// (its client_name#en on an English page, #nn on a nynorsk one) in the
// log and its filter, the sessions and the permissions; the bokmål name
// shows only on a bokmål page.
func TestToolNamedInPageLanguage(t *testing.T) {
	e := newPagesEnv(t)
	diary := account.Party{ID: "diary", Name: "HelseDiary", Names: map[string]string{"nb": "Helsedagboka", "nn": "Dagbok for helsa", "en": "Health diary"}}
	e.svc.diary = &diary
	e.svc.events = []account.Event{
		{ID: "0", Time: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC), Kind: "login", SelfUse: true,
			Client: diary, Subject: account.Party{ID: kariPID, Name: "Kari Nordmann"}, Actor: account.Party{ID: kariPID, Name: "Kari Nordmann"}},
	}
	c := e.cookie(t, "at-self")
	for lang, want := range map[string]string{"nb": "Helsedagboka", "nn": "Dagbok for helsa", "en": "Health diary"} {
		log := e.do(t, "GET", "/main/account/?lang="+lang, nil, c).Body.String()
		if !strings.Contains(log, "<td>"+want+"</td>") || !strings.Contains(log, ">"+want+"</option>") {
			t.Errorf("%s: the log does not name the tool %q:\n%s", lang, want, log)
		}
		for _, tab := range []string{"sessions", "grants"} {
			body := e.do(t, "GET", "/main/account/"+tab+"?lang="+lang, nil, c).Body.String()
			if !strings.Contains(body, want) {
				t.Errorf("%s: %s does not name the tool %q:\n%s", lang, tab, want, body)
			}
			if lang != "nb" && strings.Contains(body, "Helsedagboka") {
				t.Errorf("%s: %s shows the bokmål name", lang, tab)
			}
		}
		if lang != "nb" && strings.Contains(log, "Helsedagboka") {
			t.Errorf("%s: the log shows the bokmål name", lang)
		}
	}
}

// TestDeletedToolInWords: a tool deleted since an event is named in
// words of the page's language with its id, not by the bare id.
func TestDeletedToolInWords(t *testing.T) {
	e := newPagesEnv(t)
	e.svc.events = []account.Event{
		{ID: "0", Time: time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC), Kind: "login", SelfUse: true,
			Client: account.Party{ID: "old-tool", Deleted: true}, Subject: account.Party{ID: kariPID, Name: "Kari Nordmann"}, Actor: account.Party{ID: kariPID, Name: "Kari Nordmann"}},
	}
	for lang, want := range map[string]string{"nb": "En tjeneste som er slettet (old-tool)", "nn": "Ei teneste som er sletta (old-tool)", "en": "A service that has been deleted (old-tool)"} {
		body := e.do(t, "GET", "/main/account/?lang="+lang, nil, e.cookie(t, "at-self")).Body.String()
		if !strings.Contains(body, "<td>"+want+"</td>") || !strings.Contains(body, ">"+want+"</option>") {
			t.Errorf("%s: the deleted tool is not %q:\n%s", lang, want, body)
		}
	}
}

// TestLogIntroNamesSubject: a representative reads whose log it is, not
// "identiteten din"; the person themself reads "din".
func TestLogIntroNamesSubject(t *testing.T) {
	e := newPagesEnv(t)
	for _, c := range []struct{ token, lang, want, not string }{
		{"at-self", "nb", "hver gang identiteten din er brukt", "Ingrid Nordmann"},
		{"at-parent", "nb", "hver gang identiteten til Ingrid Nordmann er brukt i en tjeneste, også når noen med foreldreansvar eller fullmakt har brukt den på vegne av Ingrid Nordmann.", "identiteten din"},
		{"at-parent", "nn", "kvar gong identiteten til Ingrid Nordmann er brukt", "identiteten din"},
		{"at-parent", "en", "every time the identity of Ingrid Nordmann was used", "your identity"},
	} {
		body := e.do(t, "GET", "/main/account/?lang="+c.lang, nil, e.cookie(t, c.token)).Body.String()
		if !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Errorf("%s %s: want %q, not %q:\n%s", c.token, c.lang, c.want, c.not, body)
		}
	}
}

// TestBadDateMessage: a date that does not exist is named, with advice
// that fits a date field in any browser's format (not "dd.mm.åååå",
// which the field does not take as typed text).
func TestBadDateMessage(t *testing.T) {
	e := newPagesEnv(t)
	for lang, want := range map[string]string{
		"nb": "«31.02.2026» er ikke en dato. Velg en dato som finnes, for eksempel 31. desember 2025.",
		"nn": "«31.02.2026» er ikkje ein dato. Vel ein dato som finst, til dømes 31. desember 2025.",
		"en": "“31.02.2026” is not a date. Choose a date that exists, for example 31 December 2025.",
	} {
		rec := e.do(t, "GET", "/main/account/?from=31.02.2026&lang="+lang, nil, e.cookie(t, "at-self"))
		if body := html.UnescapeString(rec.Body.String()); rec.Code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want %q:\n%s", lang, rec.Code, want, body)
		}
	}
}

// TestConfirmAndSessionsPages: the confirmation names the tool and the
// data, and the sessions page marks this browser.
func TestConfirmAndSessionsPages(t *testing.T) {
	e := newPagesEnv(t)
	c := e.cookie(t, "at-self")
	body := e.do(t, "GET", "/main/account/grants/g1/withdraw?lang=en", nil, c).Body.String()
	for _, want := range []string{"Do you want to withdraw the permission?", "Helsedagboka", "Dagbok AS", "Measurements", `action="/main/account/grants/g1/withdraw"`, `href="/main/account/grants"`} {
		if !strings.Contains(body, want) {
			t.Errorf("confirmation lacks %q", want)
		}
	}
	if rec := e.do(t, "GET", "/main/account/grants/zzz/withdraw", nil, c); rec.Code != http.StatusNotFound {
		t.Errorf("confirmation of an unknown grant: %d", rec.Code)
	}
	e.h.cfg.DeviceName = func(ua, lang string) string { return "iPhone (" + lang + ")" }
	body = e.do(t, "GET", "/main/account/sessions", nil, c).Body.String()
	for _, want := range []string{"Denne nettleseren", "iPhone (nb)", "Helsedagboka", "Logg ut overalt", `action="/main/account/sessions/s-other/end"`} {
		if !strings.Contains(body, want) {
			t.Errorf("sessions page lacks %q", want)
		}
	}
}

// TestCallbackRefuses: the callback makes no page session from an
// authorization error, without the login in progress, with another
// state or from another issuer (RFC 9207); it says so on a page.
func TestCallbackRefuses(t *testing.T) {
	e := newPagesEnv(t)
	flow := func() *http.Cookie {
		rec := httptest.NewRecorder()
		if err := e.h.writeFlow(rec, loginFlow{State: "st-1", Nonce: "n", Verifier: "v", Return: "/main/account/", Lang: "en",
			Expires: time.Now().Add(time.Minute).Unix()}); err != nil {
			t.Fatal(err)
		}
		return rec.Result().Cookies()[0]
	}
	for name, tc := range map[string]struct {
		query   string
		cookies []*http.Cookie
	}{
		"authorization error": {"?error=access_denied&state=st-1", []*http.Cookie{flow()}},
		"no flow":             {"?code=c&state=st-1", nil},
		"other state":         {"?code=c&state=st-2", []*http.Cookie{flow()}},
		"other issuer":        {"?code=c&state=st-1&iss=https%3A%2F%2Fevil.example", []*http.Cookie{flow()}},
	} {
		rec := e.do(t, "GET", "/main/account/callback"+tc.query, nil, tc.cookies...)
		if rec.Code != http.StatusBadRequest || rec.Header().Get("Cache-Control") != "no-store" || !strings.Contains(rec.Body.String(), "/main/account/login") {
			t.Errorf("%s: %d\n%s", name, rec.Code, rec.Body)
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == "oidcp_account_main" && c.MaxAge >= 0 {
				t.Errorf("%s: a page session was set", name)
			}
		}
	}
	if len(e.calls) != 0 {
		t.Errorf("a refused callback called the tenant: %v", e.calls)
	}
}
