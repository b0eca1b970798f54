package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/storetest"
)

// TestClientsHandoffFlags: the operator registers a portal and a tool's
// launch URIs with `clients create`, and changes them with `clients
// update`, under the same rules as at registration.
func TestClientsHandoffFlags(t *testing.T) {
	c := newCLI(t)
	var got storage.Client
	out := c.ok("clients", "create", "--tenant", "sandbox", "--id", "portal", "--handoff-portal",
		"--redirect-uri", "http://127.0.0.1:9000/callback")
	got = storage.Client{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || !got.HandoffPortal {
		t.Fatalf("create --handoff-portal: %v\n%s", err, out)
	}
	out = c.ok("clients", "create", "--tenant", "sandbox", "--id", "tool",
		"--redirect-uri", "http://127.0.0.1:9100/callback",
		"--initiate-login-uri", "http://127.0.0.1:9100/initiate", "--launch-uri", "http://127.0.0.1:9100/")
	got = storage.Client{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.HandoffPortal || len(got.LaunchURIs) != 1 {
		t.Fatalf("create --launch-uri: %v\n%s", err, out)
	}
	if _, errs, code := c.run("clients", "create", "--tenant", "sandbox", "--id", "bad",
		"--redirect-uri", "http://127.0.0.1:9100/callback", "--launch-uri", "http://127.0.0.1:9100/"); code == 0 || !strings.Contains(errs, "launch_uris") {
		t.Errorf("launch URI without initiate_login_uri: exit %d, %s", code, errs)
	}

	out = c.ok("clients", "update", "--tenant", "sandbox", "--id", "tool", "--launch-uri", "http://127.0.0.1:9100/a", "--launch-uri", "http://127.0.0.1:9100/b")
	got = storage.Client{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || strings.Join(got.LaunchURIs, " ") != "http://127.0.0.1:9100/a http://127.0.0.1:9100/b" || got.InitiateLoginURI == "" {
		t.Fatalf("update --launch-uri: %v\n%s", err, out)
	}
	out = c.ok("clients", "update", "--tenant", "sandbox", "--id", "portal", "--handoff-portal=false")
	got = storage.Client{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.HandoffPortal {
		t.Fatalf("update --handoff-portal=false: %v\n%s", err, out)
	}
	if _, errs, code := c.run("clients", "update", "--tenant", "sandbox", "--id", "tool", "--initiate-login-uri", ""); code == 0 || !strings.Contains(errs, "launch_uris") {
		t.Errorf("removing initiate_login_uri under launch URIs: exit %d, %s", code, errs)
	}
	if _, errs, code := c.run("clients", "update", "--tenant", "sandbox", "--id", "tool"); code == 0 || !strings.Contains(errs, "nothing to change") {
		t.Errorf("update without a change: exit %d, %s", code, errs)
	}
	if _, errs, code := c.run("clients", "update", "--tenant", "sandbox", "--id", "nobody", "--handoff-portal"); code == 0 || !strings.Contains(errs, "no client") {
		t.Errorf("update of an unknown client: exit %d, %s", code, errs)
	}
}

// TestOperatorAPIHandoff: the operator API sets a client's hand-off
// metadata under the same rules as the CLI, behind the admin token.
func TestOperatorAPIHandoff(t *testing.T) {
	cfg := valid(t)
	const tok = "an-admin-token-of-at-least-32-characters"
	cfg.AdminToken = tok
	st := storetest.SQLite(t)
	if err := st.CreateClient(t.Context(), storage.Client{Tenant: "main", ID: "portal", GrantTypes: []string{"authorization_code"}}); err != nil {
		t.Fatal(err)
	}
	h := adminHandler(prometheus.NewRegistry(), nil, (&consentWiring{store: st, now: time.Now}).adminRoutes(cfg)...)
	call := func(auth, path, body string) (int, string) {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	path := "/admin/v1/tenants/main/clients/portal/handoff"
	for _, tc := range []struct {
		name, auth, path, body string
		status                 int
		want                   string
	}{
		{"no bearer", "", path, `{"handoff_portal":true}`, http.StatusUnauthorized, "invalid_token"},
		{"unknown field", tok, path, `{"portal":true}`, http.StatusBadRequest, "invalid_request"},
		{"nothing to change", tok, path, `{}`, http.StatusBadRequest, "invalid_request"},
		{"unknown client", tok, "/admin/v1/tenants/main/clients/nobody/handoff", `{"handoff_portal":true}`, http.StatusNotFound, "not_found"},
		{"launch URIs without initiate_login_uri", tok, path, `{"launch_uris":["https://p.example/"]}`, http.StatusBadRequest, "invalid_client_metadata"},
		{"portal", tok, path, `{"handoff_portal":true}`, http.StatusOK, `"handoff_portal":true`},
	} {
		if status, body := call(tc.auth, tc.path, tc.body); status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d with %q", tc.name, status, body, tc.status, tc.want)
		}
	}
	if c, err := st.GetClient(t.Context(), "main", "portal"); err != nil || !c.HandoffPortal {
		t.Errorf("stored portal flag %v (%v)", c.HandoffPortal, err)
	}
}
