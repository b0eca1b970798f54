package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestDataScopesConfig: a sandbox tenant ships the two data-exchange
// scopes; a declared scope without all its texts, or an identity scope
// declared as one, is refused naming the key.
func TestDataScopesConfig(t *testing.T) {
	cfg := valid(t)
	var sandbox TenantConfig
	for _, tc := range cfg.Tenants {
		if tc.Sandbox {
			sandbox = tc
		}
	}
	cat, err := sandbox.catalogue()
	if err != nil {
		t.Fatal(err)
	}
	if names := strings.Join(cat.Names(), " "); names != "health:measurements health:appointments" {
		t.Fatalf("sandbox data scopes = %q", names)
	}
	if s, _ := cat.Lookup("health:measurements"); s.Title.In("nb") != "Målinger" || s.Title.In("nn") != "Målingar" || s.Title.In("en") != "Measurements" {
		t.Fatalf("titles %+v", s.Title)
	}
	for _, tc := range []struct {
		name string
		mod  func(*DataScopeConfig)
		want string
	}{
		{"missing nynorsk title", func(d *DataScopeConfig) { d.Title.NN = "" }, "tenants[1].data_scopes: data scope \"health:measurements\": title.nn is required"},
		{"identity scope", func(d *DataScopeConfig) { d.Name = "pid" }, "tenants[1].data_scopes: data scope \"pid\": pid is an identity scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid(t)
			cfg.Tenants[1].DataScopes = append([]DataScopeConfig(nil), defaultSandboxScopes...)
			tc.mod(&cfg.Tenants[1].DataScopes[0])
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate: %v, want %q", err, tc.want)
			}
		})
	}
}

// TestClientsCreateDataScope: a client may be registered for its
// tenant's data-exchange scopes, and is refused one the tenant does not
// declare.
func TestClientsCreateDataScope(t *testing.T) {
	c := newCLI(t)
	c.flags = []string{"--dev"}
	out := c.ok("clients", "create", "--tenant", "sandbox", "--id", "tool", "--redirect-uri", "https://tool.example/cb",
		"--scope", "openid profile", "--scope", "health:measurements")
	var got struct{ Scopes []string }
	if err := json.Unmarshal([]byte(out), &got); err != nil || !strings.Contains(strings.Join(got.Scopes, " "), "health:measurements") {
		t.Fatalf("created %s (%v)", out, err)
	}
	_, errs, code := c.run("clients", "create", "--tenant", "main", "--id", "tool", "--redirect-uri", "https://tool.example/cb",
		"--scope", "openid health:measurements")
	if code == 0 || !strings.Contains(errs, `"health:measurements" is not offered by tenant "main"`) {
		t.Fatalf("undeclared data scope: exit %d, %s", code, errs)
	}
}

// TestOperatorAPIAuth: the operator API is off without an admin token,
// needs the token, and refuses a kill-switch without a reason.
func TestOperatorAPIAuth(t *testing.T) {
	cfg := valid(t)
	call := func(token, auth, path, body string) (int, string) {
		cfg.AdminToken = token
		h := adminHandler(prometheus.NewRegistry(), nil, (&consentWiring{}).adminRoutes(cfg)...)
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	const tok = "an-admin-token-of-at-least-32-characters"
	disable := "/admin/v1/tenants/main/clients/x/disable"
	for _, tc := range []struct {
		name, token, auth, path, body string
		status                        int
		want                          string
	}{
		{"no admin token configured", "", tok, disable, `{"reason":"r"}`, http.StatusNotFound, "operator API is disabled"},
		{"no bearer", tok, "", disable, `{"reason":"r"}`, http.StatusUnauthorized, "invalid_token"},
		{"wrong bearer", tok, tok + "x", disable, `{"reason":"r"}`, http.StatusUnauthorized, "invalid_token"},
		{"no reason", tok, tok, disable, `{}`, http.StatusBadRequest, "a reason is required"},
		{"not JSON", tok, tok, disable, `reason=r`, http.StatusBadRequest, "JSON object"},
		{"unknown tenant", tok, tok, "/admin/v1/tenants/nope/clients/x/disable", `{"reason":"r"}`, http.StatusNotFound, "unknown tenant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(tc.token, tc.auth, tc.path, tc.body)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s, want %d with %q", status, body, tc.status, tc.want)
			}
		})
	}
}

// TestClientsDeleteRevokesGrants: a client registered again under a
// deleted client's id inherits no consent.
func TestClientsDeleteRevokesGrants(t *testing.T) {
	c := newCLI(t)
	c.flags = []string{"--dev"}
	create := []string{"clients", "create", "--tenant", "sandbox", "--id", "tool", "--redirect-uri", "https://tool.example/cb", "--scope", "openid health:measurements"}
	c.ok(create...)
	c.ok("consent", "grant", "--tenant", "sandbox", "--client", "tool", "--subject", "01818000010", "--scope", "health:measurements")
	if out := c.ok("clients", "delete", "--tenant", "sandbox", "--id", "tool"); !strings.Contains(out, `"grants_revoked": 1`) {
		t.Fatalf("delete: %s", out)
	}
	c.ok(create...)
	if out := c.ok("consent", "list", "--tenant", "sandbox", "--client", "tool", "--active"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("active grants of the re-registered client: %s", out)
	}
}

// TestDefaultScopeTextsFitRepresentation: the consent page shows a data
// scope's description both to a citizen consenting for themself and to a
// parent consenting for a child ("på vegne av Jonas"), so the shipped
// descriptions name no owner ("dine målinger" would tell the parent the
// tool reads the parent's own measurements).
func TestDefaultScopeTextsFitRepresentation(t *testing.T) {
	owner := regexp.MustCompile(`(?i)\b(dine|eigne|egne|your|you)\b`)
	for _, d := range defaultSandboxScopes {
		for lang, text := range map[string]string{"nb": d.Description.NB, "nn": d.Description.NN, "en": d.Description.EN} {
			if text == "" || owner.MatchString(text) {
				t.Errorf("%s description in %s = %q: names the reader as the owner", d.Name, lang, text)
			}
		}
	}
}

// TestDataScopeTextsSayService: the consent page shows a data scope's
// description to the citizen, who never reads "verktøy" or "tool"
// (docs/glossary.md): the built-in sandbox scopes and those of
// config.example.yaml speak of the service.
func TestDataScopeTextsSayService(t *testing.T) {
	clearEnv(t)
	t.Setenv("OIDCP_KEK", testKEK(t))
	t.Setenv(upstreamSecretEnv("main"), "secret-from-env")
	example, err := parse(t, "--config", "../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	scopes := append([]DataScopeConfig(nil), defaultSandboxScopes...)
	for _, tc := range example.Tenants {
		scopes = append(scopes, tc.DataScopes...)
	}
	if len(scopes) <= len(defaultSandboxScopes) {
		t.Fatalf("config.example.yaml declares no data scopes")
	}
	forbidden := regexp.MustCompile(`(?i)verktøy|\btools?\b`)
	for _, s := range scopes {
		for lang, text := range map[string]string{"nb": s.Title.NB + " " + s.Description.NB, "nn": s.Title.NN + " " + s.Description.NN, "en": s.Title.EN + " " + s.Description.EN} {
			if forbidden.MatchString(text) {
				t.Errorf("%s (%s): %q", s.Name, lang, text)
			}
		}
	}
	if d := defaultSandboxScopes[0].Description; !strings.HasPrefix(d.NB, "Tjenesten kan") || !strings.HasPrefix(d.NN, "Tenesta kan") || !strings.HasPrefix(d.EN, "The service may") {
		t.Errorf("measurements: %+v", d)
	}
}
