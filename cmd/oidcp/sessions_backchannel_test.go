package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/backchannel"
	"github.com/oidcp/oidcp/storage"
)

// startStoppable runs serve like startServing, but returns a stop
// function so that a test can restart the server on the same database
// and address.
func startStoppable(t *testing.T, args []string, now func() time.Time) (*testServer, func()) {
	t.Helper()
	return startServingStop(t, args, nil, now, serveHooks{})
}

// TestBackchannelOutboxSurvivesRestart: a grant is revoked while no
// oidcp runs (the CLI queues the logout), the receiver is down for the
// first attempt, oidcp restarts in between, and the logout token still
// arrives, with every attempt and the outcome recorded.
func TestBackchannelOutboxSurvivesRestart(t *testing.T) {
	for _, b := range e2eBackends() {
		t.Run(b.name, func(t *testing.T) {
			e := newE2EEnv(t, b)
			args := devArgs(t, e.cli, "http", "--kek", e.kek)
			srv, stop := startStoppable(t, args, e.clock.now)
			e.base, e.admin, e.logs = srv.base, srv.admin, srv.logs
			var err error
			e.store, err = openStore(context.Background(), e.dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { e.store.Close() })

			rcv := newBCLReceiver(t)
			kari := syntheticPID(t, time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC), 9)
			c := e.register(t, "sandbox", "outbox-tool", "--scope", dataScope, "--backchannel-logout-uri", rcv.uri(), "--backchannel-logout-session-required")
			c.scopes = append(c.scopes, dataScope)
			g := e.grantVia(t, c, kari)
			tk := e.rp(t, c).login(t, newBrowser(), kari)
			stop()

			rcv.setDown(true)
			e.cli.on(t).ok("consent", "revoke", "--tenant", "sandbox", "--id", g.ID, "--reason", "while oidcp was down")
			ms, err := e.store.ListOutbox(context.Background(), "sandbox", c.id)
			if err != nil || len(ms) != 1 || ms[0].State != storage.OutboxPending || ms[0].Attempts != 0 {
				t.Fatalf("outbox after the CLI revoke: %+v (%v), want one pending message", ms, err)
			}

			_, stop = startStoppable(t, args, e.clock.now)
			m := waitOutbox(t, e, ms[0].ID, func(m storage.OutboxMessage) bool { return m.Attempts >= 1 })
			if m.State != storage.OutboxPending || m.LastError != "HTTP 503" {
				t.Fatalf("after a failed attempt: %+v, want pending with the error recorded", m)
			}
			stop() // restart between attempts

			rcv.setDown(false)
			_, _ = startStoppable(t, args, e.clock.now)
			e.clock.advance(time.Minute) // past the backoff
			got := rcv.waitTokens(t, 1, 15*time.Second)
			verifyLogoutToken(t, e.issuer("sandbox"), c.id, got[0], tk.id.Subject, tk.claims.SID)
			m = waitOutbox(t, e, ms[0].ID, func(m storage.OutboxMessage) bool { return m.State != storage.OutboxPending })
			if m.State != storage.OutboxDelivered || m.Attempts < 2 {
				t.Fatalf("outbox message %+v, want delivered after at least 2 attempts", m)
			}
			evs := waitEvents(t, e, "sandbox", backchannel.EventDelivered, 1)
			if evs[0].ClientID != c.id || evs[0].GrantID != g.ID || !strings.Contains(string(evs[0].Detail), `"attempts"`) {
				t.Fatalf("delivery event %+v", evs[0])
			}
		})
	}
}

func waitOutbox(t *testing.T, e *e2eEnv, id string, ok func(storage.OutboxMessage) bool) storage.OutboxMessage {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		m, err := e.store.GetOutbox(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox message stayed %+v", m)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
