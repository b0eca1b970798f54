package registry

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const testToken = "0123456789abcdef0123456789abcdef-admin"

func postImport(t *testing.T, h http.Handler, auth, contentType, body string) (*httptest.ResponseRecorder, errorBody) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, ImportPath, strings.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var eb errorBody
	if rec.Code != http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
			t.Fatalf("status %d body %q is not a JSON error: %v", rec.Code, rec.Body, err)
		}
	}
	return rec, eb
}

func TestImportHandler(t *testing.T) {
	s := newStore(t)
	h := ImportHandler(HandlerConfig{Store: s, Token: testToken, Now: func() time.Time { return now }})
	f := newFamily(t)
	good, _ := json.Marshal(f.doc)
	bearer := "Bearer " + testToken

	tests := []struct {
		name        string
		auth, ctype string
		body        string
		status      int
		errCode     string
	}{
		{"no token", "", "application/json", string(good), 401, "invalid_token"},
		{"wrong token", "Bearer " + strings.Repeat("x", len(testToken)), "application/json", string(good), 401, "invalid_token"},
		{"token prefix", "Bearer " + testToken[:10], "application/json", string(good), 401, "invalid_token"},
		{"basic auth", "Basic " + testToken, "application/json", string(good), 401, "invalid_token"},
		{"not json", bearer, "text/plain", string(good), 415, "invalid_request"},
		{"malformed", bearer, "application/json", `{"persons": [`, 400, "invalid_request"},
		{"unknown field", bearer, "application/json", `{"people": []}`, 400, "invalid_request"},
		{"invalid records", bearer, "application/json; charset=utf-8",
			`{"persons": [{"pid": "123", "given_name": "A", "family_name": "B"}], "relations": [{"id": "x", "kind": "friend"}]}`, 422, "invalid_records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, eb := postImport(t, h, tt.auth, tt.ctype, tt.body)
			if rec.Code != tt.status || eb.Error != tt.errCode {
				t.Fatalf("status %d error %q (%s), want %d %q", rec.Code, eb.Error, rec.Body, tt.status, tt.errCode)
			}
			if tt.status == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if tt.status == 422 && len(eb.Errors) < 4 {
				t.Errorf("422 lists %v, want every problem", eb.Errors)
			}
		})
	}
	if _, err := s.GetPerson(t.Context(), Main, f.parent); err == nil {
		t.Fatal("a rejected request imported something")
	}

	// A dry run reports what would happen and imports nothing.
	req := httptest.NewRequest(http.MethodPost, ImportPath+"?dry_run=true", strings.NewReader(string(good)))
	req.Header.Set("Authorization", bearer)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var dry Result
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &dry) != nil || dry.Persons.Created != 3 {
		t.Fatalf("dry run: %d %s", rec.Code, rec.Body)
	}
	if _, err := s.GetPerson(t.Context(), Main, f.parent); err == nil {
		t.Fatal("a dry run imported something")
	}

	for i, want := range []Result{
		{Persons: Counts{Created: 3}, Relations: Counts{Created: 2}},
		{Persons: Counts{Unchanged: 3}, Relations: Counts{Unchanged: 2}},
	} {
		rec, _ := postImport(t, h, bearer, "application/json", string(good))
		var got Result
		if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got != want {
			t.Fatalf("import %d: %d %s, want 200 %+v", i, rec.Code, rec.Body, want)
		}
	}

	big := `{"persons": [], "relations": [], "x": "` + strings.Repeat("a", MaxImportBytes) + `"}`
	if rec, eb := postImport(t, h, bearer, "application/json", big); rec.Code != 413 {
		t.Errorf("oversized body: %d %+v", rec.Code, eb)
	}
}

func TestImportHandlerDisabled(t *testing.T) {
	h := ImportHandler(HandlerConfig{Store: newStore(t)})
	rec, eb := postImport(t, h, "Bearer ", "application/json", `{}`)
	if rec.Code != 404 || !strings.Contains(eb.Description, "admin_token") {
		t.Fatalf("disabled endpoint: %d %+v", rec.Code, eb)
	}
}
