package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// TestTenantIsolation tries what one tenant issued at the other: a
// vendor's sandbox client, its tokens, its login session, the sandbox's
// signing keys and the vendor's initial access token reach nothing in
// the main tenant, even where a main client has the very same client_id
// and secret; and a vendor's reset in the sandbox leaves main alone.
func TestTenantIsolation(t *testing.T) {
	c := newCLI(t)
	c.flags = []string{"--kek", testKEK(t)}
	srv := startServing(t, devArgs(t, c, "http", c.flags...), nil, time.Now)
	c.flags = append(c.flags, "--base-url", srv.base)
	var issued map[string]any
	if err := json.Unmarshal([]byte(c.ok("sandbox", "token", "--vendor", "acme")), &issued); err != nil {
		t.Fatal(err)
	}
	iat := issued["initial_access_token"].(string)

	body, _ := json.Marshal(map[string]any{"redirect_uris": []string{"https://acme.example/cb"}, "scope": "openid profile pid offline_access"})
	req, _ := http.NewRequest("POST", srv.base+"/sandbox/register", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+iat)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var reg map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&reg)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register: %d %v", resp.StatusCode, reg)
	}
	sb := e2eClient{tenant: "sandbox", id: reg["client_id"].(string), secret: reg["client_secret"].(string),
		redirect: "https://acme.example/cb", scopes: []string{"openid", "profile", "pid", "offline_access"}}
	pid := syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 7)
	sbRP := newRelyingParty(t, srv.base+"/sandbox", sb, time.Now)
	b := newBrowser()
	sbTok := sbRP.login(t, b, pid)

	t.Run("client", func(t *testing.T) {
		status, m, _ := postForm(t, srv.base+"/main/token", url.Values{"grant_type": {"client_credentials"}}, basicAuth(sb.id, sb.secret))
		if status != http.StatusUnauthorized || m["error"] != "invalid_client" {
			t.Errorf("sandbox client at main's token endpoint: %d %v, want 401 invalid_client", status, m)
		}
		a := sbRP.authURL(pid)
		resp, err := b.c.Get(strings.Replace(a.url, "/sandbox/", "/main/", 1))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.Header.Get("Location") != "" {
			t.Errorf("sandbox client at main's authorize: %d to %q, want an error page (unknown client, no redirect)", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	// A main client with the sandbox client's id and secret.
	twin := sb
	twin.tenant = "main"
	c.on(t).ok("clients", "create", "--tenant", "main", "--id", sb.id, "--secret", sb.secret,
		"--redirect-uri", sb.redirect, "--scope", "openid profile pid offline_access")
	mainRP := newRelyingParty(t, srv.base+"/main", twin, time.Now)

	t.Run("tokens", func(t *testing.T) {
		req, _ := http.NewRequest("GET", srv.base+"/main/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+sbTok.access)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("sandbox access token at main's userinfo: %d, want 401", resp.StatusCode)
		}
		if _, err := mainRP.refreshE(sbTok.refresh); err == nil {
			t.Error("sandbox refresh token accepted at main's token endpoint")
		} else if code, _ := oauthError(err); code != "invalid_grant" {
			t.Errorf("sandbox refresh token at main: %v, want invalid_grant", err)
		}
		status, m, _ := postForm(t, srv.base+"/main/introspect", url.Values{"token": {sbTok.access}}, basicAuth(twin.id, twin.secret))
		if status != http.StatusOK || m["active"] != false {
			t.Errorf("sandbox access token introspected at main: %d %v, want active false", status, m)
		}
		if _, err := mainRP.verifier.Verify(t.Context(), sbTok.rawID); err == nil {
			t.Error("main's keys verify the sandbox's ID token")
		}
	})

	t.Run("keys", func(t *testing.T) {
		kids := func(tenant string) map[string]bool {
			resp, err := http.Get(srv.base + "/" + tenant + "/jwks")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var set jose.JSONWebKeySet
			if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
				t.Fatal(err)
			}
			out := map[string]bool{}
			for _, k := range set.Keys {
				out[k.KeyID] = true
			}
			return out
		}
		m, s := kids("main"), kids("sandbox")
		for k := range s {
			if m[k] {
				t.Errorf("kid %s is published by both tenants", k)
			}
		}
		if len(m) == 0 || len(s) == 0 {
			t.Fatalf("JWKS: main %v sandbox %v", m, s)
		}
	})

	t.Run("session", func(t *testing.T) {
		// The sandbox session cookies, sent to main as if their path
		// allowed it: main has no session for them.
		var cookies []string
		sbURL, _ := url.Parse(srv.base + "/sandbox/authorize")
		for _, ck := range b.c.Jar.Cookies(sbURL) {
			cookies = append(cookies, ck.Name+"="+ck.Value)
		}
		if len(cookies) == 0 {
			t.Fatal("no sandbox session cookie after the login")
		}
		a := mainRP.authURL("", oauth2.SetAuthURLParam("prompt", "none"))
		req, _ := http.NewRequest("GET", a.url, nil)
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
		resp, err := newBrowser().c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc, _ := resp.Location()
		if loc == nil || loc.Query().Get("error") != "login_required" {
			t.Errorf("main's authorize prompt=none with the sandbox session: %d %v, want login_required", resp.StatusCode, loc)
		}
	})

	t.Run("initial access token and reset", func(t *testing.T) {
		mainTok := mainRP.login(t, newBrowser(), pid)
		for _, path := range []string{"/main/register", "/main/vendor/reset"} {
			req, _ := http.NewRequest("POST", srv.base+path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+iat)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode < 400 {
				t.Errorf("POST %s with the sandbox's initial access token: %d", path, resp.StatusCode)
			}
		}
		req, _ := http.NewRequest("POST", srv.base+"/sandbox/vendor/reset", nil)
		req.Header.Set("Authorization", "Bearer "+iat)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("sandbox reset: %d", resp.StatusCode)
		}
		if _, err := sbRP.refreshE(sbTok.refresh); err == nil {
			t.Error("the sandbox refresh token works after the vendor's reset")
		}
		if _, err := mainRP.refreshE(mainTok.refresh); err != nil {
			t.Errorf("main's refresh token (same client_id) after the sandbox reset: %v", err)
		}
		resp, err = http.Get(srv.base + "/main/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		var md map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&md)
		resp.Body.Close()
		if _, ok := md["registration_endpoint"]; ok {
			t.Error("main's discovery announces a registration endpoint")
		}
	})
}

// TestSandboxStartPage: the sandbox serves its start page at {issuer}/
// in the three languages, main has none, and the banner links to it.
func TestSandboxStartPage(t *testing.T) {
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	for lang, title := range map[string]string{"nb": "Sandkasse for leverandører", "nn": "Sandkasse for leverandørar", "en": "Sandbox for vendors"} {
		resp, err := http.Get(srv.base + "/sandbox/?lang=" + lang)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), title) || !strings.Contains(string(b), srv.base+"/sandbox/register") {
			t.Errorf("start page %s: %d %.200s", lang, resp.StatusCode, b)
		}
	}
	resp, err := http.Get(srv.base + "/main/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("main's start page: %d, want 404", resp.StatusCode)
	}
	if !strings.Contains(srv.stdout.String(), "start page: "+srv.base+"/sandbox/") {
		t.Errorf("the banner does not link the start page:\n%s", srv.stdout.String())
	}
}
