package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/oidcp/oidcp/keys"
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

// TestHelpValueNames: pflag takes a backquoted word in a flag's help as
// the name of its value; no help may show a command there.
func TestHelpValueNames(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"serve", "--help"}, &out, &errb); code != 0 {
		t.Fatalf("serve --help: exit %d: %s", code, errb.String())
	}
	help := out.String()
	if !strings.Contains(help, "--kek string") || strings.Contains(help, "--kek openssl") {
		t.Errorf("--kek reads:\n%s", help)
	}
}
