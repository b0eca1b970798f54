package provider

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/idportenmock"
	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/router"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/storetest"
	"github.com/oidcp/oidcp/upstream"
)

// The handler tests run the provider, the ID-porten mock and the upstream
// client in one httptest server over a SQLite store, without `oidcp
// serve` (the model is dex's server tests): one tenant "main" reading
// the synthetic population, which is seeded.

const toolRedirect = "https://tool.example/cb"

type harness struct {
	t     *testing.T
	srv   *httptest.Server
	p     *Provider
	store storage.Storage
	now   time.Time
	pop   population.Population
}

func newHarness(t *testing.T) *harness { return newHarnessWith(t, nil) }

// newHarnessWith lets wrap stand between the provider and the store
// (to inject failures).
func newHarnessWith(t *testing.T, wrap func(storage.Storage) storage.Storage) *harness {
	return newHarnessOn(t, openSQLite(t), wrap)
}

// openSQLite returns a fresh migrated SQLite store.
func openSQLite(t *testing.T) storage.Storage {
	t.Helper()
	return storetest.SQLite(t)
}

// openPostgres returns a fresh migrated PostgreSQL store (skipped
// without a server unless OIDCP_REQUIRE_POSTGRES=1).
func openPostgres(t *testing.T) storage.Storage {
	t.Helper()
	return storetest.Postgres(t)
}

// newHarnessOn builds the harness over db.
// edits change the provider's Config before it is built.
func newHarnessOn(t *testing.T, db storage.Storage, wrap func(storage.Storage) storage.Storage, edits ...func(*Config)) *harness {
	t.Helper()
	ctx := t.Context()
	h := &harness{t: t, store: db, now: time.Now()}
	clock := func() time.Time { return h.now }
	if _, err := registry.SeedPopulation(ctx, db, h.now); err != nil {
		t.Fatal(err)
	}
	h.pop = population.Generate(h.now)

	var handler http.Handler = http.NotFoundHandler()
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(h.srv.Close)
	base := h.srv.URL

	mock, err := idportenmock.New(idportenmock.Config{
		Issuer: base + "/idporten-mock",
		Clients: []idportenmock.Client{{
			ID: "oidcp-main", Secret: "upstream-secret-0123456789",
			RedirectURIs:           []string{base + "/main/callback"},
			PostLogoutRedirectURIs: []string{base + "/main/logout/callback"},
		}},
		Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	up, err := upstream.New(upstream.Config{
		HTTPClient: h.srv.Client(), Issuer: base + "/idporten-mock",
		ClientID: "oidcp-main", ClientSecret: "upstream-secret-0123456789",
		RedirectURL: base + "/main/callback", Now: clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	km := keys.New(db, make([]byte, 32), keys.Options{Now: clock, Algs: []string{keys.RS256}})
	if err := km.EnsureKeys(ctx, "main"); err != nil {
		t.Fatal(err)
	}
	var ps storage.Storage = db
	if wrap != nil {
		ps = wrap(db)
	}
	cfg := Config{
		BaseURL: base, DevMode: true, Now: clock, HTTPClient: h.srv.Client(),
		Tenants: []TenantConfig{{Name: "main", Upstream: up, Registry: registry.Synthetic, Sandbox: true}},
	}
	for _, edit := range edits {
		edit(&cfg)
	}
	h.p, err = New(ctx, cfg, ps, km)
	if err != nil {
		t.Fatal(err)
	}
	rt := router.New(router.Options{NotFound: h.p.NotFound})
	rt.Handle("/idporten-mock/", router.Route{Endpoint: "idporten_mock"}, http.StripPrefix("/idporten-mock", mock))
	rt.Mount(h.p)
	handler = rt
	return h
}

// client registers a confidential tool with secret "tool-secret-…".
func (h *harness) client(id string, edit func(*clients.Registration)) {
	h.t.Helper()
	reg := clients.Registration{
		ID: id, Secret: "tool-secret-0123456789abcdef", RedirectURIs: []string{toolRedirect},
		PostLogoutRedirectURIs: []string{"https://tool.example/bye"},
		Scopes:                 []string{"openid profile pid offline_access"},
		GrantTypes:             []string{"authorization_code", "refresh_token"},
	}
	if edit != nil {
		edit(&reg)
	}
	c, err := clients.Build("main", reg, h.now)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.store.CreateClient(h.t.Context(), c); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) pid(key string) string {
	h.t.Helper()
	p, ok := h.pop.Lookup(key)
	if !ok {
		h.t.Fatalf("no %s in the population", key)
	}
	return p.PID
}

// browser is a cookie jar that follows redirects until the tool's
// redirect URI, which it does not fetch.
type browser struct {
	t *testing.T
	c *http.Client
	h *harness
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := new(http.Client)
	*c = *h.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), "https://tool.example/") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &browser{t: h.t, c: c, h: h}
}

// authParams are a valid request of tool "id" for pid's test login.
func authParams(id, pid string) url.Values {
	sum := sha256.Sum256([]byte("verifier-0123456789-0123456789-0123456789-0123456789"))
	v := url.Values{
		"client_id": {id}, "response_type": {"code"}, "redirect_uri": {toolRedirect},
		"scope": {"openid profile pid offline_access"}, "state": {"state-0123456789"}, "nonce": {"nonce-0123456789"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	if pid != "" {
		v.Set("login_hint", "testid:"+pid)
	}
	return v
}

// result is where a browser stopped.
type result struct {
	status   int
	location *url.URL // the tool's redirect URI with its parameters, if reached
	body     string
	resp     *http.Response
}

func (b *browser) do(req *http.Request) result {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	res := result{status: resp.StatusCode, body: string(body), resp: resp}
	if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, "https://tool.example/") {
		res.location, _ = url.Parse(loc)
	}
	return res
}

func (b *browser) authorize(v url.Values) result {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.h.srv.URL+"/main/authorize?"+v.Encode(), nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) result {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// cookies names the browser's cookies for the tenant.
func (b *browser) cookies() map[string]string {
	u, _ := url.Parse(b.h.srv.URL + "/main/")
	out := map[string]string{}
	for _, c := range b.c.Jar.Cookies(u) {
		out[c.Name] = c.Value
	}
	return out
}

var reChooserHidden = regexp.MustCompile(`<input type="hidden" name="(flow|csrf)" value="([^"]*)">`)

// chooserForm returns the flow and csrf of a chooser page.
func chooserForm(t *testing.T, body string) (flow, csrf string) {
	t.Helper()
	for _, m := range reChooserHidden.FindAllStringSubmatch(body, -1) {
		if m[1] == "flow" {
			flow = html.UnescapeString(m[2])
		} else {
			csrf = html.UnescapeString(m[2])
		}
	}
	if flow == "" || csrf == "" {
		t.Fatalf("no chooser form in:\n%.1500s", body)
	}
	return flow, csrf
}

// token calls the token endpoint with the tool's secret.
func (h *harness) token(id string, form url.Values) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, "tool-secret-0123456789abcdef")
	return h.jsonDo(req)
}

func (h *harness) jsonDo(req *http.Request) (int, map[string]any) {
	h.t.Helper()
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	body, _ := io.ReadAll(resp.Body)
	if len(body) > 0 {
		if err := json.Unmarshal(body, &out); err != nil {
			h.t.Fatalf("%s %s: %d %q", req.Method, req.URL.Path, resp.StatusCode, body)
		}
	}
	return resp.StatusCode, out
}

// exchange redeems a code.
func (h *harness) exchange(id, code string) map[string]any {
	h.t.Helper()
	status, tok := h.token(id, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {toolRedirect},
		"code_verifier": {"verifier-0123456789-0123456789-0123456789-0123456789"},
	})
	if status != http.StatusOK {
		h.t.Fatalf("token: %d %v", status, tok)
	}
	return tok
}

// jwtClaims decodes a JWT's payload without verifying it (the
// signature is fosite's and the keys package's concern).
func jwtClaims(t *testing.T, raw any) map[string]any {
	t.Helper()
	s, _ := raw.(string)
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", s)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// dropRelations makes client accept no relation any more, as an operator
// would, and moves the clock past the client cache.
func (h *harness) dropRelations(client string) {
	h.t.Helper()
	if err := h.store.UpdateClient(h.t.Context(), "main", client, func(c storage.Client) (storage.Client, error) {
		c.AcceptedRelations = nil
		return c, nil
	}); err != nil {
		h.t.Fatal(err)
	}
	h.now = h.now.Add(10 * time.Second) // past the client cache
}
