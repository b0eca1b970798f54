package demo

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/representation"
)

// fakeOP serves only discovery, failing the first fails requests.
func fakeOP(t *testing.T, fails int32) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/sandbox/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		if calls.Add(1) <= fails {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		iss := srv.URL + "/sandbox"
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
			"jwks_uri": iss + "/jwks", "userinfo_endpoint": iss + "/userinfo", "end_session_endpoint": iss + "/logout",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func newTestHandler(t *testing.T, op *httptest.Server) *Handler {
	t.Helper()
	h, err := New(Config{
		BaseURL:       "http://127.0.0.1:8080",
		Tenants:       []Tenant{{Name: "sandbox", Issuer: op.URL + "/sandbox", ClientID: "demo", ClientSecret: "s3cret-s3cret-s3cret"}},
		PopulationURL: "http://127.0.0.1:8080/sandbox/population",
		Now:           time.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func serve(h http.Handler, target string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHomeLanguagesAndHeaders(t *testing.T) {
	op, _ := fakeOP(t, 0)
	h := newTestHandler(t, op)
	for lang, want := range map[string]string{"": "Logg inn i sandbox", "nn": "Syntetiske testpersonar", "en": "Log in to sandbox"} {
		w := serve(h, "/demo/?lang="+lang)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
			t.Errorf("lang %q: %d, want %q in\n%s", lang, w.Code, want, w.Body)
		}
	}
	w := serve(h, "/demo/")
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self' http://127.0.0.1:8080") {
		t.Errorf("CSP = %q", csp)
	}
	if w.Header().Get("Referrer-Policy") != "no-referrer" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers: %v", w.Header())
	}
	if !strings.Contains(w.Body.String(), `href="http://127.0.0.1:8080/demo/?lang=nn" lang="nn"`) {
		t.Errorf("no link to the nynorsk page:\n%s", w.Body)
	}
	if !strings.Contains(w.Body.String(), `href="http://127.0.0.1:8080/sandbox/population"`) {
		t.Errorf("no population link:\n%s", w.Body)
	}
}

// TestLoginRequest: the authorization request has PKCE S256, state,
// nonce, the test login hint and prompt, and the flow cookie holds what
// the callback needs. Discovery is fetched at first use and retried.
func TestLoginRequest(t *testing.T) {
	op, calls := fakeOP(t, 1)
	h := newTestHandler(t, op)
	if calls.Load() != 0 {
		t.Fatal("New fetched discovery; it must be lazy")
	}
	if w := serve(h, "/demo/login?tenant=sandbox"); w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "discovery") {
		t.Fatalf("discovery down: %d\n%s", w.Code, w.Body)
	}
	pid, err := representation.SyntheticPID(time.Date(1970, 1, 12, 0, 0, 0, 0, time.UTC), 1)
	if err != nil {
		t.Fatal(err)
	}
	w := serve(h, "/demo/login?tenant=sandbox&select=1&lang=nn&pid="+pid)
	if w.Code != http.StatusFound {
		t.Fatalf("login: %d\n%s", w.Code, w.Body)
	}
	loc, _ := url.Parse(w.Header().Get("Location"))
	q := loc.Query()
	if loc.String()[:len(op.URL)] != op.URL || loc.Path != "/sandbox/authorize" {
		t.Errorf("redirected to %s", loc)
	}
	for k, want := range map[string]string{
		"response_type": "code", "client_id": "demo", "redirect_uri": "http://127.0.0.1:8080/demo/callback",
		"scope": "openid profile pid offline_access", "code_challenge_method": "S256", "prompt": "select_account",
		"login_hint": "testid:" + pid, "ui_locales": "nn",
	} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != flowCookie || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].Path != "/demo/" {
		t.Fatalf("flow cookie: %+v", cookies)
	}
	f, err := h.seal.open(cookies[0].Value, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(f.Verifier))
	if f.State != q.Get("state") || f.Nonce != q.Get("nonce") || base64.RawURLEncoding.EncodeToString(sum[:]) != q.Get("code_challenge") {
		t.Errorf("flow %+v does not match the request %v", f, q)
	}
	if f.State == "" || f.Nonce == "" || f.Nonce == f.State {
		t.Errorf("state %q, nonce %q", f.State, f.Nonce)
	}

	// A callback with another state is refused before any token call.
	w = serve(h, "/demo/callback?code=c&state=other", cookies[0])
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "stemmer ikkje") {
		t.Errorf("state mismatch: %d\n%s", w.Code, w.Body)
	}
}

func TestLoginRejects(t *testing.T) {
	op, _ := fakeOP(t, 0)
	h := newTestHandler(t, op)
	for target, want := range map[string]string{
		"/demo/login?tenant=main":                    "Ukjent tenant",
		"/demo/login?tenant=sandbox&pid=12345678901": "Fødselsnummeret er ikke gyldig",
	} {
		if w := serve(h, target); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s: %d\n%s", target, w.Code, w.Body)
		}
	}
	// The authorization error response, shown readably and escaped.
	w := serve(h, "/demo/callback?error=access_denied&error_description=%3Cb%3Enei%3C%2Fb%3E")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "access_denied: &lt;b&gt;nei&lt;/b&gt;") {
		t.Errorf("error response: %d\n%s", w.Code, w.Body)
	}
}

func TestSealer(t *testing.T) {
	s, err := newSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	v := s.seal(flow{State: "st", Expires: now.Add(time.Minute).Unix()})
	if f, err := s.open(v, now); err != nil || f.State != "st" {
		t.Fatalf("open = %+v, %v", f, err)
	}
	if _, err := s.open(v, now.Add(2*time.Minute)); err != errFlowExpired {
		t.Errorf("expired: %v", err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(v)
	raw[len(raw)-1] ^= 1
	if _, err := s.open(base64.RawURLEncoding.EncodeToString(raw), now); err != errNoFlow {
		t.Errorf("tampered: %v", err)
	}
	other, _ := newSealer(append(make([]byte, 31), 1))
	if _, err := other.open(v, now); err != errNoFlow {
		t.Errorf("other process's key: %v", err)
	}
}
