package sqlite

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
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
	for i := range 3 {
		id := fmt.Sprintf("sealed-%d", i)
		if err := s.CreateToken(ctx, storage.TokenRecord{Tenant: "main", Kind: storage.KindAccessToken,
			Signature: storage.SealedTombstonePrefix + id, RequestID: id, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	var q atomic.Value
	s.SetStatementCounter(func(text string) {
		if strings.Contains(text, "sealed-revoked") {
			q.Store(text)
		}
	})
	ids, err := s.ListSealedTombstones(ctx, "main", time.Now(), 100)
	if err != nil || len(ids) != 3 {
		t.Fatalf("ListSealedTombstones = %v, %v; want three", ids, err)
	}
	text, _ := q.Load().(string)
	if text == "" {
		t.Fatal("the list's statement was not seen")
	}
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
