//go:build resilience

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// pgCluster is a private PostgreSQL cluster in a temp dir, created with
// initdb and run with pg_ctl, so a test may stop and start it without
// touching the shared server. As root, the tools run as the postgres OS
// user (initdb refuses root).
type pgCluster struct {
	bin, dir, data string
	port           int
}

// newPGCluster creates and starts a cluster, or skips the test when no
// PostgreSQL server binaries are installed (fails instead with
// OIDCP_REQUIRE_POSTGRES=1).
func newPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		if os.Getenv("OIDCP_REQUIRE_POSTGRES") == "1" {
			t.Fatal("no /usr/lib/postgresql/*/bin/initdb, and OIDCP_REQUIRE_POSTGRES=1")
		}
		t.Skip("no /usr/lib/postgresql/*/bin/initdb: install the postgresql package to run the database-restart test")
	}
	// The newest major version: /usr/lib/postgresql/<major>/bin/initdb.
	major := func(p string) int { n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p)))); return n }
	sort.Slice(found, func(i, j int) bool { return major(found[i]) < major(found[j]) })
	c := &pgCluster{bin: filepath.Dir(found[len(found)-1])}
	dir, err := os.MkdirTemp("", "oidcp-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir, c.data = dir, filepath.Join(dir, "data")
	t.Cleanup(func() {
		_ = c.pgctl("stop", "-m", "immediate", "-w").Run()
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs the postgres OS user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if out, err := c.tool("initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.start(t)
	return c
}

// tool runs one of the cluster's binaries, as postgres when we are root.
func (c *pgCluster) tool(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir // postgres may not be able to enter the test's working directory
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C"}
	return cmd
}

func (c *pgCluster) pgctl(args ...string) *exec.Cmd {
	return c.tool("pg_ctl", append([]string{"-D", c.data}, args...)...)
}

// start starts the server and waits until it accepts connections.
func (c *pgCluster) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", c.port, c.dir)
	if out, err := c.pgctl("start", "-w", "-t", "60", "-l", filepath.Join(c.dir, "server.log"), "-o", opts).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// stop shuts the server down as an operator's restart does (fast: open
// transactions are rolled back, sessions are disconnected).
func (c *pgCluster) stop(t *testing.T) {
	t.Helper()
	if out, err := c.pgctl("stop", "-m", "fast", "-w").CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

func (c *pgCluster) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}
