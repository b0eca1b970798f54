package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// quickstartDocBlocks returns the ```sh blocks of a Markdown file in docs/.
func quickstartDocBlocks(t *testing.T, name string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)\n```sh\n(.*?)\n```")
	var blocks []string
	for _, m := range re.FindAllStringSubmatch(string(raw), -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// runDocBlocks runs blocks[first-1:] (numbered from first, with r's
// replacements) one after the other in one bash, as pasted into one
// terminal, in the repository root with env (nil: this process's). Every
// block must exit 0, and block i's output must contain each of want[i].
func runDocBlocks(t *testing.T, blocks []string, first int, env []string, r *strings.Replacer, want map[int][]string) {
	t.Helper()
	var script strings.Builder
	for i := first; i <= len(blocks); i++ {
		fmt.Fprintf(&script, "%s\nprintf '\\n@@ block %d status %%d\\n' $?\n", r.Replace(blocks[i-1]), i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "-c", script.String())
	sh.Dir, sh.Env = repoRoot, env
	out, err := sh.CombinedOutput()
	if err != nil {
		t.Fatalf("quickstart shell: %v\n%s", err, out)
	}
	outputs := map[int]string{}
	rest := string(out)
	for i := first; i <= len(blocks); i++ {
		m := regexp.MustCompile(fmt.Sprintf(`\n@@ block %d status (\d+)\n`, i)).FindStringSubmatchIndex(rest)
		if m == nil {
			t.Fatalf("block %d did not finish:\n%s", i, out)
		}
		outputs[i] = rest[:m[0]]
		if status := rest[m[2]:m[3]]; status != "0" {
			t.Errorf("block %d exited with status %s:\n%s\n--- output:\n%s", i, status, blocks[i-1], outputs[i])
		}
		rest = rest[m[1]:]
	}
	for i, ws := range want {
		for _, w := range ws {
			if !strings.Contains(outputs[i], w) {
				t.Errorf("block %d's output lacks %s:\n%s", i, w, outputs[i])
			}
		}
	}
}

// iatPlaceholder is the line of the quickstart where the vendor pastes
// the token the operator gave them.
const iatPlaceholder = "PASTE-YOUR-INITIAL-ACCESS-TOKEN"

// TestSandboxQuickstart runs docs/sandbox-quickstart.md as a vendor
// follows it, on SQLite and PostgreSQL: the operator issues an initial
// access token with `oidcp sandbox token`, and the vendor's blocks run
// literally in one bash (register over HTTP, headless login, refresh, a
// representation case, reset, RFC 7592 read/update/delete). Only the
// address and the pasted token differ.
func TestSandboxQuickstart(t *testing.T) {
	requireTools(t, "bash", "curl", "openssl", "sed", "grep")
	blocks := quickstartDocBlocks(t, "sandbox-quickstart.md")
	if len(blocks) != 7 {
		t.Fatalf("the quickstart has %d sh blocks; update this test with them", len(blocks))
	}
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			c := newCLI(t)
			c.db = b.dsn(t, c.dir)
			c.flags = []string{"--kek", testKEK(t)}
			args := devArgs(t, c, "http", c.flags...)
			srv := startServing(t, args, nil, time.Now)
			addr := strings.TrimPrefix(srv.base, "http://")

			var issued map[string]any
			if err := json.Unmarshal([]byte(c.ok("sandbox", "token", "--vendor", "acme", "--expires", "90d", "--base-url", srv.base)), &issued); err != nil {
				t.Fatal(err)
			}
			iat, _ := issued["initial_access_token"].(string)
			if !strings.HasPrefix(iat, "oidcp_iat_") || issued["registration_endpoint"] != srv.base+"/sandbox/register" {
				t.Fatalf("sandbox token printed %v", issued)
			}

			runDocBlocks(t, blocks, 1, nil, strings.NewReplacer(readmeAddr, addr, iatPlaceholder, iat), map[int][]string{
				1: {`"registration_endpoint":"` + srv.base + `/sandbox/register"`},
				2: {`"client_secret":"`, `"registration_access_token":"oidcp_rat_`, `"vendor":"acme"`},
				3: {`"access_token":"`, `"id_token":"`, `"refresh_token":"`},
				4: {`"refresh_token":"`},
				5: {`"representation":{`, `"relation":"parent"`, `"name":"Jonas Nordmann"`},
				6: {`"vendor":"acme"`, "the refresh token is gone"},
				7: {`"client_name":"Acme Journal (beta)"`, "204"},
			})
			if strings.Contains(srv.logs.String(), iat) {
				t.Error("the server logged the initial access token")
			}
		})
	}
}
