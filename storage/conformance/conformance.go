package conformance

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// RunTests runs the whole suite. newStorage returns a fresh, migrated and
// empty storage; it is called once per area and should register its own
// cleanup with t.Cleanup.
func RunTests(t *testing.T, newStorage func(t *testing.T) storage.Storage) {
	areas := []struct {
		name string
		run  func(t *testing.T, s storage.Storage)
	}{
		{"Migrate", testMigrate},
		{"Clients", testClients},
		{"Tokens", testTokens},
		{"Transactions", testTransactions},
		{"Sessions", testSessions},
		{"SessionClients", testSessionClients},
		{"Keys", testKeys},
		{"Secrets", testSecrets},
		{"Events", testEvents},
		{"Flows", testFlows},
		{"RateCounters", testRateCounters},
		{"DPoPProofs", testDPoPProofs},
		{"Vendors", testVendors},
		{"Grants", testGrants},
		{"Outbox", testOutbox},
		{"Resources", testResources},
		{"Handoff", testHandoff},
		{"ExpiredSessions", testExpiredSessions},
		{"Persons", testPersons},
		{"Relations", testRelations},
		{"RegistryAtomic", testRegistryAtomic},
		{"RegistriesApart", testRegistriesApart},
		{"Concurrency", testConcurrency},
		{"GrantLock", testGrantLock},
		{"SessionLock", testSessionLock},
		{"StatementCounter", testStatementCounter},
	}
	for _, a := range areas {
		t.Run(a.name, func(t *testing.T) {
			a.run(t, newStorage(t))
		})
	}
}

// base is the suite's fixed clock: UTC with a microsecond fraction, the
// precision the contract promises to keep.
var base = time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)

// at returns base shifted by d.
func at(d time.Duration) time.Time { return base.Add(d) }

// Synthetic fødselsnummer (month +80, valid check digits, made with
// representation.SyntheticPID); never real people.
const (
	pidAlice = "01818000010"
	pidBob   = "02828500034"
	pidChild = "03831550170"
)

func ctx(t *testing.T) context.Context { return t.Context() }

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

// must fails on a non-nil error.
func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// same fails unless got and want are deeply equal.
func same[T any](t *testing.T, got, want T, what string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

// race runs fn in n goroutines released together by a start barrier and
// returns their errors in goroutine order.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

// oneWinner checks that exactly one error is nil and every other one is
// loser; it reports the errors otherwise.
func oneWinner(t *testing.T, errs []error, loser error, what string) {
	t.Helper()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, loser):
			t.Fatalf("%s: unexpected error %v (want nil or %v)", what, err, loser)
		}
	}
	if wins != 1 {
		t.Fatalf("%s: %d winners, want exactly 1 (errors %v)", what, wins, errs)
	}
}

func id(prefix string, i int) string { return fmt.Sprintf("%s-%03d", prefix, i) }

func testMigrate(t *testing.T, s storage.Storage) {
	// The constructor migrated already; again must be a no-op.
	must(t, s.Migrate(ctx(t)), "second Migrate")
	errs := race(3, func(int) error { return s.Migrate(ctx(t)) })
	for _, err := range errs {
		must(t, err, "concurrent Migrate")
	}
	must(t, s.Ping(ctx(t)), "Ping")
	if st := s.Stats(); st.Open < 1 {
		t.Fatalf("Stats after use: %+v, want at least one open connection", st)
	}
}
