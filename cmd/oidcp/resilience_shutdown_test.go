//go:build resilience

package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestResilienceGracefulShutdown: SIGTERM while 8 clients issue and
// introspect tokens. Every request the server accepted (it logs one line
// per request) is answered, with success; every other request was never
// accepted: refused once the listener closed, or, at most once per
// client, reset by the kernel because it sat in the listen queue at the
// instant the listener closed. The process
// exits 0 well within its shutdown timeout.
func TestResilienceGracefulShutdown(t *testing.T) {
	bin := buildOidcp(t)
	dir := t.TempDir()
	dsn, kek := "sqlite:"+filepath.Join(dir, "oidcp.db"), testKEK(t)
	c := registerResClient(t, bin, dsn, kek, dir)
	const shutdownTimeout = 10 * time.Second
	n := startNode(t, bin, "node", nodeOpts{dsn: dsn, kek: kek, dataDir: dir, extra: []string{"--shutdown-timeout", shutdownTimeout.String()}})
	issuer := n.base + "/main"

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// One request first, so the load does not start with every client
	// waiting for the first bcrypt check of the secret.
	if r, tok := ccToken(ctx, http.DefaultClient, issuer, c); tok == "" {
		t.Fatalf("first token: %v", r)
	}
	// A fresh connection per request: a request either reaches the
	// server or is refused, with no keep-alive race in between.
	hc := &http.Client{Timeout: 2 * shutdownTimeout, Transport: &http.Transport{DisableKeepAlives: true}}
	var rec resultLog
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, tok := ccToken(ctx, hc, issuer, c)
				rec.add(r)
				if tok != "" {
					r, _ = introspectActive(ctx, hc, issuer, c, tok)
					rec.add(r)
				}
			}
		})
	}
	time.Sleep(1500 * time.Millisecond)
	sigterm := time.Now()
	n.signal(t, syscall.SIGTERM)
	n.wait(t, shutdownTimeout+5*time.Second)
	// Keep knocking for a moment: those requests must be refused.
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()

	if n.exitErr != nil {
		t.Errorf("exit after SIGTERM: %v", n.exitErr)
	}
	drain := n.exitedAt.Sub(sigterm)
	if drain > shutdownTimeout {
		t.Errorf("shutdown took %v, more than the %v timeout", drain, shutdownTimeout)
	}
	served := n.requestLines(t)
	var ok, refused, reset, inFlight, afterTerm int
	for _, r := range rec.results() {
		status, accepted := served[r.id]
		switch {
		case r.err == nil && r.status == http.StatusOK:
			ok++
			if r.start.Before(sigterm) && r.end.After(sigterm) {
				inFlight++
			}
			if r.start.After(sigterm) {
				afterTerm++
			}
		case r.err == nil:
			t.Errorf("request answered %d %s (server logged %d)", r.status, r.errCode, status)
		case accepted:
			t.Errorf("request accepted by the server (logged %d) but dropped: %v", status, r)
		case r.refused():
			refused++
		case r.status == 0 && (errors.Is(r.err, syscall.ECONNRESET) || errors.Is(r.err, io.EOF)):
			// Connected while the listener closed: the kernel had queued
			// the connection, the server never accepted it (it has no
			// record of the request), and closing the listening socket
			// closed or reset it. At most one per client.
			reset++
		default:
			t.Errorf("request failed and the server has no record of it: %v", r)
		}
	}
	t.Logf("SIGTERM: %d requests succeeded (%d in flight at the signal, %d started after it), %d refused after close, %d closed in the listen queue; drained and exited in %v",
		ok, inFlight, afterTerm, refused, reset, drain.Round(time.Millisecond))
	if inFlight == 0 {
		t.Error("no request was in flight at SIGTERM: the test proved nothing")
	}
	if reset > 8 {
		t.Errorf("%d connections closed in the listen queue, more than one per client", reset)
	}
	if refused == 0 {
		t.Error("no request was refused after the listener closed: load stopped too early")
	}
}
