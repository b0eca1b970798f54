package conformance

import (
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// MigrationVersions returns the versions of the migration files in dir
// (a backend's migrations directory, read as files rather than through
// its embedded copy), in order: a backend's tests compare them with
// AppliedMigrations, since every file must be applied.
func MigrationVersions(t testing.TB, dir fs.FS) []int64 {
	t.Helper()
	entries, err := fs.ReadDir(dir, ".")
	if err != nil {
		t.Fatal(err)
	}
	var vs []int64
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			t.Fatalf("migration file %s: %v", e.Name(), err)
		}
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}
