package account_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/storage"
)

// BenchmarkEvents pages, through the Service (names from the registry
// and the client store, relations from the grants), through the usage
// log of Kari, who has 100,000 events (her own use of five tools, what
// she did for Ingrid as her parent under a grant) among 50,000 of Ola's,
// on PostgreSQL. One op is one page of 50 as the pages and the API ask
// for it, the next page each time, from the top again at the end.
//
//	go test ./account -run XXX -bench Events -benchtime 1000x
func BenchmarkEvents(b *testing.B) {
	for _, bc := range []struct {
		name string
		be   backend
	}{{"postgres", openPostgres}, {"sqlite", openSQLite}} {
		b.Run(bc.name, func(b *testing.B) {
			f := newBenchFixture(b, bc.be)
			v := account.Viewer{Tenant: "main", Person: f.kari, Subject: f.kari, ClientID: "portal"}
			q := account.EventQuery{Limit: 50}
			events := 0
			for b.Loop() {
				p, err := f.svc.Events(b.Context(), v, q)
				if err != nil {
					b.Fatal(err)
				}
				events += len(p.Events)
				q.Cursor = p.Next
			}
			b.ReportMetric(float64(events)/float64(b.N), "events/page")
		})
	}
}

func newBenchFixture(b *testing.B, be backend) *fixture {
	const mine, others = 100_000, 50_000
	f := newFixture(b, be)
	ctx := b.Context()
	g := storage.Grant{ID: "g-ingrid", Tenant: "main", ClientID: "tool", Subject: f.ingrid, Actor: f.kari,
		Relation: "parent", Scopes: []string{"health:measurements"}, CreatedAt: t0, ExpiresAt: t0.Add(365 * 24 * time.Hour)}
	if err := f.store.CreateGrant(ctx, g); err != nil {
		b.Fatal(err)
	}
	for i := range 5 {
		if err := f.store.CreateClient(ctx, storage.Client{Tenant: "main", ID: fmt.Sprint("tool-", i), Name: fmt.Sprint("Verktøy ", i)}); err != nil {
			b.Fatal(err)
		}
	}
	tx, err := f.store.BeginTx(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for i := range mine + others {
		e := storage.Event{Tenant: "main", Time: t0.Add(time.Duration(i) * time.Second), Kind: audit.TokenRefreshed,
			Actor: f.kari, Subject: f.kari, ClientID: fmt.Sprint("tool-", i%5)}
		switch {
		case i%3 == 2:
			e.Actor, e.Subject = f.ola, f.ola
		case i%10 == 0:
			e.Subject, e.ClientID, e.GrantID = f.ingrid, "tool", g.ID
		}
		if _, err := f.store.AppendEvent(tx, e); err != nil {
			b.Fatal(err)
		}
		if i%10_000 == 9_999 {
			if err := f.store.Commit(tx); err != nil {
				b.Fatal(err)
			}
			if tx, err = f.store.BeginTx(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := f.store.Commit(tx); err != nil {
		b.Fatal(err)
	}
	return f
}
