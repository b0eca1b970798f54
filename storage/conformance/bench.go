package conformance

import (
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// registryOf returns n persons and n-1 relations, each person holding one
// for the next. Storage does not check numbers, so the PIDs are plain keys.
func registryOf(n int) ([]storage.Person, []storage.Relation) {
	ps := make([]storage.Person, n)
	for i := range ps {
		ps[i] = storage.Person{PID: fmt.Sprintf("p%010d", i), GivenName: "Kari", FamilyName: fmt.Sprint(i),
			BirthDate: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: at(0)}
	}
	rs := make([]storage.Relation, n-1)
	for i := range rs {
		rs[i] = storage.Relation{ID: fmt.Sprint("rel-", i), Kind: "parent", Holder: ps[i].PID,
			Subject: ps[i+1].PID, ServiceAreas: []string{"appointments"}, UpdatedAt: at(0)}
	}
	return ps, rs
}

// BenchmarkImportRegistry measures ImportRegistry of registers of 100 and
// 10,000 persons (and one relation fewer) into a fresh storage from
// newStorage; the first round inserts, the rest update every row.
func BenchmarkImportRegistry(b *testing.B, newStorage func(testing.TB) storage.Storage) {
	for _, n := range []int{100, 10_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			s := newStorage(b)
			ps, rs := registryOf(n)
			for b.Loop() {
				if err := s.ImportRegistry(b.Context(), reg, ps, rs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRevokeClientGrants measures the kill-switch cascade: one
// client holds 10,000 live codes and tokens under 2,500 grants and
// login sessions, another client 1,000. Each round revokes the first
// client's in one transaction and then checks that every one of them is
// inactive and the other client's are untouched (outside the timer).
func BenchmarkRevokeClientGrants(b *testing.B, newStorage func(testing.TB) storage.Storage) {
	const n, other = 10_000, 1_000
	s := newStorage(b)
	kinds := []storage.TokenKind{storage.KindAccessToken, storage.KindRefreshToken, storage.KindAccessToken, storage.KindAuthorizeCode}
	fill := func(round int) {
		ctx, err := s.BeginTx(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		for i := range n + other {
			client, g := "bad", fmt.Sprintf("g-%d-%d", round, i/4)
			if i >= n {
				client, g = "good", fmt.Sprintf("g-good-%d-%d", round, i)
			}
			if i%4 == 0 {
				if err := s.CreateGrant(ctx, storage.Grant{ID: g, Tenant: "bench", ClientID: client, Subject: fmt.Sprintf("p%d", i/4),
					Scopes: []string{"health:measurements"}, CreatedAt: at(0)}); err != nil {
					b.Fatal(err)
				}
			}
			r := storage.TokenRecord{Kind: kinds[i%4], Signature: fmt.Sprintf("sig-%d-%d", round, i), Tenant: "bench",
				RequestID: fmt.Sprintf("req-%d-%d", round, i/4), ClientID: client, Subject: fmt.Sprintf("p%d", i/4),
				SessionID: fmt.Sprintf("chain-%d", i/4), GrantID: g, Active: true, RequestedAt: at(0), ExpiresAt: at(time.Hour)}
			if err := s.CreateToken(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	round := 0
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		round++
		fill(round)
		b.StartTimer()
		res, err := s.RevokeClientGrants(b.Context(), "bench", "bad", storage.Revocation{At: at(time.Hour), By: "operator"})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if res.Tokens != n || len(res.Grants) != n/4 {
			b.Fatalf("revoked %d tokens of %d grants, want %d of %d", res.Tokens, len(res.Grants), n, n/4)
		}
		for i := range n + other {
			r, err := s.GetToken(b.Context(), "bench", kinds[i%4], fmt.Sprintf("sig-%d-%d", round, i))
			if err != nil {
				b.Fatal(err)
			}
			if r.Active != (i >= n) {
				b.Fatalf("token %d (client %s) active=%v after the kill-switch", i, r.ClientID, r.Active)
			}
		}
		b.StartTimer()
	}
}

// BenchmarkTokens measures the token endpoint's and introspection's
// storage calls from many parallel goroutines: create, CreateToken of a new
// access token (client_credentials); get, GetToken of a live one.
func BenchmarkTokens(b *testing.B, newStorage func(testing.TB) storage.Storage) {
	data := []byte(`{"id":"req","client_id":"bench-cc","granted_scope":["openid"],"session":{"subject":"bench-cc"}}`)
	rec := func(i int64) storage.TokenRecord {
		return storage.TokenRecord{Kind: storage.KindAccessToken, Signature: fmt.Sprintf("sig-%012d", i), Tenant: "main",
			RequestID: fmt.Sprint("req-", i), ClientID: "bench-cc", Subject: "bench-cc", Active: true,
			RequestedAt: at(0), ExpiresAt: at(time.Hour), Data: data}
	}
	b.Run("create", func(b *testing.B) {
		s := newStorage(b)
		var n atomic.Int64
		// 16 goroutines per CPU, as many concurrent requests as the
		// load tests send.
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.CreateToken(b.Context(), rec(n.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("get", func(b *testing.B) {
		s := newStorage(b)
		const live = 1000
		for i := range int64(live) {
			if err := s.CreateToken(b.Context(), rec(i)); err != nil {
				b.Fatal(err)
			}
		}
		var n atomic.Int64
		// 16 goroutines per CPU, as many concurrent requests as the
		// load tests send.
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.GetToken(b.Context(), "main", storage.KindAccessToken, rec(n.Add(1)%live).Signature); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkSessions creates 100,000 live login sessions and reports the
// Go heap the process holds per session afterwards (heap-B/session: the
// sessions live in the database, so it should be about nothing) and,
// when size is given, the database's bytes per session (db-B/session).
func BenchmarkSessions(b *testing.B, newStorage func(testing.TB) storage.Storage, size func(storage.Storage) (int64, error)) {
	const n = 100_000
	for b.Loop() {
		s := newStorage(b)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ctx, err := s.BeginTx(b.Context())
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			err := s.CreateSession(ctx, storage.LoginSession{
				ID: fmt.Sprintf("session-%043d", i), Tenant: "main", Subject: fmt.Sprintf("%011d", 10000000000+i),
				AuthTime: at(0), ACR: "idporten-loa-high", AMR: []string{"BankID"},
				UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
				Clients:   []string{"tool-a"}, Values: make([]byte, 120),
				CreatedAt: at(0), LastSeenAt: at(0), ExpiresAt: at(2 * time.Hour),
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		if err := s.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "heap-B/session")
		if size != nil {
			sz, err := size(s)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(sz)/n, "db-B/session")
		}
	}
}

// BenchmarkPersonEvents pages through the usage log of one person who
// has 100,000 events (most their own use, some for a child they
// represent, some by their representative), among 50,000 of other
// persons, followed by 300,000 newer events of others (the person has
// not used anything since: their newest page is far from the table's
// newest rows, where a scan in id order over all events would have to
// wade through everybody else's), as the citizen's "Logg over bruk"
// does: pages of 50 newest first, each continuing from the last id of
// the one before. One op is one page; when the walk reaches the end it
// starts again at the top. The sub-benchmarks add the page's filters: a
// client, and who acted.
func BenchmarkPersonEvents(b *testing.B, newStorage func(testing.TB) storage.Storage) {
	const (
		person, child, rep = "p-person", "p-child", "p-rep"
		mine, others       = 100_000, 50_000
		later              = 300_000
		page               = 50
	)
	s := newStorage(b)
	ctx := b.Context()
	seeded := 0
	tx, err := s.BeginTx(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for i := range mine + others + later {
		e := storage.Event{Tenant: "main", Time: at(time.Duration(i) * time.Second), Kind: "token_refreshed",
			ClientID: fmt.Sprint("tool-", i%5), Detail: []byte(`{"grant_type":"refresh_token"}`)}
		switch {
		case i%3 == 2 || i >= mine+others: // somebody else's
			e.Actor = fmt.Sprintf("p-other-%d", i%1000)
			e.Subject = e.Actor
		case i%10 == 0:
			e.Actor, e.Subject = person, child
		case i%10 == 1:
			e.Actor, e.Subject = rep, person
		default:
			e.Actor, e.Subject = person, person
		}
		if e.Subject == person || e.Actor == person {
			if seeded == mine {
				e.Actor, e.Subject = "p-other-x", "p-other-x"
			} else {
				seeded++
			}
		}
		if i%1000 == 7 {
			e.ClientID = "tool-rare"
		}
		if _, err := s.AppendEvent(tx, e); err != nil {
			b.Fatal(err)
		}
		if i%10_000 == 9_999 {
			if err := s.Commit(tx); err != nil {
				b.Fatal(err)
			}
			if tx, err = s.BeginTx(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := s.Commit(tx); err != nil {
		b.Fatal(err)
	}
	if seeded != mine {
		b.Fatalf("seeded %d events of the person, want %d", seeded, mine)
	}
	// The last four are the worst cases, a filter that few of the
	// person's events match: each op reads the first page, for which the
	// database scans the person's events until it has found a page.
	for _, bc := range []struct {
		name  string
		f     storage.EventFilter
		first bool
	}{
		{"all", storage.EventFilter{}, false},
		{"client", storage.EventFilter{ClientID: "tool-3"}, false},
		{"own use", storage.EventFilter{Actor: person}, false},
		{"representative", storage.EventFilter{Actor: rep}, false},
		{"first page/all", storage.EventFilter{}, true},
		{"first page/rare client", storage.EventFilter{ClientID: "tool-rare"}, true},
		{"first page/long ago", storage.EventFilter{Until: at(3000 * time.Second)}, true},
		{"first page/since", storage.EventFilter{Since: at(140_000 * time.Second)}, true},
		{"first page/child's use", storage.EventFilter{Actor: child}, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := bc.f
			f.Tenant, f.Person, f.Limit = "main", person, page
			rows, pages := 0, 0
			for b.Loop() {
				es, err := s.ListEvents(b.Context(), f)
				if err != nil {
					b.Fatal(err)
				}
				if len(es) < page || bc.first {
					f.AfterID = 0 // the end: start again at the top
				} else {
					f.AfterID = es[len(es)-1].ID
				}
				rows += len(es)
				pages++
			}
			b.ReportMetric(float64(rows)/float64(pages), "events/page")
		})
	}
}
