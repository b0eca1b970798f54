package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	return freeAddrs(t, 1)[0]
}

// freeAddrs returns n distinct free loopback addresses. All n listeners
// stay open until the last is taken: closing each before asking for the
// next let the kernel hand out the same port twice, and a server then
// refused its own configuration (admin_addr equal to addr).
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		addrs[i] = ln.Addr().String()
	}
	return addrs
}

func waitReady(t *testing.T, url string, done <-chan error, logs *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\nlogs:\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not ready within 30s\nlogs:\n%s", logs.String())
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func getJSON(t *testing.T, u string, v any) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp
}

// writeTestPKI writes a throwaway CA and a server certificate for
// 127.0.0.1 and localhost into dir.
func writeTestPKI(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "oidcp conformance test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
}

// tail is the last lines of s.
func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
