package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/representation"
)

func TestRequestLogNeverLogsSecrets(t *testing.T) {
	pid, err := representation.SyntheticPID(time.Date(1980, 5, 17, 0, 0, 0, 0, time.UTC), 123)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	log := newLogger(Config{LogLevel: "info", LogFormat: "json"}, &buf)
	var seenID string
	h := requestLog(log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenID = RequestID(r.Context())
		w.WriteHeader(http.StatusFound)
	}))
	secrets := []string{"code-abc123", "tok-xyz", "hunter2secret", pid}
	form := url.Values{"client_secret": {"hunter2secret"}, "code": {"code-abc123"}}
	req := httptest.NewRequest("POST", "/sandbox/persons/"+pid+"?code=code-abc123&login_hint=testid:"+pid, strings.NewReader(form.Encode()))
	req.Header.Set("Authorization", "Bearer tok-xyz")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	line := buf.String()
	for _, s := range secrets {
		if strings.Contains(line, s) {
			t.Errorf("log line contains %q: %s", s, line)
		}
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		t.Fatalf("not one JSON line: %v: %s", err, line)
	}
	if entry["method"] != "POST" || entry["status"] != float64(302) || entry["path"] != "/sandbox/persons/***********" {
		t.Errorf("entry = %v", entry)
	}
	id := rec.Header().Get(requestIDHeader)
	if id == "" || entry["request_id"] != id || seenID != id {
		t.Errorf("request id: header %q, logged %v, in context %q", id, entry["request_id"], seenID)
	}
}

func TestRequestIDPropagation(t *testing.T) {
	h := requestLog(newLogger(Config{LogLevel: "error", LogFormat: "text"}, &bytes.Buffer{}), http.NotFoundHandler())
	cases := []struct {
		in   string
		keep bool
	}{
		{"abc-123.DEF_456", true},
		{"", false},
		{"has space", false},
		{"line\nbreak", false},
		{strings.Repeat("a", 129), false},
	}
	for _, c := range cases {
		req := httptest.NewRequest("GET", "/", nil)
		if c.in != "" {
			req.Header[requestIDHeader] = []string{c.in}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get(requestIDHeader)
		if c.keep && got != c.in || !c.keep && (got == c.in || !validRequestID.MatchString(got)) {
			t.Errorf("in %q: out %q", c.in, got)
		}
	}
}

// TestLogPathMasksBeforeCutting: a fødselsnummer across the 256-byte cut
// is masked whole, not cut to its birth date and first digits.
func TestLogPathMasksBeforeCutting(t *testing.T) {
	p := "/sandbox/" + strings.Repeat("a", 245) + "12345678901"
	got := logPath(p)
	if strings.Contains(got, "1234") || !strings.HasSuffix(got, "…") || len(got) > 256+len("…") {
		t.Errorf("logPath = %q", got)
	}
	if got := logPath("/main/x/12345678901/y"); got != "/main/x/***********/y" {
		t.Errorf("logPath of a short path = %q", got)
	}
}

// TestRedactDSN: no password of a DSN reaches a message, whether in the
// user part, in the query (pgx reads password and sslpassword there) or
// in a DSN that does not parse at all.
func TestRedactDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://oidcp:S3cret@db/oidcp",
		"postgres://oidcp@db/oidcp?sslmode=verify-full&password=S3cret",
		"postgres://oidcp@db/oidcp?sslpassword=S3cret&sslmode=verify-full",
		"postgres://oidcp:ab/S3cret+d@db/oidcp",
		"postgres://oidcp:S3cret#x@db/oidcp",
	} {
		if got := redactDSN(dsn); strings.Contains(got, "S3cret") {
			t.Errorf("redactDSN(%q) = %q", dsn, got)
		}
	}
	if got := redactDSN("postgres://oidcp@db/oidcp?sslmode=verify-full"); got != "postgres://oidcp@db/oidcp?sslmode=verify-full" {
		t.Errorf("a DSN without a password changed: %q", got)
	}
	if got := redactDSN("sqlite:/var/lib/oidcp/oidcp.db"); got != "sqlite:/var/lib/oidcp/oidcp.db" {
		t.Errorf("an SQLite DSN changed: %q", got)
	}
}
