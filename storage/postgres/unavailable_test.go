package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

// TestUnavailableWhenServerUnreachable: with nothing listening on the
// database's port, every call fails with storage.ErrUnavailable, never
// with ErrNotFound (which the provider would read as an unknown client
// or an expired login).
func TestUnavailableWhenServerUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the port is now closed: connect is refused
	db, err := openDB(fmt.Sprintf("postgres://postgres@%s/oidcp", addr))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := sqlstore.New(db, Dialect, Migrations)
	ctx := t.Context()
	calls := map[string]func() error{
		"GetClient": func() error { _, err := s.GetClient(ctx, "main", "tool"); return err },
		"GetToken":  func() error { _, err := s.GetToken(ctx, "main", storage.KindAccessToken, "sig"); return err },
		"CreateToken": func() error {
			return s.CreateToken(ctx, storage.TokenRecord{Kind: storage.KindAccessToken, Signature: "sig", Tenant: "main", Active: true, RequestedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)})
		},
		"GetSession": func() error { _, err := s.GetSession(ctx, "sid"); return err },
		"TakeFlow":   func() error { _, err := s.TakeFlow(ctx, "flow", "login"); return err },
		"BeginTx":    func() error { _, err := s.BeginTx(ctx); return err },
		"Ping":       func() error { return s.Ping(ctx) },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, storage.ErrUnavailable) || errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: %v, want storage.ErrUnavailable", name, err)
		}
	}
}

// TestUnavailableWhenServerSilent: a server that takes the connection and
// never answers (a hung or partitioned host) fails the call as
// unavailable after the connect timeout, rather than holding the
// request for the operating system's TCP timeout.
func TestUnavailableWhenServerSilent(t *testing.T) {
	s := silentStore(t)
	start := time.Now()
	_, err := s.GetClient(t.Context(), "main", "tool")
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Errorf("GetClient from a silent server: %v, want storage.ErrUnavailable", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("GetClient took %v with a 300ms connect timeout", d)
	}
}

// TestIsUnavailable: the server's own "not serving" answers count as
// unavailable; a constraint violation does not.
func TestIsUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin_shutdown
		{&pgconn.PgError{Code: "57P03"}, true}, // cannot_connect_now
		{&pgconn.PgError{Code: "08006"}, true}, // connection_failure
		{&pgconn.PgError{Code: "53300"}, true}, // too_many_connections
		{&pgconn.PgError{Code: "23505"}, false},
		{&pgconn.PgError{Code: "40001"}, false},
		{context.Canceled, false},
		{errors.New("syntax error"), false},
	} {
		if got := isUnavailable(fmt.Errorf("wrapped: %w", tc.err)); got != tc.want {
			t.Errorf("isUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestBatchedIssuesUnavailableOnce: when a batch of IssueTokens calls
// fails because the database does not answer, each call gets that
// failure (storage.ErrUnavailable) at once; it is not tried again alone,
// which against a silent server costs a connect timeout per call, one
// after another.
func TestBatchedIssuesUnavailableOnce(t *testing.T) {
	s := silentStore(t)
	s.BatchStatements(1)
	gate := make(chan struct{})
	var inserts atomic.Int64
	s.SetStatementCounter(func(q string) {
		if strings.HasPrefix(q, "INSERT INTO tokens") && inserts.Add(1) == 1 {
			<-gate
		}
	})
	ctx := t.Context()
	now := time.Now()
	rec := func(sig string) storage.TokenRecord {
		return storage.TokenRecord{Kind: storage.KindAccessToken, Signature: sig, Tenant: "main", Active: true, RequestedAt: now, ExpiresAt: now.Add(time.Hour)}
	}
	first := make(chan error, 1)
	go func() { first <- s.IssueTokens(ctx, rec("sig-first")) }()
	for inserts.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = s.IssueTokens(ctx, rec(fmt.Sprintf("sig-%d", i))) })
	}
	time.Sleep(200 * time.Millisecond) // the calls queue behind the held INSERT
	close(gate)
	<-first
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("call %d: %v, want storage.ErrUnavailable", i, err)
		}
	}
	// The held INSERT, then the batch of six: no call alone after it.
	if got := inserts.Load(); got != 2 {
		t.Errorf("%d INSERTs, want 2: a batch the database did not answer was tried again call by call", got)
	}
}

// TestEventAppendFailsFastWhileAway: an append that would wait for its
// usage-log event's commit (the writer is behind) fails with
// storage.ErrUnavailable as soon as the writer finds the database away,
// both when it was already waiting and when it comes after; it is not
// held for the writer's whole retry bound (EnqueueWait + StopWait, 11 s
// by default), which held requests whose answers were already written.
func TestEventAppendFailsFastWhileAway(t *testing.T) {
	s := silentStore(t)
	s.StartEventWriter(sqlstore.EventWriterOptions{MaxLag: 20 * time.Millisecond, Linger: time.Millisecond, EnqueueWait: 10 * time.Second, StopWait: 500 * time.Millisecond})
	defer s.StopEventWriter()
	ev := storage.Event{Tenant: "main", Time: time.Now(), Kind: "token"}
	if _, err := s.AppendEvent(t.Context(), ev); err != nil {
		t.Fatalf("first append (writer not behind): %v", err)
	}
	time.Sleep(50 * time.Millisecond) // behind now; the writer's first try waits for its connect timeout
	for _, name := range []string{"waiting when the writer found the database away", "after it"} {
		start := time.Now()
		_, err := s.AppendEvent(t.Context(), ev)
		if !errors.Is(err, storage.ErrUnavailable) {
			t.Errorf("append %s: %v, want storage.ErrUnavailable", name, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("append %s took %v", name, d)
		}
	}
}

// silentStore is a store on a server that takes connections and never
// answers (the kernel completes the handshakes; nobody reads), with a
// connect timeout of 300 ms.
func silentStore(t *testing.T) *sqlstore.Store {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	old := defaultConnectTimeout
	defaultConnectTimeout = 300 * time.Millisecond
	t.Cleanup(func() { defaultConnectTimeout = old })
	db, err := openDB("postgres://postgres@" + ln.Addr().String() + "/oidcp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return sqlstore.New(db, Dialect, Migrations)
}

// TestEventAppendRefusedWhileAway: once the writer has found the
// database away, an append fails at once even when the writer is not
// behind (MaxLag not reached) and nothing waits for a commit: its event
// is not queued, so a grant that records its event before answering
// (client_credentials, whose sealed token needs no database) refuses
// instead of issuing a token the usage log does not hold.
func TestEventAppendRefusedWhileAway(t *testing.T) {
	s := silentStore(t)
	s.StartEventWriter(sqlstore.EventWriterOptions{MaxLag: time.Minute, Linger: time.Millisecond, EnqueueWait: 10 * time.Second, StopWait: 500 * time.Millisecond})
	defer s.StopEventWriter()
	ev := storage.Event{Tenant: "main", Time: time.Now(), Kind: "token"}
	if _, err := s.AppendEvent(t.Context(), ev); err != nil {
		t.Fatalf("first append: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		start := time.Now()
		_, err := s.AppendEvent(t.Context(), ev)
		if errors.Is(err, storage.ErrUnavailable) {
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Errorf("the refused append took %v", d)
			}
			return
		}
		if err != nil {
			t.Fatalf("append: %v, want nil or storage.ErrUnavailable", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("appends still succeed 5 s after the writer's first try at a database that does not answer")
		}
	}
}
