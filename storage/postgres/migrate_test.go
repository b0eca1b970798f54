package postgres

import (
	"os"
	"slices"
	"testing"

	"github.com/oidcp/oidcp/storage/conformance"
	"github.com/oidcp/oidcp/storage/postgres/pgtest"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

// Nodes starting at once against an empty database: the advisory lock
// lets each migration run once and every node succeed.
func TestConcurrentMigrate(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	var stores [3]*sqlstore.Store
	for i := range stores {
		s, err := Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	errs := make(chan error, len(stores))
	for _, s := range stores {
		go func() { errs <- s.Migrate(t.Context()) }()
	}
	for range stores {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent Migrate: %v", err)
		}
	}
	vs, err := stores[0].AppliedMigrations(t.Context())
	if err != nil || !slices.Equal(vs, migrationVersions(t)) {
		t.Fatalf("applied migrations %v (%v), want %v", vs, err, migrationVersions(t))
	}
}

func TestOpenUnreachable(t *testing.T) {
	if _, err := Open(t.Context(), "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"); err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
}

// migrationVersions are the versions of the files in ./migrations.
func migrationVersions(t *testing.T) []int64 {
	t.Helper()
	return conformance.MigrationVersions(t, os.DirFS("migrations"))
}
