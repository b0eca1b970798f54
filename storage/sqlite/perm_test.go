package sqlite

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// TestSQLiteFilesPrivate: a fresh store's directory is 0700 and the
// database with its -wal and -shm files 0600, whatever the umask lets
// through; an existing world-readable file is narrowed on open.
func TestSQLiteFilesPrivate(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask, which lets 0644 through
	t.Cleanup(func() { syscall.Umask(old) })

	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "oidcp.db")
	s := openMigrated(t, path)
	defer s.Close()
	// A write, so the WAL and its index exist.
	if err := s.CreateClient(t.Context(), storage.Client{Tenant: "main", ID: "tool", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
			continue
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s has mode %04o, want %04o", filepath.Base(p), got, mode)
		}
	}

	// A database left world-readable by an earlier version.
	legacy := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(legacy, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(legacy, 0o644); err != nil {
		t.Fatal(err)
	}
	s2 := openMigrated(t, legacy)
	defer s2.Close()
	if fi, err := os.Stat(legacy); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("existing database after Open: %v %v, want mode 0600", fi.Mode().Perm(), err)
	}
}
