package main

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

type fakeJanitorStore struct {
	tokens, flows, sessions, counters, tickets, proofs time.Time
	events                                             map[string]time.Time
	fail                                               bool
	swept                                              chan struct{} // if set, receives after each pass's token delete (non-blocking)
}

func (f *fakeJanitorStore) DeleteEventsBefore(_ context.Context, tenant string, t time.Time) (int64, error) {
	if f.events == nil {
		f.events = map[string]time.Time{}
	}
	f.events[tenant] = t
	if f.fail && tenant == "main" {
		return 0, errors.New("events table gone")
	}
	return 2, nil
}

func (f *fakeJanitorStore) DeleteExpiredTokens(_ context.Context, t time.Time) (int64, error) {
	f.tokens = t
	if f.swept != nil {
		select {
		case f.swept <- struct{}{}:
		default:
		}
	}
	return 3, nil
}

func (f *fakeJanitorStore) DeleteExpiredFlows(_ context.Context, t time.Time) (int64, error) {
	f.flows = t
	if f.fail {
		return 0, errors.New("db gone")
	}
	return 0, nil
}

func (f *fakeJanitorStore) DeleteExpiredSessions(_ context.Context, t time.Time) (int64, error) {
	f.sessions = t
	return 1, nil
}

func (f *fakeJanitorStore) DeleteExpiredCounters(_ context.Context, t time.Time) (int64, error) {
	f.counters = t
	return 0, nil
}

func (f *fakeJanitorStore) DeleteExpiredHandoffTickets(_ context.Context, t time.Time) (int64, error) {
	f.tickets = t
	return 0, nil
}

func (f *fakeJanitorStore) DeleteExpiredDPoPProofs(_ context.Context, t time.Time) (int64, error) {
	f.proofs = t
	return 2, nil
}

func TestSweep(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	f := &fakeJanitorStore{fail: true}
	var logs bytes.Buffer
	retain := []tenantRetention{{"main", 5 * 365 * 24 * time.Hour}, {"sandbox", 30 * 24 * time.Hour}}
	sweep(context.Background(), f, retain, now, newLogger(Config{LogLevel: "debug", LogFormat: "text"}, &logs))
	if !f.flows.Equal(now) || !f.sessions.Equal(now) || !f.counters.Equal(now) || !f.tickets.Equal(now) || !f.proofs.Equal(now) || !f.tokens.Equal(now.Add(-janitorGrace)) {
		t.Errorf("cut-offs: tokens %v flows %v sessions %v rate counters %v hand-off tickets %v dpop proofs %v", f.tokens, f.flows, f.sessions, f.counters, f.tickets, f.proofs)
	}
	// Each tenant's usage log is cut at its own retention.
	if !f.events["main"].Equal(now.Add(-5*365*24*time.Hour)) || !f.events["sandbox"].Equal(now.Add(-30*24*time.Hour)) || len(f.events) != 2 {
		t.Errorf("usage-log cut-offs %v", f.events)
	}
	// A failing delete is logged and the others still run.
	if !bytes.Contains(logs.Bytes(), []byte("db gone")) || f.sessions.IsZero() {
		t.Errorf("logs: %s", logs.String())
	}
	if !bytes.Contains(logs.Bytes(), []byte("events table gone")) || !bytes.Contains(logs.Bytes(), []byte("tenant=main")) {
		t.Errorf("logs: %s", logs.String())
	}
}

func TestRunJanitorStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeJanitorStore{swept: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		runJanitor(ctx, f, nil, time.Millisecond, time.Now, newLogger(Config{LogLevel: "error", LogFormat: "text"}, &bytes.Buffer{}))
		close(done)
	}()
	// Wait for a sweep rather than sleeping a fixed time: on a loaded
	// machine the goroutine may not run at all within a few milliseconds.
	select {
	case <-f.swept:
	case <-done:
		t.Fatal("janitor returned before it was cancelled")
	case <-time.After(30 * time.Second):
		t.Fatal("janitor never swept")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("janitor did not stop")
	}
	if f.tokens.IsZero() {
		t.Error("janitor never swept")
	}
}
