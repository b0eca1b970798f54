package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oidcp/oidcp/storage"
)

// TestResourcesRoundTrip: add registers a resource whose allowed clients
// exist (warning about one not registered for the grant), replaces it
// when added again, list shows the tenant's own, remove removes it once.
func TestResourcesRoundTrip(t *testing.T) {
	c := newCLI(t)
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "tool", "--redirect-uri", "http://127.0.0.1:9000/cb",
		"--grant-type", "authorization_code", "--grant-type", "urn:ietf:params:oauth:grant-type:token-exchange")
	c.ok("clients", "create", "--tenant", "sandbox", "--id", "plain", "--redirect-uri", "http://127.0.0.1:9000/cb")

	out, errs, code := c.run("resources", "add", "--tenant", "sandbox", "--audience", "https://api.example/ehelse",
		"--name", "eHelse API", "--allow-client", "tool", "--allow-client", "plain", "--scope", "pid health:measurements")
	if code != 0 {
		t.Fatalf("add: exit %d, stderr %q", code, errs)
	}
	var r storage.Resource
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("add output is not JSON: %v\n%s", err, out)
	}
	if r.Audience != "https://api.example/ehelse" || r.Name != "eHelse API" || strings.Join(r.AllowedClients, ",") != "tool,plain" ||
		strings.Join(r.Scopes, ",") != "pid,health:measurements" {
		t.Fatalf("added %+v", r)
	}
	if !strings.Contains(errs, `client "plain" is not registered for the grant type`) || strings.Contains(errs, `"tool"`) {
		t.Errorf("stderr %q, want a warning about plain only", errs)
	}

	c.ok("resources", "add", "--tenant", "sandbox", "--audience", "https://api.example/ehelse", "--allow-client", "tool")
	var list []storage.Resource
	if err := json.Unmarshal([]byte(c.ok("resources", "list", "--tenant", "sandbox")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || strings.Join(list[0].AllowedClients, ",") != "tool" || len(list[0].Scopes) != 0 {
		t.Fatalf("after replacing: %+v", list)
	}
	if got := strings.TrimSpace(c.ok("resources", "list", "--tenant", "main")); got != "[]" {
		t.Errorf("main tenant list = %s, want []", got)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown client", []string{"--tenant", "sandbox", "--audience", "https://api.example/x", "--allow-client", "nobody"}, `client "nobody" is not registered in tenant "sandbox"`},
		{"no client", []string{"--tenant", "sandbox", "--audience", "https://api.example/x"}, "name at least one client"},
		{"relative audience", []string{"--tenant", "sandbox", "--audience", "/api", "--allow-client", "tool"}, "neither an absolute URI"},
		{"unknown tenant", []string{"--tenant", "nope", "--audience", "https://api.example/x", "--allow-client", "tool"}, `unknown tenant "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := c.run(append([]string{"resources", "add"}, tc.args...)...)
			if code == 0 || !strings.Contains(errs, tc.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want failure mentioning %q", code, out, errs, tc.want)
			}
		})
	}

	c.ok("resources", "remove", "--tenant", "sandbox", "--audience", "https://api.example/ehelse")
	if _, errs, code := c.run("resources", "remove", "--tenant", "sandbox", "--audience", "https://api.example/ehelse"); code == 0 || !strings.Contains(errs, "not found") {
		t.Errorf("second remove: exit %d, stderr %q", code, errs)
	}
}
