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
