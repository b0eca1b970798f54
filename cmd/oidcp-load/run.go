package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// limits bounds one scenario's run: a number of operations (when Requests
// is positive) or a duration.
type limits struct {
	Concurrency int
	Duration    time.Duration
	Requests    int
	// Rate, when positive, paces the run open-loop: the i-th operation
	// is due at start + i/Rate whatever became of the others, and its
	// latency counts from when it was due, not from when a worker got
	// to it (as wrk2 does), so a server that falls behind shows in the
	// percentiles instead of slowing the driver down. Concurrency must
	// be high enough to keep up.
	Rate float64
}

// op is one timed operation of a scenario; worker is the caller's index
// in [0, Concurrency).
type op func(ctx context.Context, worker int) error

// stats is the outcome of one scenario.
type stats struct {
	Name      string
	Ops       int // completed without error
	Errors    int
	Elapsed   time.Duration
	Latencies []time.Duration // of the operations that succeeded, sorted
	// FirstErrors holds up to three distinct error messages.
	FirstErrors []string
}

// run calls fn from lim.Concurrency goroutines until the limit is
// reached, timing each call.
func run(ctx context.Context, name string, lim limits, fn op) stats {
	if lim.Concurrency < 1 {
		lim.Concurrency = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if lim.Requests <= 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, lim.Duration)
		defer stop()
	}
	var (
		tickets atomic.Int64
		mu      sync.Mutex
		out     = stats{Name: name}
		wg      sync.WaitGroup
	)
	start := time.Now()
	for w := range lim.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var errs int
			var msgs []string
		loop:
			for ctx.Err() == nil {
				n := tickets.Add(1)
				if lim.Requests > 0 && n > int64(lim.Requests) {
					break
				}
				t0 := time.Now()
				if lim.Rate > 0 {
					t0 = start.Add(time.Duration(float64(n-1) / lim.Rate * float64(time.Second)))
					if wait := time.Until(t0); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							break loop
						}
					}
				}
				err := fn(ctx, w)
				d := time.Since(t0)
				if err != nil {
					if ctx.Err() != nil {
						break // cut off by the deadline: neither a result nor an error
					}
					errs++
					if len(msgs) < 3 {
						msgs = append(msgs, err.Error())
					}
					continue
				}
				lat = append(lat, d)
			}
			mu.Lock()
			out.Latencies = append(out.Latencies, lat...)
			out.Errors += errs
			for _, m := range msgs {
				if len(out.FirstErrors) < 3 && !slices.Contains(out.FirstErrors, m) {
					out.FirstErrors = append(out.FirstErrors, m)
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.Elapsed = time.Since(start)
	out.Ops = len(out.Latencies)
	slices.Sort(out.Latencies)
	return out
}

// percentile is the nearest-rank p-th percentile of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(rank, len(sorted)-1))]
}

// perSecond is the throughput of successful operations.
func (s stats) perSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Ops) / s.Elapsed.Seconds()
}

func printHeader(w io.Writer) {
	fmt.Fprintf(w, "%-11s %8s %7s %8s %9s %9s %9s\n", "scenario", "ok", "errors", "seconds", "req/s", "p50", "p99")
}

func (s stats) print(w io.Writer) {
	fmt.Fprintf(w, "%-11s %8d %7d %8.1f %9.1f %9s %9s\n", s.Name, s.Ops, s.Errors, s.Elapsed.Seconds(), s.perSecond(),
		fmtDur(percentile(s.Latencies, 50)), fmtDur(percentile(s.Latencies, 99)))
	for _, m := range s.FirstErrors {
		fmt.Fprintf(w, "  error: %s\n", m)
	}
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
