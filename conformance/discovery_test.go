package conformance

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

const testIssuer = "https://op.example.test"

func goodMetadata() map[string]any {
	return map[string]any{
		"issuer":                                testIssuer,
		"authorization_endpoint":                testIssuer + "/authorize",
		"token_endpoint":                        testIssuer + "/token",
		"userinfo_endpoint":                     testIssuer + "/userinfo",
		"jwks_uri":                              testIssuer + "/jwks",
		"scopes_supported":                      []any{"openid", "profile"},
		"claims_supported":                      []any{"sub", "name"},
		"response_types_supported":              []any{"code"},
		"subject_types_supported":               []any{"public", "pairwise"},
		"id_token_signing_alg_values_supported": []any{"RS256", "ES256"},
		"claims_parameter_supported":            true,
	}
}

func TestValidateDiscovery(t *testing.T) {
	tests := []struct {
		name     string
		ct       string
		status   int
		mutate   func(m map[string]any)
		loopback bool
		want     []string // substrings of expected failures; none = pass
		warn     string   // substring of an expected warning
	}{
		{name: "good", mutate: func(map[string]any) {}},
		{name: "charset content type is fine", ct: "application/json; charset=utf-8", mutate: func(map[string]any) {}},
		{name: "wrong content type", ct: "text/html", mutate: func(map[string]any) {}, want: []string{"Content-Type"}},
		{name: "http 404", status: 404, mutate: func(map[string]any) {}, want: []string{"HTTP 404"}},
		{name: "issuer mismatch", mutate: func(m map[string]any) { m["issuer"] = testIssuer + "/" }, want: []string{"issuer"}},
		{name: "missing jwks_uri", mutate: func(m map[string]any) { delete(m, "jwks_uri") }, want: []string{"jwks_uri is present"}},
		{name: "missing subject types", mutate: func(m map[string]any) { delete(m, "subject_types_supported") }, want: []string{"subject_types_supported is present"}},
		{name: "array as string", mutate: func(m map[string]any) { m["response_types_supported"] = "code" }, want: []string{"array of strings", "contains code"}},
		{name: "array with number", mutate: func(m map[string]any) { m["claims_supported"] = []any{"sub", 3} }, want: []string{"claims_supported must be a JSON array"}},
		{name: "bool as string", mutate: func(m map[string]any) { m["claims_parameter_supported"] = "true" }, want: []string{"must be a boolean"}},
		{name: "relative url", mutate: func(m map[string]any) { m["token_endpoint"] = "/token" }, want: []string{"absolute URL"}},
		{name: "http endpoint", mutate: func(m map[string]any) { m["userinfo_endpoint"] = "http://op.example.test/userinfo" }, want: []string{"must use https"}},
		{name: "http loopback allowed", loopback: true, mutate: func(m map[string]any) { m["userinfo_endpoint"] = "http://127.0.0.1:8080/userinfo" }, warn: "loopback"},
		{name: "http loopback not allowed", mutate: func(m map[string]any) { m["userinfo_endpoint"] = "http://127.0.0.1:8080/userinfo" }, want: []string{"must use https"}},
		{name: "no RS256", mutate: func(m map[string]any) { m["id_token_signing_alg_values_supported"] = []any{"ES256"} }, want: []string{"RS256"}},
		{name: "scopes without openid", mutate: func(m map[string]any) { m["scopes_supported"] = []any{"profile"} }, want: []string{"includes openid"}},
		{name: "bad subject type", mutate: func(m map[string]any) { m["subject_types_supported"] = []any{"public", "secret"} }, want: []string{"unknown value"}},
		{name: "no code response type", mutate: func(m map[string]any) { m["response_types_supported"] = []any{"id_token"} }, want: []string{"contains code"}},
		{name: "no userinfo warns", mutate: func(m map[string]any) { delete(m, "userinfo_endpoint") }, warn: "userinfo_endpoint is RECOMMENDED"},
		{name: "no scopes warns", mutate: func(m map[string]any) { delete(m, "scopes_supported") }, warn: "scopes_supported is RECOMMENDED"},
		{name: "issuer with query", mutate: func(m map[string]any) { m["issuer"] = testIssuer + "?x=1" }, want: []string{"equals the issuer"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := maps.Clone(goodMetadata())
			tc.mutate(m)
			body, _ := json.Marshal(m)
			ct, status := tc.ct, tc.status
			if ct == "" {
				ct = "application/json"
			}
			if status == 0 {
				status = 200
			}
			var l stepLog
			validateDiscovery(&l, testIssuer, status, ct, body, tc.loopback)
			l.wantFailures(t, tc.want...)
			if tc.warn != "" {
				found := false
				for _, w := range l.with(StepWarning) {
					found = found || strings.Contains(w, tc.warn)
				}
				if !found {
					t.Errorf("want a warning containing %q, got %q", tc.warn, l.with(StepWarning))
				}
			}
		})
	}
}

func TestValidateDiscoveryNotJSON(t *testing.T) {
	var l stepLog
	if d := validateDiscovery(&l, testIssuer, 200, "application/json", []byte("<html>"), false); d != nil {
		t.Fatal("want nil document for non-JSON body")
	}
	l.wantFailures(t, "not a JSON object")
}
