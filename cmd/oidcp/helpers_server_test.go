package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// testServer is a real `oidcp serve` running for one test.
type testServer struct {
	base, admin  string // public base URL; admin listener's base URL
	logs, stdout *syncBuffer
}

// devArgs are the flags of a dev-mode server on free ports with its
// database and data under c's directory, followed by extra.
func devArgs(t *testing.T, c *cli, scheme string, extra ...string) []string {
	t.Helper()
	ports := freeAddrs(t, 2)
	addr, admin := ports[0], ports[1]
	return append([]string{"--dev", "--addr", addr, "--admin-addr", admin, "--base-url", scheme + "://" + addr,
		"--data-dir", c.dir, "--dsn", c.dsn(), "--log-level", "warn",
		// Tests read the usage log from their own connection right
		// after a request; the background writer is tested in sqlstore.
		"--usage-log-sync"}, extra...)
}

// serveHooks put into the real serve path what a test must hold or see
// beyond configuration.
type serveHooks struct {
	// store, when set, is the database serve runs on (serveWith) instead
	// of opening the DSN; the test opened it and closes it after serve
	// has returned.
	store storage.Storage
	// log, when set, wraps the server's log handler.
	log func(slog.Handler) slog.Handler
}

// startServing parses args as `oidcp serve` would, lets mutate adjust what
// flags cannot express (file-only settings such as extra tenants), runs
// serve with the clock now until the test ends, and waits until /readyz
// answers. When the test ends, serve must shut down cleanly; the server's
// logs are printed if the test failed.
func startServing(t *testing.T, args []string, mutate func(*Config), now func() time.Time) *testServer {
	t.Helper()
	return startServingWith(t, args, mutate, now, serveHooks{})
}

// startServingWith is startServing with hooks.
func startServingWith(t *testing.T, args []string, mutate func(*Config), now func() time.Time, hooks serveHooks) *testServer {
	t.Helper()
	s, _ := startServingStop(t, args, mutate, now, hooks)
	return s
}

// startServingStop is startServingWith that also returns a stop function,
// so that a test can shut the server down before it ends (stopping twice,
// or once more when the test ends, is a no-op).
func startServingStop(t *testing.T, args []string, mutate func(*Config), now func() time.Time, hooks serveHooks) (*testServer, func()) {
	t.Helper()
	cfg, err := parse(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s := &testServer{base: strings.TrimRight(cfg.BaseURL, "/"), admin: "http://" + cfg.AdminAddr, logs: &syncBuffer{}, stdout: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := newLogger(cfg, s.logs)
	if hooks.log != nil {
		log = slog.New(hooks.log(log.Handler()))
	}
	go func() {
		if hooks.store != nil {
			done <- serveWith(ctx, cfg, hooks.store, log, s.stdout, now)
			return
		}
		done <- serve(ctx, cfg, log, s.stdout, now)
	}()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
		if t.Failed() {
			t.Logf("server logs:\n%s", s.logs.String())
		}
	}
	t.Cleanup(stop)
	waitReady(t, s.admin+"/readyz", done, s.logs)
	return s, stop
}
