package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/postgres"
	"github.com/oidcp/oidcp/storage/postgres/pgtest"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

// heldIssues opens a PostgreSQL store whose batches run one statement at
// a time, and holds the first INSERT into tokens until release is
// called: calls made meanwhile queue behind it. inserts counts the
// INSERTs into tokens after setup, which runs first.
func heldIssues(t *testing.T, setup func(*sqlstore.Store)) (s *sqlstore.Store, release func(), inserts *atomic.Int64) {
	return held(t, setup, "INSERT INTO tokens")
}

// held is heldIssues for the statements that start with prefix.
func held(t *testing.T, setup func(*sqlstore.Store), prefix string) (s *sqlstore.Store, release func(), inserts *atomic.Int64) {
	t.Helper()
	s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(s)
	}
	s.BatchStatements(1)
	gate := make(chan struct{})
	inserts = &atomic.Int64{}
	s.SetStatementCounter(func(q string) {
		if strings.HasPrefix(q, prefix) && inserts.Add(1) == 1 {
			<-gate
		}
	})
	return s, sync.OnceFunc(func() { close(gate) }), inserts
}

// holdFirst makes call in the background and returns once its statement
// is the one held (count is past 0); finish releases it and fails the
// test if call failed.
func holdFirst(t *testing.T, release func(), count *atomic.Int64, call func() error) (finish func()) {
	t.Helper()
	first := make(chan error, 1)
	go func() { first <- call() }()
	for count.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	return func() {
		t.Helper()
		release()
		if err := <-first; err != nil {
			t.Fatal(err)
		}
	}
}

// waitQueued waits until n calls wait in a batcher's queue behind the
// held statement. A fixed sleep is not enough: on a loaded machine the
// calling goroutines may not all have run by then, and the stragglers
// would form batches of their own.
func waitQueued(t *testing.T, queued func() int, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for queued() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued behind the held statement after 30s, want %d", queued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func ccRecord(sig string, now time.Time) storage.TokenRecord {
	return storage.TokenRecord{
		Kind: storage.KindAccessToken, Signature: sig, Tenant: "main", RequestID: "req-" + sig, ClientID: "tool",
		Active: true, RequestedAt: now, ExpiresAt: now.Add(time.Hour), Data: []byte(`{}`),
	}
}

// TestIssueTokensBatched: IssueTokens calls made while another's INSERT
// runs are written together in one multi-row INSERT, and each record is
// stored as its own call gave it.
func TestIssueTokensBatched(t *testing.T) {
	s, release, inserts := heldIssues(t, nil)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	finish := holdFirst(t, release, inserts, func() error { return s.IssueTokens(ctx, ccRecord("sig-first", now)) })
	const n = 40
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			recs := []storage.TokenRecord{ccRecord(fmt.Sprintf("sig-%02d", i), now)}
			if i%5 == 0 { // some calls carry two records, as a code with its PKCE record does
				second := ccRecord(fmt.Sprintf("sig-%02d-b", i), now)
				second.RequestedAt, second.Data, second.Active = time.Time{}, nil, false // NULLs and FALSE in the batch's arrays
				recs = append(recs, second)
			}
			errs[i] = s.IssueTokens(ctx, recs...)
		})
	}
	waitQueued(t, s.QueuedIssues, n) // the calls queue behind the held INSERT
	finish()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	// The held INSERT, then the 48 queued records in one.
	if got := inserts.Load(); got > 3 {
		t.Errorf("%d INSERTs for %d calls: not batched", got, n+1)
	}
	for i := range n {
		sig := fmt.Sprintf("sig-%02d", i)
		got, err := s.GetToken(ctx, "main", storage.KindAccessToken, sig)
		if err != nil {
			t.Fatalf("%s: %v", sig, err)
		}
		if got.RequestID != "req-"+sig || !got.Active || !got.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Errorf("%s stored as %+v", sig, got)
		}
	}
	if got, err := s.GetToken(ctx, "main", storage.KindAccessToken, "sig-05-b"); err != nil {
		t.Errorf("second record of a two-record call: %v", err)
	} else if !got.RequestedAt.IsZero() || got.Data != nil || got.Active || !got.ExpiresAt.Equal(now.Add(time.Hour)) {
		t.Errorf("second record of a two-record call stored as %+v", got)
	}
}

// TestIssueTokensBatchOneFailure: a record that cannot be stored (its
// signature exists) fails its own call only; the calls batched with it
// are written.
func TestIssueTokensBatchOneFailure(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	s, release, inserts := heldIssues(t, func(s *sqlstore.Store) {
		if err := s.CreateTokens(ctx, ccRecord("sig-taken", now)); err != nil {
			t.Fatal(err)
		}
	})
	finish := holdFirst(t, release, inserts, func() error { return s.IssueTokens(ctx, ccRecord("sig-first", now)) })
	sigs := []string{"sig-a", "sig-taken", "sig-b", "sig-c"}
	errs := make([]error, len(sigs))
	var wg sync.WaitGroup
	for i, sig := range sigs {
		wg.Go(func() { errs[i] = s.IssueTokens(ctx, ccRecord(sig, now)) })
	}
	waitQueued(t, s.QueuedIssues, len(sigs))
	finish()
	wg.Wait()
	for i, sig := range sigs {
		if sig == "sig-taken" {
			if !errors.Is(errs[i], storage.ErrConflict) {
				t.Errorf("the duplicate: %v, want ErrConflict", errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("%s failed with the duplicate batched beside it: %v", sig, errs[i])
		}
		if _, err := s.GetToken(ctx, "main", storage.KindAccessToken, sig); err != nil {
			t.Errorf("%s: %v", sig, err)
		}
	}
	// Held, the batch of four (refused), then the four alone.
	if got := inserts.Load(); got != 6 {
		t.Errorf("%d INSERTs, want 6: the batch was not tried whole first", got)
	}
}

// TestGetTokenBatched: GetToken calls made while another's SELECT runs
// are answered by one SELECT, each with its own record: a missing one
// with ErrNotFound, another tenant's or kind's never, and two calls for
// one token both.
func TestGetTokenBatched(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	s, release, selects := held(t, func(s *sqlstore.Store) {
		var recs []storage.TokenRecord
		for i := range 20 {
			recs = append(recs, ccRecord(fmt.Sprintf("sig-%02d", i), now))
		}
		other := ccRecord("sig-other-tenant", now)
		other.Tenant = "sandbox"
		refresh := ccRecord("sig-refresh", now)
		refresh.Kind = storage.KindRefreshToken
		if err := s.CreateTokens(ctx, append(recs, other, refresh)...); err != nil {
			t.Fatal(err)
		}
	}, "SELECT")
	finish := holdFirst(t, release, selects, func() error { _, err := s.GetToken(ctx, "main", storage.KindAccessToken, "sig-00"); return err })
	type call struct {
		tenant string
		kind   storage.TokenKind
		sig    string
		found  bool
	}
	calls := []call{{"main", storage.KindAccessToken, "sig-missing", false},
		{"main", storage.KindAccessToken, "sig-other-tenant", false},
		{"main", storage.KindAccessToken, "sig-refresh", false},
		{"sandbox", storage.KindAccessToken, "sig-other-tenant", true},
		{"main", storage.KindRefreshToken, "sig-refresh", true},
		{"main", storage.KindAccessToken, "sig-07", true}}
	for i := range 20 {
		calls = append(calls, call{"main", storage.KindAccessToken, fmt.Sprintf("sig-%02d", i), true})
	}
	got := make([]storage.TokenRecord, len(calls))
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() { got[i], errs[i] = s.GetToken(ctx, c.tenant, c.kind, c.sig) })
	}
	waitQueued(t, s.QueuedReads, len(calls))
	finish()
	wg.Wait()
	for i, c := range calls {
		switch {
		case !c.found && !errors.Is(errs[i], storage.ErrNotFound):
			t.Errorf("%+v: %v, want ErrNotFound", c, errs[i])
		case c.found && errs[i] != nil:
			t.Errorf("%+v: %v", c, errs[i])
		case c.found && (got[i].Tenant != c.tenant || got[i].Kind != c.kind || got[i].Signature != c.sig || got[i].RequestID != "req-"+c.sig):
			t.Errorf("%+v: got %+v", c, got[i])
		}
	}
	if n := selects.Load(); n > 3 {
		t.Errorf("%d SELECTs for %d calls: not batched", n, len(calls)+1)
	}
}

// TestIssueTokensBatchCallerGivesUp: a call whose context ends while it
// waits behind a running batch returns at once with the context's error
// and is not written; the calls queued with it are.
func TestIssueTokensBatchCallerGivesUp(t *testing.T) {
	s, release, inserts := heldIssues(t, nil)
	defer release()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	finish := holdFirst(t, release, inserts, func() error { return s.IssueTokens(ctx, ccRecord("sig-first", now)) })
	other := make(chan error, 1)
	go func() { other <- s.IssueTokens(ctx, ccRecord("sig-other", now)) }()
	gone, cancel := context.WithCancel(ctx)
	defer cancel()
	goneErr := make(chan error, 1)
	go func() { goneErr <- s.IssueTokens(gone, ccRecord("sig-gone", now)) }()
	// Give up only once both calls wait in the queue, however long the
	// goroutines take to get there.
	waitQueued(t, s.QueuedIssues, 2)
	cancel()
	select {
	case err := <-goneErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("a call whose context ended while queued: %v, want Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a call whose context ended while queued still waits for the batch ahead of it")
	}
	finish()
	if err := <-other; err != nil {
		t.Fatalf("the call queued beside the one that gave up: %v", err)
	}
	if _, err := s.GetToken(ctx, "main", storage.KindAccessToken, "sig-other"); err != nil {
		t.Error(err)
	}
	if _, err := s.GetToken(ctx, "main", storage.KindAccessToken, "sig-gone"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the call that gave up before its batch was written anyway: %v", err)
	}
}

// TestGetTokenBatchBadKey: a signature PostgreSQL cannot take as text
// (a token's tail is the caller's bytes: "ory_at_x.%FF" at /userinfo or
// /introspect) fails its own call only, as alone; the valid calls
// batched beside it still get their records, not an error that the
// introspection endpoint would answer as "inactive".
func TestGetTokenBatchBadKey(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	var alone error
	s, release, selects := held(t, func(s *sqlstore.Store) {
		if err := s.CreateTokens(ctx, ccRecord("sig-a", now), ccRecord("sig-b", now)); err != nil {
			t.Fatal(err)
		}
		_, alone = s.GetToken(ctx, "main", storage.KindAccessToken, "bad-\xff")
	}, "SELECT")
	finish := holdFirst(t, release, selects, func() error { _, err := s.GetToken(ctx, "main", storage.KindAccessToken, "sig-a"); return err })
	sigs := []string{"sig-a", "bad-\xff", "sig-b", "nul-\x00"}
	errs := make([]error, len(sigs))
	var wg sync.WaitGroup
	for i, sig := range sigs {
		wg.Go(func() { _, errs[i] = s.GetToken(ctx, "main", storage.KindAccessToken, sig) })
	}
	waitQueued(t, s.QueuedReads, 2) // the valid keys; a bad one runs alone, never queued
	finish()
	wg.Wait()
	for i, sig := range sigs {
		if strings.HasPrefix(sig, "sig-") {
			if errs[i] != nil {
				t.Errorf("%q failed with a bad key batched beside it: %v", sig, errs[i])
			}
			continue
		}
		if errs[i] == nil || errors.Is(errs[i], storage.ErrUnavailable) {
			t.Errorf("%q: %v, want an error as alone (%v)", sig, errs[i], alone)
		}
	}
}

// TestGetTokenBatchLeaderGivesUp: a call whose statement is running
// returns with its context's error once that ends, even the call that
// started the statement (the batch's leader): it does not wait for a
// statement that is slow to stop.
func TestGetTokenBatchLeaderGivesUp(t *testing.T) {
	ctx := context.Background()
	s, release, selects := held(t, nil, "SELECT")
	defer release()
	gone, cancel := context.WithCancel(ctx)
	defer cancel()
	goneErr := make(chan error, 1)
	go func() {
		_, err := s.GetToken(gone, "main", storage.KindAccessToken, "sig-gone")
		goneErr <- err
	}()
	for selects.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	other := make(chan error, 1)
	go func() {
		_, err := s.GetToken(ctx, "main", storage.KindAccessToken, "sig-other")
		other <- err
	}()
	cancel()
	select {
	case err := <-goneErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the leader whose context ended: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the call that leads a batch still waits for its statement after its context ended")
	}
	release()
	if err := <-other; !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("the call queued behind it: %v, want ErrNotFound", err)
	}
}
