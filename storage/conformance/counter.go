package conformance

import (
	"sync/atomic"
	"testing"

	"github.com/oidcp/oidcp/storage"
)

// StatementCounter is the optional capability of counting the statements
// a backend sends, which provider tests use to keep flows cheap.
type StatementCounter interface {
	SetStatementCounter(fn func(query string))
}

func testStatementCounter(t *testing.T, s storage.Storage) {
	sc, ok := s.(StatementCounter)
	if !ok {
		t.Skip("backend does not count statements")
	}
	var n atomic.Int64
	sc.SetStatementCounter(func(string) { n.Add(1) })
	defer sc.SetStatementCounter(nil)
	count := func(what string, want int64, fn func() error) {
		t.Helper()
		n.Store(0)
		must(t, fn(), what)
		if got := n.Load(); got != want {
			t.Fatalf("%s sent %d statements, want %d", what, got, want)
		}
	}
	count("CreateClient", 1, func() error { return s.CreateClient(ctx(t), newClient("main", "counted")) })
	count("GetClient", 1, func() error { _, err := s.GetClient(ctx(t), "main", "counted"); return err })
	// BEGIN, SELECT, UPDATE, COMMIT.
	count("UpdateClient", 4, func() error {
		return s.UpdateClient(ctx(t), "main", "counted", func(c storage.Client) (storage.Client, error) { return c, nil })
	})
	count("CreateToken", 1, func() error {
		return s.CreateToken(ctx(t), newToken(storage.KindAuthorizeCode, "counted", "req-counted"))
	})
	// The winning deactivation is one conditional UPDATE, no read.
	count("DeactivateToken", 1, func() error {
		return s.DeactivateToken(ctx(t), "main", storage.KindAuthorizeCode, "counted")
	})
	// A login records its client in the session it has just created:
	// one compare-and-set UPDATE when the caller's list is current, none
	// when the client is in it, and the transaction only when the list
	// is stale (CAS, BEGIN, SELECT, UPDATE, COMMIT).
	must(t, s.CreateSession(ctx(t), newSession("sess-counted", pidAlice, at(0))), "CreateSession")
	count("AddSessionClient", 1, func() error {
		_, err := s.AddSessionClient(ctx(t), "main", "sess-counted", []string{"tool"}, "portal")
		return err
	})
	count("AddSessionClient of a known client", 0, func() error {
		_, err := s.AddSessionClient(ctx(t), "main", "sess-counted", []string{"tool", "portal"}, "tool")
		return err
	})
	count("AddSessionClient with a stale list", 5, func() error {
		_, err := s.AddSessionClient(ctx(t), "main", "sess-counted", []string{"tool"}, "mail")
		return err
	})
	// A register import batches its rows: far fewer statements than records.
	ps, rs := registryOf(1000)
	n.Store(0)
	must(t, s.ImportRegistry(ctx(t), reg, ps, rs), "ImportRegistry")
	if got := n.Load(); got > int64(len(ps)+len(rs))/10 {
		t.Fatalf("ImportRegistry of %d records sent %d statements, want at most a tenth as many", len(ps)+len(rs), got)
	}
	sc.SetStatementCounter(nil)
	count("after removing the counter", 0, func() error { _, err := s.GetClient(ctx(t), "main", "counted"); return err })
}
