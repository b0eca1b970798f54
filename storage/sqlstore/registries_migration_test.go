package sqlstore_test

import (
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/postgres"
	"github.com/oidcp/oidcp/storage/postgres/pgtest"
	"github.com/oidcp/oidcp/storage/sqlite"
	"github.com/oidcp/oidcp/storage/sqlstore"
)

// upTo returns the migrations of fsys up to and including version v.
func upTo(t *testing.T, fsys fs.FS, v int) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		if n, err := strconv.Atoi(num); err != nil || n > v {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = &fstest.MapFile{Data: b}
	}
	return out
}

// Numbers for the migration test. The synthetic ones have month + 40 or
// + 80; the others are valid numbers of people born in 1854 (individual
// number 500–749), so they cannot be anyone living.
const (
	synthParent = "01818000010"
	synthChild  = "03831550170"
	synthGiver  = "02828500034"
	oldParent   = "01015450068" // not synthetic
	oldChild    = "02026050041" // not synthetic
)

// TestMigrationSplitsSharedRegistry: the schema before registries had one
// registry shared by every tenant. Migrating puts the synthetic numbers
// (and relations between them) in the registry "synthetic" and the rest in
// "main", so that after the upgrade a tenant reading the synthetic
// registry (the sandbox, anything behind the ID-porten mock) no longer
// sees the imported register.
func TestMigrationSplitsSharedRegistry(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "oidcp.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		testMigrationSplit(t, s, sqlite.Dialect, sqlite.Migrations)
	})
	t.Run("postgres", func(t *testing.T) {
		s, err := postgres.Open(t.Context(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		testMigrationSplit(t, s, postgres.Dialect, postgres.Migrations)
	})
}

func testMigrationSplit(t *testing.T, s *sqlstore.Store, d sqlstore.Dialect, migrations fs.FS) {
	ctx := t.Context()
	if err := sqlstore.New(s.DB(), d, upTo(t, migrations, 2)).Migrate(ctx); err != nil {
		t.Fatalf("migrate to version 2: %v", err)
	}
	db := s.DB()
	for _, p := range []string{synthParent, synthChild, synthGiver, oldParent, oldChild} {
		if _, err := db.ExecContext(ctx, `INSERT INTO persons (pid, given_name, family_name) VALUES ($1, $2, 'Nordmann')`, p, "name-"+p); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range [][3]string{
		{"sandbox:parent:kari:emma", synthParent, synthChild},
		{"folkereg:1", oldParent, oldChild},
		// A relation between a real and a synthetic number stays with the
		// real register, together with the synthetic person it names.
		{"fullmakt:2", oldParent, synthGiver},
	} {
		if _, err := db.ExecContext(ctx, `INSERT INTO relations (id, kind, holder, subject) VALUES ($1, 'parent', $2, $3)`, r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate to the latest version: %v", err)
	}

	has := func(registry, pid string) bool {
		t.Helper()
		p, err := s.GetPerson(ctx, registry, pid)
		if err == nil && p.GivenName != "name-"+pid {
			t.Errorf("%s %s: name %q after the migration", registry, pid, p.GivenName)
		}
		return err == nil
	}
	for _, tt := range []struct {
		pid             string
		synthetic, main bool
	}{
		{synthParent, true, false},
		{synthChild, true, false},
		{synthGiver, true, true},
		{oldParent, false, true},
		{oldChild, false, true},
	} {
		if got := has("synthetic", tt.pid); got != tt.synthetic {
			t.Errorf("person %s in synthetic: %v, want %v", tt.pid, got, tt.synthetic)
		}
		if got := has("main", tt.pid); got != tt.main {
			t.Errorf("person %s in main: %v, want %v", tt.pid, got, tt.main)
		}
	}
	ids := func(registry string) string {
		rs, err := s.GetRelations(ctx, registry, []string{"sandbox:parent:kari:emma", "folkereg:1", "fullmakt:2"})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return strings.Join(out, ",")
	}
	if got := ids("synthetic"); got != "sandbox:parent:kari:emma" {
		t.Errorf("relations in synthetic: %s", got)
	}
	if got := ids("main"); got != "folkereg:1,fullmakt:2" {
		t.Errorf("relations in main: %s", got)
	}
	// The new keys hold: the same relation id can now exist in both.
	if err := s.ImportRegistry(ctx, "synthetic", nil, []storage.Relation{{ID: "folkereg:1", Kind: "parent", Holder: synthParent, Subject: synthChild}}); err != nil {
		t.Fatalf("import into the migrated schema: %v", err)
	}
	if r, err := s.GetRelation(ctx, "main", "folkereg:1"); err != nil || r.Holder != oldParent {
		t.Errorf("main's folkereg:1 after importing the same id into synthetic: %+v, %v", r, err)
	}
}
