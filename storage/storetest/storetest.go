// Package storetest opens fresh, migrated stores for tests: SQLite in the
// test's temporary directory, PostgreSQL in a database of its own (see
// pgtest: skipped loudly without a server, unless OIDCP_REQUIRE_POSTGRES=1).
// Each is closed when the test ends. Test support only: production code
// never imports it.
package storetest

import (
	"path/filepath"
	"testing"

	"github.com/oidcp/oidcp/storage/postgres"
	"github.com/oidcp/oidcp/storage/postgres/pgtest"
	"github.com/oidcp/oidcp/storage/sqlite"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

// SQLite returns a migrated store in a new file under t.TempDir().
func SQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "oidcp.db"))
	if err != nil {
		t.Fatal(err)
	}
	return migrated(t, s)
}

// Postgres returns a migrated store on a new, empty database.
func Postgres(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	return migrated(t, s)
}

func migrated(t testing.TB, s *sqlstore.Store) *sqlstore.Store {
	t.Helper()
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return s
}
