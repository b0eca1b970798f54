package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/sqlite"
)

// clearEnv unsets every OIDCP_* variable for the test, so the developer's
// or CI's environment cannot leak into configuration tests.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, envPrefix+"_") {
			t.Setenv(k, "") // restores the old value after the test
			os.Unsetenv(k)
		}
	}
}

// testKEK is a fresh base64 KEK.
func testKEK(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// cli runs oidcp with args against a fresh SQLite database in a temp
// directory (shared by the calls of one cli value), or against db when
// set, adding flags to every command line.
type cli struct {
	t     *testing.T
	dir   string
	db    string
	flags []string
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	clearEnv(t)
	return &cli{t: t, dir: t.TempDir()}
}

func (c *cli) dsn() string {
	if c.db != "" {
		return c.db
	}
	return "sqlite:" + filepath.Join(c.dir, "oidcp.db")
}

// on returns c reporting failures on t, a subtest of c's test (a
// subtest must not fail its parent).
func (c *cli) on(t *testing.T) *cli {
	d := *c
	d.t = t
	return &d
}

// run executes one command line and returns stdout, stderr and the exit code.
func (c *cli) run(args ...string) (string, string, int) {
	c.t.Helper()
	var out, errb bytes.Buffer
	base := append([]string{"--dsn", c.dsn(), "--data-dir", c.dir}, c.flags...)
	code := run(context.Background(), append(append([]string{}, args...), base...), &out, &errb)
	return out.String(), errb.String(), code
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	out, errs, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("oidcp %s: exit %d\nstderr: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// parse loads configuration from a command line as the root command would.
func parse(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	addConfigFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return loadConfig(fs)
}

// valid is a configuration that passes Validate; cases change one thing.
func valid(t *testing.T) Config {
	t.Helper()
	clearEnv(t)
	cfg, err := parse(t, "--kek", testKEK(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tenants[0].Upstream.ClientID = "oidcp"
	cfg.Tenants[0].Upstream.ClientSecret = "s3cret"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("base config invalid: %v", err)
	}
	return cfg
}

func devConfig(t *testing.T) Config {
	t.Helper()
	clearEnv(t)
	cfg, err := parse(t, "--dev")
	if err != nil {
		t.Fatal(err)
	}
	resolveMockSecrets(&cfg, bytes.Repeat([]byte{7}, 32))
	return cfg
}

const adminToken = "test-admin-token-0123456789abcdefghij"

func openTestStore(t *testing.T, c *cli) storage.Storage {
	t.Helper()
	s, err := sqlite.Open(t.Context(), strings.TrimPrefix(c.dsn(), "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
