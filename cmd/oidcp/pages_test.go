package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fetchPage GETs u (POSTs it when header has "method": "POST") with the
// given headers and returns status, headers and body.
func fetchPage(t *testing.T, u string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	method := http.MethodGet
	if m, ok := header["method"]; ok {
		method = m
		delete(header, "method")
	}
	req, _ := http.NewRequest(method, u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

var reTitle = regexp.MustCompile(`<title>([^<]*)</title>`)

// TestErrorPagesInTheirLanguage: the error page a person meets when a
// tool sends a bad authorization request is wholly in their language
// (ui_locales, else Accept-Language): the common error descriptions are
// translated, the OAuth error code stays visible, an untranslated
// description is marked as English (TestRenderErrorUntranslated). The
// failed request is logged with its OAuth error code.
func TestErrorPagesInTheirLanguage(t *testing.T) {
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http", "--log-level", "info"), nil, time.Now)
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "pages-tool", "--secret", strings.Repeat("p", 40),
		"--redirect-uri", "http://127.0.0.1:9/cb", "--scope", "openid profile")
	authz := func(q url.Values) string { return srv.base + "/sandbox/authorize?" + q.Encode() }
	unknown := url.Values{"client_id": {"no-such-tool"}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {"http://127.0.0.1:9/cb"}, "state": {"state-123456789"}}
	wrongRedirect := url.Values{"client_id": {"pages-tool"}, "response_type": {"code"}, "scope": {"openid"},
		"redirect_uri": {"http://127.0.0.1:9/elsewhere"}, "state": {"state-123456789"}}

	for _, tc := range []struct {
		name    string
		q       url.Values
		header  map[string]string
		lang    string
		code    string
		want    []string
		notWant []string
	}{
		{"unknown client nb", unknown, nil, "nb", "invalid_client",
			[]string{"Noe gikk galt", "Tjenesten (client_id) er ikke registrert hos oss."}, []string{"does not exist"}},
		{"unknown client nn", withValue(unknown, "ui_locales", "nn"), nil, "nn", "invalid_client",
			[]string{"Noko gjekk gale", "Tenesta (client_id) er ikkje registrert hos oss."}, []string{"does not exist"}},
		{"unknown client en by Accept-Language", unknown, map[string]string{"Accept-Language": "en-GB,en;q=0.8"}, "en", "invalid_client",
			[]string{"Something went wrong", "The service (client_id) is not registered with us."}, nil},
		{"wrong redirect nb", wrongRedirect, nil, "nb", "invalid_request",
			[]string{"(redirect_uri), er ikke registrert for tjenesten."}, []string{"pre-registered"}},
		{"wrong redirect nn", withValue(wrongRedirect, "ui_locales", "nn en"), nil, "nn", "invalid_request",
			[]string{"(redirect_uri), er ikkje registrert for tenesta."}, []string{"pre-registered"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := fetchPage(t, authz(tc.q), tc.header)
			if status < 400 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Fatalf("%d %s, want an HTML error page:\n%.800s", status, h.Get("Content-Type"), body)
			}
			if !strings.Contains(body, `<html lang="`+tc.lang+`">`) {
				t.Errorf("page is not lang=%q:\n%.800s", tc.lang, body)
			}
			if tc.code != "" && !strings.Contains(body, "<code>"+tc.code+"</code>") {
				t.Errorf("error code %s not shown:\n%.1500s", tc.code, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q:\n%.1500s", w, body)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(body, w) {
					t.Errorf("page has fosite's English %q:\n%.1500s", w, body)
				}
			}
		})
	}
	if !regexp.MustCompile(`"path":"/sandbox/authorize","status":\d+,"bytes":\d+,"duration_ms":[0-9.]+,"oauth_error":"invalid_client"`).MatchString(srv.logs.String()) {
		t.Errorf("the failed authorization is not logged with oauth_error:\n%s", srv.logs.String())
	}
}

func withValue(q url.Values, k, v string) url.Values {
	out := url.Values{}
	for key, vs := range q {
		out[key] = append([]string(nil), vs...)
	}
	out.Set(k, v)
	return out
}

// TestNotFound: unknown paths and tenants get a real page (lang, title,
// a link to where to start) or, for API paths and JSON clients, a JSON
// error; a known endpoint asked with the wrong method gets 405 with
// Allow. Never Go's bare "404 page not found".
func TestNotFound(t *testing.T) {
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	base := srv.base
	disco := base + "/sandbox/.well-known/openid-configuration"
	for _, tc := range []struct {
		path   string
		header map[string]string
		status int
		// HTML: lang, title, link; JSON: error code and a phrase.
		lang, title, link string
		jsonErr, phrase   string
	}{
		{"/no-such-tenant", nil, 404, "nb", "Siden finnes ikke", base + "/", "", ""},
		{"/no-such-tenant/authorize", map[string]string{"Accept-Language": "nn-NO"}, 404, "nn", "Sida finst ikkje", base + "/", "", ""},
		{"/sandbox/no-such-page?ui_locales=en", nil, 404, "en", "Page not found", disco, "", ""},
		{"/sandbox/choose", nil, 405, "nb", "Siden finnes ikke", disco, "", ""},
		{"/sandbox/tokn", map[string]string{"method": "POST"}, 404, "", "", "", "not_found", "no endpoint"},
		{"/sandbox/token/x", nil, 404, "", "", "", "not_found", "no endpoint"},
		{"/sandbox/.well-known/oauth-authorization-server", nil, 404, "", "", "", "not_found", disco},
		{"/.well-known/openid-configuration", nil, 404, "", "", "", "not_found", "Each tenant is an issuer"},
		{"/no-such-tenant/token", nil, 404, "", "", "", "not_found", `no tenant \"no-such-tenant\"`},
		{"/no-such-page", map[string]string{"Accept": "application/json"}, 404, "", "", "", "not_found", ""},
		{"/sandbox/token", nil, 405, "", "", "", "invalid_request", "use POST"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			status, h, body := fetchPage(t, base+tc.path, tc.header)
			if status != tc.status || strings.Contains(body, "404 page not found") {
				t.Fatalf("%d, want %d:\n%.500s", status, tc.status, body)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Content-Security-Policy") == "" {
				t.Errorf("security headers missing: %v", h)
			}
			if tc.status == 405 && h.Get("Allow") == "" {
				t.Errorf("405 without Allow")
			}
			if tc.jsonErr != "" {
				if !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
					t.Fatalf("Content-Type %q, want JSON:\n%.300s", h.Get("Content-Type"), body)
				}
				var m map[string]string
				if err := json.Unmarshal([]byte(body), &m); err != nil || m["error"] != tc.jsonErr || !strings.Contains(body, tc.phrase) {
					t.Errorf("body %s (%v), want error %s mentioning %q", body, err, tc.jsonErr, tc.phrase)
				}
				return
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(body, `<html lang="`+tc.lang+`">`) {
				t.Errorf("not an HTML page in %s: %s\n%.500s", tc.lang, h.Get("Content-Type"), body)
			}
			if m := reTitle.FindStringSubmatch(body); m == nil || m[1] != tc.title {
				t.Errorf("title %v, want %q", m, tc.title)
			}
			if !strings.Contains(body, `<a href="`+tc.link+`">`) {
				t.Errorf("no link to %s:\n%.800s", tc.link, body)
			}
		})
	}
}
