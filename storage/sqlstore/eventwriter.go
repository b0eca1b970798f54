package sqlstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// EventWriterOptions tune the background usage-log writer.
type EventWriterOptions struct {
	// QueueSize bounds the events waiting to be written. Default 4096.
	QueueSize int
	// MaxBatch bounds the events written in one transaction. Default 256.
	MaxBatch int
	// Wait makes AppendEvent return only once its event is committed
	// (group commit: events of concurrent requests share one
	// transaction, and a crash loses none that a caller saw appended).
	// Without it AppendEvent returns once the event is queued.
	Wait bool
	// Linger is how long the writer waits for more events after the
	// first of a batch, so that a burst shares one commit. Default 5ms
	// without Wait; 0 with Wait, where the events that arrive while a
	// batch commits form the next one.
	Linger time.Duration
	// MaxLag bounds, without Wait, how far the writer may fall behind:
	// while the oldest event not yet committed was queued more than
	// MaxLag ago (the database is slow or away), AppendEvent waits for
	// its event's commit as with Wait. So a crash loses at most the
	// events of about MaxLag plus one commit. Default 50ms. While the
	// writer's last try found the database unavailable, every append
	// fails at once with storage.ErrUnavailable: one made then is not
	// queued (its caller learns that nothing was recorded, and a grant
	// that records its event before answering refuses), one already
	// waiting for its commit stays queued.
	MaxLag time.Duration
	// EnqueueWait is how long AppendEvent waits for room in a full queue
	// (the database is slower than the event rate, or down) before it
	// fails with storage.ErrUnavailable. Default 1s.
	EnqueueWait time.Duration
	// StopWait bounds how long stopping keeps retrying a batch the
	// database does not take. Default 10s.
	StopWait time.Duration
	// OnError is told of every failed batch write (the writer retries
	// it) and of every event it had to give up. May be nil.
	OnError func(err error)
}

// eventItem is an event to write (done, when set, receives the outcome
// of its write), or a marker (mark set) that everything queued before it
// has been written: FlushEvents and stopping send one and wait for done.
type eventItem struct {
	e    storage.Event
	done chan error
	mark bool
	stop bool
}

// eventWriter appends usage-log events in batches from one goroutine, so
// that a request does not pay a transaction (and, on PostgreSQL, a WAL
// flush) for its event: events of concurrent requests share one commit.
type eventWriter struct {
	s    *Store
	o    EventWriterOptions
	q    chan eventItem
	mu   sync.RWMutex // held for reading while enqueueing; stop takes it to close
	shut bool
	// behindSince is when the oldest event not yet committed was queued
	// (UnixNano, an upper bound on its age), 0 when all are committed.
	behindSince atomic.Int64
	// stopBy is when stopping gives up a batch the database does not
	// take (UnixNano), 0 until stop is called.
	stopBy atomic.Int64
	// awayC is closed while the database is away (the writer's last try
	// found it unavailable), and replaced by an open one when a write
	// succeeds; awayMu guards it.
	awayMu sync.Mutex
	awayC  chan struct{}
	away   bool
}

// awaySignal is closed while the database is away.
func (w *eventWriter) awaySignal() <-chan struct{} {
	w.awayMu.Lock()
	defer w.awayMu.Unlock()
	return w.awayC
}

// isAway reports whether the writer's last try found the database
// unavailable.
func (w *eventWriter) isAway() bool {
	w.awayMu.Lock()
	defer w.awayMu.Unlock()
	return w.away
}

// setAway records whether the writer's last try found the database
// unavailable, and wakes the appends waiting for a commit when it did.
func (w *eventWriter) setAway(away bool) {
	w.awayMu.Lock()
	defer w.awayMu.Unlock()
	switch {
	case away && !w.away:
		close(w.awayC)
	case !away && w.away:
		w.awayC = make(chan struct{})
	}
	w.away = away
}

// StartEventWriter makes AppendEvent, outside a transaction, hand the
// event to a background writer instead of inserting it, and return id 0
// once the event is committed (Wait) or queued. Events are written in
// order, a batch per transaction (one multi-row INSERT); ListEvents first
// waits for those queued before it, so a reader on this node sees its own
// events. An AppendEvent inside a transaction still inserts at once, so
// the event commits or rolls back with the rest. StopEventWriter (and
// Close) write everything queued before returning, so a clean shutdown
// loses no event; without Wait a crash loses what was queued and not yet
// committed. Starting a running writer is a no-op.
func (s *Store) StartEventWriter(o EventWriterOptions) {
	if o.QueueSize <= 0 {
		o.QueueSize = 4096
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Linger <= 0 && !o.Wait {
		o.Linger = 5 * time.Millisecond
	}
	if o.MaxLag <= 0 {
		o.MaxLag = 50 * time.Millisecond
	}
	if o.EnqueueWait <= 0 {
		o.EnqueueWait = time.Second
	}
	if o.StopWait <= 0 {
		o.StopWait = 10 * time.Second
	}
	s.ewMu.Lock()
	defer s.ewMu.Unlock()
	if s.events.Load() != nil {
		return
	}
	w := &eventWriter{s: s, o: o, q: make(chan eventItem, o.QueueSize), awayC: make(chan struct{})}
	s.events.Store(w)
	go w.run()
}

// StopEventWriter writes every queued event and returns AppendEvent to
// inserting at once. It returns the error of a batch it had to give up.
func (s *Store) StopEventWriter() error {
	s.ewMu.Lock()
	defer s.ewMu.Unlock()
	w := s.events.Load()
	if w == nil {
		return nil
	}
	err := w.stop()
	s.events.Store(nil)
	return err
}

// FlushEvents waits until every event queued before the call is written.
func (s *Store) FlushEvents(ctx context.Context) error {
	if w := s.events.Load(); w != nil {
		return w.flush(ctx)
	}
	return nil
}

// enqueue queues e; ok is false when the writer has stopped (the caller
// then inserts e itself).
func (w *eventWriter) enqueue(ctx context.Context, e storage.Event) (ok bool, err error) {
	if w.isAway() {
		return true, fmt.Errorf("append event: the database is unavailable; the event was not queued: %w", storage.ErrUnavailable)
	}
	it := eventItem{e: e}
	if w.o.Wait || w.lagging() {
		it.done = make(chan error, 1)
	} else {
		w.behindSince.CompareAndSwap(0, time.Now().UnixNano())
	}
	if ok, err := w.put(ctx, it); !ok || err != nil || it.done == nil {
		return ok, err
	}
	// The wait is bounded like the queue's: a database that stays away
	// fails the append (the writer keeps the event and retries). One
	// the writer finds away fails it at once, as every other storage
	// call fails while the database is away: waiting would hold the
	// request (its answer perhaps written already, in the response
	// buffer) until the database is back or the bound runs out.
	t := time.NewTimer(w.o.EnqueueWait + w.o.StopWait)
	defer t.Stop()
	select {
	case err := <-it.done:
		return true, err
	case <-w.awaySignal():
		return true, fmt.Errorf("append event: the database is unavailable; the event stays queued: %w", storage.ErrUnavailable)
	case <-ctx.Done():
		return true, fmt.Errorf("append event: %w (%w)", storage.ErrUnavailable, ctx.Err())
	case <-t.C:
		return true, fmt.Errorf("append event: not committed within %v: %w", w.o.EnqueueWait+w.o.StopWait, storage.ErrUnavailable)
	}
}

// lagging reports whether the oldest uncommitted event waits longer than
// MaxLag.
func (w *eventWriter) lagging() bool {
	since := w.behindSince.Load()
	return since != 0 && time.Since(time.Unix(0, since)) > w.o.MaxLag
}

// put queues it, waiting at most EnqueueWait for room.
func (w *eventWriter) put(ctx context.Context, it eventItem) (ok bool, err error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.shut {
		return false, nil
	}
	select {
	case w.q <- it:
		return true, nil
	default:
	}
	t := time.NewTimer(w.o.EnqueueWait)
	defer t.Stop()
	select {
	case w.q <- it:
		return true, nil
	case <-ctx.Done():
		return true, fmt.Errorf("append event: queue full: %w (%w)", storage.ErrUnavailable, ctx.Err())
	case <-t.C:
		return true, fmt.Errorf("append event: the usage-log queue stayed full for %v: %w", w.o.EnqueueWait, storage.ErrUnavailable)
	}
}

func (w *eventWriter) flush(ctx context.Context) error {
	done := make(chan error, 1)
	w.mu.RLock()
	if w.shut {
		w.mu.RUnlock()
		return nil
	}
	select {
	case w.q <- eventItem{done: done, mark: true}:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stop lets no new event in, then waits until the writer has written
// everything queued and exited.
func (w *eventWriter) stop() error {
	w.stopBy.Store(time.Now().Add(w.o.StopWait).UnixNano())
	w.mu.Lock()
	w.shut = true
	w.mu.Unlock()
	done := make(chan error, 1)
	w.q <- eventItem{done: done, mark: true, stop: true}
	return <-done
}

func (w *eventWriter) run() {
	batch := make([]eventItem, 0, w.o.MaxBatch)
	for {
		var markers []eventItem
		take := func(it eventItem) bool {
			if it.mark {
				markers = append(markers, it)
				return false
			}
			batch = append(batch, it)
			return len(batch) < w.o.MaxBatch
		}
		if take(<-w.q) {
			// Without a linger, the batch is what has queued up while
			// the previous one committed.
			var linger *time.Timer
			if w.o.Linger > 0 {
				linger = time.NewTimer(w.o.Linger)
			}
		collect:
			for {
				if linger == nil {
					select {
					case it := <-w.q:
						if !take(it) {
							break collect
						}
						continue
					default:
						break collect
					}
				}
				select {
				case it := <-w.q:
					if !take(it) {
						break collect
					}
				case <-linger.C:
					break collect
				}
			}
			if linger != nil {
				linger.Stop()
			}
		}
		stopping := len(markers) > 0 && markers[len(markers)-1].stop
		start := time.Now()
		errs, err := w.write(batch)
		// Events still queued came in after the batch was cut, so
		// after start: an upper bound on their age.
		if len(w.q) > 0 {
			w.behindSince.Store(start.UnixNano())
		} else {
			w.behindSince.Store(0)
		}
		for i, it := range batch {
			if it.done != nil {
				it.done <- errs[i]
			}
		}
		clear(batch)
		batch = batch[:0]
		for _, m := range markers {
			m.done <- err
		}
		if stopping {
			return
		}
	}
}

// write inserts batch in one transaction and returns each event's
// outcome, and the first failure. A database that is unavailable or busy
// is retried with backoff (once stop is called, until StopWait after
// it); any other failure is retried event by event, and an event that
// still fails is given up and reported.
func (w *eventWriter) write(batch []eventItem) ([]error, error) {
	errs := make([]error, len(batch))
	if len(batch) == 0 {
		return errs, nil
	}
	es := make([]storage.Event, len(batch))
	for i, it := range batch {
		es[i] = it.e
	}
	backoff := 10 * time.Millisecond
	for {
		err := w.s.insertEvents(context.Background(), es)
		w.setAway(errors.Is(err, storage.ErrUnavailable))
		if err == nil {
			return errs, nil
		}
		w.report(fmt.Errorf("usage log: writing %d events: %w", len(es), err))
		transient := errors.Is(err, storage.ErrUnavailable) || errors.Is(err, storage.ErrSerialization)
		if !transient {
			var first error
			for i, e := range es {
				if err := w.s.insertEvents(context.Background(), es[i:i+1]); err != nil {
					errs[i] = fmt.Errorf("usage log: gave up the %s event of %s: %w", e.Kind, e.Time.Format(time.RFC3339Nano), err)
					w.report(errs[i])
					first = cmp.Or(first, errs[i])
				}
			}
			return errs, first
		}
		if by := w.stopBy.Load(); by != 0 && time.Now().Add(backoff).After(time.Unix(0, by)) {
			err = fmt.Errorf("usage log: gave up %d events at shutdown: %w", len(es), err)
			w.report(err)
			for i := range errs {
				errs[i] = err
			}
			return errs, err
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
}

func (w *eventWriter) report(err error) {
	if w.o.OnError != nil {
		w.o.OnError(err)
	}
}

// insertEvents inserts es in one transaction (its own unless ctx
// carries one). Where the dialect has Arrays that is one INSERT of one
// array per column, whatever the batch's size; elsewhere multi-row
// INSERTs of 64, 16, 4 and 1 rows, so that a handful of statement texts
// serves every batch size (prepared-statement caches stay small). A
// batch of three events was three INSERTs in a transaction on
// PostgreSQL, five round trips, where it is now one.
func (s *Store) insertEvents(ctx context.Context, es []storage.Event) error {
	if len(es) == 1 {
		return s.insertEventRows(ctx, es)
	}
	if s.d.Arrays {
		return s.insertEventArrays(ctx, es)
	}
	return s.inTx(ctx, func(ctx context.Context) error {
		for len(es) > 0 {
			n := 1
			for _, size := range []int{64, 16, 4} {
				if len(es) >= size {
					n = size
					break
				}
			}
			if err := s.insertEventRows(ctx, es[:n]); err != nil {
				return err
			}
			es = es[n:]
		}
		return nil
	})
}

// insertEventRows inserts es with one INSERT statement.
func (s *Store) insertEventRows(ctx context.Context, es []storage.Event) error {
	const cols = 9
	var b strings.Builder
	b.WriteString(`INSERT INTO events (tenant, occurred_at, kind, actor, subject, client_id, session_id, grant_id, detail) VALUES `)
	writePlaceholderRows(&b, len(es), cols)
	args := make([]any, 0, cols*len(es))
	for _, e := range es {
		args = append(args, e.Tenant, s.tm(e.Time), e.Kind, e.Actor, e.Subject, e.ClientID, e.SessionID, e.GrantID, blobText(e.Detail))
	}
	_, err := s.exec(ctx, b.String(), args...)
	return s.wrap("append events", err)
}

// batchInsertEvents inserts the rows of one array per column in array
// order (the ORDER BY makes it so, not the scan), so ids (the log's
// order) follow the batch's order as a multi-row VALUES does.
const batchInsertEvents = `INSERT INTO events (tenant, occurred_at, kind, actor, subject, client_id, session_id, grant_id, detail)
	SELECT tenant, occurred_at, kind, actor, subject, client_id, session_id, grant_id, detail
	FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
		WITH ORDINALITY AS u(tenant, occurred_at, kind, actor, subject, client_id, session_id, grant_id, detail, n)
	ORDER BY n`

// insertEventArrays is insertEvents for a dialect with Arrays: one
// statement, so one commit of its own outside a transaction.
func (s *Store) insertEventArrays(ctx context.Context, es []storage.Event) error {
	n := len(es)
	tenants, kinds, actors, subjects := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	clients, sessions, grants := make([]string, n), make([]string, n), make([]string, n)
	times, details := make([]*time.Time, n), make([]*string, n)
	for i, e := range es {
		tenants[i], kinds[i], actors[i], subjects[i] = e.Tenant, e.Kind, e.Actor, e.Subject
		clients[i], sessions[i], grants[i] = e.ClientID, e.SessionID, e.GrantID
		times[i] = arrayTime(e.Time)
		if len(e.Detail) > 0 { // empty is NULL, as blobText makes it
			d := string(e.Detail)
			details[i] = &d
		}
	}
	_, err := s.exec(ctx, batchInsertEvents, tenants, times, kinds, actors, subjects, clients, sessions, grants, details)
	return s.wrap("append events", err)
}
