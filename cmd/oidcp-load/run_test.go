package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, tc := range []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond}, // nearest rank: ceil(0.5*4) = 2nd
		{ms(1, 2, 3, 4), 99, 4 * time.Millisecond},
		{ms(hundred...), 50, 50 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond},
		{ms(hundred...), 100, 100 * time.Millisecond},
	} {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tc.sorted, tc.p, got, tc.want)
		}
	}
}

// TestRunRequests checks that --requests runs exactly that many
// operations across the workers and counts failures apart.
func TestRunRequests(t *testing.T) {
	var calls atomic.Int64
	s := run(context.Background(), "x", limits{Concurrency: 4, Requests: 103}, func(context.Context, int) error {
		if calls.Add(1)%10 == 0 {
			return errors.New("boom")
		}
		return nil
	})
	if calls.Load() != 103 || s.Ops+s.Errors != 103 || s.Errors != 10 {
		t.Errorf("calls %d, ok %d, errors %d; want 103 calls, 93 ok, 10 errors", calls.Load(), s.Ops, s.Errors)
	}
	if len(s.FirstErrors) != 1 || s.FirstErrors[0] != "boom" {
		t.Errorf("FirstErrors = %q, want the one distinct message", s.FirstErrors)
	}
}

func TestParseFlags(t *testing.T) {
	t.Setenv("OIDCP_LOAD_CLIENT_SECRET", "")
	base := []string{"--issuer", "http://127.0.0.1:1/sandbox/", "--client-id", "c", "--client-secret", "s"}
	c, err := parseFlags(append(base, "--pid", "17858012392"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.issuer != "http://127.0.0.1:1/sandbox" || strings.Join(c.scenarios, ",") != "cc,introspect,login" {
		t.Errorf("issuer %q, scenarios %v", c.issuer, c.scenarios)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--client-id", "c", "--client-secret", "s"}, "--issuer is required"},
		{[]string{"--issuer", "http://x", "--client-id", "c"}, "--client-secret"},
		{append(base, "--scenario", "cc,bogus"), `unknown "bogus"`},
		{append(base, "--scenario", "login"), "--pid is required"},
		{append(base, "--scenario", "cc", "--concurrency", "0"), "--concurrency"},
	} {
		_, err := parseFlags(tc.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseFlags(%q) = %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}

// TestRunConcurrency checks that the workers really run at once: the
// first calls wait until all four are in flight.
func TestRunConcurrency(t *testing.T) {
	var inflight, peak, calls atomic.Int64
	all := make(chan struct{})
	var once sync.Once
	s := run(context.Background(), "x", limits{Concurrency: 4, Requests: 8}, func(context.Context, int) error {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if n == 4 {
			once.Do(func() { close(all) })
		}
		if calls.Add(1) <= 4 {
			select {
			case <-all:
			case <-time.After(10 * time.Second): // the assertion below reports it
			}
		}
		return nil
	})
	if peak.Load() != 4 || s.Ops != 8 {
		t.Errorf("peak concurrency %d, ok %d; want 4 and 8", peak.Load(), s.Ops)
	}
}

// TestRunRate: with a rate the run is open-loop: operations are started
// on a schedule (20 at 200/s cannot finish before the 20th is due, 95 ms
// in), and a latency counts from when the operation was due, so a server
// slower than the rate shows in the percentiles (coordinated omission):
// one worker, 5 operations due every 10 ms, each taking 50 ms, finish
// 50, 90, 130, 170 and 210 ms after they were due. Only lower bounds are
// checked: a slow machine can only add to them.
func TestRunRate(t *testing.T) {
	s := run(context.Background(), "x", limits{Concurrency: 4, Requests: 20, Rate: 200}, func(context.Context, int) error { return nil })
	if s.Ops != 20 || s.Elapsed < 95*time.Millisecond {
		t.Errorf("20 operations at 200/s: %d ok in %v, want 20 in at least 95ms", s.Ops, s.Elapsed)
	}
	s = run(context.Background(), "x", limits{Concurrency: 1, Requests: 5, Rate: 100}, func(context.Context, int) error {
		time.Sleep(50 * time.Millisecond)
		return nil
	})
	if s.Ops != 5 || percentile(s.Latencies, 100) < 200*time.Millisecond || percentile(s.Latencies, 50) < 120*time.Millisecond {
		t.Errorf("latencies %v: want them counted from when each was due (the last at least 200ms)", s.Latencies)
	}
	// Closed loop (no rate) counts from the start of each call. Counted
	// from the start of the run, the last latency would be at least the
	// five calls' durations together; counted from its own start, it is
	// its own call's duration and a little. The calls measure themselves,
	// so a sleep that overshoots on a loaded machine does not matter.
	var own time.Duration
	s = run(context.Background(), "x", limits{Concurrency: 1, Requests: 5}, func(context.Context, int) error {
		began := time.Now()
		time.Sleep(50 * time.Millisecond)
		own += time.Since(began)
		return nil
	})
	if percentile(s.Latencies, 100) >= own {
		t.Errorf("closed loop latencies %v for calls of %v in all: want each about its own call's duration", s.Latencies, own)
	}
}
