package oautherr

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestWriteJSON(t *testing.T) {
	cause := errors.New("db down")
	for _, tc := range []struct {
		name   string
		e      *Error
		status int
		body   map[string]string
		retry  string
	}{
		{"invalid_request", InvalidRequest.WithDescription("state is required."), 400, map[string]string{"error": "invalid_request", "error_description": "state is required."}, ""},
		{"no description", ServerError, 500, map[string]string{"error": "server_error"}, ""},
		{"unavailable", Unavailable.Wrap(cause), 503, map[string]string{"error": "temporarily_unavailable", "error_description": Unavailable.Description}, "2"},
		{"rate limited, rounded up", TooManyRequests.WithRetryAfter(1500 * time.Millisecond), 429, map[string]string{"error": "too_many_requests", "error_description": TooManyRequests.Description}, "2"},
	} {
		rec := httptest.NewRecorder()
		WriteJSON(rec, tc.e)
		var body map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if rec.Code != tc.status || len(body) != len(tc.body) || body["error"] != tc.body["error"] || body["error_description"] != tc.body["error_description"] {
			t.Errorf("%s: %d %v", tc.name, rec.Code, body)
		}
		if h := rec.Header(); h.Get("Retry-After") != tc.retry || h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "application/json;charset=UTF-8" {
			t.Errorf("%s: headers %v", tc.name, h)
		}
	}
}

func TestWriteBearer(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteBearer(rec, InvalidToken.WithDescription(`The "access" token\ is invalid.`))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", rec.Code)
	}
	if got, want := rec.Header().Get("WWW-Authenticate"), `Bearer error="invalid_token", error_description="The 'access' token/ is invalid."`; got != want {
		t.Errorf("challenge %s, want %s", got, want)
	}
}

func TestRedirectValues(t *testing.T) {
	v := RedirectValues(InvalidRequest.WithDescription("bad"), "st", "https://op/main")
	if v.Get("error") != "invalid_request" || v.Get("error_description") != "bad" || v.Get("state") != "st" || v.Get("iss") != "https://op/main" {
		t.Errorf("values %v", v)
	}
	if v := RedirectValues(ServerError, "", ""); len(v) != 1 {
		t.Errorf("values %v: want only error", v)
	}
}

func TestValues(t *testing.T) {
	cause := errors.New("db down")
	e := Unavailable.Wrap(cause)
	if !errors.Is(e, cause) || errors.Unwrap(e) != cause || errors.Unwrap(Unavailable) != nil {
		t.Error("Wrap changed the template or lost the cause")
	}
	if LoginExpired.WithStatus(403).Status != 403 || LoginExpired.Status != 400 {
		t.Error("WithStatus changed the template")
	}
	for _, tc := range []struct {
		e    *Error
		page string
	}{
		{LoginExpired, "login_expired"},
		{InvalidRequest, "bad_request"},
		{&Error{Status: 502}, "server_error"},
		{&Error{Status: 429}, "too_many"},
		{InvalidRequest.WithPage("bad_redirect"), "bad_redirect"},
	} {
		if got := tc.e.PageKey(); got != tc.page {
			t.Errorf("%v: page %q, want %q", tc.e, got, tc.page)
		}
	}
	if got := InvalidRequest.WithDescription("x").Error(); got != "invalid_request: x" {
		t.Errorf("Error() = %q", got)
	}
}

func TestWriteDPoP(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteDPoP(rec, InvalidDPoPProof.WithStatus(http.StatusUnauthorized).WithDescription(`The "proof" is old.`), []string{"ES256", "PS256"})
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("status %d", rec.Code)
	}
	if got, want := rec.Header().Get("WWW-Authenticate"), `DPoP error="invalid_dpop_proof", error_description="The 'proof' is old.", algs="ES256 PS256"`; got != want {
		t.Errorf("challenge %s, want %s", got, want)
	}
}

// TestBearerToken: the scheme is case-insensitive, the token trimmed;
// another scheme, no token or no header is no bearer token.
func TestBearerToken(t *testing.T) {
	for _, tc := range []struct {
		header, want string
		ok           bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer  abc ", "abc", true},
		{"Basic abc", "", false},
		{"Bearer ", "", false},
		{"Bearer", "", false},
		{"", "", false},
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		if got, ok := BearerToken(r); got != tc.want || ok != tc.ok {
			t.Errorf("%q: %q %v, want %q %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

// TestBearerChallengeQuotes: a description with quotes or backslashes
// stays inside its quoted string (RFC 9110 §11.2).
func TestBearerChallengeQuotes(t *testing.T) {
	got := BearerChallenge(InvalidToken.WithDescription(`a "b" c\d`))
	want := `Bearer error="invalid_token", error_description="a 'b' c/d"`
	if got != want {
		t.Fatalf("BearerChallenge = %s, want %s", got, want)
	}
}
