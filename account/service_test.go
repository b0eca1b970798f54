package account_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/backchannel"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/sessionstore"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/storetest"
)

// t0 is the tests' clock: a Tuesday morning in Oslo.
var t0 = time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)

// fixture is a SQLite store with the synthetic population, two clients
// and a Service with an injected clock.
type fixture struct {
	t     testing.TB
	store storage.Storage
	// fail, when set, makes the store's calls fail (see failingStore).
	failing                   *failingStore
	svc                       *account.Service
	now                       time.Time
	pop                       population.Population
	kari, ola, ingrid, astrid string
}

// backend opens a fresh, migrated store.
type backend func(t testing.TB) storage.Storage

// eachBackend runs test on SQLite and on PostgreSQL (skipped, loudly,
// when no PostgreSQL is reachable; see pgtest).
func eachBackend(t *testing.T, test func(t *testing.T, be backend)) {
	t.Run("sqlite", func(t *testing.T) { test(t, openSQLite) })
	t.Run("postgres", func(t *testing.T) { test(t, openPostgres) })
}

func openSQLite(t testing.TB) storage.Storage {
	t.Helper()
	return storetest.SQLite(t)
}

func openPostgres(t testing.TB) storage.Storage {
	t.Helper()
	return storetest.Postgres(t)
}

func newFixture(t testing.TB, be backend) *fixture {
	t.Helper()
	st := be(t)
	f := &fixture{t: t, store: st, now: t0, pop: population.Generate(t0)}
	if _, err := registry.SeedPopulation(t.Context(), st, t0); err != nil {
		t.Fatal(err)
	}
	f.kari, f.ola = f.pop.Keys[population.KeyKari], f.pop.Keys[population.KeyOla]
	f.ingrid, f.astrid = f.pop.Keys[population.KeyIngrid], f.pop.Keys[population.KeyAstrid]
	for _, c := range []storage.Client{
		{Tenant: "main", ID: "tool", Name: "Blodtrykksdagboka", Vendor: "Helseapp AS", LogoURI: "https://tool.example/logo.png",
			BackchannelLogoutURI: "https://tool.example/bcl", RedirectURIs: []string{"https://tool.example/cb"}},
		{Tenant: "main", ID: "portal", Name: "Helseportalen", RedirectURIs: []string{"https://portal.example/cb"}},
		{Tenant: "other", ID: "tool", Name: "Another tenant's tool", BackchannelLogoutURI: "https://other.example/bcl"},
	} {
		if err := st.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	f.failing = &failingStore{Storage: st}
	clock := func() time.Time { return f.now }
	cons := consent.NewService(f.failing, consent.Options{Now: clock,
		Notifier: &backchannel.Enqueuer{Store: f.failing, Now: clock}})
	f.svc = account.New(f.failing, cons, account.Options{
		Now:        clock,
		Registries: map[string]string{"main": registry.Synthetic},
		Logouts:    &backchannel.Enqueuer{Store: f.failing, Now: clock},
	})
	return f
}

func (f *fixture) self(pid string) account.Viewer {
	return account.Viewer{Tenant: "main", Person: pid, Subject: pid, ClientID: "portal"}
}

func (f *fixture) forOther(pid, subject string, rel representation.RelationKind) account.Viewer {
	return account.Viewer{Tenant: "main", Person: pid, Subject: subject, Relation: rel, ClientID: "portal"}
}

// failingStore fails the named method (once armed) with errBroken; it
// stands for a database that breaks in the middle of a transaction.
type failingStore struct {
	storage.Storage
	failOn string
}

var errBroken = errors.New("the database broke")

func (s *failingStore) fail(m string) error {
	if s.failOn == m {
		return fmt.Errorf("%s: %w", m, errBroken)
	}
	return nil
}

func (s *failingStore) RevokeBySession(ctx context.Context, tenant, id string) (int64, error) {
	if err := s.fail("RevokeBySession"); err != nil {
		return 0, err
	}
	return s.Storage.RevokeBySession(ctx, tenant, id)
}

func (s *failingStore) EnqueueOutbox(ctx context.Context, ms ...storage.OutboxMessage) error {
	if err := s.fail("EnqueueOutbox"); err != nil {
		return err
	}
	return s.Storage.EnqueueOutbox(ctx, ms...)
}

func (s *failingStore) AppendEvent(ctx context.Context, e storage.Event) (int64, error) {
	if err := s.fail("AppendEvent:" + e.Kind); err != nil {
		return 0, err
	}
	return s.Storage.AppendEvent(ctx, e)
}

func (s *failingStore) Commit(ctx context.Context) error {
	if err := s.fail("Commit"); err != nil {
		_ = s.Storage.Rollback(ctx)
		return err
	}
	return s.Storage.Commit(ctx)
}

// event appends one event at minute m after t0 and returns its id.
func (f *fixture) event(tenant, kind, actor, subject, client, grant string, m int, detail map[string]any) int64 {
	f.t.Helper()
	var d json.RawMessage
	if detail != nil {
		d, _ = json.Marshal(detail)
	}
	id, err := f.store.AppendEvent(f.t.Context(), storage.Event{Tenant: tenant, Time: t0.Add(time.Duration(m) * time.Minute),
		Kind: kind, Actor: actor, Subject: subject, ClientID: client, GrantID: grant, Detail: d})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func ids(es []account.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func idStrings(is ...int64) []string {
	out := make([]string, len(is))
	for i, id := range is {
		out[i] = fmt.Sprint(id)
	}
	return out
}

// walk reads every page of q and returns the events in order.
func walk(t *testing.T, svc *account.Service, v account.Viewer, q account.EventQuery) []account.Event {
	t.Helper()
	var all []account.Event
	for page := 0; ; page++ {
		if page > 50 {
			t.Fatal("pagination does not end")
		}
		p, err := svc.Events(t.Context(), v, q)
		if err != nil {
			t.Fatalf("Events page %d: %v", page, err)
		}
		if p.Next != "" && len(p.Events) == 0 {
			t.Fatalf("page %d is empty but has a next cursor", page)
		}
		all = append(all, p.Events...)
		if p.Next == "" {
			return all
		}
		q.Cursor = p.Next
	}
}

func TestEvents(t *testing.T) { eachBackend(t, testEvents) }

func testEvents(t *testing.T, be backend) {
	f := newFixture(t, be)
	// The usage log: Kari uses the tool herself, gives consent for
	// Ingrid (the relation in the detail), the tool gets tokens for
	// Ingrid under that grant (the relation only in the grant), Ingrid
	// logs in herself, Ola's own use, and another tenant.
	g := storage.Grant{ID: "g-ingrid", Tenant: "main", ClientID: "tool", Subject: f.ingrid, Actor: f.kari,
		Relation: "parent", Scopes: []string{"health:measurements"}, CreatedAt: t0, ExpiresAt: t0.Add(365 * 24 * time.Hour)}
	if err := f.store.CreateGrant(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	e := []int64{
		f.event("main", audit.Login, f.kari, f.kari, "portal", "", 0, nil),                                                 // 0
		f.event("main", audit.TokenIssued, f.kari, f.kari, "tool", "", 1, nil),                                             // 1
		f.event("main", audit.RepresentationChosen, f.kari, f.ingrid, "tool", "", 2, map[string]any{"relation": "parent"}), // 2
		f.event("main", consent.EventGiven, f.kari, f.ingrid, "tool", g.ID, 3, map[string]any{"relation": "parent"}),       // 3
		f.event("main", audit.TokenIssued, f.kari, f.ingrid, "tool", g.ID, 4, nil),                                         // 4
		f.event("main", audit.Login, f.ola, f.ola, "portal", "", 5, nil),                                                   // 5
		f.event("main", audit.Login, f.ingrid, f.ingrid, "portal", "", 6, nil),                                             // 6
		f.event("other", audit.Login, f.kari, f.kari, "tool", "", 7, nil),                                                  // 7
		f.event("main", audit.TokenRefreshed, f.kari, f.kari, "tool", "", 8, nil),                                          // 8
		f.event("main", audit.TokenRefreshed, f.kari, f.ingrid, "tool", g.ID, 9, nil),                                      // 9
		f.event("main", audit.TokenIssued, f.ingrid, f.ola, "tool", "", 10, nil),                                           // 10: Ingrid for a third person
	}
	pick := func(is ...int) []string {
		var out []int64
		for _, i := range is {
			out = append(out, e[i])
		}
		return idStrings(out...)
	}
	kari, ingridByKari := f.self(f.kari), f.forOther(f.kari, f.ingrid, representation.Parent)

	for _, tc := range []struct {
		name string
		v    account.Viewer
		q    account.EventQuery
		want []string
	}{
		{"own log, acted in or done for, newest first", kari, account.EventQuery{}, pick(9, 8, 4, 3, 2, 1, 0)},
		{"the child's log seen by the parent, without what she did for a third person", ingridByKari, account.EventQuery{}, pick(9, 6, 4, 3, 2)},
		{"her own log, with what she did for a third person", f.self(f.ingrid), account.EventQuery{}, pick(10, 9, 6, 4, 3, 2)},
		{"self: only what the subject did", ingridByKari, account.EventQuery{Who: "self"}, pick(6)},
		{"one representative", ingridByKari, account.EventQuery{Who: f.kari}, pick(9, 4, 3, 2)},
		{"a person who never acted", ingridByKari, account.EventQuery{Who: f.ola}, nil},
		{"one tool", kari, account.EventQuery{ClientID: "portal"}, pick(0)},
		{"a period: since inclusive, until exclusive", kari,
			account.EventQuery{Since: t0.Add(time.Minute), Until: t0.Add(4 * time.Minute)}, pick(3, 2, 1)},
		{"every filter at once", ingridByKari,
			account.EventQuery{Who: f.kari, ClientID: "tool", Since: t0.Add(3 * time.Minute), Until: t0.Add(9 * time.Minute)}, pick(4, 3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, limit := range []int{0, 1, 2, 3} {
				q := tc.q
				q.Limit = limit
				if got := ids(walk(t, f.svc, tc.v, q)); !slices.Equal(got, tc.want) {
					t.Fatalf("limit %d: events %v, want %v", limit, got, tc.want)
				}
			}
		})
	}

	t.Run("pages and their cursors", func(t *testing.T) {
		p1, err := f.svc.Events(t.Context(), kari, account.EventQuery{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(p1.Events), pick(9, 8, 4)) || p1.Next == "" {
			t.Fatalf("first page %v next %q", ids(p1.Events), p1.Next)
		}
		if strings.Contains(p1.Next, fmt.Sprint(e[4])) {
			t.Fatalf("cursor %q shows the id in the clear; it should be opaque", p1.Next)
		}
		p2, err := f.svc.Events(t.Context(), kari, account.EventQuery{Limit: 3, Cursor: p1.Next})
		if err != nil {
			t.Fatal(err)
		}
		p3, err := f.svc.Events(t.Context(), kari, account.EventQuery{Limit: 3, Cursor: p2.Next})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(p2.Events), pick(3, 2, 1)) || !slices.Equal(ids(p3.Events), pick(0)) || p3.Next != "" {
			t.Fatalf("pages %v, %v (next %q)", ids(p2.Events), ids(p3.Events), p3.Next)
		}
		// A page exactly full at the end has no next page.
		p, err := f.svc.Events(t.Context(), kari, account.EventQuery{Limit: 7})
		if err != nil || len(p.Events) != 7 || p.Next != "" {
			t.Fatalf("a full last page: %d events, next %q, %v", len(p.Events), p.Next, err)
		}
	})

	t.Run("names, relation and own use", func(t *testing.T) {
		p, err := f.svc.Events(t.Context(), ingridByKari, account.EventQuery{})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[string]account.Event{}
		for _, ev := range p.Events {
			byID[ev.ID] = ev
		}
		consentGiven := byID[pick(3)[0]]
		want := account.Event{ID: pick(3)[0], Time: t0.Add(3 * time.Minute), Kind: consent.EventGiven,
			Client:  account.Party{ID: "tool", Name: "Blodtrykksdagboka"},
			Subject: account.Party{ID: f.ingrid, Name: "Ingrid Nordmann"},
			Actor:   account.Party{ID: f.kari, Name: "Kari Nordmann"}, Relation: "parent"}
		if fmt.Sprint(consentGiven) != fmt.Sprint(want) {
			t.Fatalf("consent given:\n got  %+v\n want %+v", consentGiven, want)
		}
		if r := byID[pick(4)[0]].Relation; r != "parent" {
			t.Errorf("token issued under the parent's grant: relation %q, want parent (from the grant)", r)
		}
		if own := byID[pick(6)[0]]; !own.SelfUse || own.Relation != "" || own.Actor.Name != "Ingrid Nordmann" {
			t.Errorf("Ingrid's own login: %+v", own)
		}
		if byID[pick(4)[0]].SelfUse {
			t.Error("the parent's use is marked as the child's own")
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		good, err := f.svc.Events(t.Context(), kari, account.EventQuery{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		enc := base64.RawURLEncoding.EncodeToString
		for _, tc := range []struct {
			name string
			v    account.Viewer
			q    account.EventQuery
		}{
			{"garbage cursor", kari, account.EventQuery{Cursor: "not a cursor!"}},
			{"a bare id", kari, account.EventQuery{Cursor: fmt.Sprint(e[3])}},
			{"another prefix", kari, account.EventQuery{Cursor: enc([]byte("xx1:5"))}},
			{"id zero", kari, account.EventQuery{Cursor: enc([]byte("ev1:0"))}},
			{"negative id", kari, account.EventQuery{Cursor: enc([]byte("ev1:-4"))}},
			{"not canonical", kari, account.EventQuery{Cursor: enc([]byte("ev1:05"))}},
			{"padded", kari, account.EventQuery{Cursor: good.Next + "="}},
			{"truncated", kari, account.EventQuery{Cursor: good.Next[:len(good.Next)-2]}},
			{"negative limit", kari, account.EventQuery{Limit: -1}},
			{"period ends before it starts", kari, account.EventQuery{Since: t0, Until: t0}},
			{"who is neither self nor a pid", kari, account.EventQuery{Who: "mother"}},
			{"who is a pid with a bad check digit", kari, account.EventQuery{Who: f.kari[:10] + fmt.Sprint((int(f.kari[10]-'0')+1)%10)}},
			{"a viewer without a subject", account.Viewer{Tenant: "main", Person: f.kari}, account.EventQuery{}},
			{"a viewer for another without a relation", account.Viewer{Tenant: "main", Person: f.kari, Subject: f.ingrid}, account.EventQuery{}},
		} {
			if _, err := f.svc.Events(t.Context(), tc.v, tc.q); !errors.Is(err, account.ErrInvalid) {
				t.Errorf("%s: err %v, want ErrInvalid", tc.name, err)
			}
		}
	})

	t.Run("page size is capped", func(t *testing.T) {
		for i := range account.MaxPageSize + 5 {
			f.event("main", audit.TokenRefreshed, f.ola, f.ola, "tool", "", 100+i, nil)
		}
		p, err := f.svc.Events(t.Context(), f.self(f.ola), account.EventQuery{Limit: 10 * account.MaxPageSize})
		if err != nil || len(p.Events) != account.MaxPageSize || p.Next == "" {
			t.Fatalf("%d events, next %q, %v; want %d and more", len(p.Events), p.Next, err, account.MaxPageSize)
		}
		p, err = f.svc.Events(t.Context(), f.self(f.ola), account.EventQuery{})
		if err != nil || len(p.Events) != account.DefaultPageSize {
			t.Fatalf("default page: %d events, %v", len(p.Events), err)
		}
	})
}

func TestPrune(t *testing.T) { eachBackend(t, testPrune) }

func testPrune(t *testing.T, be backend) {
	f := newFixture(t, be)
	old := f.event("main", audit.Login, f.kari, f.kari, "tool", "", -10, nil)
	keep := f.event("main", audit.Login, f.kari, f.kari, "tool", "", 10, nil)
	otherOld := f.event("other", audit.Login, f.kari, f.kari, "tool", "", -10, nil)
	n, err := f.svc.Prune(t.Context(), "main", t0)
	if err != nil || n != 1 {
		t.Fatalf("Prune: %d, %v; want 1", n, err)
	}
	p, err := f.svc.Events(t.Context(), f.self(f.kari), account.EventQuery{})
	if err != nil || !slices.Equal(ids(p.Events), idStrings(keep)) {
		t.Fatalf("after prune: %v, %v; want only %d (not %d)", ids(p.Events), err, keep, old)
	}
	es, err := f.store.ListEvents(t.Context(), storage.EventFilter{Tenant: "other"})
	if err != nil || len(es) != 1 || es[0].ID != otherOld {
		t.Fatalf("the other tenant's log: %v, %v", es, err)
	}
	if _, err := f.svc.Prune(t.Context(), "", t0); !errors.Is(err, account.ErrInvalid) {
		t.Fatalf("Prune without a tenant: %v", err)
	}
}

// session stores a login session of pid, created m minutes before now
// and last seen seen minutes before now, with a live access and refresh
// token of each client under its chain (the session id: a first login).
func (f *fixture) session(id, pid, ua string, m, seen int, clients ...string) storage.LoginSession {
	f.t.Helper()
	s := storage.LoginSession{ID: id, Tenant: "main", Subject: pid, AuthTime: f.now.Add(-time.Duration(m) * time.Minute),
		UserAgent: ua, Clients: clients, CreatedAt: f.now.Add(-time.Duration(m) * time.Minute),
		LastSeenAt: f.now.Add(-time.Duration(seen) * time.Minute), ExpiresAt: f.now.Add(time.Duration(120-m) * time.Minute)}
	if err := f.store.CreateSession(f.t.Context(), s); err != nil {
		f.t.Fatal(err)
	}
	for _, c := range clients {
		for _, k := range []storage.TokenKind{storage.KindAccessToken, storage.KindRefreshToken} {
			f.token(k, id+"-"+c+"-"+string(k), c, pid, id, "")
		}
	}
	return s
}

func (f *fixture) token(kind storage.TokenKind, sig, client, pid, chain, grant string) {
	f.t.Helper()
	if err := f.store.CreateToken(f.t.Context(), storage.TokenRecord{Kind: kind, Signature: sig, Tenant: "main",
		RequestID: "req-" + sig, ClientID: client, Subject: pid, SessionID: chain, GrantID: grant, Active: true,
		RequestedAt: f.now, ExpiresAt: f.now.Add(time.Hour)}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) active(kind storage.TokenKind, sig string) bool {
	f.t.Helper()
	r, err := f.store.GetToken(f.t.Context(), "main", kind, sig)
	if err != nil {
		f.t.Fatal(err)
	}
	return r.Active
}

func (f *fixture) ended(id string) bool {
	f.t.Helper()
	s, err := f.store.GetSession(f.t.Context(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s.EndedAt != nil
}

func (f *fixture) outbox() []storage.OutboxMessage {
	f.t.Helper()
	ms, err := f.store.ListOutbox(f.t.Context(), "main", "")
	if err != nil {
		f.t.Fatal(err)
	}
	return ms
}

// kinds returns the kinds of the events of the log of pid, oldest first.
func (f *fixture) kinds(pid string) []string {
	f.t.Helper()
	es, err := f.store.ListEvents(f.t.Context(), storage.EventFilter{Tenant: "main", Person: pid})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range slices.Backward(es) {
		out = append(out, e.Kind)
	}
	return out
}

const (
	uaWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	uaIPhone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
)

// sessionsFixture: Kari on her PC (current, signed in to the tool and
// the portal), on her iPhone (the tool), an idle-expired and an ended
// session of hers, and Ola's session.
func sessionsFixture(t *testing.T, be backend) (*fixture, map[string]string) {
	f := newFixture(t, be)
	f.session("kari-pc", f.kari, uaWindows, 60, 1, "tool", "portal")
	f.session("kari-phone", f.kari, uaIPhone, 30, 5, "tool")
	f.session("kari-idle", f.kari, uaWindows, 90, 45)
	f.session("kari-ended", f.kari, uaWindows, 20, 2)
	if err := f.store.EndSession(t.Context(), "kari-ended", f.now); err != nil {
		t.Fatal(err)
	}
	f.session("ola-pc", f.ola, uaWindows, 10, 1, "tool")
	handles := map[string]string{}
	for _, pid := range []string{f.kari, f.ola} {
		ss, err := f.svc.Sessions(t.Context(), f.self(pid))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			handles[pid+"/"+s.Device+"/"+s.CreatedAt.Format(time.RFC3339)] = s.ID
		}
	}
	return f, map[string]string{
		"kari-pc":    handles[f.kari+"/Chrome på Windows/"+f.now.Add(-60*time.Minute).Format(time.RFC3339)],
		"kari-phone": handles[f.kari+"/iPhone/"+f.now.Add(-30*time.Minute).Format(time.RFC3339)],
		"ola-pc":     handles[f.ola+"/Chrome på Windows/"+f.now.Add(-10*time.Minute).Format(time.RFC3339)],
	}
}

func TestSessions(t *testing.T) { eachBackend(t, testSessions) }

func testSessions(t *testing.T, be backend) {
	f, h := sessionsFixture(t, be)
	v := f.self(f.kari)
	v.SessionChain = "kari-pc"
	got, err := f.svc.Sessions(t.Context(), v)
	if err != nil {
		t.Fatal(err)
	}
	kari := account.Party{ID: f.kari, Name: "Kari Nordmann"}
	want := []account.Session{
		{ID: h["kari-phone"], Device: "iPhone", UserAgent: uaIPhone, CreatedAt: f.now.Add(-30 * time.Minute),
			LastSeenAt: f.now.Add(-5 * time.Minute), Clients: []account.Party{{ID: "tool", Name: "Blodtrykksdagboka"}},
			Subject: kari, Actor: kari},
		{ID: h["kari-pc"], Device: "Chrome på Windows", UserAgent: uaWindows, CreatedAt: f.now.Add(-60 * time.Minute),
			LastSeenAt: f.now.Add(-time.Minute), Current: true,
			Clients: []account.Party{{ID: "tool", Name: "Blodtrykksdagboka"}, {ID: "portal", Name: "Helseportalen"}},
			Subject: kari, Actor: kari},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sessions:\n got  %+v\n want %+v", got, want)
	}
	for _, s := range got {
		if s.ID == "" || strings.Contains(s.ID, "kari") || len(s.ID) != 22 {
			t.Errorf("handle %q: want 22 characters that do not reveal the session id", s.ID)
		}
	}
	if h["kari-pc"] == h["kari-phone"] || h["ola-pc"] == "" {
		t.Fatalf("handles %v", h)
	}

	// A representative sees their own sessions, not the child's.
	rep := f.forOther(f.kari, f.ingrid, representation.Parent)
	rep.SessionChain = "kari-pc"
	got2, err := f.svc.Sessions(t.Context(), rep)
	if err != nil || fmt.Sprint(got2) != fmt.Sprint(want) {
		t.Fatalf("as Ingrid's parent: %+v, %v", got2, err)
	}

	// The idle session expires as the session store decides: a shorter
	// idle timeout hides the phone (seen 5 minutes ago) too.
	short := account.New(f.store, nil, account.Options{Now: func() time.Time { return f.now }, SessionIdle: 4 * time.Minute})
	got3, err := short.Sessions(t.Context(), v)
	if err != nil || len(got3) != 1 || got3[0].ID != h["kari-pc"] {
		t.Fatalf("with a 4-minute idle timeout: %+v, %v", got3, err)
	}
}

func TestEndSession(t *testing.T) { eachBackend(t, testEndSession) }

func testEndSession(t *testing.T, be backend) {
	f, h := sessionsFixture(t, be)
	v := f.self(f.kari)
	v.SessionChain = "kari-pc"

	for _, tc := range []struct{ name, id string }{
		{"someone else's session", h["ola-pc"]},
		{"the session id itself", "kari-phone"},
		{"an unknown handle", "AAAAAAAAAAAAAAAAAAAAAA"},
		{"empty", ""},
	} {
		if err := f.svc.EndSession(t.Context(), v, tc.id); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", tc.name, err)
		}
	}
	if f.ended("ola-pc") || !f.active(storage.KindRefreshToken, "ola-pc-tool-refresh_token") {
		t.Fatal("Ola's session was touched")
	}

	if err := f.svc.EndSession(t.Context(), v, h["kari-phone"]); err != nil {
		t.Fatal(err)
	}
	if !f.ended("kari-phone") || f.ended("kari-pc") {
		t.Fatal("the wrong session ended")
	}
	if f.active(storage.KindAccessToken, "kari-phone-tool-access_token") || f.active(storage.KindRefreshToken, "kari-phone-tool-refresh_token") {
		t.Fatal("the ended session's tokens are still active")
	}
	if !f.active(storage.KindRefreshToken, "kari-pc-tool-refresh_token") {
		t.Fatal("another session's token was revoked")
	}
	ms := f.outbox()
	if len(ms) != 1 || ms[0].ClientID != "tool" || ms[0].SessionID != "kari-phone" || ms[0].Subject != f.kari ||
		ms[0].Reason != backchannel.ReasonLogout || ms[0].URI != "https://tool.example/bcl" {
		t.Fatalf("outbox %+v, want one logout for the tool of chain kari-phone", ms)
	}
	es, err := f.store.ListEvents(t.Context(), storage.EventFilter{Tenant: "main", Person: f.kari, Limit: 2})
	if err != nil || len(es) != 2 {
		t.Fatal(es, err)
	}
	if es[1].Kind != audit.SessionEnded || es[1].SessionID != "kari-phone" || es[1].Actor != f.kari || es[1].ClientID != "portal" ||
		string(es[1].Detail) != `{"reason":"account","tokens_revoked":2}` {
		t.Errorf("session ended event %+v (%s)", es[1], es[1].Detail)
	}
	if es[0].Kind != audit.TokenRevoked || string(es[0].Detail) != `{"count":2,"reason":"account"}` {
		t.Errorf("token revoked event %+v (%s)", es[0], es[0].Detail)
	}
	if err := f.svc.EndSession(t.Context(), v, h["kari-phone"]); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("ending it again: %v, want ErrNotFound", err)
	}
	ss, err := f.svc.Sessions(t.Context(), v)
	if err != nil || len(ss) != 1 || ss[0].ID != h["kari-pc"] {
		t.Fatalf("left: %+v, %v", ss, err)
	}
}

// TestEndSessionAtomic: whatever step fails, nothing of the session's
// end is left behind: it is still active, its tokens too, no logout is
// queued and the log records nothing.
func TestEndSessionAtomic(t *testing.T) { eachBackend(t, testEndSessionAtomic) }

func testEndSessionAtomic(t *testing.T, be backend) {
	for _, step := range []string{"RevokeBySession", "EnqueueOutbox", "AppendEvent:" + audit.SessionEnded, "AppendEvent:" + audit.TokenRevoked, "Commit"} {
		t.Run(step, func(t *testing.T) {
			f, h := sessionsFixture(t, be)
			before := f.kinds(f.kari)
			f.failing.failOn = step
			v := f.self(f.kari)
			if err := f.svc.EndSession(t.Context(), v, h["kari-phone"]); !errors.Is(err, errBroken) {
				t.Fatalf("EndSession: %v, want the store's error", err)
			}
			if _, err := f.svc.EndAllSessions(t.Context(), v); !errors.Is(err, errBroken) {
				t.Fatalf("EndAllSessions: %v, want the store's error", err)
			}
			for _, id := range []string{"kari-phone", "kari-pc"} {
				if f.ended(id) || !f.active(storage.KindRefreshToken, id+"-tool-refresh_token") {
					t.Fatalf("%s half ended", id)
				}
			}
			if ms := f.outbox(); len(ms) != 0 {
				t.Fatalf("outbox %+v", ms)
			}
			if after := f.kinds(f.kari); !slices.Equal(after, before) {
				t.Fatalf("log %v, was %v", after, before)
			}
			f.failing.failOn = ""
			if err := f.svc.EndSession(t.Context(), v, h["kari-phone"]); err != nil {
				t.Fatalf("once the store works again: %v", err)
			}
		})
	}
}

func TestEndAllSessions(t *testing.T) { eachBackend(t, testEndAllSessions) }

func testEndAllSessions(t *testing.T, be backend) {
	f, _ := sessionsFixture(t, be)
	v := f.forOther(f.kari, f.ingrid, representation.Parent) // her own sessions, whoever she acts for
	v.SessionChain = "kari-pc"
	n, err := f.svc.EndAllSessions(t.Context(), v)
	if err != nil || n != 2 {
		t.Fatalf("EndAllSessions: %d, %v; want 2", n, err)
	}
	for _, id := range []string{"kari-pc", "kari-phone"} {
		if !f.ended(id) || f.active(storage.KindAccessToken, id+"-tool-access_token") {
			t.Errorf("%s not ended with its tokens", id)
		}
	}
	if f.active(storage.KindRefreshToken, "kari-pc-portal-refresh_token") {
		t.Error("the portal's token of the current session is still active")
	}
	if f.ended("ola-pc") || !f.active(storage.KindAccessToken, "ola-pc-tool-access_token") {
		t.Error("Ola's session ended with Kari's")
	}
	// The tool is told about both chains; the portal has no logout URI.
	var chains []string
	for _, m := range f.outbox() {
		chains = append(chains, m.ClientID+"/"+m.SessionID)
	}
	slices.Sort(chains)
	if !slices.Equal(chains, []string{"tool/kari-pc", "tool/kari-phone"}) {
		t.Errorf("logouts queued %v", chains)
	}
	if n, err := f.svc.EndAllSessions(t.Context(), v); err != nil || n != 0 {
		t.Fatalf("again: %d, %v; want 0", n, err)
	}
}

// grantsFixture: Kari's own grant to the tool, the one she gave for
// Ingrid as her parent (with a token under it), an expired and a revoked
// grant of Kari's, a grant of Astrid's (who gave Kari an ordinary power
// of attorney), and Ola's.
func grantsFixture(t *testing.T, be backend) *fixture {
	f := newFixture(t, be)
	year := 365 * 24 * time.Hour
	revoked := f.now.Add(-time.Hour)
	for _, g := range []storage.Grant{
		{ID: "g-kari", ClientID: "tool", Subject: f.kari, CreatedAt: f.now.Add(-2 * time.Hour), ExpiresAt: f.now.Add(year)},
		{ID: "g-ingrid", ClientID: "tool", Subject: f.ingrid, Actor: f.kari, Relation: "parent", CreatedAt: f.now.Add(-time.Hour), ExpiresAt: f.now.Add(year)},
		{ID: "g-kari-expired", ClientID: "portal", Subject: f.kari, CreatedAt: f.now.Add(-2 * year), ExpiresAt: f.now.Add(-year)},
		{ID: "g-kari-revoked", ClientID: "portal", Subject: f.kari, CreatedAt: f.now.Add(-3 * time.Hour), ExpiresAt: f.now.Add(year), RevokedAt: &revoked, RevokedBy: "citizen"},
		{ID: "g-astrid", ClientID: "tool", Subject: f.astrid, CreatedAt: f.now.Add(-time.Hour), ExpiresAt: f.now.Add(year)},
		{ID: "g-ola", ClientID: "tool", Subject: f.ola, CreatedAt: f.now.Add(-time.Hour), ExpiresAt: f.now.Add(year)},
	} {
		g.Tenant, g.Scopes = "main", []string{"health:measurements"}
		if err := f.store.CreateGrant(t.Context(), g); err != nil {
			t.Fatal(err)
		}
	}
	f.token(storage.KindRefreshToken, "ingrid-refresh", "tool", f.ingrid, "kari-pc", "g-ingrid")
	f.token(storage.KindRefreshToken, "kari-refresh", "tool", f.kari, "kari-pc", "g-kari")
	return f
}

func TestGrants(t *testing.T) { eachBackend(t, testGrants) }

func testGrants(t *testing.T, be backend) {
	f := grantsFixture(t, be)
	got, err := f.svc.Grants(t.Context(), f.self(f.kari))
	if err != nil {
		t.Fatal(err)
	}
	kari := account.Party{ID: f.kari, Name: "Kari Nordmann"}
	tool := account.Party{ID: "tool", Name: "Blodtrykksdagboka"}
	want := []account.Grant{{ID: "g-kari", Client: tool, Vendor: "Helseapp AS", LogoURI: "https://tool.example/logo.png",
		Scopes: []string{"health:measurements"}, Subject: kari, Actor: kari,
		CreatedAt: f.now.Add(-2 * time.Hour), ExpiresAt: f.now.Add(365 * 24 * time.Hour)}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Kari's grants:\n got  %+v\n want %+v", got, want)
	}
	got, err = f.svc.Grants(t.Context(), f.forOther(f.kari, f.ingrid, representation.Parent))
	if err != nil || len(got) != 1 || got[0].ID != "g-ingrid" || !reflect.DeepEqual(got[0].Actor, kari) ||
		!reflect.DeepEqual(got[0].Subject, account.Party{ID: f.ingrid, Name: "Ingrid Nordmann"}) || got[0].Relation != "parent" {
		t.Fatalf("Ingrid's grants seen by her parent: %+v, %v", got, err)
	}
	// An ordinary power of attorney sees the grants.
	got, err = f.svc.Grants(t.Context(), f.forOther(f.kari, f.astrid, representation.PowerOfAttorney))
	if err != nil || len(got) != 1 || got[0].ID != "g-astrid" {
		t.Fatalf("Astrid's grants seen by her fullmakt holder: %+v, %v", got, err)
	}
}

func TestRevokeGrant(t *testing.T) { eachBackend(t, testRevokeGrant) }

func testRevokeGrant(t *testing.T, be backend) {
	f := grantsFixture(t, be)
	kari := f.self(f.kari)
	for _, tc := range []struct {
		name string
		v    account.Viewer
		id   string
		want error
	}{
		{"someone else's grant", kari, "g-ola", account.ErrNotFound},
		{"the child's grant, acting for oneself", kari, "g-ingrid", account.ErrNotFound},
		{"expired", kari, "g-kari-expired", account.ErrNotFound},
		{"already revoked", kari, "g-kari-revoked", account.ErrNotFound},
		{"unknown", kari, "g-nope", account.ErrNotFound},
		{"another tenant's viewer", account.Viewer{Tenant: "other", Person: f.kari, Subject: f.kari}, "g-kari", account.ErrNotFound},
		{"an ordinary power of attorney", f.forOther(f.kari, f.astrid, representation.PowerOfAttorney), "g-astrid", account.ErrForbidden},
		{"an ordinary power of attorney, someone else's grant", f.forOther(f.kari, f.astrid, representation.PowerOfAttorney), "g-ola", account.ErrNotFound},
		{"acting for another without a relation", account.Viewer{Tenant: "main", Person: f.kari, Subject: f.astrid}, "g-astrid", account.ErrInvalid},
	} {
		if err := f.svc.RevokeGrant(t.Context(), tc.v, tc.id); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if ok, _ := f.consentActive("g-astrid"); !ok {
		t.Fatal("the forbidden withdrawal revoked the grant")
	}
	if len(f.outbox()) != 0 {
		t.Fatal("a refused withdrawal queued a logout")
	}

	// The parent withdraws the child's grant: consent's cascade runs.
	if err := f.svc.RevokeGrant(t.Context(), f.forOther(f.kari, f.ingrid, representation.Parent), "g-ingrid"); err != nil {
		t.Fatal(err)
	}
	g, err := f.store.GetGrant(t.Context(), "main", "g-ingrid")
	if err != nil || g.RevokedAt == nil || g.RevokedBy != consent.RevokedByRepresentative || g.RevokedActor != f.kari {
		t.Fatalf("grant after withdrawal: %+v, %v", g, err)
	}
	if f.active(storage.KindRefreshToken, "ingrid-refresh") || !f.active(storage.KindRefreshToken, "kari-refresh") {
		t.Fatal("the withdrawal did not revoke exactly the grant's tokens")
	}
	if ms := f.outbox(); len(ms) != 1 || ms[0].GrantID != "g-ingrid" || ms[0].Reason != backchannel.ReasonGrantRevoked {
		t.Fatalf("outbox %+v", ms)
	}
	if k := f.kinds(f.ingrid); len(k) == 0 || k[len(k)-1] != consent.EventRevoked {
		t.Fatalf("Ingrid's log %v", k)
	}
	if err := f.svc.RevokeGrant(t.Context(), f.forOther(f.kari, f.ingrid, representation.Parent), "g-ingrid"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("withdrawing again: %v, want ErrNotFound", err)
	}

	// Kari withdraws her own; so may an assigned power of attorney.
	if err := f.svc.RevokeGrant(t.Context(), kari, "g-kari"); err != nil {
		t.Fatal(err)
	}
	if g, _ := f.store.GetGrant(t.Context(), "main", "g-kari"); g.RevokedBy != consent.RevokedByCitizen || g.RevokedActor != f.kari {
		t.Fatalf("own withdrawal recorded as %q by %q", g.RevokedBy, g.RevokedActor)
	}
	if err := f.svc.RevokeGrant(t.Context(), f.forOther(f.ingrid, f.ola, representation.AssignedPowerOfAttorney), "g-ola"); err != nil {
		t.Fatalf("assigned power of attorney: %v", err)
	}
	if gs, err := f.svc.Grants(t.Context(), kari); err != nil || len(gs) != 0 {
		t.Fatalf("Kari's grants after withdrawal: %+v, %v", gs, err)
	}
}

func (f *fixture) consentActive(id string) (bool, error) {
	g, err := f.store.GetGrant(f.t.Context(), "main", id)
	return err == nil && g.RevokedAt == nil, err
}

// TestSessionChain: a session the same person logged in to again (a
// step-up) has a new id in the first one's chain; the viewer's token
// names the chain, and ending the session must reach the tokens issued
// under the chain, not only under the newest id. The sessions are made
// by the session store itself, as the login does.
func TestSessionChain(t *testing.T) { eachBackend(t, testSessionChain) }

func testSessionChain(t *testing.T, be backend) {
	f := newFixture(t, be)
	ss := sessionstore.New(f.store, sessionstore.Options{Tenant: "main", CookieName: "oidcp_main", Path: "/main",
		HashKey: []byte("0123456789abcdef0123456789abcdef"), Now: func() time.Time { return f.now }})
	var cookies []*http.Cookie
	login := func() (id, chain string) {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, "https://oidcp.example/main/authorize", nil)
		r.Header.Set("User-Agent", uaIPhone)
		for _, c := range cookies {
			r.AddCookie(c)
		}
		sess, err := ss.Get(r, "oidcp_main")
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		if err := ss.SetLogin(r, w, sess, sessionstore.Login{Subject: f.kari, AuthTime: f.now, ACR: "idporten-loa-high"}); err != nil {
			t.Fatal(err)
		}
		if err := ss.AddClient(t.Context(), sess, "tool"); err != nil {
			t.Fatal(err)
		}
		cookies = w.Result().Cookies()
		l, _ := ss.Login(sess)
		return ss.ID(sess), l.ChainID
	}
	_, chain := login()
	f.token(storage.KindRefreshToken, "first-login", "tool", f.kari, chain, "")
	f.now = f.now.Add(5 * time.Minute)
	if id, again := login(); again != chain || id == chain {
		t.Fatalf("the step-up has id %q in chain %q, want a new id in chain %q", id, again, chain)
	}
	f.token(storage.KindRefreshToken, "step-up", "tool", f.kari, chain, "")

	v := f.self(f.kari)
	v.SessionChain = chain
	ss2, err := f.svc.Sessions(t.Context(), v)
	if err != nil || len(ss2) != 1 || !ss2[0].Current || ss2[0].Device != "iPhone" {
		t.Fatalf("sessions %+v, %v; want the newest session of the chain, current", ss2, err)
	}
	if err := f.svc.EndSession(t.Context(), v, ss2[0].ID); err != nil {
		t.Fatal(err)
	}
	if f.active(storage.KindRefreshToken, "first-login") || f.active(storage.KindRefreshToken, "step-up") {
		t.Fatal("a token of the chain survived the end of its session")
	}
	if ms := f.outbox(); len(ms) != 1 || ms[0].SessionID != chain {
		t.Fatalf("outbox %+v, want one logout with sid of chain %q", ms, chain)
	}
}

// TestLimitedRepresentative: a parent of a child of 12–15 has limited
// access ("begrenset innsyn", Viewer.Limited): they see only what they
// themself did for the child, not the child's own use, and only the
// grants they gave, and may withdraw only those. Without the limit the
// same parent sees and withdraws everything; an ordinary power of
// attorney still sees the log and still cannot withdraw. Security review
// of issue 12, finding 3.
func TestLimitedRepresentative(t *testing.T) { eachBackend(t, testLimitedRepresentative) }

func testLimitedRepresentative(t *testing.T, be backend) {
	f := grantsFixture(t, be)
	year := 365 * 24 * time.Hour
	own := storage.Grant{ID: "g-ingrid-own", Tenant: "main", ClientID: "portal", Subject: f.ingrid,
		Scopes: []string{"health:measurements"}, CreatedAt: f.now.Add(-time.Hour), ExpiresAt: f.now.Add(year)}
	if err := f.store.CreateGrant(t.Context(), own); err != nil {
		t.Fatal(err)
	}
	e := []int64{
		f.event("main", audit.Login, f.ingrid, f.ingrid, "portal", "", 0, nil),                                             // 0: Ingrid's own use
		f.event("main", consent.EventGiven, f.ingrid, f.ingrid, "portal", own.ID, 1, nil),                                  // 1: her own grant
		f.event("main", audit.RepresentationChosen, f.kari, f.ingrid, "tool", "", 2, map[string]any{"relation": "parent"}), // 2: Kari for her
		f.event("main", audit.TokenIssued, f.kari, f.ingrid, "tool", "g-ingrid", 3, nil),                                   // 3: Kari for her
		f.event("main", audit.TokenIssued, f.ola, f.ingrid, "tool", "", 4, map[string]any{"relation": "parent"}),           // 4: Ola for her
	}
	pick := func(is ...int) []string {
		var out []int64
		for _, i := range is {
			out = append(out, e[i])
		}
		return idStrings(out...)
	}
	full := f.forOther(f.kari, f.ingrid, representation.Parent)
	limited := full
	limited.Limited = true

	for _, tc := range []struct {
		name string
		v    account.Viewer
		q    account.EventQuery
		want []string
	}{
		{"full access: everything done by or for her", full, account.EventQuery{}, pick(4, 3, 2, 1, 0)},
		{"full access: her own use", full, account.EventQuery{Who: account.WhoSelf}, pick(1, 0)},
		{"limited: only what Kari did for her", limited, account.EventQuery{}, pick(3, 2)},
		{"limited: her own use is not shown", limited, account.EventQuery{Who: account.WhoSelf}, nil},
		{"limited: nor what the other parent did", limited, account.EventQuery{Who: f.ola}, nil},
		{"limited: what Kari did", limited, account.EventQuery{Who: f.kari}, pick(3, 2)},
		{"limited: one tool", limited, account.EventQuery{ClientID: "portal"}, nil},
		{"limited self viewer: the flag means nothing for oneself", account.Viewer{Tenant: "main", Person: f.ingrid, Subject: f.ingrid, Limited: true}, account.EventQuery{Who: account.WhoSelf}, pick(1, 0)},
	} {
		if got := ids(walk(t, f.svc, tc.v, tc.q)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: events %v, want %v", tc.name, got, tc.want)
		}
	}

	grantIDs := func(v account.Viewer) []string {
		gs, err := f.svc.Grants(t.Context(), v)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range gs {
			out = append(out, g.ID)
		}
		slices.Sort(out)
		return out
	}
	if got := grantIDs(full); !slices.Equal(got, []string{"g-ingrid", "g-ingrid-own"}) {
		t.Errorf("full access sees grants %v", got)
	}
	if got := grantIDs(limited); !slices.Equal(got, []string{"g-ingrid"}) {
		t.Errorf("limited access sees grants %v, want only the one Kari gave", got)
	}
	if err := f.svc.RevokeGrant(t.Context(), limited, own.ID); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("limited parent withdrawing the child's own grant: %v, want ErrNotFound", err)
	}
	if ok, _ := f.consentActive(own.ID); !ok {
		t.Fatal("the refused withdrawal revoked the child's own grant")
	}
	if err := f.svc.RevokeGrant(t.Context(), limited, "g-ingrid"); err != nil {
		t.Fatalf("limited parent withdrawing the grant she gave: %v", err)
	}
	// With full access the parent may withdraw the child's own grant.
	if err := f.svc.RevokeGrant(t.Context(), full, own.ID); err != nil {
		t.Fatalf("full-access parent withdrawing the child's own grant: %v", err)
	}

	// An ordinary power of attorney: sees the log, cannot withdraw.
	poa := f.forOther(f.kari, f.astrid, representation.PowerOfAttorney)
	f.event("main", audit.Login, f.astrid, f.astrid, "portal", "", 10, nil)
	if got := walk(t, f.svc, poa, account.EventQuery{}); len(got) != 1 {
		t.Errorf("an ordinary power of attorney sees %d events of the giver's, want 1", len(got))
	}
	if err := f.svc.RevokeGrant(t.Context(), poa, "g-astrid"); !errors.Is(err, account.ErrForbidden) {
		t.Errorf("an ordinary power of attorney withdrawing: %v, want ErrForbidden", err)
	}
}

func TestClientNames(t *testing.T) { eachBackend(t, testClientNames) }

// testClientNames: a tool's names per language reach the Party, and a
// tool deleted since the event is marked Deleted, with its id and no name.
func testClientNames(t *testing.T, be backend) {
	f := newFixture(t, be)
	names := map[string]string{"nn": "Blodtrykksdagboka (nynorsk)", "en": "Blood pressure diary"}
	if err := f.store.UpdateClient(t.Context(), "main", "tool", func(c storage.Client) (storage.Client, error) {
		c.Names = names
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.event("main", audit.TokenIssued, f.kari, f.kari, "tool", "", 1, nil)
	f.event("main", audit.TokenIssued, f.kari, f.kari, "gone", "", 2, nil)
	p, err := f.svc.Events(t.Context(), f.self(f.kari), account.EventQuery{})
	if err != nil || len(p.Events) != 2 {
		t.Fatalf("events: %+v, %v", p, err)
	}
	gone, tool := p.Events[0].Client, p.Events[1].Client
	if !reflect.DeepEqual(gone, account.Party{ID: "gone", Deleted: true}) || gone.NameIn("nb") != "" {
		t.Errorf("deleted tool: %+v", gone)
	}
	if tool.Deleted || !reflect.DeepEqual(tool.Names, names) || tool.NameIn("en") != "Blood pressure diary" || tool.NameIn("nb") != "Blodtrykksdagboka" || tool.NameIn("nn") != "Blodtrykksdagboka (nynorsk)" {
		t.Errorf("tool: %+v", tool)
	}
}
