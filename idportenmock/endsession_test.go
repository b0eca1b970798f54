package idportenmock_test

import (
	"net/http/httptest"
	"strings"

	"github.com/oidcp/oidcp/idportenmock"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestEndSession(t *testing.T) {
	e := newEnv(t)
	cb := e.headlessCode(synthPID(t, "1980-03-14", 100))
	_, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	idt := tok["id_token"].(string)

	userinfo := func() int {
		req, _ := http.NewRequest(http.MethodGet, e.issuer+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		return resp.StatusCode
	}
	if userinfo() != http.StatusOK {
		t.Fatal("userinfo before logout")
	}

	t.Run("unregistered post_logout_redirect_uri", func(t *testing.T) {
		resp, _ := e.get(e.issuer + "/endsession?" + url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {"https://evil.example/"}}.Encode())
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("forged hint", func(t *testing.T) {
		resp, _ := e.get(e.issuer + "/endsession?" + url.Values{"id_token_hint": {idt[:len(idt)-4] + "AAAA"}, "post_logout_redirect_uri": {logoutURI}}.Encode())
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("stale hint with client_id", func(t *testing.T) {
		resp, _ := e.get(e.issuer + "/endsession?" + url.Values{"id_token_hint": {idt[:len(idt)-4] + "AAAA"}, "client_id": {clientID}, "post_logout_redirect_uri": {logoutURI}, "state": {"x"}}.Encode())
		location(t, resp, logoutURI)
		if userinfo() != http.StatusOK {
			t.Error("an unverified hint revoked tokens")
		}
	})
	t.Run("hint of another client", func(t *testing.T) {
		resp, _ := e.get(e.issuer + "/endsession?" + url.Values{"id_token_hint": {idt}, "client_id": {otherID}, "post_logout_redirect_uri": {logoutURI}}.Encode())
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Errorf("got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("registered", func(t *testing.T) {
		resp, _ := e.get(e.issuer + "/endsession?" + url.Values{"id_token_hint": {idt}, "post_logout_redirect_uri": {logoutURI}, "state": {"bye"}}.Encode())
		if q := location(t, resp, logoutURI); q.Get("state") != "bye" {
			t.Errorf("state = %q", q.Get("state"))
		}
		if userinfo() != http.StatusUnauthorized {
			t.Error("access token survives logout")
		}
	})
	t.Run("no redirect shows page", func(t *testing.T) {
		resp, body := e.get(e.issuer + "/endsession")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" || body == "" {
			t.Errorf("got %d", resp.StatusCode)
		}
	})
}

// TestMountPaths: the handler answers paths relative to any issuer path,
// stripped or not, and an issuer without a path.
func TestMountPaths(t *testing.T) {
	tests := []struct{ issuer, path string }{
		{"http://example.test/idporten-mock", "/.well-known/openid-configuration"},
		{"http://example.test/idporten-mock", "/idporten-mock/.well-known/openid-configuration"},
		{"http://example.test/a/b", "/a/b/.well-known/openid-configuration"},
		{"http://example.test", "/.well-known/openid-configuration"},
	}
	for _, tc := range tests {
		m, err := idportenmock.New(idportenmock.Config{Issuer: tc.issuer})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		m.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"issuer":"`+tc.issuer+`"`) {
			t.Errorf("%s %s: %d %s", tc.issuer, tc.path, rec.Code, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	m, _ := idportenmock.New(idportenmock.Config{Issuer: "http://example.test/x"})
	m.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nothing", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("unknown path: %d", rec.Code)
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  idportenmock.Config
	}{
		{"trailing slash", idportenmock.Config{Issuer: "http://example.test/mock/"}},
		{"relative issuer", idportenmock.Config{Issuer: "/mock"}},
		{"client without secret", idportenmock.Config{Issuer: "http://e.test", Clients: []idportenmock.Client{{ID: "a", RedirectURIs: []string{"https://a/cb"}}}}},
		{"client without redirect", idportenmock.Config{Issuer: "http://e.test", Clients: []idportenmock.Client{{ID: "a", Secret: "s"}}}},
		{"relative redirect", idportenmock.Config{Issuer: "http://e.test", Clients: []idportenmock.Client{{ID: "a", Secret: "s", RedirectURIs: []string{"/cb"}}}}},
		{"invalid person", idportenmock.Config{Issuer: "http://e.test", Persons: func(time.Time) []idportenmock.Person { return []idportenmock.Person{{PID: "12345678901", Name: "X"}} }}},
	}
	for _, tc := range tests {
		if _, err := idportenmock.New(tc.cfg); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}
