package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// batcher merges the calls of concurrent requests into one statement (on
// a server database, where each statement is a round trip, and each
// write its own commit). A call queues its op; while fewer than max
// batches are running it leads: it takes the queue's head, as many ops
// as fit in one statement, starts them on a goroutine that holds one of
// the max turns, and goes on until its own op is taken. A lone call runs
// at once, as without batching; every caller gets
// its result only after its op's statement has run, or its context's
// error if that ends first. A batch's statement is cancelled only when
// every caller in it has given up: one caller leaving must not fail the
// others.
type batcher[T any] struct {
	max    int                                       // batches running at once
	limit  int                                       // weight one batch carries
	weight func(T) int                               // of an op (at least 1)
	run    func(ctx context.Context, ops []T, w int) // runs a batch and sets each op's result

	mu      sync.Mutex
	cond    *sync.Cond // on mu: ops were taken, a batch ended, or a waiter's context ended
	pending []*batchItem[T]
	leading int
}

type batchItem[T any] struct {
	ctx   context.Context
	op    T
	taken bool // by a leader, under mu
	done  chan struct{}
}

func newBatcher[T any](inflight, limit int, weight func(T) int, run func(context.Context, []T, int)) *batcher[T] {
	b := &batcher[T]{max: max(inflight, 1), limit: limit, weight: weight, run: run}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// do runs op in a batch and returns once it has run (nil), or with ctx's
// error once ctx ends first: then op may still run, and its result is
// not to be read. While fewer than max batches run, a call starts the
// next one from the queue's head, on a goroutine of its own, until its
// op is taken; so every caller, the one that started its batch too,
// waits only as long as its own context lets it.
func (b *batcher[T]) do(ctx context.Context, op T) error {
	it := &batchItem[T]{ctx: ctx, op: op, done: make(chan struct{})}
	var stop func() bool
	b.mu.Lock()
	b.pending = append(b.pending, it)
	for !it.taken {
		if b.leading < b.max {
			b.leading++
			batch, w := b.take()
			go b.lead(batch, w)
			continue
		}
		if ctx.Err() != nil {
			b.pending = slices.DeleteFunc(b.pending, func(p *batchItem[T]) bool { return p == it })
			b.mu.Unlock()
			if stop != nil {
				stop()
			}
			return ctx.Err()
		}
		if stop == nil {
			stop = context.AfterFunc(ctx, func() {
				b.mu.Lock()
				b.cond.Broadcast()
				b.mu.Unlock()
			})
		}
		b.cond.Wait()
	}
	b.mu.Unlock()
	if stop != nil {
		stop()
	}
	select {
	case <-it.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lead runs batch, one of the max, and steps down.
func (b *batcher[T]) lead(batch []*batchItem[T], w int) {
	b.runBatch(batch, w)
	b.mu.Lock()
	b.leading--
	b.cond.Broadcast()
	b.mu.Unlock()
}

// runBatch runs batch under a context that ends when every caller's has.
func (b *batcher[T]) runBatch(batch []*batchItem[T], w int) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(batch[0].ctx))
	var left atomic.Int32
	left.Store(int32(len(batch)))
	stops := make([]func() bool, len(batch))
	ops := make([]T, len(batch))
	for i, t := range batch {
		ops[i] = t.op
		stops[i] = context.AfterFunc(t.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
	}
	b.run(ctx, ops, w)
	for i, t := range batch {
		stops[i]()
		close(t.done)
	}
	cancel()
}

// take removes the longest run of pending ops, from the head, that fits
// in one batch (at least one op), and wakes their callers. Called with
// mu held and the queue not empty.
func (b *batcher[T]) take() ([]*batchItem[T], int) {
	n, w := 0, 0
	for n < len(b.pending) && (n == 0 || w+b.weight(b.pending[n].op) <= b.limit) {
		b.pending[n].taken = true
		w += b.weight(b.pending[n].op)
		n++
	}
	batch := b.pending[:n:n]
	b.pending = append([]*batchItem[T](nil), b.pending[n:]...)
	b.cond.Broadcast()
	return batch, w
}

// maxBatchRows bounds the rows one batched statement writes or reads.
const maxBatchRows = 64

// BatchStatements makes the store merge concurrent calls outside a
// transaction into shared statements, with at most inflight of each kind
// running at once: IssueTokens into one INSERT (issueOp), and GetToken
// into one SELECT (readOp). Each takes its rows as arrays, so it has one
// text whatever the batch's size: one prepared statement per connection,
// not one per size. For a server database whose dialect has Arrays
// (without, it does nothing); call it before the store is used.
func (s *Store) BatchStatements(inflight int) {
	if !s.d.Arrays {
		return
	}
	s.issue = newBatcher(inflight, maxBatchRows, func(op *issueOp) int { return len(op.recs) }, s.runIssue)
	s.reads = newBatcher(inflight, maxBatchRows, func(*readOp) int { return 1 }, s.runReads)
}

// issueOp is one IssueTokens call. The batch's statement is the same
// relaxed-commit INSERT a lone call runs, so a batch is exactly as
// durable as its calls one by one.
type issueOp struct {
	ctx  context.Context
	recs []storage.TokenRecord
	err  error
}

// runIssue writes the ops' records in one statement, or, if that fails,
// each op's alone, so that one bad record (a duplicate signature) fails
// only its own caller.
func (s *Store) runIssue(ctx context.Context, ops []*issueOp, rows int) {
	if len(ops) == 1 {
		ops[0].err = s.createTokens(ctx, s.d.RelaxedCommit, ops[0].recs)
		return
	}
	all := make([]storage.TokenRecord, 0, rows)
	for _, op := range ops {
		all = append(all, op.recs...)
	}
	err := s.insertTokenArrays(ctx, all)
	if err == nil {
		return
	}
	if errors.Is(s.wrap("", err), storage.ErrUnavailable) || ctx.Err() != nil {
		// Not one record's fault: alone, each call would fail the same
		// way, one after another (a connect timeout each, against a
		// silent server).
		for _, op := range ops {
			op.err = s.wrap(fmt.Sprintf("create %d tokens", len(op.recs)), err)
		}
		return
	}
	for _, op := range ops {
		op.err = s.createTokens(op.ctx, s.d.RelaxedCommit, op.recs)
	}
}

// readOp is one GetToken call. A batched read starts after every call in
// it was made, so it sees all that any of them would have seen alone.
type readOp struct {
	tenant, kind, signature string
	rec                     storage.TokenRecord
	err                     error
}

// runReads reads the ops' records with one SELECT joined to the arrays of
// keys; an op whose key has no row gets storage.ErrNotFound.
func (s *Store) runReads(ctx context.Context, ops []*readOp, _ int) {
	if len(ops) == 1 {
		op := ops[0]
		op.rec, op.err = s.getToken(ctx, op.tenant, op.kind, op.signature)
		return
	}
	tenants, kinds, sigs := make([]string, len(ops)), make([]string, len(ops)), make([]string, len(ops))
	for i, op := range ops {
		tenants[i], kinds[i], sigs[i] = op.tenant, op.kind, op.signature
	}
	recs, err := queryAll(ctx, s, scanToken, batchGetTokens, tenants, kinds, sigs)
	if err != nil {
		for _, op := range ops {
			op.err = s.wrap("get "+op.kind, err)
		}
		return
	}
	// Rows match on the whole key; two calls for one key share its row.
	type key struct{ tenant, kind, signature string }
	found := make(map[key]storage.TokenRecord, len(recs))
	for _, r := range recs {
		found[key{r.Tenant, string(r.Kind), r.Signature}] = r
	}
	for _, op := range ops {
		if r, ok := found[key{op.tenant, op.kind, op.signature}]; ok {
			op.rec = r
		} else {
			op.err = s.wrap("get "+op.kind, sql.ErrNoRows)
		}
	}
}

// batchGetTokens reads the tokens of three arrays of keys, one text for
// any number of keys: one primary-key lookup per key. The lookup is a
// LATERAL subquery with LIMIT 1 (the key is unique, so it changes no
// result) because that cannot be flattened into a join: as a plain join,
// a connection that first ran it while the table was nearly empty cached
// a hash join over a sequential scan of tokens, and kept it as the table
// grew until the next ANALYZE (an introspection cost PostgreSQL 245 µs
// instead of 25, TestBatchedReadKeepsTheIndex).
var batchGetTokens = `SELECT ` + tokenColsOf("t") + `
	FROM unnest($1::text[], $2::text[], $3::text[]) AS k(tenant, kind, signature)
	CROSS JOIN LATERAL (SELECT * FROM tokens t
		WHERE t.tenant = k.tenant AND t.kind = k.kind AND t.signature = k.signature LIMIT 1) t`

// batchInsertTokens inserts the rows of one array per column, one text
// for any number of rows.
const batchInsertTokens = `INSERT INTO tokens (` + tokenCols + `)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
		$9::boolean[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::bytea[])`

// insertTokenArrays is insertTokens for a batch, with the relaxed
// commit, the driver's error unwrapped.
func (s *Store) insertTokenArrays(ctx context.Context, ts []storage.TokenRecord) error {
	n := len(ts)
	kinds, sigs, tenants, reqs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	clients, subjects, sessions, grants := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	active, accessSigs := make([]bool, n), make([]string, n)
	requested, expires := make([]*time.Time, n), make([]*time.Time, n)
	data := make([][]byte, n)
	for i, t := range ts {
		kinds[i], sigs[i], tenants[i], reqs[i] = string(t.Kind), t.Signature, t.Tenant, t.RequestID
		clients[i], subjects[i], sessions[i], grants[i] = t.ClientID, t.Subject, t.SessionID, t.GrantID
		active[i], accessSigs[i] = t.Active, t.AccessSignature
		requested[i], expires[i] = arrayTime(t.RequestedAt), arrayTime(t.ExpiresAt)
		if len(t.Data) > 0 { // empty reads back as nil, as blob makes it
			data[i] = t.Data
		}
	}
	_, err := s.exec(ctx, batchInsertTokens+s.d.RelaxedCommit,
		kinds, sigs, tenants, reqs, clients, subjects, sessions, grants, active, accessSigs, requested, expires, data)
	return err
}

// arrayTime is tm for an array element: nil (NULL) for the zero time,
// else the time at the column's precision.
func arrayTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}

// tokenColsOf is tokenCols qualified by a table alias.
func tokenColsOf(alias string) string {
	cols := strings.Split(tokenCols, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
