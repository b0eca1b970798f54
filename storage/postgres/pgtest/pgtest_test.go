package pgtest

import (
	"database/sql"
	"os"
	"strings"
	"testing"
)

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			"postgres://postgres@127.0.0.1:5432/oidcp_test_x?sslmode=disable"},
		{"postgresql://u:p@db/admin", "postgresql://u:p@db/oidcp_test_x"},
		{"host=db user=u dbname=admin", "host=db user=u dbname=admin dbname=oidcp_test_x"},
	} {
		got, err := withDatabase(tc.in, "oidcp_test_x")
		if err != nil || got != tc.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	if got := redact("postgres://u:secret@db/x"); got != "postgres://u:xxxxx@db/x" {
		t.Fatalf("redact = %q", got)
	}
}

// An unreachable server skips the test (unless OIDCP_REQUIRE_POSTGRES=1).
func TestUnreachableSkips(t *testing.T) {
	if os.Getenv(EnvRequire) == "1" {
		t.Skip("OIDCP_REQUIRE_POSTGRES=1 turns the skip into a failure, which this test cannot observe")
	}
	t.Setenv(EnvDSN, "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2")
	var skipped bool
	t.Run("inner", func(t *testing.T) {
		t.Cleanup(func() { skipped = t.Skipped() })
		NewDatabase(t)
		t.Error("NewDatabase returned for an unreachable server")
	})
	if !skipped {
		t.Fatal("inner test was not skipped")
	}
}

func TestNewDatabaseIsUsable(t *testing.T) {
	dsn := NewDatabase(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	var name string
	if err := db.QueryRowContext(t.Context(), "SELECT current_database()").Scan(&name); err != nil {
		t.Fatalf("query: %v", err)
	}
	if !strings.HasPrefix(name, "oidcp_test_") {
		t.Fatalf("connected to %q, want a fresh oidcp_test_ database", name)
	}
}
