package conformance

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// TombstoneListQuery stores three sealed-token tombstones in tenant
// "main", lists them with s.ListSealedTombstones, and returns the text of
// the statement that listed them, for a test to ask the database how it
// plans it.
func TombstoneListQuery(t testing.TB, s interface {
	storage.Storage
	SetStatementCounter(func(query string))
}) string {
	t.Helper()
	ctx := t.Context()
	for i := range 3 {
		id := fmt.Sprintf("sealed-%d", i)
		if err := s.CreateToken(ctx, storage.TokenRecord{Tenant: "main", Kind: storage.KindAccessToken,
			Signature: storage.SealedTombstonePrefix + id, RequestID: id, ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	var q atomic.Value
	s.SetStatementCounter(func(text string) {
		if strings.Contains(text, storage.SealedTombstonePrefix) {
			q.Store(text)
		}
	})
	defer s.SetStatementCounter(nil)
	ids, err := s.ListSealedTombstones(ctx, "main", time.Now(), 100)
	if err != nil || len(ids) != 3 {
		t.Fatalf("ListSealedTombstones = %v, %v; want three", ids, err)
	}
	text, _ := q.Load().(string)
	if text == "" {
		t.Fatal("the list's statement was not seen")
	}
	return text
}
