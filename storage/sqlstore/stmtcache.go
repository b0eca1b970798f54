package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// SetSingleWriter makes the store's writers take turns in Go before they
// reach the database: a transaction holds the turn from BEGIN to its end,
// a write outside a transaction for its statement. For SQLite, which
// has one writer at a time: without it, writers that find the lock taken
// poll for it with SQLite's busy handler, which sleeps up to 100 ms
// between tries, so a burst of writes turns into long tail latencies and
// idle CPU. A writer waits at most wait for its turn, then fails with
// storage.ErrSerialization (as SQLite's busy timeout would). Call it
// before the store is used.
//
// Writes outside a transaction then also go through a group commit (see
// groupCommit): those queued while one commits share the next commit.
func (s *Store) SetSingleWriter(wait time.Duration) {
	s.wgate = make(chan struct{}, 1)
	s.wgateWait = wait
	s.group = &groupCommit{}
}

// acquireWrite waits for the write turn (when SetSingleWriter is on) and
// returns its release, which must be called exactly once.
func (s *Store) acquireWrite(ctx context.Context) (func(), error) {
	if s.wgate == nil {
		return func() {}, nil
	}
	select {
	case s.wgate <- struct{}{}:
		return func() { <-s.wgate }, nil
	default:
	}
	t := time.NewTimer(s.wgateWait)
	defer t.Stop()
	select {
	case s.wgate <- struct{}{}:
		return func() { <-s.wgate }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, fmt.Errorf("%s: waited %v for the write lock: %w", s.d.Name, s.wgateWait, storage.ErrSerialization)
	}
}

// CacheStatements keeps up to max prepared statements, one per SQL text,
// and runs every statement through them: the engine parses and plans each
// text once per connection instead of on every call. For SQLite, whose
// driver prepares a statement anew on every call; pgx caches prepared
// statements per connection itself. Statements beyond max, and texts with
// several statements (migrations), run unprepared. Call it before the
// store is used.
func (s *Store) CacheStatements(max int) {
	s.stmts = &stmtCache{m: map[string]*sql.Stmt{}, max: max}
}

type stmtCache struct {
	mu  sync.RWMutex
	m   map[string]*sql.Stmt
	max int
}

// stmt returns the cached prepared statement for query, bound to tx when
// there is one, or nil to run query unprepared.
func (s *Store) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	c := s.stmts
	if c == nil {
		return nil
	}
	c.mu.RLock()
	st, full := c.m[query], len(c.m) >= c.max
	c.mu.RUnlock()
	if st == nil {
		if full || strings.Contains(query, ";") {
			return nil
		}
		// Prepared on the pool, not on tx: a statement prepared in a
		// transaction ends with it. A failure (e.g. a table a migration
		// has yet to create) is left to the unprepared run to report.
		p, err := s.db.PrepareContext(ctx, query)
		if err != nil {
			return nil
		}
		c.mu.Lock()
		if st = c.m[query]; st == nil && len(c.m) < c.max {
			c.m[query], st = p, p
		} else {
			defer p.Close()
		}
		c.mu.Unlock()
		if st == nil {
			return nil
		}
	}
	if tx != nil {
		// Reuses the statement prepared on tx's connection, preparing
		// it there the first time.
		return tx.StmtContext(ctx, st)
	}
	return st
}

// closeStatements closes the cached statements.
func (s *Store) closeStatements() {
	if c := s.stmts; c != nil {
		c.mu.Lock()
		for q, st := range c.m {
			st.Close()
			delete(c.m, q)
		}
		c.mu.Unlock()
	}
}
