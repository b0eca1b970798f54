package apispec

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const docPath = "../../docs/openapi.yaml"

// TestSpec: docs/openapi.yaml loads and validates as OpenAPI 3.1, holds
// exactly the five operations, and the checker accepts a conforming
// answer and rejects each kind of drift (a missing field, an extra one,
// an undocumented status, a missing no-store, a wrong content type).
func TestSpec(t *testing.T) {
	s, err := Load(docPath, "http://oidcp.test/sandbox/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for path, item := range s.Doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, method+" "+path+" "+op.OperationID)
		}
	}
	if len(ops) != 5 {
		t.Fatalf("operations %v, want the five of the account API", ops)
	}

	jsonH := http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}}
	problemH := http.Header{"Content-Type": {"application/problem+json"}, "Cache-Control": {"no-store"}}
	get := httptest.NewRequest(http.MethodGet, "http://oidcp.test/sandbox/api/v1/me/grants", nil)
	del := httptest.NewRequest(http.MethodDelete, "http://oidcp.test/sandbox/api/v1/me/grants/g1", nil)
	okGrant := `{"id":"g1","client":{"id":"c","name":"C"},"scopes":["health:measurements"],"subject":{"id":"jTM1Kch82k_Zo54JFPk3JA"},"actor":{"id":"jTM1Kch82k_Zo54JFPk3JA"},"created_at":"2026-01-05T08:00:00Z"}`
	problem := `{"type":"urn:oidcp:problem:not-found","title":"Not found","status":404,"detail":"x"}`
	for _, tc := range []struct {
		name   string
		req    *http.Request
		status int
		h      http.Header
		body   string
		ok     bool
	}{
		{"conforming list", get, 200, jsonH, `{"grants":[` + okGrant + `],"next":""}`, true},
		{"empty list", get, 200, jsonH, `{"grants":[],"next":""}`, true},
		{"with pid", get, 200, jsonH, `{"grants":[` + strings.Replace(okGrant, `"actor":{"id":"jTM1Kch82k_Zo54JFPk3JA"}`, `"actor":{"id":"jTM1Kch82k_Zo54JFPk3JA","pid":"17458512485"}`, 1) + `],"next":""}`, true},
		{"a fødselsnummer as a person's id", get, 200, jsonH, `{"grants":[` + strings.Replace(okGrant, `"actor":{"id":"jTM1Kch82k_Zo54JFPk3JA"}`, `"actor":{"id":"17458512485"}`, 1) + `],"next":""}`, false},
		{"no next", get, 200, jsonH, `{"grants":[]}`, false},
		{"null next", get, 200, jsonH, `{"grants":[],"next":null}`, false},
		{"grant without client", get, 200, jsonH, `{"grants":[{"id":"g1","scopes":[],"subject":{"id":"jTM1Kch82k_Zo54JFPk3JA"},"actor":{"id":"jTM1Kch82k_Zo54JFPk3JA"},"created_at":"2026-01-05T08:00:00Z"}],"next":""}`, false},
		{"extra field", get, 200, jsonH, `{"grants":[],"next":"","total":3}`, false},
		{"undocumented status", get, 418, jsonH, `{}`, false},
		{"no no-store", get, 200, http.Header{"Content-Type": {"application/json"}}, `{"grants":[],"next":""}`, false},
		{"problem", del, 404, problemH, problem, true},
		{"problem as plain json", del, 404, jsonH, problem, false},
		{"problem without detail", del, 404, problemH, `{"type":"urn:oidcp:problem:not-found","title":"Not found","status":404}`, false},
		{"deleted", del, 204, http.Header{"Cache-Control": {"no-store"}}, ``, true},
		{"401 without challenge", get, 401, problemH, strings.ReplaceAll(problem, "404", "401"), false},
	} {
		err := s.Check(tc.req, tc.status, tc.h, []byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("%s: error %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
