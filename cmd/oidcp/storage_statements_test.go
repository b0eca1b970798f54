package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/oidcp/oidcp/storage/sqlstore"
)

// stmtLog records the statements the store sends, in order.
type stmtLog struct {
	mu sync.Mutex
	qs []string
}

func (l *stmtLog) add(q string) {
	l.mu.Lock()
	l.qs = append(l.qs, strings.Join(strings.Fields(q), " "))
	l.mu.Unlock()
}

func (l *stmtLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	qs := l.qs
	l.qs = nil
	return qs
}

// TestE2EStatementCounts counts the SQL statements of the token endpoint's
// grants and of introspection on each backend, with warm caches (the
// second run of each), and checks that a code exchange is one
// transaction. The test opens the store and runs serve on it, so it can
// hold the counter.
func TestE2EStatementCounts(t *testing.T) {
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			e, store, completed := startCounted(t, b)
			var log stmtLog
			store.SetStatementCounter(log.add)

			// measure runs op and returns the statements of the one HTTP
			// request it makes, including what the handler does after the
			// response is written (the usage-log append).
			measure := func(op func()) []string {
				start := completed.Load()
				log.take()
				op()
				for deadline := time.Now().Add(5 * time.Second); completed.Load() <= start && time.Now().Before(deadline); {
					time.Sleep(time.Millisecond)
				}
				return log.take()
			}
			c := e.register(t, "main", "count")
			rp := e.rp(t, c)
			cc := e.register(t, "main", "count-cc", "--grant-type", "client_credentials")
			ccConf := clientcredentials.Config{ClientID: cc.id, ClientSecret: cc.secret, TokenURL: e.issuer("main") + "/token"}

			type result struct {
				name    string
				max     int
				oneTx   bool
				queries []string
			}
			var results []result
			for round := range 2 {
				code, a, _, err := rp.loginE(newBrowser(), e.kari)
				if err != nil {
					t.Fatal(err)
				}
				var tk *tokens
				exchange := measure(func() {
					if tk, err = rp.exchangeE(code, a.verifier); err != nil {
						t.Fatal(err)
					}
				})
				refresh := measure(func() {
					if _, err := rp.refreshE(tk.refresh); err != nil {
						t.Fatal(err)
					}
				})
				var ccTok string
				clientCreds := measure(func() {
					tok, err := ccConf.Token(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					ccTok = tok.AccessToken
				})
				introspect := measure(func() {
					if m := e.introspect(t, cc, ccTok); m["active"] != true || m["client_id"] != cc.id {
						t.Fatalf("introspection of the client_credentials token: %v", m)
					}
				})
				if round == 0 {
					continue // warms the client cache and the secret-hash cache
				}
				// The bounds are today's counts: a new statement on these
				// paths should be a decision, not an accident. A code
				// exchange is one read of the code's records, then one
				// transaction: invalidate the code, insert both tokens.
				results = []result{
					{"authorization_code", 5, true, exchange},
					{"refresh_token", 6, true, refresh},
					{"client_credentials", 1, false, clientCreds},
					{"introspection", 1, false, introspect},
				}
			}
			for _, r := range results {
				t.Logf("%s: %d statements:\n  %s", r.name, len(r.queries), strings.Join(r.queries, "\n  "))
				// The usage-log event is written by the background
				// writer, batched with other requests' events, not by
				// the grant: counted apart, and it must be there.
				grant, events := splitEvents(r.queries)
				if r.name != "introspection" && events != 1 {
					t.Errorf("%s: %d usage-log inserts, want 1", r.name, events)
				}
				if len(grant) > r.max {
					t.Errorf("%s: %d statements, want at most %d", r.name, len(grant), r.max)
				}
				if r.oneTx {
					checkOneTx(t, r.name, r.queries)
				}
			}
		})
	}
}

// splitEvents separates the usage-log writer's statements from the rest.
func splitEvents(qs []string) (rest []string, events int) {
	for _, q := range qs {
		if strings.HasPrefix(q, "INSERT INTO events") {
			events++
			continue
		}
		rest = append(rest, q)
	}
	return rest, events
}

// checkOneTx: exactly one transaction, and every write that makes the
// grant (deactivating the code or refresh token, inserting the new
// tokens) inside it.
func checkOneTx(t *testing.T, name string, qs []string) {
	t.Helper()
	begin, commit := -1, -1
	for i, q := range qs {
		switch q {
		case "BEGIN":
			if begin >= 0 {
				t.Errorf("%s: a second transaction at statement %d", name, i)
			}
			begin = i
		case "COMMIT":
			commit = i
		case "ROLLBACK":
			t.Errorf("%s: rolled back", name)
		}
	}
	if begin < 0 || commit < begin {
		t.Fatalf("%s: no BEGIN..COMMIT", name)
	}
	var inserts, deactivations int
	for i, q := range qs {
		isToken := strings.HasPrefix(q, "INSERT INTO tokens") || strings.HasPrefix(q, "UPDATE tokens SET active = FALSE")
		if !isToken {
			continue
		}
		if i < begin || i > commit {
			t.Errorf("%s: %q outside the transaction", name, q)
		}
		if strings.HasPrefix(q, "INSERT") {
			inserts += strings.Count(q, "), (") + 1 // rows
		} else {
			deactivations++
		}
	}
	if inserts != 2 || deactivations < 1 {
		t.Errorf("%s: %d token rows inserted and %d deactivations in the transaction, want 2 and at least 1", name, inserts, deactivations)
	}
}

// startCounted runs the real server (serve's path, through serveWith) on
// a store the test holds, so that it can set the statement counter, and
// counts the public requests whose handler has returned.
func startCounted(t *testing.T, b e2eBackend) (*e2eEnv, *sqlstore.Store, *atomic.Int64) {
	t.Helper()
	e := newE2EEnv(t, b)
	st, err := openStore(context.Background(), e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	// Registered before startServingWith, so it runs after serve returned.
	t.Cleanup(func() { st.Close() })
	store, ok := st.(*sqlstore.Store)
	if !ok {
		t.Fatalf("store is %T, not *sqlstore.Store", st)
	}
	e.store = st
	var completed atomic.Int64
	srv := startServingWith(t, devArgs(t, e.cli, "http", "--kek", e.kek), nil, e.clock.now, serveHooks{
		store: st,
		log:   func(h slog.Handler) slog.Handler { return requestCounter{h, &completed} },
	})
	e.base, e.admin, e.logs = srv.base, srv.admin, srv.logs
	return e, store, &completed
}

// requestCounter counts the server's "request" log records: serve's
// request log writes one for each public request once its handler has
// returned, after any work the handler does past the response. Every
// record is also passed on to the server's own handler at its level.
type requestCounter struct {
	slog.Handler
	n *atomic.Int64
}

func (c requestCounter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || c.Handler.Enabled(ctx, l)
}

func (c requestCounter) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "request" {
		c.n.Add(1)
	}
	if !c.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return c.Handler.Handle(ctx, r)
}
