package conformance

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

func newSession(id, subject string, created time.Time) storage.LoginSession {
	return storage.LoginSession{
		ID:         id,
		Tenant:     "main",
		Subject:    subject,
		AuthTime:   created,
		ACR:        "idporten-loa-high",
		AMR:        []string{"BankID"},
		UserAgent:  "Mozilla/5.0 (synthetic)",
		Clients:    []string{"tool"},
		Values:     []byte("encoded values"),
		CreatedAt:  created,
		LastSeenAt: created,
		ExpiresAt:  created.Add(2 * time.Hour),
	}
}

func testSessions(t *testing.T, s storage.Storage) {
	ls := newSession("sess-a", pidAlice, at(0))
	must(t, s.CreateSession(ctx(t), ls), "CreateSession")

	t.Run("get round-trips", func(t *testing.T) {
		got, err := s.GetSession(ctx(t), "sess-a")
		must(t, err, "GetSession")
		same(t, got, ls, "session")
		_, err = s.GetSession(ctx(t), "nope")
		wantErr(t, err, storage.ErrNotFound, "GetSession missing")
		wantErr(t, s.CreateSession(ctx(t), ls), storage.ErrConflict, "duplicate CreateSession")
	})
	t.Run("anonymous session before login", func(t *testing.T) {
		anon := storage.LoginSession{ID: "sess-anon", Tenant: "main", CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(time.Hour)}
		must(t, s.CreateSession(ctx(t), anon), "CreateSession anonymous")
		got, err := s.GetSession(ctx(t), "sess-anon")
		must(t, err, "GetSession anonymous")
		same(t, got, anon, "anonymous session")
	})
	t.Run("update", func(t *testing.T) {
		err := s.UpdateSession(ctx(t), "sess-a", func(old storage.LoginSession) (storage.LoginSession, error) {
			old.Clients = append(old.Clients, "portal")
			old.Values = []byte("new values")
			return old, nil
		})
		must(t, err, "UpdateSession")
		got, err := s.GetSession(ctx(t), "sess-a")
		must(t, err, "GetSession")
		want := ls
		want.Clients = []string{"tool", "portal"}
		want.Values = []byte("new values")
		same(t, got, want, "updated session")
		boom := errors.New("boom")
		err = s.UpdateSession(ctx(t), "sess-a", func(old storage.LoginSession) (storage.LoginSession, error) {
			old.Subject = pidBob
			return old, boom
		})
		wantErr(t, err, boom, "UpdateSession with failing fn")
		got, err = s.GetSession(ctx(t), "sess-a")
		must(t, err, "GetSession")
		same(t, got, want, "session after failed update")
		err = s.UpdateSession(ctx(t), "nope", func(o storage.LoginSession) (storage.LoginSession, error) { return o, nil })
		wantErr(t, err, storage.ErrNotFound, "UpdateSession missing")
	})
	t.Run("touch", func(t *testing.T) {
		must(t, s.TouchSession(ctx(t), "sess-a", at(10*time.Minute)), "TouchSession")
		got, err := s.GetSession(ctx(t), "sess-a")
		must(t, err, "GetSession")
		if !got.LastSeenAt.Equal(at(10 * time.Minute)) {
			t.Fatalf("LastSeenAt = %v, want %v", got.LastSeenAt, at(10*time.Minute))
		}
		wantErr(t, s.TouchSession(ctx(t), "nope", at(0)), storage.ErrNotFound, "TouchSession missing")
	})
	t.Run("list and end", func(t *testing.T) {
		must(t, s.CreateSession(ctx(t), newSession("sess-b", pidAlice, at(time.Minute))), "CreateSession b")
		must(t, s.CreateSession(ctx(t), newSession("sess-c", pidAlice, at(2*time.Minute))), "CreateSession c")
		must(t, s.CreateSession(ctx(t), newSession("sess-bob", pidBob, at(0))), "CreateSession bob")
		other := newSession("sess-other", pidAlice, at(0))
		other.Tenant = "sandbox"
		must(t, s.CreateSession(ctx(t), other), "CreateSession other tenant")

		ids := func() []string {
			t.Helper()
			ss, err := s.ListSessions(ctx(t), "main", pidAlice)
			must(t, err, "ListSessions")
			var out []string
			for _, x := range ss {
				out = append(out, x.ID)
			}
			return out
		}
		same(t, ids(), []string{"sess-c", "sess-b", "sess-a"}, "sessions newest first")

		must(t, s.EndSession(ctx(t), "sess-b", at(time.Hour)), "EndSession")
		got, err := s.GetSession(ctx(t), "sess-b")
		must(t, err, "GetSession ended")
		if got.EndedAt == nil || !got.EndedAt.Equal(at(time.Hour)) {
			t.Fatalf("EndedAt = %v, want %v", got.EndedAt, at(time.Hour))
		}
		wantErr(t, s.EndSession(ctx(t), "sess-b", at(2*time.Hour)), storage.ErrInactive, "EndSession twice")
		wantErr(t, s.TouchSession(ctx(t), "sess-b", at(2*time.Hour)), storage.ErrInactive, "TouchSession ended")
		wantErr(t, s.EndSession(ctx(t), "nope", at(0)), storage.ErrNotFound, "EndSession missing")
		same(t, ids(), []string{"sess-c", "sess-a"}, "ended session left the list")
	})
	t.Run("concurrent end: one wins", func(t *testing.T) {
		for round := range 10 {
			sid := id("sess-race", round)
			must(t, s.CreateSession(ctx(t), newSession(sid, pidChild, at(0))), "CreateSession")
			errs := race(2, func(int) error { return s.EndSession(ctx(t), sid, at(time.Minute)) })
			oneWinner(t, errs, storage.ErrInactive, "EndSession race")
		}
	})
	t.Run("delete expired", func(t *testing.T) {
		// sess-a..c expire at base+2h..2h02m; others at base+1h and base+2h.
		n, err := s.DeleteExpiredSessions(ctx(t), at(2*time.Hour+90*time.Second))
		must(t, err, "DeleteExpiredSessions")
		_, errA := s.GetSession(ctx(t), "sess-a")
		_, errC := s.GetSession(ctx(t), "sess-c")
		wantErr(t, errA, storage.ErrNotFound, "expired sess-a")
		must(t, errC, "unexpired sess-c")
		if n < 2 {
			t.Fatalf("DeleteExpiredSessions removed %d, want at least sess-a and sess-b", n)
		}
	})
}

// testSessionClients: AddSessionClient records each client once, refuses
// ended, foreign and absent sessions as UpdateSession's callers did, and
// keeps every client when the caller's list is stale or adds race.
func testSessionClients(t *testing.T, s storage.Storage) {
	// clients reads the stored list.
	clients := func(t *testing.T, sid string) []string {
		t.Helper()
		got, err := s.GetSession(ctx(t), sid)
		must(t, err, "GetSession")
		return got.Clients
	}
	// sorted is the list in order, for lists built by racing adds.
	sorted := func(l []string) []string { l = slices.Clone(l); slices.Sort(l); return l }
	t.Run("adds to a fresh session", func(t *testing.T) {
		// nil and empty lists are stored apart ("null", "[]"); each must
		// match itself.
		for _, tc := range []struct {
			name  string
			known []string
		}{{"nil", nil}, {"empty", []string{}}, {"one", []string{"tool"}}} {
			sid, known := "sess-fresh-"+tc.name, tc.known
			ls := newSession(sid, pidAlice, at(0))
			ls.Clients = known
			must(t, s.CreateSession(ctx(t), ls), "CreateSession")
			got, err := s.AddSessionClient(ctx(t), "main", sid, known, "portal")
			must(t, err, "AddSessionClient")
			want := append(slices.Clone(known), "portal")
			same(t, got, want, "returned clients")
			stored, err := s.GetSession(ctx(t), sid)
			must(t, err, "GetSession")
			ls.Clients = want
			same(t, stored, ls, "session after AddSessionClient (only clients changed)")
		}
	})
	t.Run("no duplicate", func(t *testing.T) {
		must(t, s.CreateSession(ctx(t), newSession("sess-dup", pidAlice, at(0))), "CreateSession")
		got, err := s.AddSessionClient(ctx(t), "main", "sess-dup", []string{"tool"}, "tool")
		must(t, err, "AddSessionClient of a known client")
		same(t, got, []string{"tool"}, "returned clients")
		// A stale list that lacks the client: the stored one has it.
		got, err = s.AddSessionClient(ctx(t), "main", "sess-dup", nil, "tool")
		must(t, err, "AddSessionClient with a stale list")
		same(t, got, []string{"tool"}, "returned clients")
		same(t, clients(t, "sess-dup"), []string{"tool"}, "stored clients")
	})
	t.Run("ended, foreign and absent sessions", func(t *testing.T) {
		must(t, s.CreateSession(ctx(t), newSession("sess-ended", pidAlice, at(0))), "CreateSession")
		must(t, s.EndSession(ctx(t), "sess-ended", at(time.Minute)), "EndSession")
		_, err := s.AddSessionClient(ctx(t), "main", "sess-ended", []string{"tool"}, "portal")
		wantErr(t, err, storage.ErrInactive, "AddSessionClient to an ended session")
		same(t, clients(t, "sess-ended"), []string{"tool"}, "clients of the ended session")

		must(t, s.CreateSession(ctx(t), newSession("sess-foreign", pidAlice, at(0))), "CreateSession")
		_, err = s.AddSessionClient(ctx(t), "sandbox", "sess-foreign", []string{"tool"}, "portal")
		wantErr(t, err, storage.ErrInactive, "AddSessionClient to another tenant's session")
		same(t, clients(t, "sess-foreign"), []string{"tool"}, "clients of the other tenant's session")

		_, err = s.AddSessionClient(ctx(t), "main", "nope", nil, "portal")
		wantErr(t, err, storage.ErrNotFound, "AddSessionClient to an absent session")
	})
	t.Run("stale list keeps the client added meanwhile", func(t *testing.T) {
		must(t, s.CreateSession(ctx(t), newSession("sess-stale", pidAlice, at(0))), "CreateSession")
		_, err := s.AddSessionClient(ctx(t), "main", "sess-stale", []string{"tool"}, "portal")
		must(t, err, "first AddSessionClient")
		got, err := s.AddSessionClient(ctx(t), "main", "sess-stale", []string{"tool"}, "mail")
		must(t, err, "AddSessionClient with a stale list")
		same(t, got, []string{"tool", "portal", "mail"}, "returned clients")
		same(t, clients(t, "sess-stale"), []string{"tool", "portal", "mail"}, "stored clients")
	})
	t.Run("concurrent adds keep every client", func(t *testing.T) {
		const n = 8
		for round := range 5 {
			sid := id("sess-clients-race", round)
			must(t, s.CreateSession(ctx(t), newSession(sid, pidAlice, at(0))), "CreateSession")
			want := []string{"tool"}
			for i := range n {
				want = append(want, id("rp", i))
			}
			results := make([][]string, n)
			errs := race(n, func(i int) error {
				var err error
				results[i], err = s.AddSessionClient(ctx(t), "main", sid, []string{"tool"}, id("rp", i))
				return err
			})
			for i, err := range errs {
				must(t, err, "concurrent AddSessionClient")
				if !slices.Contains(results[i], id("rp", i)) || !slices.Contains(results[i], "tool") {
					t.Fatalf("AddSessionClient of %s returned %v", id("rp", i), results[i])
				}
			}
			same(t, sorted(clients(t, sid)), sorted(want), "clients after racing adds")
		}
	})
}
