package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSandboxTokenAdminAPI: the admin API issues, lists and revokes a
// vendor's initial access token behind admin_token; the token registers
// until revoked; the CLI's revoke and list see the same records.
func TestSandboxTokenAdminAPI(t *testing.T) {
	c := newCLI(t)
	admin := strings.Repeat("a", 40)
	srv := startServing(t, devArgs(t, c, "http", "--admin-token", admin), nil, time.Now)
	call := func(method, path, token string, body any) (int, map[string]any, []any) {
		t.Helper()
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, srv.admin+path, rd)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var raw json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&raw)
		var m map[string]any
		var l []any
		if json.Unmarshal(raw, &m) != nil {
			_ = json.Unmarshal(raw, &l)
		}
		return resp.StatusCode, m, l
	}
	if code, _, _ := call("POST", "/sandbox/tokens", "", map[string]any{"vendor": "acme"}); code != http.StatusUnauthorized {
		t.Fatalf("without the admin token: %d", code)
	}
	if code, m, _ := call("POST", "/sandbox/tokens", admin, map[string]any{"vendor": "Acme Inc"}); code != http.StatusBadRequest {
		t.Fatalf("bad vendor name: %d %v", code, m)
	}
	if code, m, _ := call("POST", "/sandbox/tokens", admin, map[string]any{"vendor": "acme", "tenant": "main"}); code != http.StatusBadRequest {
		t.Fatalf("main (no registration): %d %v", code, m)
	}
	code, m, _ := call("POST", "/sandbox/tokens", admin, map[string]any{"vendor": "acme", "expires": "7d"})
	iat, _ := m["initial_access_token"].(string)
	if code != http.StatusCreated || !strings.HasPrefix(iat, "oidcp_iat_") || m["expires_at"] == nil {
		t.Fatalf("issue: %d %v", code, m)
	}
	register := func() int {
		req, _ := http.NewRequest("POST", srv.base+"/sandbox/register", strings.NewReader(`{"redirect_uris":["https://acme.example/cb"]}`))
		req.Header.Set("Authorization", "Bearer "+iat)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := register(); code != http.StatusCreated {
		t.Fatalf("register with the issued token: %d", code)
	}
	if resp, err := http.Get(srv.admin + "/metrics"); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `endpoint="register",tenant="sandbox"`) {
			t.Error("/metrics does not count the registration endpoint")
		}
	}
	if code, _, l := call("GET", "/sandbox/tokens", admin, nil); code != 200 || len(l) != 1 || strings.Contains(srv.admin, iat) {
		t.Fatalf("list: %d %v", code, l)
	}
	if code, _, _ := call("DELETE", "/sandbox/tokens/sandbox/acme", admin, nil); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _, _ := call("DELETE", "/sandbox/tokens/sandbox/acme", admin, nil); code != http.StatusConflict {
		t.Fatalf("revoke twice: %d", code)
	}
	if code := register(); code != http.StatusUnauthorized {
		t.Fatalf("register after revoke: %d, want 401", code)
	}
	// The CLI on the same database.
	var out []map[string]any
	if err := json.Unmarshal([]byte(c.ok("sandbox", "tokens")), &out); err != nil || len(out) != 1 || out[0]["revoked_at"] == nil || out[0]["vendor"] != "acme" {
		t.Fatalf("sandbox tokens: %v %v", out, err)
	}
	if _, stderr, code := c.run("sandbox", "revoke", "--vendor", "acme"); code == 0 || !strings.Contains(stderr, "already revoked") {
		t.Fatalf("CLI revoke of a revoked token: %d %s", code, stderr)
	}
}
