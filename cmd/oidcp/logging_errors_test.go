package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestLogOAuthError: a failed request's log line carries its OAuth
// error code (oauth_error), wherever the response states it, and the
// duration in milliseconds with the unit in the key; nothing else of the
// response is logged.
func TestRequestLogOAuthError(t *testing.T) {
	cases := []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"token endpoint JSON", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_grant","error_description":"The authorization code has expired: code-abc123"}`))
		}, "invalid_grant"},
		{"authorization error redirect", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "https://app.example/cb?error=access_denied&state=s&error_description=code-abc123")
			w.WriteHeader(http.StatusSeeOther)
		}, "access_denied"},
		{"bearer challenge", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="expired"`)
			w.WriteHeader(http.StatusUnauthorized)
		}, "invalid_token"},
		{"error page", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`<!doctype html><html lang="nb"><main><div class="error" role="alert" data-oauth-error="invalid_client"><p>…</p>`))
		}, "invalid_client"},
		{"form_post error", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<form method="post" action="https://app.example/cb"><input type="hidden" name="error" value="login_required">`))
		}, "login_required"},
		{"success", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"access_token":"tok-xyz","error":"not-an-error"}`))
		}, ""},
		{"redirect with code", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "https://app.example/cb?code=code-abc123&state=s")
			w.WriteHeader(http.StatusSeeOther)
		}, ""},
		{"odd code not logged", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"<script>code-abc123"}`))
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := requestLog(newLogger(Config{LogLevel: "info", LogFormat: "json"}, &buf), c.h)
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/sandbox/token", nil))
			var entry map[string]any
			if err := json.Unmarshal(buf.Bytes(), &entry); err != nil {
				t.Fatalf("not one JSON line: %v: %s", err, buf.String())
			}
			if got, _ := entry["oauth_error"].(string); got != c.want {
				t.Errorf("oauth_error = %q, want %q (%s)", got, c.want, buf.String())
			}
			if ms, ok := entry["duration_ms"].(float64); !ok || ms < 0 || entry["duration"] != nil {
				t.Errorf("duration: %v / %v, want duration_ms only", entry["duration_ms"], entry["duration"])
			}
			if strings.Contains(buf.String(), "code-abc123") || strings.Contains(buf.String(), "tok-xyz") {
				t.Errorf("log line contains response content: %s", buf.String())
			}
		})
	}
}
