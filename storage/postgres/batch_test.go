package postgres

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/postgres/pgtest"
)

// TestTwoIssueBatchesAtOnce: while two shared INSERTs of tokens are held
// (another transaction locks the table), further concurrent issues wait
// to share a statement instead of starting their own, and all of them
// are written once the lock goes.
func TestTwoIssueBatchesAtOnce(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var started atomic.Int32
	s.SetStatementCounter(func(q string) {
		if strings.HasPrefix(strings.TrimSpace(q), "INSERT INTO tokens") {
			started.Add(1)
		}
	})
	lock, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, `LOCK TABLE tokens IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			sig := fmt.Sprintf("sig-%d", i)
			errs <- s.IssueTokens(ctx, storage.TokenRecord{Kind: storage.KindAccessToken, Signature: sig, Tenant: "main",
				RequestID: "req-" + sig, ClientID: "machine", Active: true, RequestedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
		})
	}
	for deadline := time.Now().Add(10 * time.Second); started.Load() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d INSERTs started in 10 s, want 2", started.Load())
		}
	}
	// A third statement would start within microseconds if it could:
	// give it a generous while to show.
	time.Sleep(300 * time.Millisecond)
	if got := started.Load(); got != 2 {
		t.Errorf("%d INSERTs of tokens running at once, want 2", got)
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	var rows int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM tokens`).Scan(&rows); err != nil || rows != n {
		t.Errorf("%d tokens written (%v), want %d", rows, err, n)
	}
}
