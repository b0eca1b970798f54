package postgres

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/conformance"
	"github.com/oidcp/oidcp/storage/postgres/pgtest"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

// TestTwoIssueBatchesAtOnce: while two shared INSERTs of tokens are held
// (another transaction locks the table), further concurrent issues wait
// to share a statement instead of starting their own, and all of them
// are written once the lock goes.
func TestTwoIssueBatchesAtOnce(t *testing.T) {
	ctx := t.Context()
	s := openMigrated(t)
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

// TestBatchedReadKeepsTheIndex: the batched token read, prepared and run
// on a connection while the tokens table is empty (a new deployment, or
// one whose client_credentials tokens are sealed), still looks each key
// up by the primary key once the table has grown and before ANALYZE has
// run: PostgreSQL keeps a connection's cached generic plan until the
// table's statistics change, and a plain join of the keys with tokens
// was planned as a hash join over a sequential scan of the whole table.
func TestBatchedReadKeepsTheIndex(t *testing.T) {
	ctx := t.Context()
	s := openMigrated(t)
	db := s.DB()
	if _, err := db.ExecContext(ctx, `ALTER TABLE tokens SET (autovacuum_enabled = false)`); err != nil {
		t.Fatal(err) // no ANALYZE behind the test's back
	}
	// The batched read's text: reads queued behind a lock share it.
	var mu sync.Mutex
	var batch string
	var reads atomic.Int32
	s.SetStatementCounter(func(q string) {
		if !strings.HasPrefix(strings.TrimSpace(q), "SELECT") {
			return
		}
		reads.Add(1)
		if strings.Contains(q, "unnest") {
			mu.Lock()
			batch = q
			mu.Unlock()
		}
	})
	lock, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, `LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Go(func() { _, _ = s.GetToken(ctx, "main", storage.KindAccessToken, fmt.Sprintf("sig-%d", i)) })
	}
	for deadline := time.Now().Add(10 * time.Second); reads.Load() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no read started")
		}
	}
	time.Sleep(300 * time.Millisecond) // the others queue behind the two held
	if err := lock.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	mu.Lock()
	q := batch
	mu.Unlock()
	if q == "" {
		t.Fatal("no batched read ran")
	}

	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PREPARE batch_read(text[], text[], text[]) AS `+q); err != nil {
		t.Fatal(err)
	}
	for range 8 { // past the five custom plans, to the cached generic one
		if _, err := conn.ExecContext(ctx, `EXECUTE batch_read('{main,main}', '{access_token,access_token}', '{a,b}')`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO tokens (tenant, kind, signature, active)
		SELECT 'main', 'access_token', md5(i::text), true FROM generate_series(1, 20000) i`); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, `EXPLAIN EXECUTE batch_read('{main,main}', '{access_token,access_token}', '{a,b}')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if p := plan.String(); strings.Contains(p, "Seq Scan on tokens") || !strings.Contains(p, "Index Scan") {
		t.Fatalf("the batched read scans the table instead of looking each key up:\n%s", p)
	}
}

// openMigrated opens a migrated store on a fresh database, closed when
// the test ends.
func openMigrated(t *testing.T, opts ...Option) *sqlstore.Store {
	t.Helper()
	s, err := Open(t.Context(), pgtest.NewDatabase(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTombstoneListUsesItsIndex: every node reads the sealed-token
// tombstones a few times a second, so the read must stay on its partial
// index however many tokens the table holds, in the generic plan a
// prepared statement ends up with too.
func TestTombstoneListUsesItsIndex(t *testing.T) {
	ctx := t.Context()
	s := openMigrated(t)
	db := s.DB()
	if _, err := db.ExecContext(ctx, `INSERT INTO tokens (tenant, kind, signature, active, expires_at)
		SELECT 'main', 'access_token', md5(i::text), true, now() + interval '1 hour' FROM generate_series(1, 20000) i`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE tokens`); err != nil {
		t.Fatal(err)
	}
	text := conformance.TombstoneListQuery(t, s)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PREPARE tomb(text, timestamptz, bigint) AS `+text); err != nil {
		t.Fatal(err)
	}
	for range 8 { // past the five custom plans, to the cached generic one
		if _, err := conn.ExecContext(ctx, `EXECUTE tomb('main', now(), 100)`); err != nil {
			t.Fatal(err)
		}
	}
	var plan strings.Builder
	rows, err := conn.QueryContext(ctx, `EXPLAIN EXECUTE tomb('main', now(), 100)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(line + "\n")
	}
	if p := plan.String(); !strings.Contains(p, "tokens_sealed_tombstones") {
		t.Fatalf("the tombstone list does not use its index:\n%s", p)
	}
}
