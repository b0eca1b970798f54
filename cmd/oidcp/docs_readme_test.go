package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// repoRoot is the repository root, seen from this package's directory.
const repoRoot = "../.."

// readmeAddr is the address the README's quickstart uses; the test
// serves on a free port instead and rewrites only this address in the
// blocks.
const readmeAddr = "127.0.0.1:8080"

// quickstartBlocks returns the ```sh blocks of the README's quickstart
// section, dedented, in order.
func quickstartBlocks(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(raw)
	start := strings.Index(s, "## Five-minute quickstart")
	if start < 0 {
		t.Fatal("README has no quickstart section")
	}
	s = s[start:]
	if end := strings.Index(s[3:], "\n## "); end >= 0 {
		s = s[:end+3]
	}
	re := regexp.MustCompile("(?s)\n( *)```sh\n(.*?)\n *```")
	var blocks []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		indent := m[1]
		var lines []string
		for _, l := range strings.Split(m[2], "\n") {
			lines = append(lines, strings.TrimPrefix(l, indent))
		}
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	return blocks
}

// requireTools skips the test when a command the README assumes is
// missing (they are all in Debian's base and CI's image).
func requireTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("!!! README TEST NOT RUN: %s not found", n)
		}
	}
}

// quickstartEnv is the environment of the quickstart: the test's own
// without OIDCP_* settings, plus the server's address and data directory
// (settings the README documents as environment variables).
func quickstartEnv(addr, admin, dataDir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPrefix+"_") {
			env = append(env, kv)
		}
	}
	return append(env, "OIDCP_ADDR="+addr, "OIDCP_BASE_URL=http://"+addr,
		"OIDCP_ADMIN_ADDR="+admin, "OIDCP_DATA_DIR="+dataDir, "OIDCP_LOG_LEVEL=warn")
}

// TestReadmeQuickstart runs the README's quickstart as a vendor pastes
// it: the first block (`make run`) in the background, the others in
// order in one bash, each block's exit status checked and its output
// held to what the README promises (a client, a token response, a
// representation claim). Only the address differs: a free port instead
// of 8080, and a temporary data directory.
func TestReadmeQuickstart(t *testing.T) {
	requireTools(t, "bash", "make", "curl", "openssl", "sed", "grep")
	blocks := quickstartBlocks(t)
	if len(blocks) != 5 || strings.TrimSpace(blocks[0]) != "make run" {
		t.Fatalf("the quickstart's sh blocks changed (%d; first %q); update this test with them", len(blocks), blocks[0])
	}
	ports, dataDir := freeAddrs(t, 2), t.TempDir()
	addr, admin := ports[0], ports[1]
	env := quickstartEnv(addr, admin, dataDir)

	// Block 1: make run, until the admin listener is ready.
	var serverOut syncBuffer
	srv := exec.Command("bash", "-c", blocks[0])
	srv.Dir, srv.Env, srv.Stdout, srv.Stderr = repoRoot, env, &serverOut, &serverOut
	srv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // make and the oidcp it starts
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		_ = syscall.Kill(-srv.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-srv.Process.Pid, syscall.SIGKILL)
			t.Error("make run did not stop on SIGTERM")
		}
		if t.Failed() {
			t.Logf("make run output:\n%s", serverOut.String())
		}
	})
	deadline := time.Now().Add(3 * time.Minute) // make run builds bin/oidcp first
	for {
		if resp, err := http.Get("http://" + admin + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("make run exited: %v\n%s", err, serverOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("make run not ready after 3 minutes:\n%s", serverOut.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	banner := serverOut.String()
	if !strings.Contains(banner, "bin/oidcp clients create --tenant sandbox") {
		t.Errorf("the banner's register command is not the README's bin/oidcp:\n%s", banner)
	}

	// Blocks 2–5 in one shell, as pasted into one terminal.
	runDocBlocks(t, blocks, 2, env, strings.NewReplacer(readmeAddr, addr), map[int][]string{
		2: {`"client_id": "my-app"`, `"any_secret_method": true`},
		3: {`"access_token":"`, `"id_token":"`, `"token_type":"`},
		4: {`"client_id": "family-app"`},
		5: {`"representation":{`, `"relation":"parent"`, `"name":"Jonas Nordmann"`},
	})
}

// TestReadmeExamples runs the two example tools the quickstart points to
// (examples/go-oidc and examples/openid-client) against a dev server and
// logs a person in through each, headlessly.
func TestReadmeExamples(t *testing.T) {
	c := newCLI(t)
	srv := startServing(t, devArgs(t, c, "http"), nil, time.Now)
	issuer := srv.base + "/sandbox"
	kari, _ := population.Generate(time.Now().In(representation.Oslo)).Lookup(population.KeyKari)

	t.Run("go-oidc", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "go-oidc")
		build := exec.Command("go", "build", "-o", bin, "./examples/go-oidc")
		build.Dir = repoRoot
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build ./examples/go-oidc: %v\n%s", err, out)
		}
		runExample(t, c, issuer, "go-tool", kari.PID, exec.Command(bin))
	})
	t.Run("openid-client", func(t *testing.T) {
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("!!! openid-client EXAMPLE NOT RUN: node not found; install Node.js 20 or later to run it")
		}
		if _, err := exec.LookPath("npm"); err != nil {
			t.Skip("!!! openid-client EXAMPLE NOT RUN: npm not found")
		}
		dir := t.TempDir()
		for _, f := range []string{"app.mjs", "package.json"} {
			b, err := os.ReadFile(filepath.Join(repoRoot, "examples", "openid-client", f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		install := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			// The npm registry is the only network this needs.
			t.Skipf("!!! openid-client EXAMPLE NOT RUN: npm install failed (no registry?): %v\n%s", err, out)
		}
		node := exec.Command("node", "app.mjs")
		node.Dir = dir
		runExample(t, c, issuer, "node-tool", kari.PID, node)
	})
}

// runExample registers a client for an example tool (no --auth-method,
// as the README does), starts the tool with it and logs pid in through
// its /login; the tool must show the verified claims.
func runExample(t *testing.T, c *cli, issuer, id, pid string, cmd *exec.Cmd) {
	t.Helper()
	addr := freeAddr(t)
	redirect := "http://" + addr + "/callback"
	secret := strings.Repeat("e", 16) + id + strings.Repeat("x", 16)
	c.on(t).ok("clients", "create", "--tenant", "sandbox", "--id", id, "--secret", secret,
		"--redirect-uri", redirect, "--scope", "openid profile pid")
	var logs syncBuffer
	cmd.Env = append(os.Environ(), "ISSUER="+issuer, "CLIENT_ID="+id, "CLIENT_SECRET="+secret, "REDIRECT_URI="+redirect)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", id, logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.Dial("tcp", addr)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not listen on %s:\n%s", id, addr, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := hc.Get("http://" + addr + "/login?login_hint=testid:" + pid)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var claims map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &claims) != nil {
		t.Fatalf("%s's callback: %d %s", id, resp.StatusCode, body)
	}
	if claims["pid"] != pid || claims["iss"] != issuer {
		t.Errorf("%s shows claims %v, want pid and iss of the login", id, claims)
	}
}

// TestDocsStandAlone: the README and docs/ describe the project in its
// own files: no citation of a design document the repository does not
// have, and every relative link leads to a file that exists.
func TestDocsStandAlone(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	files = append(files, filepath.Join(repoRoot, "README.md"))
	link := regexp.MustCompile(`\]\(([^)#:]+)(#[^)]*)?\)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "DESIGN") {
			t.Errorf("%s cites DESIGN, which is not in the repository; describe the model in docs/", f)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			if _, err := os.Stat(filepath.Join(filepath.Dir(f), m[1])); err != nil {
				t.Errorf("%s links to %s, which does not exist", f, m[1])
			}
		}
	}
}
