package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// maxGroup bounds the statements one group commit carries.
const maxGroup = 128

// groupCommit batches the writes made outside a transaction on a
// single-writer engine (SQLite): whoever finds no batch running leads,
// takes every write queued meanwhile and runs them in one transaction,
// then hands the lead to the first write queued during its commit. On
// SQLite every commit writes the changed pages to the WAL with a syscall
// each, so tokens of 32 concurrent requests committed together touch the
// shared index pages once instead of 32 times. Each write is still its
// own statement: a failing one (a duplicate key) is undone alone, as
// SQLite undoes a failed statement inside a transaction, and the others
// commit; every caller gets its result only after the commit.
type groupCommit struct {
	mu      sync.Mutex
	pending []*writeOp
	leading bool
}

type writeOp struct {
	ctx   context.Context
	query string
	args  []any
	res   sql.Result
	err   error
	done  chan struct{}
	lead  chan struct{} // closed when this op's caller is to lead the next batch
}

// execGrouped runs a write outside a transaction through the group commit.
func (s *Store) execGrouped(ctx context.Context, query string, args []any) (sql.Result, error) {
	g := s.group
	op := &writeOp{ctx: ctx, query: query, args: args, done: make(chan struct{}), lead: make(chan struct{})}
	g.mu.Lock()
	g.pending = append(g.pending, op)
	leader := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !leader {
		select {
		case <-op.done:
			return op.res, op.err
		case <-op.lead:
		}
	}
	g.mu.Lock()
	n := min(len(g.pending), maxGroup)
	batch := g.pending[:n:n]
	g.pending = append([]*writeOp(nil), g.pending[n:]...)
	g.mu.Unlock()
	s.runGroup(batch)
	g.mu.Lock()
	if len(g.pending) > 0 {
		close(g.pending[0].lead)
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	// The leader's own op is in the batch it ran: a follower promoted
	// to lead was pending, hence in that batch's head.
	<-op.done
	return op.res, op.err
}

// runGroup runs batch, one statement alone, several in one transaction.
// The statements run without their callers' cancellation: SQLite
// interrupting one inside a transaction would roll back the others.
func (s *Store) runGroup(batch []*writeOp) {
	defer func() {
		for _, op := range batch {
			close(op.done)
		}
	}()
	fail := func(err error) {
		for _, op := range batch {
			op.res, op.err = nil, err
		}
	}
	// The gate's own timeout bounds the wait; one caller's cancellation
	// must not fail the others' writes.
	release, err := s.acquireWrite(context.WithoutCancel(batch[0].ctx))
	if err != nil {
		fail(err)
		return
	}
	defer release()
	if len(batch) == 1 {
		op := batch[0]
		ctx := context.WithoutCancel(op.ctx)
		if st := s.stmt(ctx, nil, op.query); st != nil {
			op.res, op.err = st.ExecContext(ctx, op.args...)
		} else {
			op.res, op.err = s.db.ExecContext(ctx, op.query, op.args...)
		}
		return
	}
	ctx := context.WithoutCancel(batch[0].ctx)
	s.count("BEGIN")
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return
	}
	for _, op := range batch {
		if st := s.stmt(ctx, tx, op.query); st != nil {
			op.res, op.err = st.ExecContext(ctx, op.args...)
		} else {
			op.res, op.err = tx.ExecContext(ctx, op.query, op.args...)
		}
	}
	s.count("COMMIT")
	if err := tx.Commit(); err != nil {
		for _, op := range batch {
			if op.err == nil {
				op.res, op.err = nil, err
			}
		}
	}
}
