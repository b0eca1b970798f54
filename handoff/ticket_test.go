package handoff

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/storetest"
)

// Synthetic fødselsnummer (population package); never real people.
const (
	pidKari  = "01818000010"
	pidJonas = "03831550170"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newStore(t *testing.T) storage.Storage {
	t.Helper()
	return storetest.SQLite(t)
}

func grant() Grant {
	return Grant{Tenant: "main", PortalClientID: "portal", TargetClientID: "tool", TargetLinkURI: "https://tool.example/",
		SessionChain: "chain-1", Holder: pidKari, ActingFor: pidJonas, Relation: "parent"}
}

func redemption(ticket string) Redemption {
	return Redemption{Tenant: "main", Ticket: ticket, ClientID: "tool", SessionChain: "chain-1", Holder: pidKari}
}

func events(t *testing.T, st storage.Storage, kind string) []storage.Event {
	t.Helper()
	es, err := st.ListEvents(t.Context(), storage.EventFilter{Tenant: "main"})
	if err != nil {
		t.Fatal(err)
	}
	var out []storage.Event
	for _, e := range es {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// TestTicketRedeem: a ticket redeems once for its client, session and
// person within 60 seconds, and hands off the representation; it is
// stored only hashed.
func TestTicketRedeem(t *testing.T) {
	st := newStore(t)
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	tk := NewTickets(st, clk.now, nil)
	ticket, err := tk.Issue(t.Context(), grant())
	if err != nil {
		t.Fatal(err)
	}
	if !IsTicket(ticket) || IsTicket("testid:"+pidKari) || IsTicket(Prefix+"short") {
		t.Fatalf("IsTicket: %q", ticket)
	}
	// Stored by its hash, never as is.
	if _, err := st.TakeHandoffTicket(t.Context(), "main", ticket); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("the ticket itself is a key: %v", err)
	}
	clk.t = clk.t.Add(Lifetime - time.Second)
	g, err := tk.Redeem(t.Context(), redemption(ticket))
	if err != nil {
		t.Fatal(err)
	}
	if g != grant() {
		t.Fatalf("redeemed %+v, want %+v", g, grant())
	}
	if es := events(t, st, audit.HandoffRedeemed); len(es) != 1 || es[0].ClientID != "tool" || es[0].Subject != pidJonas || es[0].Actor != pidKari {
		t.Fatalf("redeemed events: %+v", es)
	}
	if _, err := tk.Redeem(t.Context(), redemption(ticket)); !errors.Is(err, ErrUnknown) {
		t.Fatalf("second redemption: %v, want ErrUnknown", err)
	}
}

// TestTicketRefused: another client, another session or person, after
// expiry (the injected clock), a replay, or another tenant: refused, the
// ticket is spent all the same, and each refusal is in the usage log and
// logged as a warning that carries neither the ticket nor a pid.
func TestTicketRefused(t *testing.T) {
	st := newStore(t)
	clk := &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	var logs bytes.Buffer
	tk := NewTickets(st, clk.now, slog.New(slog.NewTextHandler(&logs, nil)))
	cases := []struct {
		name   string
		change func(*Redemption)
		wait   time.Duration
		want   error
		reason string
	}{
		{"another client", func(r *Redemption) { r.ClientID = "other-tool" }, 0, ErrWrongClient, "wrong_client"},
		{"another browser session", func(r *Redemption) { r.SessionChain = "chain-2" }, 0, ErrWrongSession, "wrong_session"},
		{"no live session", func(r *Redemption) { r.SessionChain, r.Holder = "", "" }, 0, ErrWrongSession, "wrong_session"},
		{"another person in the chain", func(r *Redemption) { r.Holder = pidJonas }, 0, ErrWrongSession, "wrong_session"},
		{"expired", func(*Redemption) {}, Lifetime, ErrExpired, "expired"},
		{"another tenant", func(r *Redemption) { r.Tenant = "sandbox" }, 0, ErrUnknown, "unknown_or_used"},
	}
	for _, tc := range cases {
		ticket, err := tk.Issue(t.Context(), grant())
		if err != nil {
			t.Fatal(err)
		}
		clk.t = clk.t.Add(tc.wait)
		rd := redemption(ticket)
		tc.change(&rd)
		if _, err := tk.Redeem(t.Context(), rd); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		// Spent: even the right request cannot use it now (except in
		// the other tenant's case, where nothing was found to spend).
		if tc.name != "another tenant" {
			if _, err := tk.Redeem(t.Context(), redemption(ticket)); !errors.Is(err, ErrUnknown) {
				t.Errorf("%s: the refused ticket still redeems: %v", tc.name, err)
			}
		}
		if strings.Contains(logs.String(), strings.TrimPrefix(ticket, Prefix)) {
			t.Fatalf("%s: the ticket is in the log:\n%s", tc.name, logs.String())
		}
		if !strings.Contains(logs.String(), "reason="+tc.reason) {
			t.Errorf("%s: no warning with reason %s:\n%s", tc.name, tc.reason, logs.String())
		}
	}
	if strings.Contains(logs.String(), pidKari) || strings.Contains(logs.String(), pidJonas) || !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings carry a pid or are not warnings:\n%s", logs.String())
	}
	refused := events(t, st, audit.HandoffRefused)
	if len(refused) < len(cases) {
		t.Fatalf("%d refusals in the usage log, want at least %d", len(refused), len(cases))
	}
	for _, e := range refused {
		if e.ClientID == "" || !strings.Contains(string(e.Detail), `"reason"`) {
			t.Errorf("refusal event without client or reason: %+v", e)
		}
	}
}

// TestTicketIssueChecks: a ticket needs what it binds.
func TestTicketIssueChecks(t *testing.T) {
	tk := NewTickets(newStore(t), nil, nil)
	for name, change := range map[string]func(*Grant){
		"no session":            func(g *Grant) { g.SessionChain = "" },
		"no target":             func(g *Grant) { g.TargetClientID = "" },
		"acting without a kind": func(g *Grant) { g.Relation = "" },
	} {
		g := grant()
		change(&g)
		if _, err := tk.Issue(context.Background(), g); err == nil {
			t.Errorf("%s: issued", name)
		}
	}
}
