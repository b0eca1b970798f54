package main

import (
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// demoBrowser is a cookie-jar client that follows redirects, like a
// person's browser.
func demoBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

func fetch(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string, *url.URL) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Request.URL
}

// demoChoose posts the chooser form shown in body, as the browser would.
func demoChoose(t *testing.T, c *http.Client, body, subject string) (int, string, *url.URL) {
	t.Helper()
	f := parseChooser(t, body)
	if f.flow == "" || f.csrf == "" {
		t.Fatalf("chooser without flow/csrf:\n%.2000s", body)
	}
	return fetch(t, c, http.MethodPost, f.action, url.Values{"flow": {f.flow}, "csrf": {f.csrf}, "subject": {subject}})
}

var rePre = regexp.MustCompile(`(?s)<pre id="(id-token|userinfo)">(.*?)</pre>`)

// demoClaims returns the ID token and userinfo sections of the callback page.
func demoClaims(body string) map[string]string {
	out := map[string]string{}
	for _, m := range rePre.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// TestDemoLogin: `oidcp serve --dev` is ready to log in at /demo/: Kari
// logs in through the mock and the chooser, for herself and then for a
// child, and the demo shows what the tool received.
func TestDemoLogin(t *testing.T) {
	s := startServing(t, devArgs(t, newCLI(t), "http"), nil, time.Now)
	pop := population.Generate(time.Now().In(representation.Oslo))
	kari, ok := pop.Lookup(population.KeyKari)
	if !ok {
		t.Fatal("no Kari in the population")
	}
	jonas, _ := pop.Lookup(population.KeyJonas)
	b := demoBrowser()

	status, body, _ := fetch(t, b, http.MethodGet, s.base+"/demo/", nil)
	if status != http.StatusOK || !strings.Contains(body, "Logg inn i sandbox") || !strings.Contains(body, `href="`+s.base+`/sandbox/population"`) {
		t.Fatalf("GET /demo/: %d\n%.2000s", status, body)
	}

	// For herself.
	status, body, at := fetch(t, b, http.MethodGet, s.base+"/demo/login?tenant=sandbox&pid="+kari.PID, nil)
	if status != http.StatusOK || !strings.Contains(body, `name="subject"`) {
		t.Fatalf("no chooser for Kari (at %s, %d):\n%.2000s", at, status, body)
	}
	status, body, at = demoChoose(t, b, body, "self")
	if status != http.StatusOK || at.Path != "/demo/callback" {
		t.Fatalf("after choosing self: %d at %s:\n%.3000s", status, at, body)
	}
	claims := demoClaims(body)
	if !strings.Contains(claims["id-token"], `"pid": "`+kari.PID+`"`) || !strings.Contains(claims["userinfo"], `"pid": "`+kari.PID+`"`) {
		t.Errorf("callback lacks Kari's pid in ID token and userinfo:\n%.3000s", body)
	}
	if strings.Contains(body, `id="representation"`) {
		t.Error("representation shown although Kari acts for herself")
	}
	if !strings.Contains(body, "select=1") || !strings.Contains(body, "id_token_hint=") {
		t.Errorf("callback lacks the log-in-again and logout links:\n%.3000s", body)
	}

	// Again, choosing a child: the SSO session skips the mock, the
	// chooser is shown again (prompt=select_account).
	status, body, at = fetch(t, b, http.MethodGet, s.base+"/demo/login?tenant=sandbox&select=1", nil)
	if status != http.StatusOK || !strings.Contains(body, `name="subject"`) {
		t.Fatalf("no chooser with select=1 (at %s, %d):\n%.2000s", at, status, body)
	}
	status, body, _ = demoChoose(t, b, body, jonas.PID)
	if status != http.StatusOK || !strings.Contains(body, `id="representation"`) {
		t.Fatalf("callback without the representation claim: %d\n%.3000s", status, body)
	}
	if !strings.Contains(demoClaims(body)["id-token"], `"relation": "parent"`) || !strings.Contains(body, jonas.PID) {
		t.Errorf("representation is not Kari as Jonas's parent:\n%.3000s", body)
	}

	// Logout returns to the demo page.
	m := regexp.MustCompile(`<a href="([^"]*)">Logg ut</a>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no logout link:\n%.3000s", body)
	}
	status, body, at = fetch(t, b, http.MethodGet, html.UnescapeString(m[1]), nil)
	if status != http.StatusOK || at.Path != "/demo/" || !strings.Contains(body, "Logg inn i sandbox") {
		t.Errorf("logout ended at %s (%d):\n%.2000s", at, status, body)
	}

	// Checked last: serve prints the banner just after it starts serving.
	if !strings.Contains(s.stdout.String(), "Log in now: "+s.base+"/demo/") {
		t.Errorf("banner lacks the demo URL:\n%s", s.stdout.String())
	}
}

// TestDemoCallbackErrors: a callback that does not belong to a login
// started here, or that carries an authorization error, gets a readable
// page, not a 500.
func TestDemoCallbackErrors(t *testing.T) {
	s := startServing(t, devArgs(t, newCLI(t), "http"), nil, time.Now)
	b := demoBrowser()
	status, body, _ := fetch(t, b, http.MethodGet, s.base+"/demo/callback?code=x&state=y", nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "Fant ingen pågående innlogging") {
		t.Errorf("forged callback: %d\n%.2000s", status, body)
	}
	status, body, _ = fetch(t, b, http.MethodGet, s.base+"/demo/callback?error=access_denied&error_description=the+person+refused&lang=en", nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "access_denied: the person refused") || !strings.Contains(body, `lang="en"`) {
		t.Errorf("error response: %d\n%.2000s", status, body)
	}
	status, body, _ = fetch(t, b, http.MethodGet, s.base+"/demo/login?tenant=nope", nil)
	if status != http.StatusBadRequest || !strings.Contains(body, "Ukjent tenant") {
		t.Errorf("unknown tenant: %d\n%.2000s", status, body)
	}
}

// TestDemoOnlyInDevMode: without --dev the demo is neither registered
// nor routed, and the banner does not offer it.
func TestDemoOnlyInDevMode(t *testing.T) {
	c := newCLI(t)
	cfg, err := parse(t, devArgs(t, c, "http")...)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Dev = false
	ctx := t.Context()
	store, err := openStore(ctx, c.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	d, err := newDemo(ctx, cfg, store, nil, newLogger(cfg, io.Discard), time.Now)
	if err != nil || d != nil {
		t.Fatalf("newDemo without dev mode = %v, %v; want no demo", d, err)
	}
	for _, tn := range cfg.Tenants {
		if _, err := store.GetClient(ctx, tn.Name, demoClientID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("tenant %s: demo client registered without dev mode (err %v)", tn.Name, err)
		}
	}
	var banner strings.Builder
	printBanner(&banner, cfg, "127.0.0.1:1", false)
	if strings.Contains(banner.String(), "/demo/") {
		t.Errorf("banner offers the demo without dev mode:\n%s", banner.String())
	}
}

// TestDemoClientReplacedOnRestart: each start registers a new secret;
// the stored client then accepts only the newest one.
func TestDemoClientReplacedOnRestart(t *testing.T) {
	c := newCLI(t)
	cfg, err := parse(t, devArgs(t, c, "http")...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	store, err := openStore(ctx, c.dsn())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tenant := cfg.Tenants[0].Name
	first, second := clients.GenerateSecret(), clients.GenerateSecret()
	t0 := time.Now()
	if err := registerDemoClient(ctx, store, []string{tenant}, demoRegistration(cfg, first), t0); err != nil {
		t.Fatal(err)
	}
	if err := registerDemoClient(ctx, store, []string{tenant}, demoRegistration(cfg, second), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := store.GetClient(ctx, tenant, demoClientID)
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword(got.SecretHash, []byte(second)) != nil || bcrypt.CompareHashAndPassword(got.SecretHash, []byte(first)) == nil {
		t.Error("the stored secret is not the second start's")
	}
	if !got.CreatedAt.Equal(t0.UTC().Truncate(time.Microsecond)) || !got.UpdatedAt.After(got.CreatedAt) {
		t.Errorf("created %v updated %v: want the first creation kept and a later update", got.CreatedAt, got.UpdatedAt)
	}
	if want := []string{cfg.BaseURL + "/demo/callback"}; strings.Join(got.RedirectURIs, " ") != want[0] {
		t.Errorf("redirect URIs %v, want %v", got.RedirectURIs, want)
	}
}

func TestDemoUnavailable(t *testing.T) {
	base := func(dev bool, url string, tenants ...string) Config {
		c := Config{Dev: dev, BaseURL: url}
		for _, n := range tenants {
			c.Tenants = append(c.Tenants, TenantConfig{Name: n})
		}
		return c
	}
	cases := []struct {
		name string
		cfg  Config
		want string // substring of the reason; "" = available
	}{
		{"dev loopback", base(true, "http://127.0.0.1:8080", "main", "sandbox"), ""},
		{"dev localhost", base(true, "http://localhost:8080", "main"), ""},
		{"dev https", base(true, "https://login.example.no", "main"), ""},
		{"not dev", base(false, "http://127.0.0.1:8080", "main"), "not in dev mode"},
		{"dev plain http elsewhere", base(true, "http://192.0.2.1:8080", "main"), "https or on a loopback host"},
		{"tenant named demo", base(true, "http://127.0.0.1:8080", "demo"), `named "demo"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := demoUnavailable(c.cfg)
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Errorf("demoUnavailable = %q, want %q", got, c.want)
			}
		})
	}
}
