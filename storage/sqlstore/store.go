package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Store implements storage.Storage over a *sql.DB.
type Store struct {
	db         *sql.DB
	d          Dialect
	migrations fs.FS
	counter    atomic.Pointer[func(query string)]
	// events is the background usage-log writer, nil when AppendEvent
	// inserts at once; ewMu serialises starting and stopping it.
	events atomic.Pointer[eventWriter]
	ewMu   sync.Mutex
	// wgate, when set, is the write turn (SetSingleWriter).
	wgate     chan struct{}
	wgateWait time.Duration
	stmts     *stmtCache         // nil unless CacheStatements
	group     *groupCommit       // nil unless SetSingleWriter
	issue     *batcher[*issueOp] // nil unless BatchStatements
	reads     *batcher[*readOp]  // nil unless BatchStatements
	// bg runs the backend's background work (Go) until Close.
	bgCtx    context.Context
	bgCancel context.CancelFunc
	bg       sync.WaitGroup
}

// Interface guards.
var _ storage.Storage = (*Store)(nil)

// New wraps an open database. migrations holds the backend's versioned
// files (NNNN_name.sql at its root) that Migrate applies.
func New(db *sql.DB, d Dialect, migrations fs.FS) *Store {
	s := &Store{db: db, d: d, migrations: migrations}
	s.bgCtx, s.bgCancel = context.WithCancel(context.Background())
	return s
}

// Go runs fn in the background until Close, which cancels its context
// and waits for it to return (a backend's housekeeping, e.g. SQLite's
// WAL checkpoints).
func (s *Store) Go(fn func(ctx context.Context)) {
	s.bg.Go(func() { fn(s.bgCtx) })
}

// DB returns the underlying pool (for backend-specific tests and tools).
func (s *Store) DB() *sql.DB { return s.db }

// SetStatementCounter installs fn to be called once for every statement
// sent to the database: each query with its SQL text, and "BEGIN",
// "COMMIT" and "ROLLBACK" for transaction control. Tests use it to count
// round trips per flow. nil removes it. Safe to call concurrently.
func (s *Store) SetStatementCounter(fn func(query string)) {
	if fn == nil {
		s.counter.Store(nil)
		return
	}
	s.counter.Store(&fn)
}

func (s *Store) count(query string) {
	if fn := s.counter.Load(); fn != nil {
		(*fn)(query)
	}
}

// Ping reports whether the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	return s.wrap(s.d.Name+": ping", s.db.PingContext(ctx))
}

// Stats reports connection pool figures.
func (s *Store) Stats() storage.PoolStats {
	st := s.db.Stats()
	return storage.PoolStats{
		Open:         st.OpenConnections,
		InUse:        st.InUse,
		Idle:         st.Idle,
		WaitCount:    st.WaitCount,
		WaitDuration: st.WaitDuration,
	}
}

// Close writes the events still queued for the background writer, if
// one runs, and closes the pool.
func (s *Store) Close() error {
	err := s.StopEventWriter()
	s.bgCancel()
	s.bg.Wait()
	s.closeStatements()
	return errors.Join(err, s.db.Close())
}
