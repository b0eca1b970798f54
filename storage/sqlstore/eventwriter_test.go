package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/postgres"
	"github.com/oidcp/oidcp/storage/postgres/pgtest"
	"github.com/oidcp/oidcp/storage/sqlite"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

// backends opens a migrated store of each engine; the caller closes it.
func backends(t *testing.T) map[string]func(t *testing.T) (*sqlstore.Store, string) {
	return map[string]func(t *testing.T) (*sqlstore.Store, string){
		"sqlite": func(t *testing.T) (*sqlstore.Store, string) {
			path := filepath.Join(t.TempDir(), "oidcp.db")
			s, err := sqlite.Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			return s, "sqlite:" + path
		},
		"postgres": func(t *testing.T) (*sqlstore.Store, string) {
			dsn := pgtest.NewDatabase(t)
			s, err := postgres.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			return s, dsn
		},
	}
}

func reopen(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	var s *sqlstore.Store
	var err error
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		s, err = sqlite.Open(t.Context(), p)
	} else {
		s, err = postgres.Open(t.Context(), dsn)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestEventWriter: with the background writer, concurrent appends are
// batched into few statements, a reader on the same store sees every
// event appended before it reads (with Wait, so does a reader on another
// connection), an append inside a transaction still rolls back with it,
// and Close writes every queued event, which a second connection to the
// database then finds (a clean shutdown loses nothing).
func TestEventWriter(t *testing.T) {
	for name, open := range backends(t) {
		for _, wait := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/wait=%v", name, wait), func(t *testing.T) {
				testEventWriter(t, open, wait)
			})
		}
	}
}

func testEventWriter(t *testing.T, open func(t *testing.T) (*sqlstore.Store, string), wait bool) {
	s, dsn := open(t)
	other := reopen(t, dsn)
	var mu sync.Mutex
	var inserts int
	s.SetStatementCounter(func(q string) {
		if strings.HasPrefix(q, "INSERT INTO events") {
			mu.Lock()
			inserts++
			mu.Unlock()
		}
	})
	var errs []error
	s.StartEventWriter(sqlstore.EventWriterOptions{Wait: wait, OnError: func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}})
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id, err := s.AppendEvent(ctx, storage.Event{Tenant: "main", Time: at, Kind: "token_issued", ClientID: fmt.Sprintf("c%03d", i)})
			if err != nil || id != 0 {
				t.Errorf("queued append = %d, %v; want 0, nil", id, err)
			}
		})
	}
	wg.Wait()
	if wait {
		// Committed before AppendEvent returned: visible on
		// another connection at once.
		if got, err := other.ListEvents(ctx, storage.EventFilter{Tenant: "main"}); err != nil || len(got) != n {
			t.Errorf("another connection sees %d of %d appended events (%v)", len(got), n, err)
		}
	}
	got, err := s.ListEvents(ctx, storage.EventFilter{Tenant: "main"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("ListEvents after %d queued appends: %d events", n, len(got))
	}
	mu.Lock()
	// Without Wait the writer lingers for more; with it, batches are
	// whatever queued during the previous commit, which depends on timing.
	if !wait && inserts >= n/2 {
		t.Errorf("%d INSERT statements for %d events; want batches", inserts, n)
	}
	mu.Unlock()

	// Inside a transaction the event is part of it.
	txctx, err := s.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := s.AppendEvent(txctx, storage.Event{Tenant: "tx", Time: at, Kind: "login"}); err != nil || id == 0 {
		t.Fatalf("append in a transaction = %d, %v; want an id", id, err)
	}
	if err := s.Rollback(txctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ListEvents(ctx, storage.EventFilter{Tenant: "tx"}); len(got) != 0 {
		t.Errorf("an event appended in a rolled-back transaction was kept: %v", got)
	}

	// Close writes what is still queued.
	for i := range 50 {
		if _, err := s.AppendEvent(ctx, storage.Event{Tenant: "late", Time: at, Kind: "logout", Actor: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	late, err := other.ListEvents(ctx, storage.EventFilter{Tenant: "late"})
	if err != nil || len(late) != 50 {
		t.Errorf("after Close a new connection finds %d of 50 queued events (%v)", len(late), err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("writer errors: %v", errs)
	}
}

// TestEventWriterQueueFull: when the database does not take events, a
// full queue makes AppendEvent fail after EnqueueWait with
// ErrUnavailable instead of growing without bound or blocking forever.
func TestEventWriterQueueFull(t *testing.T) {
	s, _ := backends(t)["sqlite"](t)
	// Hold SQLite's write lock so the writer cannot commit.
	txctx, err := s.BeginTx(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.StartEventWriter(sqlstore.EventWriterOptions{QueueSize: 4, MaxBatch: 2, Linger: time.Millisecond, EnqueueWait: 50 * time.Millisecond, StopWait: time.Second})
	ev := storage.Event{Tenant: "main", Time: time.Now(), Kind: "login"}
	var full error
	for range 20 {
		if _, err := s.AppendEvent(context.Background(), ev); err != nil {
			full = err
			break
		}
	}
	if full == nil || !errors.Is(full, storage.ErrUnavailable) {
		t.Errorf("append to a full queue = %v, want ErrUnavailable", full)
	}
	if err := s.Rollback(txctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close once the database is free again: %v", err)
	}
}

// TestEventWriterMaxLag: without Wait an append returns once queued, but
// once the writer is more than MaxLag behind (here: the database's write
// lock is held), appends wait for their commit, so a crash cannot lose
// more than about MaxLag of events.
func TestEventWriterMaxLag(t *testing.T) {
	s, dsn := backends(t)["sqlite"](t)
	defer s.Close()
	txctx, err := s.BeginTx(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.StartEventWriter(sqlstore.EventWriterOptions{MaxLag: 20 * time.Millisecond, Linger: time.Millisecond, StopWait: time.Second})
	ev := storage.Event{Tenant: "main", Time: time.Now(), Kind: "login"}
	if _, err := s.AppendEvent(context.Background(), ev); err != nil {
		t.Fatalf("first append (writer not behind): %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	returned := make(chan error, 1)
	go func() {
		_, err := s.AppendEvent(context.Background(), ev)
		returned <- err
	}()
	select {
	case err := <-returned:
		t.Fatalf("append while the writer is behind returned before its commit (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := s.Rollback(txctx); err != nil {
		t.Fatal(err)
	}
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	// Committed when it returned: visible on another connection.
	if got, err := reopen(t, dsn).ListEvents(context.Background(), storage.EventFilter{Tenant: "main"}); err != nil || len(got) != 2 {
		t.Errorf("another connection sees %d of 2 events (%v)", len(got), err)
	}
}

// TestInsertEventsBatch: the writer's batch of any size reads back
// exactly as appended and in order (ids follow the batch), on PostgreSQL
// in one statement and no transaction of its own.
func TestInsertEventsBatch(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			s, _ := open(t)
			defer s.Close()
			ctx := context.Background()
			at := time.Date(2026, 11, 30, 10, 0, 0, 123456000, time.UTC)
			for _, n := range []int{3, 70} {
				tenant := fmt.Sprintf("t%d", n)
				es := make([]storage.Event, n)
				for i := range es {
					es[i] = storage.Event{Tenant: tenant, Time: at.Add(time.Duration(i) * time.Second), Kind: "token_issued",
						Actor: fmt.Sprintf("a%d", i), Subject: fmt.Sprintf("s%d", i), ClientID: "c", SessionID: "sess", GrantID: fmt.Sprintf("g%d", i%2)}
					if i%2 == 0 {
						es[i].Detail = []byte(fmt.Sprintf(`{"i":%d,"ø":"æ"}`, i))
					}
				}
				var statements []string
				s.SetStatementCounter(func(q string) { statements = append(statements, q) })
				if err := s.InsertEvents(ctx, es); err != nil {
					t.Fatal(err)
				}
				s.SetStatementCounter(nil)
				if name == "postgres" && len(statements) != 1 {
					t.Errorf("%d events: %d statements, want 1: %q", n, len(statements), statements)
				}
				got, err := s.ListEvents(ctx, storage.EventFilter{Tenant: tenant})
				if err != nil || len(got) != n {
					t.Fatalf("%d events: read %d (%v)", n, len(got), err)
				}
				for i, g := range got {
					want := es[n-1-i] // newest (highest id) first
					g.ID = 0
					if !g.Time.Equal(want.Time) || string(g.Detail) != string(want.Detail) {
						t.Errorf("event %d: time %v detail %q, want %v %q", n-1-i, g.Time, g.Detail, want.Time, want.Detail)
					}
					g.Time, g.Detail, want.Time, want.Detail = time.Time{}, nil, time.Time{}, nil
					if fmt.Sprint(g) != fmt.Sprint(want) {
						t.Errorf("event %d: %+v, want %+v", n-1-i, g, want)
					}
				}
			}
		})
	}
}
