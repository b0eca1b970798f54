package registration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oidcp/oidcp/ratelimit"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/storetest"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

type env struct {
	t     *testing.T
	store storage.Storage
	srv   *httptest.Server
	clk   *clock
}

// newEnv serves a sandbox tenant's registration endpoints over a fresh
// SQLite store; tweak adjusts the config.
func newEnv(t *testing.T, tweak func(*Config)) *env {
	t.Helper()
	st := storetest.SQLite(t)
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg := Config{Tenant: "sandbox", Issuer: srv.URL + "/sandbox", Now: clk.now, Limiter: ratelimit.New(st, clk.now)}
	if tweak != nil {
		tweak(&cfg)
	}
	h, err := New(cfg, st)
	if err != nil {
		t.Fatal(err)
	}
	h.Mount(mux)
	return &env{t: t, store: st, srv: srv, clk: clk}
}

// token issues vendor's initial access token.
func (e *env) token(vendor string) string {
	e.t.Helper()
	tok, _, err := IssueToken(e.t.Context(), e.store, "sandbox", vendor, 90*24*time.Hour, e.clk.now())
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// do sends method to path (below the base URL) with a JSON body and a
// bearer token and decodes a JSON answer into a map.
func (e *env) do(method, path, bearer string, body any) (int, map[string]any, http.Header) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = bytes.NewBufferString(b)
		default:
			raw, _ := json.Marshal(b)
			rd = bytes.NewReader(raw)
		}
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out, resp.Header
}

// webClient is minimal valid metadata of a confidential web client.
func webClient() map[string]any {
	return map[string]any{
		"client_name":   "Acme Journal",
		"redirect_uris": []string{"https://acme.example/callback"},
	}
}

// register registers md with tok and fails unless it is created.
func (e *env) register(tok string, md map[string]any) map[string]any {
	e.t.Helper()
	code, out, _ := e.do("POST", "/sandbox/register", tok, md)
	if code != http.StatusCreated {
		e.t.Fatalf("register: %d %v", code, out)
	}
	return out
}
