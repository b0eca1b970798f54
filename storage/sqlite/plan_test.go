package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage/conformance"
)

// TestTombstoneListUsesItsIndex: every node reads the sealed-token
// tombstones a few times a second, so the read must stay on its partial
// index, not walk the tenant's tokens.
func TestTombstoneListUsesItsIndex(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "oidcp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	text := conformance.TombstoneListQuery(t, s)
	rows, err := s.DB().QueryContext(ctx, `EXPLAIN QUERY PLAN `+text, "main", time.Now().UnixMicro(), 100)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	if p := plan.String(); !strings.Contains(p, "tokens_sealed_tombstones") {
		t.Fatalf("the tombstone list does not use its index:\n%s", p)
	}
}
