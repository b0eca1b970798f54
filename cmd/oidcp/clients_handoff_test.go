package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oidcp/oidcp/storage"
)

// TestClientsHandoffFlags: the operator registers a portal and a tool's
// launch URIs with `clients create`, and changes them with `clients
// update`, under the same rules as at registration.
func TestClientsHandoffFlags(t *testing.T) {
	c := newCLI(t)
	var got storage.Client
	out := c.ok("clients", "create", "--tenant", "sandbox", "--id", "portal", "--handoff-portal",
		"--redirect-uri", "http://127.0.0.1:9000/callback")
	got = storage.Client{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || !got.HandoffPortal {
		t.Fatalf("create --handoff-portal: %v\n%s", err, out)
	}
	out = c.ok("clients", "create", "--tenant", "sandbox", "--id", "tool",
		"--redirect-uri", "http://127.0.0.1:9100/callback",
		"--initiate-login-uri", "http://127.0.0.1:9100/initiate", "--launch-uri", "http://127.0.0.1:9100/")
	got = storage.Client{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.HandoffPortal || len(got.LaunchURIs) != 1 {
		t.Fatalf("create --launch-uri: %v\n%s", err, out)
	}
	if _, errs, code := c.run("clients", "create", "--tenant", "sandbox", "--id", "bad",
		"--redirect-uri", "http://127.0.0.1:9100/callback", "--launch-uri", "http://127.0.0.1:9100/"); code == 0 || !strings.Contains(errs, "launch_uris") {
		t.Errorf("launch URI without initiate_login_uri: exit %d, %s", code, errs)
	}

	out = c.ok("clients", "update", "--tenant", "sandbox", "--id", "tool", "--launch-uri", "http://127.0.0.1:9100/a", "--launch-uri", "http://127.0.0.1:9100/b")
	got = storage.Client{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || strings.Join(got.LaunchURIs, " ") != "http://127.0.0.1:9100/a http://127.0.0.1:9100/b" || got.InitiateLoginURI == "" {
		t.Fatalf("update --launch-uri: %v\n%s", err, out)
	}
	out = c.ok("clients", "update", "--tenant", "sandbox", "--id", "portal", "--handoff-portal=false")
	got = storage.Client{}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.HandoffPortal {
		t.Fatalf("update --handoff-portal=false: %v\n%s", err, out)
	}
	if _, errs, code := c.run("clients", "update", "--tenant", "sandbox", "--id", "tool", "--initiate-login-uri", ""); code == 0 || !strings.Contains(errs, "launch_uris") {
		t.Errorf("removing initiate_login_uri under launch URIs: exit %d, %s", code, errs)
	}
	if _, errs, code := c.run("clients", "update", "--tenant", "sandbox", "--id", "tool"); code == 0 || !strings.Contains(errs, "nothing to change") {
		t.Errorf("update without a change: exit %d, %s", code, errs)
	}
	if _, errs, code := c.run("clients", "update", "--tenant", "sandbox", "--id", "nobody", "--handoff-portal"); code == 0 || !strings.Contains(errs, "no client") {
		t.Errorf("update of an unknown client: exit %d, %s", code, errs)
	}
}
