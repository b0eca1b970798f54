package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/conformance"
)

func newTestStore(t testing.TB) storage.Storage {
	t.Helper()
	// A nested directory checks that Open creates the parent.
	path := filepath.Join(t.TempDir(), "data", "oidcp.db")
	s, err := Open(t.Context(), path)
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
