package conformance

import (
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func newTicket(hash, tenant string, exp time.Duration) storage.HandoffTicket {
	return storage.HandoffTicket{Hash: hash, Tenant: tenant, PortalClientID: "portal", TargetClientID: "tool",
		TargetLinkURI: "https://tool.example/start", SessionChain: "chain-1", Holder: pidAlice,
		ActingFor: pidChild, Relation: "parent", CreatedAt: at(0), ExpiresAt: at(exp)}
}

// testHandoff: a hand-off ticket is kept whole, found only in its tenant,
// taken once (also under a race), and removed once expired.
func testHandoff(t *testing.T, s storage.Storage) {
	tk := newTicket("hash-1", "main", time.Minute)
	must(t, s.CreateHandoffTicket(ctx(t), tk), "CreateHandoffTicket")
	wantErr(t, s.CreateHandoffTicket(ctx(t), tk), storage.ErrConflict, "duplicate CreateHandoffTicket")
	self := newTicket("hash-self", "main", time.Minute)
	self.ActingFor, self.Relation = "", ""
	must(t, s.CreateHandoffTicket(ctx(t), self), "CreateHandoffTicket for oneself")

	t.Run("take once, in its tenant only", func(t *testing.T) {
		_, err := s.TakeHandoffTicket(ctx(t), "sandbox", "hash-1")
		wantErr(t, err, storage.ErrNotFound, "TakeHandoffTicket in another tenant")
		got, err := s.TakeHandoffTicket(ctx(t), "main", "hash-1")
		must(t, err, "TakeHandoffTicket (the other tenant must not have consumed it)")
		same(t, got, tk, "taken ticket")
		_, err = s.TakeHandoffTicket(ctx(t), "main", "hash-1")
		wantErr(t, err, storage.ErrNotFound, "TakeHandoffTicket twice")
		got, err = s.TakeHandoffTicket(ctx(t), "main", "hash-self")
		must(t, err, "TakeHandoffTicket for oneself")
		same(t, got, self, "taken ticket for oneself")
	})
	t.Run("concurrent take: one wins", func(t *testing.T) {
		for round := range 20 {
			h := id("ticket-race", round)
			must(t, s.CreateHandoffTicket(ctx(t), newTicket(h, "main", time.Minute)), "CreateHandoffTicket")
			errs := race(2, func(int) error {
				_, err := s.TakeHandoffTicket(ctx(t), "main", h)
				return err
			})
			oneWinner(t, errs, storage.ErrNotFound, "TakeHandoffTicket race")
		}
	})
	t.Run("delete expired", func(t *testing.T) {
		must(t, s.CreateHandoffTicket(ctx(t), newTicket("old", "main", time.Minute)), "CreateHandoffTicket old")
		must(t, s.CreateHandoffTicket(ctx(t), newTicket("new", "main", time.Hour)), "CreateHandoffTicket new")
		n, err := s.DeleteExpiredHandoffTickets(ctx(t), at(30*time.Minute))
		must(t, err, "DeleteExpiredHandoffTickets")
		if n != 1 {
			t.Fatalf("DeleteExpiredHandoffTickets removed %d, want 1", n)
		}
		_, err = s.TakeHandoffTicket(ctx(t), "main", "old")
		wantErr(t, err, storage.ErrNotFound, "expired ticket")
		_, err = s.TakeHandoffTicket(ctx(t), "main", "new")
		must(t, err, "unexpired ticket")
	})
}
