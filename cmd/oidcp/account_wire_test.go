package main

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/oidcp/oidcp/account"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/storage/storetest"
)

// TestAccountWiring: the account Service built on the consent wiring
// names persons from the tenant's registry and withdraws through the
// consent service (the grant's token is revoked, the tool queued a
// back-channel logout), under the configured session timeouts.
func TestAccountWiring(t *testing.T) {
	cfg := valid(t)
	cfg.SessionIdle = 10 * time.Minute
	ctx := t.Context()
	st := storetest.SQLite(t)
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	if _, err := registry.SeedPopulation(ctx, st, now); err != nil {
		t.Fatal(err)
	}
	pop := population.Generate(now)
	kari, ingrid := pop.Keys[population.KeyKari], pop.Keys[population.KeyIngrid]
	cw, err := newConsentWiring(cfg, st, clock, http.DefaultClient, newLogger(Config{LogLevel: "error", LogFormat: "text"}, &bytes.Buffer{}))
	if err != nil {
		t.Fatal(err)
	}
	acc := newAccountService(cfg, cw)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateClient(ctx, storage.Client{Tenant: "sandbox", ID: "tool", Name: "Verktøyet", BackchannelLogoutURI: "https://tool.example/bcl"}))
	must(st.CreateGrant(ctx, storage.Grant{ID: "g1", Tenant: "sandbox", ClientID: "tool", Subject: ingrid, Actor: kari, Relation: "parent",
		Scopes: []string{"health:measurements"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	must(st.CreateToken(ctx, storage.TokenRecord{Kind: storage.KindRefreshToken, Signature: "r1", Tenant: "sandbox", RequestID: "q1",
		ClientID: "tool", Subject: ingrid, GrantID: "g1", Active: true, RequestedAt: now, ExpiresAt: now.Add(time.Hour)}))
	must(st.CreateSession(ctx, storage.LoginSession{ID: "s1", Tenant: "sandbox", Subject: kari, CreatedAt: now.Add(-20 * time.Minute),
		LastSeenAt: now.Add(-15 * time.Minute), ExpiresAt: now.Add(time.Hour)}))

	v := account.Viewer{Tenant: "sandbox", Person: kari, Subject: ingrid, Relation: representation.Parent}
	gs, err := acc.Grants(ctx, v)
	if err != nil || len(gs) != 1 || gs[0].Subject.Name != "Ingrid Nordmann" || gs[0].Actor.Name != "Kari Nordmann" || gs[0].Client.Name != "Verktøyet" {
		t.Fatalf("grants %+v, %v", gs, err)
	}
	// session_idle 10m: the session last seen 15 minutes ago has ended.
	if ss, err := acc.Sessions(ctx, v); err != nil || len(ss) != 0 {
		t.Fatalf("sessions %+v, %v; want none under a 10-minute idle timeout", ss, err)
	}
	must(acc.RevokeGrant(ctx, v, "g1"))
	if r, err := st.GetToken(ctx, "sandbox", storage.KindRefreshToken, "r1"); err != nil || r.Active {
		t.Fatalf("the grant's token after withdrawal: %+v, %v", r, err)
	}
	if ms, err := st.ListOutbox(ctx, "sandbox", "tool"); err != nil || len(ms) != 1 {
		t.Fatalf("outbox %+v, %v", ms, err)
	}
	if err := acc.RevokeGrant(ctx, v, "g1"); !errors.Is(err, account.ErrNotFound) {
		t.Fatalf("again: %v", err)
	}
}
