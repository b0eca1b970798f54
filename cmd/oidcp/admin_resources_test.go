package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/storage/storetest"
)

// TestOperatorAPIResources: the operator API registers, lists and
// removes token exchange resources as the CLI does, behind the admin
// token, with the same validation.
func TestOperatorAPIResources(t *testing.T) {
	cfg := valid(t)
	const tok = "an-admin-token-of-at-least-32-characters"
	cfg.AdminToken = tok
	store := storetest.SQLite(t)
	c, err := clients.Build("main", clients.Registration{ID: "tool", Secret: "tool-secret-0123456789", RedirectURIs: []string{"https://tool.example/cb"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	h := adminHandler(prometheus.NewRegistry(), nil, resourceAdminRoutes(cfg, store, time.Now)...)
	call := func(auth, method, path, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	const base = "/admin/v1/tenants/main/resources"
	for _, tc := range []struct {
		name, auth, method, path, body string
		status                         int
		want                           string
	}{
		{"no bearer", "", http.MethodGet, base, "", http.StatusUnauthorized, "invalid_token"},
		{"unknown tenant", tok, http.MethodGet, "/admin/v1/tenants/nope/resources", "", http.StatusNotFound, "unknown tenant"},
		{"empty list", tok, http.MethodGet, base, "", http.StatusOK, "[]"},
		{"not JSON", tok, http.MethodPut, base, "audience=x", http.StatusBadRequest, "JSON object"},
		{"unknown client", tok, http.MethodPut, base, `{"audience":"https://api.example/x","allowed_clients":["nobody"]}`, http.StatusBadRequest, `client \"nobody\" is not registered`},
		{"invalid", tok, http.MethodPut, base, `{"audience":"/x","allowed_clients":["tool"]}`, http.StatusBadRequest, "neither an absolute URI"},
		{"put", tok, http.MethodPut, base, `{"audience":"https://api.example/x","allowed_clients":["tool"],"scopes":["pid"]}`, http.StatusOK, `is not registered for the grant type`},
		{"listed", tok, http.MethodGet, base, "", http.StatusOK, `"audience":"https://api.example/x","allowed_clients":["tool"],"scopes":["pid"]`},
		{"delete without audience", tok, http.MethodDelete, base, "", http.StatusBadRequest, "audience query parameter"},
		{"delete", tok, http.MethodDelete, base + "?audience=https%3A%2F%2Fapi.example%2Fx", "", http.StatusOK, `"removed":"https://api.example/x"`},
		{"delete again", tok, http.MethodDelete, base + "?audience=https%3A%2F%2Fapi.example%2Fx", "", http.StatusNotFound, "no such resource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(tc.auth, tc.method, tc.path, tc.body)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s, want %d with %q", status, body, tc.status, tc.want)
			}
		})
	}
}
