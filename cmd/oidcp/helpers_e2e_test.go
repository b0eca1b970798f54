package main

// The end-to-end proof of the walking skeleton: the real server (serve)
// on free ports, once on SQLite and once on PostgreSQL, driven only over
// HTTP by an independent relying-party library (coreos/go-oidc and
// x/oauth2) and a cookie-jar "browser" that logs in headlessly through the
// ID-porten mock (login_hint=testid:<pid>).

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	josev4 "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/postgres/pgtest"
)

// e2eBackend is one storage backend the whole suite runs against.
type e2eBackend struct {
	name string
	dsn  func(t *testing.T, dir string) string
}

func e2eBackends() []e2eBackend {
	return []e2eBackend{
		{"sqlite", func(_ *testing.T, dir string) string { return "sqlite:" + filepath.Join(dir, "oidcp.db") }},
		{"postgres", func(t *testing.T, _ string) string { return pgtest.NewDatabase(t) }},
	}
}

// testClock is the server's injected clock: real time plus an offset the
// test moves forward.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

// set moves the clock to t (from then on it runs with real time).
func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.off = time.Until(t)
	c.mu.Unlock()
}

// startWindow moves the clock to the start of the next rate-limit window
// of size d. The windows are fixed (aligned to multiples of d), and the
// clock runs with real time: a test that counts hits towards a limit and
// happened to straddle a boundary (every minute, for the default window)
// would see its count start again. From the start of a window a test has
// all of d; a 5-minute window also starts a 1-minute one.
func (c *testClock) startWindow(d time.Duration) {
	c.set(c.now().Truncate(d).Add(d))
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

// e2eEnv is one running server and what the tests need to reach it.
type e2eEnv struct {
	base, admin string
	dsn, kek    string
	cli         *cli // oidcp commands against the server's database
	clock       *testClock
	store       storage.Storage // a second handle on the server's database
	fake        *fakeOP
	logs        *syncBuffer
	kari, ola   string // synthetic fødselsnummer; Kari is in the person registry
}

const fakeTenant = "upfake"

// newE2EEnv prepares a server's database on backend b, its KEK, clock
// and CLI; Kari and Ola are synthetic persons.
func newE2EEnv(t *testing.T, b e2eBackend) *e2eEnv {
	t.Helper()
	clearEnv(t)
	dir := t.TempDir()
	e := &e2eEnv{dsn: b.dsn(t, dir), kek: testKEK(t), clock: &testClock{}, logs: &syncBuffer{}}
	e.cli = &cli{t: t, dir: dir, db: e.dsn, flags: []string{"--dev", "--kek", e.kek}}
	e.kari = syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 7)
	e.ola = syntheticPID(t, time.Date(1979, 11, 2, 0, 0, 0, 0, time.UTC), 8)
	return e
}

func startE2E(t *testing.T, b e2eBackend) *e2eEnv {
	t.Helper()
	e := newE2EEnv(t, b)
	e.fake = newFakeOP(t, e.clock.now)
	args := devArgs(t, e.cli, "http", "--kek", e.kek,
		// ID tokens outlive the key rotation's publish lead (10m), so the
		// rotation test can verify a token signed before it.
		"--id-token-lifetime", "1h")
	srv := startServing(t, args, func(cfg *Config) {
		cfg.Tenants = append(cfg.Tenants, TenantConfig{Name: fakeTenant, DisplayName: fakeTenant, Upstream: UpstreamConfig{
			Issuer: e.fake.issuer, ClientID: fakeClientID, ClientSecret: fakeClientSecret,
		}})
	}, e.clock.now)
	e.base, e.admin, e.logs = srv.base, srv.admin, srv.logs
	ctx := context.Background()
	var err error

	e.store, err = openStore(ctx, e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.store.Close() })

	if err := e.store.ImportRegistry(ctx, registry.Synthetic, []storage.Person{{
		PID: e.kari, GivenName: "Kari", FamilyName: "Nordmann", BirthDate: time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Now(),
	}}, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

func syntheticPID(t *testing.T, birth time.Time, n int) string {
	t.Helper()
	pid, err := representation.SyntheticPID(birth, n)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func (e *e2eEnv) issuer(tenant string) string { return e.base + "/" + tenant }

// e2eClient is a registered client as its developer knows it.
type e2eClient struct {
	tenant, id, secret string
	redirect, logout   string
	scopes             []string
}

// register creates a confidential client with the CLI. Each client gets
// its own redirect host, hence its own sector and pairwise sub. The
// redirect URIs are never fetched: the browser stops before them.
func (e *e2eEnv) register(t *testing.T, tenant, id string, extra ...string) e2eClient {
	t.Helper()
	c := e2eClient{
		tenant: tenant, id: id, secret: "secret-" + id + "-" + strings.Repeat("x", 32),
		redirect: "https://" + id + ".example/cb", logout: "https://" + id + ".example/logged-out",
		scopes: []string{"openid", "profile", "pid", "offline_access"},
	}
	args := []string{"clients", "create", "--tenant", tenant, "--id", id, "--secret", c.secret,
		"--redirect-uri", c.redirect, "--post-logout-redirect-uri", c.logout,
		"--scope", "openid profile pid offline_access"}
	e.cli.on(t).ok(append(args, extra...)...)
	return c
}

// relyingParty is a client's view of oidcp through go-oidc and x/oauth2.
type relyingParty struct {
	issuer   string
	c        e2eClient
	prov     *oidc.Provider
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// newRelyingParty discovers issuer and builds client c's relying party
// asking for scopes (default c.scopes). The server's clock may be far
// from the wall clock; go-oidc checks expiry against now.
func newRelyingParty(t *testing.T, issuer string, c e2eClient, now func() time.Time, scopes ...string) *relyingParty {
	t.Helper()
	prov, err := oidc.NewProvider(context.Background(), issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	if len(scopes) == 0 {
		scopes = c.scopes
	}
	ep := prov.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader
	return &relyingParty{
		issuer: issuer, c: c, prov: prov,
		conf:     oauth2.Config{ClientID: c.id, ClientSecret: c.secret, Endpoint: ep, RedirectURL: c.redirect, Scopes: scopes},
		verifier: prov.Verifier(&oidc.Config{ClientID: c.id, Now: now}),
	}
}

func (e *e2eEnv) rp(t *testing.T, c e2eClient, scopes ...string) *relyingParty {
	t.Helper()
	return newRelyingParty(t, e.issuer(c.tenant), c, e.clock.now, scopes...)
}

// authRequest is one authorization request and the secrets the client
// keeps for it.
type authRequest struct {
	url, state, nonce, verifier string
}

// authURL builds a code+PKCE S256 request with state and nonce, logging in
// pid headlessly when pid is not empty.
func (rp *relyingParty) authURL(pid string, opts ...oauth2.AuthCodeOption) authRequest {
	a := authRequest{state: rand.Text(), nonce: rand.Text(), verifier: oauth2.GenerateVerifier()}
	all := []oauth2.AuthCodeOption{oidc.Nonce(a.nonce), oauth2.S256ChallengeOption(a.verifier)}
	if pid != "" {
		all = append(all, oauth2.SetAuthURLParam("login_hint", "testid:"+pid))
	}
	a.url = rp.conf.AuthCodeURL(a.state, append(all, opts...)...)
	return a
}

// browser is a cookie jar that follows redirects one by one, so the test
// sees where it went and stops before the client's redirect URI.
type browser struct {
	c *http.Client
}

func newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// visit is where a browser navigation ended: at a URL with prefix stop
// (not fetched), or at a page that did not redirect.
type visit struct {
	final       *url.URL // set when the browser reached stop
	status      int      // of the page shown otherwise
	location    string   // Location header of that page (must be empty)
	body        string
	visitedMock bool
	hops        []string
}

func (v visit) String() string {
	if v.final != nil {
		return "redirected to " + v.final.String()
	}
	return fmt.Sprintf("page %d after %v:\n%.1500s", v.status, v.hops, v.body)
}

func (b *browser) visit(start, stop string) (visit, error) {
	var v visit
	next := start
	for range 20 {
		if strings.HasPrefix(next, stop) {
			u, err := url.Parse(next)
			v.final = u
			return v, err
		}
		v.hops = append(v.hops, next)
		if strings.Contains(next, mockPath+"/") {
			v.visitedMock = true
		}
		resp, err := b.c.Get(next)
		if err != nil {
			return v, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil || resp.StatusCode < 300 || resp.StatusCode >= 400 {
			v.status, v.body, v.location = resp.StatusCode, string(body), resp.Header.Get("Location")
			return v, nil
		}
		next = loc.String()
	}
	return v, errors.New("too many redirects")
}

// authorizeE runs the authorization request in b and returns the
// authorization response's query (code or error).
func (rp *relyingParty) authorizeE(b *browser, a authRequest) (url.Values, visit, error) {
	v, err := b.visit(a.url, rp.c.redirect)
	if err != nil {
		return nil, v, err
	}
	if v.final == nil {
		return nil, v, fmt.Errorf("no authorization response: %s", v)
	}
	q := v.final.Query()
	if q.Get("state") != a.state {
		return q, v, fmt.Errorf("authorization response state %q, want %q", q.Get("state"), a.state)
	}
	if q.Get("iss") != rp.issuer {
		return q, v, fmt.Errorf("authorization response iss %q (RFC 9207)", q.Get("iss"))
	}
	return q, v, nil
}

// loginE logs pid in and returns the code and its request.
func (rp *relyingParty) loginE(b *browser, pid string, opts ...oauth2.AuthCodeOption) (string, authRequest, visit, error) {
	a := rp.authURL(pid, opts...)
	q, v, err := rp.authorizeE(b, a)
	if err != nil {
		return "", a, v, err
	}
	if q.Get("error") != "" || q.Get("code") == "" {
		return "", a, v, fmt.Errorf("authorization response: %s", v.final)
	}
	return q.Get("code"), a, v, nil
}

// tokens is a token response with its ID token verified by go-oidc.
type tokens struct {
	oauth   *oauth2.Token
	access  string
	refresh string
	rawID   string
	id      *oidc.IDToken
	claims  idClaims
}

type idClaims struct {
	Nonce     string   `json:"nonce"`
	ACR       string   `json:"acr"`
	AMR       []string `json:"amr"`
	AuthTime  *int64   `json:"auth_time"`
	SID       string   `json:"sid"`
	PID       string   `json:"pid"`
	Name      string   `json:"name"`
	Birthdate string   `json:"birthdate"`
}

func (rp *relyingParty) verify(tok *oauth2.Token) (*tokens, error) {
	out := &tokens{oauth: tok, access: tok.AccessToken, refresh: tok.RefreshToken}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return out, nil
	}
	id, err := rp.verifier.Verify(context.Background(), raw)
	if err != nil {
		return nil, fmt.Errorf("go-oidc rejects the ID token: %w", err)
	}
	out.rawID, out.id = raw, id
	if err := id.Claims(&out.claims); err != nil {
		return nil, err
	}
	return out, nil
}

func (rp *relyingParty) exchangeE(code, verifier string) (*tokens, error) {
	tok, err := rp.conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, err
	}
	return rp.verify(tok)
}

func (rp *relyingParty) refreshE(refresh string) (*tokens, error) {
	tok, err := rp.conf.TokenSource(context.Background(), &oauth2.Token{RefreshToken: refresh}).Token()
	if err != nil {
		return nil, err
	}
	return rp.verify(tok)
}

// login is loginE + exchangeE; the ID token's nonce must be the request's.
func (rp *relyingParty) login(t *testing.T, b *browser, pid string, opts ...oauth2.AuthCodeOption) *tokens {
	t.Helper()
	code, a, _, err := rp.loginE(b, pid, opts...)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := rp.exchangeE(code, a.verifier)
	if err != nil {
		t.Fatal(err)
	}
	if tk.id == nil || tk.claims.Nonce != a.nonce {
		t.Fatalf("ID token nonce %q, want %q", tk.claims.Nonce, a.nonce)
	}
	return tk
}

// oauthError returns the OAuth error code of a failed x/oauth2 call.
func oauthError(err error) (string, int) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode, re.Response.StatusCode
	}
	return "", 0
}

// clientAuth puts a client's credentials on a request to the token,
// introspection, revocation or PAR endpoint.
type clientAuth func(req *http.Request, form url.Values)

// basicAuth is client_secret_basic (RFC 6749 §2.3.1 form-encodes the
// credentials before base64).
func basicAuth(id, secret string) clientAuth {
	return func(req *http.Request, _ url.Values) {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
}

// postForm POSTs form to u with auth (nil: no client authentication) and
// decodes the JSON answer (an empty body gives an empty map). The form is
// copied so auth cannot leak into the caller's next request.
func postForm(t *testing.T, u string, form url.Values, auth clientAuth) (int, map[string]any, http.Header) {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = append([]string(nil), v...)
	}
	req, _ := http.NewRequest(http.MethodPost, u, nil)
	if auth != nil {
		auth(req, f)
	}
	req.Body = io.NopCloser(strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := map[string]any{}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("POST %s: %d, not JSON: %.300s", u, resp.StatusCode, body)
		}
	}
	return resp.StatusCode, m, resp.Header
}

// postForm posts to a tenant endpoint as client c (HTTP Basic, or no
// authentication when c.secret is empty).
func (e *e2eEnv) postForm(t *testing.T, c e2eClient, endpoint string, form url.Values) (int, map[string]any) {
	t.Helper()
	var auth clientAuth
	if c.secret != "" {
		auth = basicAuth(c.id, c.secret)
	}
	status, m, _ := postForm(t, e.issuer(c.tenant)+endpoint, form, auth)
	return status, m
}

// introspect asks c's tenant about token as client c (RFC 7662).
func (e *e2eEnv) introspect(t *testing.T, c e2eClient, token string) map[string]any {
	t.Helper()
	status, m := e.postForm(t, c, "/introspect", url.Values{"token": {token}})
	if status != http.StatusOK {
		t.Fatalf("introspect: %d %v", status, m)
	}
	return m
}

func (e *e2eEnv) wantActive(t *testing.T, c e2eClient, token string, want bool, what string) map[string]any {
	t.Helper()
	m := e.introspect(t, c, token)
	if got, _ := m["active"].(bool); got != want {
		t.Errorf("%s: introspection active=%v, want %v (%v)", what, m["active"], want, m)
	}
	return m
}

// userinfoGet calls userinfo with go-oidc (GET, bearer header).
func (rp *relyingParty) userinfoGet(t *testing.T, access string) map[string]any {
	t.Helper()
	ui, err := rp.prov.UserInfo(context.Background(), oauth2.StaticTokenSource(&oauth2.Token{AccessToken: access, TokenType: "Bearer"}))
	if err != nil {
		t.Fatalf("userinfo GET: %v", err)
	}
	m := map[string]any{}
	if err := ui.Claims(&m); err != nil {
		t.Fatal(err)
	}
	if ui.Subject != m["sub"] {
		t.Fatalf("userinfo sub mismatch")
	}
	return m
}

// userinfoPost calls userinfo by POST with the token in the body (RFC
// 6750 §2.2) and returns status and JSON.
func (e *e2eEnv) userinfoPost(t *testing.T, tenant, access string) (int, map[string]any) {
	t.Helper()
	return e.postForm(t, e2eClient{tenant: tenant}, "/userinfo", url.Values{"access_token": {access}})
}

// events returns the tenant's usage log entries of one kind.
func (e *e2eEnv) events(t *testing.T, tenant, kind string) []storage.Event {
	t.Helper()
	evs, err := e.store.ListEvents(context.Background(), storage.EventFilter{Tenant: tenant, Kinds: []string{kind}})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// metric returns the admin /metrics text.
func (e *e2eEnv) metrics(t *testing.T) string {
	t.Helper()
	return get(t, e.admin+"/metrics")
}

// call POSTs form to a tenant endpoint with auth (see postForm).
func (e *e2eEnv) call(t *testing.T, tenant, endpoint string, form url.Values, auth clientAuth) (int, map[string]any, http.Header) {
	t.Helper()
	return postForm(t, e.issuer(tenant)+endpoint, form, auth)
}

// wantInvalidClient asserts RFC 6749 §5.2's answer to failed client
// authentication.
func wantInvalidClient(t *testing.T, what string, status int, body map[string]any) {
	t.Helper()
	if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("%s: %d %v, want invalid_client 401", what, status, body)
	}
}

// codeForm is the token request redeeming a code with its PKCE verifier.
func codeForm(c e2eClient, code, verifier string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {c.redirect}, "code_verifier": {verifier}}
}

// verifyWithJWKS verifies a compact JWS signed with one of algs by the key
// of the issuer's JWKS ({issuer}/jwks) that its kid names, as a relying
// party or resource server does, and returns its header and claims.
func verifyWithJWKS(ctx context.Context, issuer, raw string, algs ...josev4.SignatureAlgorithm) (josev4.Header, map[string]any, error) {
	jws, err := josev4.ParseSigned(raw, algs)
	if err != nil {
		return josev4.Header{}, nil, fmt.Errorf("not a JWS signed with %v: %w", algs, err)
	}
	h := jws.Signatures[0].Header
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/jwks", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return h, nil, fmt.Errorf("jwks: %w", err)
	}
	defer resp.Body.Close()
	var set josev4.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return h, nil, fmt.Errorf("jwks: %w", err)
	}
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		return h, nil, fmt.Errorf("jwks has %d keys with kid %q", len(keys), h.KeyID)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		return h, nil, fmt.Errorf("signature: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return h, nil, fmt.Errorf("claims: %w", err)
	}
	return h, claims, nil
}

// startLimitsEnv runs a dev server on SQLite with extra flags (the
// limits under test) and a second handle on its database.
func startLimitsEnv(t *testing.T, extra ...string) *e2eEnv {
	t.Helper()
	e := newE2EEnv(t, e2eBackends()[0])
	srv := startServing(t, devArgs(t, e.cli, "http", append([]string{"--kek", e.kek}, extra...)...), nil, e.clock.now)
	e.base, e.admin, e.logs = srv.base, srv.admin, srv.logs
	st, err := openStore(context.Background(), e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.store = st
	return e
}

const consentAdminToken = "admin-token-for-consent-tests-0123456789"

// startConsentE2E is startE2E with an admin token.
func startConsentE2E(t *testing.T, b e2eBackend) *e2eEnv {
	t.Helper()
	e := newE2EEnv(t, b)
	srv := startServing(t, devArgs(t, e.cli, "http", "--kek", e.kek), func(cfg *Config) { cfg.AdminToken = consentAdminToken }, e.clock.now)
	e.base, e.admin, e.logs = srv.base, srv.admin, srv.logs
	var err error
	e.store, err = openStore(context.Background(), e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.store.Close() })
	return e
}

const dataScope = "health:measurements"

// grantVia gives kari's consent with the CLI and returns the grant.
func (e *e2eEnv) grantVia(t *testing.T, c e2eClient, pid string) storage.Grant {
	t.Helper()
	var g storage.Grant
	out := e.cli.on(t).ok("consent", "grant", "--tenant", c.tenant, "--client", c.id, "--subject", pid, "--scope", dataScope)
	if err := json.Unmarshal([]byte(out), &g); err != nil || g.ID == "" {
		t.Fatalf("consent grant printed %q (%v)", out, err)
	}
	return g
}
