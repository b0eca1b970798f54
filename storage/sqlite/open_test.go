package sqlite

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/conformance"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

func openMigrated(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := s.Migrate(t.Context()); err != nil {
		s.Close()
		t.Fatalf("Migrate: %v", err)
	}
	return s
}

// Data survives a restart, and migrating an up-to-date file is a no-op.
func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "oidcp.db")
	s := openMigrated(t, path)
	c := storage.Client{Tenant: "main", ID: "tool", RedirectURIs: []string{"https://tool.example/cb"},
		CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	s.Close()

	s = openMigrated(t, path)
	defer s.Close()
	got, err := s.GetClient(t.Context(), "main", "tool")
	if err != nil {
		t.Fatalf("GetClient after reopen: %v", err)
	}
	if !got.CreatedAt.Equal(c.CreatedAt) || !slices.Equal(got.RedirectURIs, c.RedirectURIs) {
		t.Fatalf("after reopen got %+v, want %+v", got, c)
	}
	vs, err := s.AppliedMigrations(t.Context())
	if err != nil {
		t.Fatalf("AppliedMigrations: %v", err)
	}
	if !slices.Equal(vs, migrationVersions(t)) {
		t.Fatalf("applied migrations %v, want %v", vs, migrationVersions(t))
	}
}

// Two processes starting on the same file at once both succeed and the
// schema is applied once.
func TestConcurrentMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "oidcp.db")
	var stores [2]*sqlstore.Store
	for i := range stores {
		s, err := Open(t.Context(), path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
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

func TestOpenRejectsEmptyPath(t *testing.T) {
	if _, err := Open(t.Context(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

// migrationVersions are the versions of the files in ./migrations.
func migrationVersions(t *testing.T) []int64 {
	t.Helper()
	return conformance.MigrationVersions(t, os.DirFS("migrations"))
}
