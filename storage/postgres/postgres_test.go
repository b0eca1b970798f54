package postgres

import (
	"testing"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/conformance"
	"github.com/oidcp/oidcp/storage/postgres/pgtest"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

func newTestStore(t testing.TB) storage.Storage {
	t.Helper()
	s, err := Open(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	conformance.RunTests(t, func(t *testing.T) storage.Storage { return newTestStore(t) })
}

func BenchmarkImportRegistry(b *testing.B) {
	conformance.BenchmarkImportRegistry(b, newTestStore)
}

func BenchmarkRevokeClientGrants(b *testing.B) {
	conformance.BenchmarkRevokeClientGrants(b, newTestStore)
}

func BenchmarkTokens(b *testing.B) {
	conformance.BenchmarkTokens(b, newTestStore)
}

// BenchmarkSessions reports bytes per session with 100,000 live sessions:
// the process's heap and the sessions table with its indexes and TOAST.
func BenchmarkSessions(b *testing.B) {
	conformance.BenchmarkSessions(b, newTestStore, func(s storage.Storage) (int64, error) {
		var n int64
		err := s.(*sqlstore.Store).DB().QueryRow(`SELECT pg_total_relation_size('sessions')`).Scan(&n)
		return n, err
	})
}

func BenchmarkPersonEvents(b *testing.B) {
	conformance.BenchmarkPersonEvents(b, newTestStore)
}
