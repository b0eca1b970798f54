package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oidcp/oidcp/metrics"
)

func TestAdminEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := metrics.New(reg)
	m.TokenIssued("main", "authorization_code")
	var dbDown error
	h := adminHandler(reg, map[string]readyCheck{
		"storage":   func(context.Context) error { return dbDown },
		"keys:main": func(context.Context) error { return nil },
	})
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}
	if rec := get("/healthz"); rec.Code != 200 {
		t.Errorf("healthz = %d", rec.Code)
	}
	if rec := get("/readyz"); rec.Code != 200 {
		t.Errorf("readyz = %d %s", rec.Code, rec.Body)
	}
	dbDown = errors.New("connection refused")
	if rec := get("/readyz"); rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "storage") {
		t.Errorf("readyz with db down = %d %s", rec.Code, rec.Body)
	}
	if rec := get("/healthz"); rec.Code != 200 {
		t.Errorf("healthz must not depend on the db: %d", rec.Code)
	}
	if rec := get("/metrics"); rec.Code != 200 || !strings.Contains(rec.Body.String(), `oidcp_tokens_issued_total{grant_type="authorization_code",tenant="main"} 1`) {
		t.Errorf("metrics = %d\n%s", rec.Code, rec.Body)
	}
}

// TestAdminPprof: the runtime profiles are on the admin listener only
// with the admin token; without a configured token they are off.
func TestAdminPprof(t *testing.T) {
	const token = "admin-token-0123456789abcdef0123456789"
	get := func(h http.Handler, path, auth string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		h.ServeHTTP(rec, req)
		return rec
	}
	on := adminHandler(prometheus.NewRegistry(), nil, pprofRoutes(token)...)
	if rec := get(on, "/debug/pprof/heap?debug=1", "Bearer "+token); rec.Code != 200 || !strings.Contains(rec.Body.String(), "heap profile") {
		t.Errorf("heap profile with the token = %d %.200s", rec.Code, rec.Body)
	}
	if rec := get(on, "/debug/pprof/profile?seconds=1", "Bearer "+token); rec.Code != 200 || rec.Body.Len() == 0 {
		t.Errorf("CPU profile with the token = %d (%d bytes)", rec.Code, rec.Body.Len())
	}
	for _, auth := range []string{"", "Bearer wrong-token", "Basic " + token} {
		if rec := get(on, "/debug/pprof/heap", auth); rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("heap profile with Authorization %q = %d, want 401", auth, rec.Code)
		}
	}
	off := adminHandler(prometheus.NewRegistry(), nil, pprofRoutes("")...)
	if rec := get(off, "/debug/pprof/heap", "Bearer "); rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "admin_token") {
		t.Errorf("heap profile without a configured token = %d %s", rec.Code, rec.Body)
	}
}
