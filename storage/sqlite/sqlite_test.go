package sqlite

import (
	"database/sql"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/conformance"
	"github.com/oidcp/oidcp/storage/sqlstore"
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

func BenchmarkTokens(b *testing.B) {
	conformance.BenchmarkTokens(b, newTestStore)
	// The same without the statement cache and the write turn, to show
	// what they are worth.
	b.Run("plain", func(b *testing.B) {
		conformance.BenchmarkTokens(b, func(tb testing.TB) storage.Storage {
			path := filepath.Join(tb.TempDir(), "oidcp.db")
			db, err := sql.Open("sqlite", dsn(path, Options{BusyTimeout: 10 * time.Second}))
			if err != nil {
				tb.Fatal(err)
			}
			db.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
			s := sqlstore.New(db, Dialect, Migrations)
			tb.Cleanup(func() { s.Close() })
			if err := s.Migrate(tb.Context()); err != nil {
				tb.Fatal(err)
			}
			return s
		})
	})
}

// BenchmarkSessions reports bytes per session with 100,000 live sessions:
// the process's heap and the database file (after a WAL checkpoint).
func BenchmarkSessions(b *testing.B) {
	conformance.BenchmarkSessions(b, newTestStore, func(s storage.Storage) (int64, error) {
		var pages, size int64
		db := s.(*sqlstore.Store).DB()
		if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			return 0, err
		}
		if err := db.QueryRow(`SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&pages, &size); err != nil {
			return 0, err
		}
		return pages * size, nil
	})
}

func BenchmarkPersonEvents(b *testing.B) {
	conformance.BenchmarkPersonEvents(b, newTestStore)
}
