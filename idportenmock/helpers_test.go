package idportenmock_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oidcp/oidcp/idportenmock"
	"github.com/oidcp/oidcp/representation"
)

const (
	clientID     = "oidcp"
	clientSecret = "s3cret:with/odd&chars"
	otherID      = "other"
	otherSecret  = "other-secret"
	redirectURI  = "https://rp.example/callback"
	otherRedir   = "https://other.example/cb"
	logoutURI    = "https://rp.example/logout/callback"
	verifier     = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXkdBjftJeZ4CVP"
)

// clock is a settable clock shared by a test and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t      *testing.T
	srv    *httptest.Server
	issuer string
	clock  *clock
	// browser keeps cookies and never follows redirects.
	browser *http.Client
}

func synthPID(t *testing.T, birth string, ind int) string {
	t.Helper()
	d, err := time.Parse("2006-01-02", birth)
	if err != nil {
		t.Fatal(err)
	}
	p, err := representation.SyntheticPID(d, ind)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newEnv mounts the mock under /idporten-mock with http.StripPrefix, as
// cmd/oidcp does.
func newEnv(t *testing.T) *env { t.Helper(); return newEnvWith(t, nil) }

// newEnvWith is newEnv with the configuration changed by mod.
func newEnvWith(t *testing.T, mod func(*idportenmock.Config)) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: time.Now()}}
	var h http.Handler = http.NotFoundHandler()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	e.issuer = e.srv.URL + "/idporten-mock"
	persons := []idportenmock.Person{
		{PID: synthPID(t, "1980-03-14", 100), Name: "Kari Nordmann"},
		{PID: synthPID(t, "2011-05-04", 500), Name: "Ola Nordmann"},
	}
	cfg := idportenmock.Config{
		Issuer: e.issuer,
		Clients: []idportenmock.Client{
			{ID: clientID, Secret: clientSecret, RedirectURIs: []string{redirectURI}, PostLogoutRedirectURIs: []string{logoutURI}},
			{ID: otherID, Secret: otherSecret, RedirectURIs: []string{otherRedir}},
		},
		Persons: func(time.Time) []idportenmock.Person { return persons },
		Now:     e.clock.Now,
	}
	if mod != nil {
		mod(&cfg)
	}
	mock, err := idportenmock.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/idporten-mock/", http.StripPrefix("/idporten-mock", mock))
	h = mux
	jar, _ := cookiejar.New(nil)
	e.browser = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

func challenge(v string) string {
	s := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(s[:])
}

// authParams is a valid authorization request for the main client.
func authParams(extra ...string) url.Values {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {clientID},
		"redirect_uri":          {redirectURI},
		"scope":                 {"openid profile"},
		"state":                 {"st-123"},
		"nonce":                 {"n-456"},
		"code_challenge":        {challenge(verifier)},
		"code_challenge_method": {"S256"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	return q
}

// get sends a browser GET and returns the response with its body read.
func (e *env) get(u string) (*http.Response, string) {
	e.t.Helper()
	resp, err := e.browser.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, readBody(e.t, resp)
}

func (e *env) postForm(client *http.Client, u string, f url.Values) (*http.Response, string) {
	e.t.Helper()
	resp, err := client.PostForm(u, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, readBody(e.t, resp)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// location parses the Location of a redirect and checks where it points.
func location(t *testing.T, resp *http.Response, prefix string) url.Values {
	t.Helper()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d, want a redirect", resp.StatusCode)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, prefix+"?") {
		t.Fatalf("Location = %q, want prefix %q", loc, prefix)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// headlessCode runs a headless login and returns the callback parameters.
func (e *env) headlessCode(pid string, extra ...string) url.Values {
	e.t.Helper()
	q := authParams(append([]string{"login_hint", "testid:" + pid}, extra...)...)
	resp, _ := e.get(e.issuer + "/authorize?" + q.Encode())
	return location(e.t, resp, q.Get("redirect_uri"))
}

// tokenRequest redeems a code with client_secret_basic.
func (e *env) tokenRequest(id, secret string, f url.Values) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.issuer+"/token", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	var out map[string]any
	body := readBody(e.t, resp)
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		e.t.Fatalf("token response %q: %v", body, err)
	}
	return resp.StatusCode, out
}

func codeForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}}
}

// verifyIDToken checks the signature against the mock's JWKS and returns
// the claims.
func (e *env) verifyIDToken(raw string) map[string]any {
	e.t.Helper()
	_, body := e.get(e.issuer + "/jwks.json")
	var set jose.JSONWebKeySet
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		e.t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		e.t.Fatal(err)
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		e.t.Fatalf("kid %q not in JWKS", jws.Signatures[0].Header.KeyID)
	}
	payload, err := jws.Verify(keys[0].Key)
	if err != nil {
		e.t.Fatal(err)
	}
	var c map[string]any
	_ = json.Unmarshal(payload, &c)
	return c
}

var (
	reAuthID = regexp.MustCompile(`name="auth_id" value="([^"]+)"`)
	reCSRF   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// loginPage opens the page and returns the hidden fields.
func (e *env) loginPage(q url.Values) (authID, csrf, body string) {
	e.t.Helper()
	resp, body := e.get(e.issuer + "/authorize?" + q.Encode())
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("login page status %d: %s", resp.StatusCode, body)
	}
	a, c := reAuthID.FindStringSubmatch(body), reCSRF.FindStringSubmatch(body)
	if a == nil || c == nil {
		e.t.Fatalf("hidden fields missing in %s", body)
	}
	return a[1], c[1], body
}
