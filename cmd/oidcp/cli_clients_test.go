package main

// The clients command: a registration's round trip, and what the
// command says when a registration is wrong.

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/oidcp/oidcp/storage"
)

// TestClientsCreateSaysWhatToDo: `clients create` refuses a scope the
// tenant does not offer, naming the nearest, and a redirect URI without
// scheme, showing it in full, instead of a raw Go parse error.
func TestClientsCreateSaysWhatToDo(t *testing.T) {
	c := newCLI(t)
	c.ok("migrate")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--redirect-uri", "http://127.0.0.1:9000/callback", "--scope", "openid profil"},
			[]string{`scope: "profil" is not offered by tenant "sandbox"`, `did you mean "profile"?`}},
		{[]string{"--redirect-uri", "127.0.0.1:9000/callback", "--scope", "openid profile"},
			[]string{`redirect_uris: "127.0.0.1:9000/callback": has no scheme; write it in full, e.g. http://127.0.0.1:9000/callback`}},
	} {
		_, errs, code := c.run(append([]string{"clients", "create", "--tenant", "sandbox", "--id", "my-app"}, tc.args...)...)
		if code == 0 {
			t.Errorf("%v: accepted", tc.args)
		}
		for _, w := range tc.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%v: stderr %q lacks %q", tc.args, errs, w)
			}
		}
		if strings.Contains(errs, "parse \"") {
			t.Errorf("%v: raw parse error: %s", tc.args, errs)
		}
	}
	if out, _, _ := c.run("clients", "list", "--tenant", "sandbox"); strings.Contains(out, "my-app") {
		t.Errorf("a refused client was stored: %s", out)
	}
}

// TestClientsCreateNames: --name-nn and --name-en store the name in
// those languages beside --name (client_name#nn, #en).
func TestClientsCreateNames(t *testing.T) {
	c := newCLI(t)
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "diary", "--redirect-uri", "https://app.example/cb",
		"--name", "Helsedagboka", "--name-nn", "Dagbok for helsa", "--name-en", "Health diary")
	var list []storage.Client
	if err := json.Unmarshal([]byte(c.ok("clients", "list", "--tenant", "sandbox")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "Helsedagboka" || !maps.Equal(list[0].Names, map[string]string{"nn": "Dagbok for helsa", "en": "Health diary"}) {
		t.Fatalf("listed: %+v", list)
	}
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
	stored, err := openTestStore(t, c).GetClient(t.Context(), "sandbox", "my-app")
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

func TestClientsRepresentationMetadata(t *testing.T) {
	c := newCLI(t)
	base := []string{"clients", "create", "--tenant", "sandbox", "--redirect-uri", "https://tool.example/cb"}
	var got storage.Client
	out := c.ok(append(base, "--id", "standalone", "--standalone", "--category", "pseudonymous",
		"--accept-relation", "parent", "--accept-relation", "assigned_power_of_attorney")...)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	stored, err := openTestStore(t, c).GetClient(t.Context(), "sandbox", "standalone")
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range []storage.Client{got, stored} {
		if !cl.Standalone || cl.Category != "pseudonymous" || strings.Join(cl.AcceptedRelations, ",") != "parent,assigned_power_of_attorney" {
			t.Errorf("client = standalone %v, category %q, relations %v", cl.Standalone, cl.Category, cl.AcceptedRelations)
		}
	}

	out = c.ok(append(base, "--id", "plain")...)
	got = storage.Client{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Category != "identified" || len(got.AcceptedRelations) != 0 || got.Standalone {
		t.Errorf("defaults: %+v, %v", got, err)
	}

	for _, tt := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--standalone", "--accept-relation", "parent", "--accept-relation", "power_of_attorney"},
			"a standalone tool may accept only parent and assigned_power_of_attorney"},
		{[]string{"--accept-relation", "guardian"}, `"guardian" is not a relation`},
		{[]string{"--category", "K3"}, `"K3" is not a category`},
	} {
		_, errs, code := c.run(append(append(base, "--id", "bad"), tt.flags...)...)
		if code != 1 || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.flags, code, errs, tt.want)
		}
	}
}
