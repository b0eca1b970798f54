package main

import (
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/oidcp/oidcp/keys"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/sqlite"
)

func TestMigratePrintsVersion(t *testing.T) {
	c := newCLI(t)
	var out struct {
		SchemaVersion int64 `json:"schema_version"`
	}
	if err := json.Unmarshal([]byte(c.ok("migrate")), &out); err != nil {
		t.Fatal(err)
	}
	if out.SchemaVersion < 1 {
		t.Errorf("schema_version = %d", out.SchemaVersion)
	}
	// Idempotent.
	c.ok("migrate")
}

func TestClientsRoundTrip(t *testing.T) {
	c := newCLI(t)
	out := c.ok("clients", "create", "--tenant", "sandbox", "--id", "my-app",
		"--redirect-uri", "http://127.0.0.1:9000/callback",
		"--scope", "openid profile pid offline_access",
		"--grant-type", "authorization_code", "--grant-type", "refresh_token")
	var created map[string]any
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("create output is not JSON: %v\n%s", err, out)
	}
	secret, _ := created["client_secret"].(string)
	if created["client_id"] != "my-app" || created["tenant"] != "sandbox" || len(secret) != 43 {
		t.Errorf("created = %v", created)
	}
	if _, leaked := created["SecretHash"]; leaked {
		t.Error("create prints the secret hash")
	}

	// The generated secret is what got hashed into storage.
	ctx := t.Context()
	store, err := sqlite.Open(ctx, strings.TrimPrefix(c.dsn(), "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := store.GetClient(ctx, "sandbox", "my-app")
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword(stored.SecretHash, []byte(secret)) != nil {
		t.Error("printed secret does not match the stored hash")
	}

	// A given secret is not echoed.
	out = c.ok("clients", "create", "--tenant", "sandbox", "--id", "other", "--secret", "a-secret-of-sufficient-length",
		"--redirect-uri", "https://app.example/cb")
	if strings.Contains(out, "a-secret-of-sufficient-length") || strings.Contains(out, `"client_secret":`) {
		t.Errorf("given secret echoed:\n%s", out)
	}

	var list []storage.Client
	if err := json.Unmarshal([]byte(c.ok("clients", "list", "--tenant", "sandbox")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("list has %d clients, want 2", len(list))
	}
	// Tenants are separate.
	if got := strings.TrimSpace(c.ok("clients", "list", "--tenant", "main")); got != "[]" {
		t.Errorf("main tenant list = %s, want []", got)
	}

	var del map[string]any
	if err := json.Unmarshal([]byte(c.ok("clients", "delete", "--tenant", "sandbox", "--id", "my-app")), &del); err != nil {
		t.Fatal(err)
	}
	if del["deleted"] != "my-app" {
		t.Errorf("delete = %v", del)
	}
	if err := json.Unmarshal([]byte(c.ok("clients", "list", "--tenant", "sandbox")), &list); err != nil || len(list) != 1 || list[0].ID != "other" {
		t.Errorf("after delete: %v %v", list, err)
	}
	if _, errs, code := c.run("clients", "delete", "--tenant", "sandbox", "--id", "my-app"); code == 0 || !strings.Contains(errs, "not found") {
		t.Errorf("second delete: exit %d, stderr %q", code, errs)
	}
}

func TestClientsCreateErrors(t *testing.T) {
	c := newCLI(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad redirect", []string{"--tenant", "sandbox", "--id", "x", "--redirect-uri", "http://app.example/cb"}, "redirect_uris:"},
		{"public relaxed", []string{"--tenant", "sandbox", "--id", "x", "--public", "--relax-pkce", "--redirect-uri", "http://127.0.0.1/cb"}, "require_pkce:"},
		{"unknown tenant", []string{"--tenant", "nope", "--id", "x", "--redirect-uri", "http://127.0.0.1/cb"}, `unknown tenant "nope"`},
		{"missing tenant", []string{"--id", "x"}, `"tenant" not set`},
		{"bad jwks", []string{"--tenant", "sandbox", "--auth-method", "private_key_jwt", "--jwks", "{", "--redirect-uri", "http://127.0.0.1/cb"}, "--jwks: not valid JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := c.run(append([]string{"clients", "create"}, tc.args...)...)
			if code == 0 || !strings.Contains(errs, tc.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want failure mentioning %q", code, out, errs, tc.want)
			}
		})
	}
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "dup", "--redirect-uri", "http://127.0.0.1/cb")
	if _, errs, code := c.run("clients", "create", "--tenant", "sandbox", "--id", "dup", "--redirect-uri", "http://127.0.0.1/cb"); code == 0 || !strings.Contains(errs, "already exists") {
		t.Errorf("duplicate: exit %d stderr %q", code, errs)
	}
}

func TestKeysRotateThenList(t *testing.T) {
	c := newCLI(t)
	kek := testKEK(t)
	var rotated map[string][]keys.KeyInfo
	if err := json.Unmarshal([]byte(c.ok("keys", "rotate", "--tenant", "sandbox", "--kek", kek)), &rotated); err != nil {
		t.Fatal(err)
	}
	if _, ok := rotated["main"]; ok || len(rotated["sandbox"]) == 0 {
		t.Errorf("rotate --tenant sandbox printed %v", rotated)
	}
	var listed map[string][]keys.KeyInfo
	if err := json.Unmarshal([]byte(c.ok("keys", "list", "--kek", kek)), &listed); err != nil {
		t.Fatal(err)
	}
	states := map[keys.State]int{}
	for _, k := range listed["sandbox"] {
		if k.Alg == keys.RS256 {
			states[k.State]++
		}
	}
	if states[keys.StateNext] != 1 || states[keys.StateActive] != 1 {
		t.Errorf("sandbox RS256 key states = %v, want one next and one active", states)
	}
	if len(listed["main"]) != 0 {
		t.Errorf("main was not rotated but has keys: %v", listed["main"])
	}
	// The KEK is checked: a different one cannot open the stored keys,
	// and none at all is refused outside dev mode with the fix.
	if _, errs, code := c.run("keys", "list"); code == 0 || !strings.Contains(errs, "kek: is required outside dev mode") || !strings.Contains(errs, "openssl rand -base64 32") {
		t.Errorf("no kek: exit %d stderr %q", code, errs)
	}
}

func TestKeysDevKEK(t *testing.T) {
	c := newCLI(t)
	c.ok("keys", "rotate", "--dev")
	out := c.ok("keys", "list", "--dev")
	if !strings.Contains(out, `"state": "next"`) {
		t.Errorf("dev keys list:\n%s", out)
	}
}

func TestConfigErrorExitsNonZero(t *testing.T) {
	c := newCLI(t)
	out, errs, code := c.run("migrate", "--log-format", "xml", "--base-url", "https://x.example/")
	if code != 1 || out != "" {
		t.Errorf("exit %d stdout %q", code, out)
	}
	for _, want := range []string{"invalid configuration", "log_format: must be json or text", `base_url: must be an absolute http(s) URL without trailing slash, query or fragment, got "https://x.example/"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	// serve refuses to start without a KEK outside dev mode.
	_, errs, code = c.run("serve")
	if code == 0 || !strings.Contains(errs, "kek: is required outside dev mode") {
		t.Errorf("serve without kek: exit %d stderr %q", code, errs)
	}
}

func TestVersion(t *testing.T) {
	c := newCLI(t)
	if out := c.ok("version"); !strings.HasPrefix(out, "oidcp ") {
		t.Errorf("version = %q", out)
	}
}
