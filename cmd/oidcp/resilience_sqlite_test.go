//go:build resilience

package main

import (
	"context"
	"database/sql"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestResilienceSQLiteCrash: oidcp on SQLite is killed with SIGKILL in the
// middle of a burst of token writes. After the kill the database passes
// PRAGMA integrity_check, oidcp starts on it again without repair, and
// every access token that was answered to a client before the kill is
// active.
func TestResilienceSQLiteCrash(t *testing.T) {
	bin := buildOidcp(t)
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "oidcp.db")
	dsn, kek := "sqlite:"+dbPath, testKEK(t)
	c := registerResClient(t, bin, dsn, kek, dir)
	n := startNode(t, bin, "sqlite", nodeOpts{dsn: dsn, kek: kek, dataDir: dir})
	issuer := n.base + "/main"

	// The burst: 8 clients issue tokens without pause; the kill comes
	// once 300 tokens have been answered (or after 15 s, on a slow
	// machine). The context bounds the whole test, including the restart
	// and the introspection of every answered token afterwards, only
	// against a hang.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hc := &http.Client{Timeout: 10 * time.Second}
	if r, tok := ccToken(ctx, hc, issuer, c); tok == "" { // warms the secret check
		t.Fatalf("first token: %v", r)
	}
	var (
		mu       sync.Mutex
		answered []string
		count    atomic.Int64
		failed   atomic.Int64
		wg       sync.WaitGroup
	)
	killed := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-killed:
					return
				default:
				}
				_, tok := ccToken(ctx, hc, issuer, c)
				if tok == "" {
					failed.Add(1)
					continue
				}
				mu.Lock()
				answered = append(answered, tok)
				mu.Unlock()
				count.Add(1)
			}
		})
	}
	deadline := time.Now().Add(15 * time.Second)
	for count.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	n.signal(t, syscall.SIGKILL)
	close(killed)
	n.wait(t, 10*time.Second)
	wg.Wait()
	mu.Lock()
	tokens := append([]string(nil), answered...)
	mu.Unlock()
	if len(tokens) < 50 {
		t.Fatalf("only %d tokens answered before the kill", len(tokens))
	}
	t.Logf("killed with SIGKILL after %d answered tokens (%d requests failed at the kill)", len(tokens), failed.Load())

	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check after SIGKILL: %q %v", check, err)
	}
	db.Close()

	n2 := startNode(t, bin, "sqlite-restarted", nodeOpts{dsn: dsn, kek: kek, dataDir: dir})
	lost := 0
	for _, tok := range tokens {
		if r, ok := introspectActive(ctx, hc, n2.base+"/main", c, tok); !ok {
			lost++
			if lost <= 3 {
				t.Errorf("token answered before the kill is not active after restart: %v %v", r, r.body)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d answered tokens lost", lost, len(tokens))
	}
}
