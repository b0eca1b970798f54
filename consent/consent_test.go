package consent

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// Synthetic fødselsnummer (month + 80); never real people.
const (
	pidParent = "01818000010"
	pidChild  = "03831550170"
	pidOther  = "02828500034"
)

var oslo = func() *time.Location { l, _ := time.LoadLocation("Europe/Oslo"); return l }()

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, oslo)

func testCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	c, err := NewCatalogue([]Scope{
		{Name: "health:measurements", Title: Text{"Målinger", "Målingar", "Measurements"}, Description: Text{"a", "b", "c"}},
		{Name: "health:appointments", Title: Text{"Timeavtaler", "Timeavtalar", "Appointments"}, Description: Text{"a", "b", "c"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCatalogueRejects(t *testing.T) {
	ok := Text{"x", "y", "z"}
	for _, tc := range []struct {
		name   string
		scopes []Scope
	}{
		{"identity scope", []Scope{{Name: "openid", Title: ok, Description: ok}}},
		{"the account scope", []Scope{{Name: "account", Title: ok, Description: ok}}},
		{"bad name", []Scope{{Name: "Health Data", Title: ok, Description: ok}}},
		{"duplicate", []Scope{{Name: "a:b", Title: ok, Description: ok}, {Name: "a:b", Title: ok, Description: ok}}},
		{"missing nynorsk title", []Scope{{Name: "a:b", Title: Text{"x", "", "z"}, Description: ok}}},
		{"missing english description", []Scope{{Name: "a:b", Title: ok, Description: Text{"x", "y", ""}}}},
	} {
		if _, err := NewCatalogue(tc.scopes); err == nil {
			t.Errorf("%s: NewCatalogue accepted it", tc.name)
		}
	}
	c := testCatalogue(t)
	if got := c.DataScopes([]string{"openid", "pid", "health:appointments", "unknown", "health:appointments"}); !slices.Equal(got, []string{"health:appointments"}) {
		t.Fatalf("DataScopes = %v", got)
	}
	if s, _ := c.Lookup("health:measurements"); s.Title.In("nn") != "Målingar" || s.Title.In("") != "Målinger" || s.Title.In("en") != "Measurements" {
		t.Fatalf("texts: %+v", s.Title)
	}
}

// TestCovers is the coverage rule: scope subsets, per data subject and
// actor, expiry and revocation.
func TestCovers(t *testing.T) {
	revoked := t0
	g := storage.Grant{ID: "g", Tenant: "main", ClientID: "tool", Subject: pidChild, Actor: pidParent, Relation: "parent",
		Scopes: []string{"health:measurements", "health:appointments"}, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
	req := Request{Tenant: "main", ClientID: "tool", Subject: pidChild, Actor: pidParent, Relation: "parent"}
	for _, tc := range []struct {
		name string
		edit func(*storage.Grant, *Request)
		data []string
		at   time.Time
		want bool
	}{
		{"one of the granted scopes", nil, []string{"health:measurements"}, t0, true},
		{"all granted scopes", nil, []string{"health:measurements", "health:appointments"}, t0, true},
		{"a scope beyond the grant", func(g *storage.Grant, _ *Request) { g.Scopes = []string{"health:measurements"} }, []string{"health:measurements", "health:appointments"}, t0, false},
		{"another data subject", func(_ *storage.Grant, r *Request) { r.Subject = pidOther }, []string{"health:measurements"}, t0, false},
		{"the child logged in themself", func(_ *storage.Grant, r *Request) { r.Actor = "" }, []string{"health:measurements"}, t0, false},
		{"another representative", func(_ *storage.Grant, r *Request) { r.Actor = pidOther }, []string{"health:measurements"}, t0, false},
		{"another client", func(_ *storage.Grant, r *Request) { r.ClientID = "other" }, []string{"health:measurements"}, t0, false},
		{"another tenant", func(_ *storage.Grant, r *Request) { r.Tenant = "sandbox" }, []string{"health:measurements"}, t0, false},
		{"last instant before expiry", nil, []string{"health:measurements"}, t0.Add(24*time.Hour - time.Nanosecond), true},
		{"at expiry", nil, []string{"health:measurements"}, t0.Add(24 * time.Hour), false},
		{"no expiry", func(g *storage.Grant, _ *Request) { g.ExpiresAt = time.Time{} }, []string{"health:measurements"}, t0.Add(1000 * 24 * time.Hour), true},
		{"revoked", func(g *storage.Grant, _ *Request) { g.RevokedAt = &revoked }, []string{"health:measurements"}, t0, false},
		{"another relation kind", func(_ *storage.Grant, r *Request) { r.Relation = "assigned_power_of_attorney" }, []string{"health:measurements"}, t0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, r := g, req
			g.Scopes = slices.Clone(g.Scopes)
			if tc.edit != nil {
				tc.edit(&g, &r)
			}
			if got := Covers(g, r, tc.data, tc.at); got != tc.want {
				t.Fatalf("Covers = %v, want %v", got, tc.want)
			}
		})
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newService(t *testing.T, st *fakeStore, c *clock, n Notifier, rel RelationChecker) *Service {
	ids := 0
	return NewService(st, Options{
		Catalogues: map[string]*Catalogue{"main": testCatalogue(t)},
		GrantTTL:   30 * 24 * time.Hour, Now: c.now, Notifier: n, Relations: rel,
		NewID: func() string { ids++; return "g" + string(rune('0'+ids)) },
	})
}

func TestServiceGrantCoverExpire(t *testing.T) {
	st, c := newFakeStore(), &clock{t0}
	s := newService(t, st, c, nil, nil)
	req := Request{Tenant: "main", ClientID: "tool", Subject: pidParent, Scopes: []string{"openid", "pid", "health:measurements"}}

	if _, ok, err := s.Covers(t.Context(), Request{Tenant: "main", ClientID: "tool", Subject: pidParent, Scopes: []string{"openid", "profile"}}); err != nil || !ok {
		t.Fatalf("identity scopes only need no grant: ok=%v err=%v", ok, err)
	}
	if _, ok, err := s.Covers(t.Context(), Request{Tenant: "main", ClientID: "tool", Subject: pidParent, Scopes: []string{"openid", "account"}}); err != nil || !ok {
		t.Fatalf("the account scope needs no grant: ok=%v err=%v", ok, err)
	}
	if _, ok, _ := s.Covers(t.Context(), req); ok {
		t.Fatal("covered before any grant")
	}
	if _, err := s.Grant(t.Context(), Request{Tenant: "main", ClientID: "tool", Subject: pidParent, Scopes: []string{"health:secret"}}); !errors.Is(err, ErrUnknownScope) {
		t.Fatalf("Grant of an undeclared scope: %v", err)
	}
	g, err := s.Grant(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Scopes, []string{"health:measurements"}) || !g.ExpiresAt.Equal(t0.UTC().Add(30*24*time.Hour)) {
		t.Fatalf("grant = %+v (only data scopes, TTL from the injected clock)", g)
	}
	got, ok, err := s.Covers(t.Context(), req)
	if err != nil || !ok || got.ID != g.ID {
		t.Fatalf("Covers after Grant = %v %v %v", got.ID, ok, err)
	}
	more := req
	more.Scopes = append(slices.Clone(req.Scopes), "health:appointments")
	if _, ok, _ := s.Covers(t.Context(), more); ok {
		t.Fatal("a grant for measurements covered appointments too")
	}
	c.t = t0.Add(30 * 24 * time.Hour)
	if _, ok, _ := s.Covers(t.Context(), req); ok {
		t.Fatal("an expired grant still covers")
	}
	if k := st.kinds(); !slices.Equal(k, []string{EventGiven}) {
		t.Fatalf("usage log = %v", k)
	}
	if err := s.Refuse(t.Context(), more); err != nil || st.kinds()[1] != EventRefused {
		t.Fatalf("Refuse: %v, log %v", err, st.kinds())
	}
}

// TestRepresentationEndedRevokes: a grant a parent gave for a child stops
// covering, and is revoked, once the relation no longer holds.
func TestRepresentationEndedRevokes(t *testing.T) {
	st, c := newFakeStore(), &clock{t0}
	rel := relations{{pidParent, pidChild}: true}
	s := newService(t, st, c, nil, rel)
	req := Request{Tenant: "main", ClientID: "tool", Subject: pidChild, Actor: pidParent, Relation: "parent", Scopes: []string{"health:measurements"}}
	g, err := s.Grant(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	st.tokens["at"] = storage.TokenRecord{Signature: "at", Tenant: "main", ClientID: "tool", GrantID: g.ID, Active: true}
	if _, ok, _ := s.Covers(t.Context(), req); !ok {
		t.Fatal("not covered while the relation holds")
	}
	delete(rel, [2]string{pidParent, pidChild}) // the child turned 16
	if _, ok, err := s.Covers(t.Context(), req); ok || err != nil {
		t.Fatalf("covered after the relation ended (err %v)", err)
	}
	got, _ := st.GetGrant(t.Context(), "main", g.ID)
	if got.RevokedAt == nil || got.RevokedBy != RevokedByRelationEnded || st.tokens["at"].Active {
		t.Fatalf("grant %+v, token active %v: want revoked by relation_ended with its token", got, st.tokens["at"].Active)
	}
}

// TestRevokeCascade: revoking a grant deactivates its tokens and no one
// else's, notifies, logs who revoked it, and all of it rolls back together.
func TestRevokeCascade(t *testing.T) {
	st, c := newFakeStore(), &clock{t0}
	n := &recordingNotifier{}
	s := newService(t, st, c, n, nil)
	g, err := s.Grant(t.Context(), Request{Tenant: "main", ClientID: "tool", Subject: pidParent, Scopes: []string{"health:measurements"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sig := range []string{"at1", "rt1", "at2"} {
		st.tokens[sig] = storage.TokenRecord{Signature: sig, Tenant: "main", ClientID: "tool", Subject: pidParent, SessionID: "chain", GrantID: g.ID, Active: true}
	}
	st.tokens["other"] = storage.TokenRecord{Signature: "other", Tenant: "main", ClientID: "tool", GrantID: "g-other", Active: true}

	// A failing notifier rolls the revocation back: nothing is revoked
	// that the client is never told about.
	n.err = errBoom
	if _, err := s.Revoke(t.Context(), "main", g.ID, storage.Revocation{By: RevokedByCitizen, Actor: pidParent}); !errors.Is(err, errBoom) {
		t.Fatalf("Revoke with a failing notifier: %v", err)
	}
	if got, _ := st.GetGrant(t.Context(), "main", g.ID); got.RevokedAt != nil || !st.tokens["at1"].Active {
		t.Fatal("a failed revocation left the grant or a token revoked")
	}
	n.err = nil
	c.t = t0.Add(time.Hour)
	res, err := s.Revoke(t.Context(), "main", g.ID, storage.Revocation{By: RevokedByCitizen, Actor: pidParent, Reason: "stopped using it"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Tokens != 3 || !slices.Equal(n.got, []string{"tool:grant_revoked"}) {
		t.Fatalf("revoked %d tokens, notified %v", res.Tokens, n.got)
	}
	for _, sig := range []string{"at1", "rt1", "at2"} {
		if st.tokens[sig].Active {
			t.Fatalf("token %s of the revoked grant is active", sig)
		}
	}
	if !st.tokens["other"].Active {
		t.Fatal("another grant's token was revoked")
	}
	got, _ := st.GetGrant(t.Context(), "main", g.ID)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(t0.Add(time.Hour).UTC()) {
		t.Fatalf("RevokedAt = %v, want the injected clock's time", got.RevokedAt)
	}
	last := st.events[len(st.events)-1]
	if last.Kind != EventRevoked || last.Actor != pidParent || last.GrantID != g.ID {
		t.Fatalf("usage log entry = %+v", last)
	}
	if _, err := s.Revoke(t.Context(), "main", g.ID, storage.Revocation{By: RevokedByCitizen}); !errors.Is(err, storage.ErrInactive) {
		t.Fatalf("second Revoke: %v", err)
	}
}

func TestRevokeClient(t *testing.T) {
	st, c := newFakeStore(), &clock{t0}
	n := &recordingNotifier{}
	s := newService(t, st, c, n, nil)
	for _, sub := range []string{pidParent, pidOther} {
		if _, err := s.Grant(t.Context(), Request{Tenant: "main", ClientID: "bad", Subject: sub, Scopes: []string{"health:measurements"}}); err != nil {
			t.Fatal(err)
		}
	}
	keep, _ := s.Grant(t.Context(), Request{Tenant: "main", ClientID: "good", Subject: pidParent, Scopes: []string{"health:measurements"}})
	res, err := s.RevokeClient(t.Context(), "main", "bad", storage.Revocation{By: RevokedByOperator, Actor: "ops", Reason: "leaked secret"})
	if err != nil || len(res.Grants) != 2 {
		t.Fatalf("RevokeClient = %+v, %v", res, err)
	}
	if g, _ := st.GetGrant(t.Context(), "main", keep.ID); g.RevokedAt != nil {
		t.Fatal("another client's grant was revoked")
	}
	last := st.events[len(st.events)-1]
	if last.Kind != EventRevoked || last.Actor != "" || string(last.Detail) == "" {
		t.Fatalf("operator revocation entry = %+v (operator name belongs in the detail, not the pid column)", last)
	}
}

// TestGrantRefusesNonConsentingRelations: only the data subject, a
// parent or the holder of an assigned power of attorney may consent; an
// ordinary power of attorney may not, nor an unknown kind, nor a
// relation the registry does not hold now.
func TestGrantRefusesNonConsentingRelations(t *testing.T) {
	rel := relations{{pidParent, pidChild}: true}
	for _, tc := range []struct {
		name            string
		actor, relation string
		checker         bool
		want            error
	}{
		{"the data subject", "", "", true, nil},
		{"a parent whose relation holds", pidParent, "parent", true, nil},
		{"a parent, no registry configured", pidOther, "parent", false, nil},
		{"an assigned power of attorney that holds", pidParent, "assigned_power_of_attorney", true, nil},
		{"an ordinary power of attorney", pidParent, "power_of_attorney", true, ErrRelationCannotConsent},
		{"an ordinary power of attorney, no registry", pidParent, "power_of_attorney", false, ErrRelationCannotConsent},
		{"an unknown kind", pidParent, "neighbour", true, ErrRelationCannotConsent},
		{"an actor without a relation", pidParent, "", true, ErrRelationCannotConsent},
		{"a relation without an actor", "", "parent", true, ErrRelationCannotConsent},
		{"a parent whose relation does not hold", pidOther, "parent", true, ErrRelationDoesNotHold},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rc RelationChecker
			if tc.checker {
				rc = rel
			}
			st := newFakeStore()
			s := newService(t, st, &clock{t0}, nil, rc)
			_, err := s.Grant(t.Context(), Request{Tenant: "main", ClientID: "tool", Subject: pidChild, Actor: tc.actor, Relation: tc.relation, Scopes: []string{"health:measurements"}})
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Grant: %v, want %v", err, tc.want)
			}
			if tc.want != nil && len(st.grants) != 0 {
				t.Fatalf("a refused grant was stored: %v", st.grants)
			}
		})
	}
}

// TestGrantNotAfter: a caller's NotAfter (a child's 16th birthday)
// shortens a grant's lifetime, and never lengthens it.
func TestGrantNotAfter(t *testing.T) {
	birthday16 := time.Date(2026, 3, 10, 0, 0, 0, 0, oslo)
	for _, tc := range []struct {
		name     string
		notAfter time.Time
		want     time.Time
	}{
		{"none: the default lifetime", time.Time{}, t0.UTC().Add(30 * 24 * time.Hour)},
		{"before the default end", birthday16, birthday16.UTC()},
		{"after the default end", t0.AddDate(2, 0, 0), t0.UTC().Add(30 * 24 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newService(t, newFakeStore(), &clock{t0}, nil, nil)
			g, err := s.Grant(t.Context(), Request{Tenant: "main", ClientID: "tool", Subject: pidChild, Actor: pidParent, Relation: "parent",
				Scopes: []string{"health:measurements"}, NotAfter: tc.notAfter})
			if err != nil {
				t.Fatal(err)
			}
			if !g.ExpiresAt.Equal(tc.want) {
				t.Fatalf("ExpiresAt = %v, want %v", g.ExpiresAt, tc.want)
			}
		})
	}
}

// TestActiveInTx: ActiveInTx answers as Active does (revoked, expired,
// absent are inactive) but reads the grant with LockGrant, in the
// caller's transaction only.
func TestActiveInTx(t *testing.T) {
	st, c := newFakeStore(), &clock{t0}
	s := newService(t, st, c, nil, nil)
	g, err := s.Grant(t.Context(), Request{Tenant: "main", ClientID: "tool", Subject: pidParent, Scopes: []string{"health:measurements"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ActiveInTx(t.Context(), "main", g.ID); err == nil {
		t.Fatal("ActiveInTx without a transaction succeeded")
	}
	tx, err := st.BeginTx(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	check := func(id string, want bool) {
		t.Helper()
		active, err := s.ActiveInTx(tx, "main", id)
		if err != nil || active != want {
			t.Fatalf("ActiveInTx(%s) = %v, %v; want %v", id, active, err, want)
		}
		if last := st.locked[len(st.locked)-1]; last != id {
			t.Fatalf("ActiveInTx(%s) did not lock it (locked %v)", id, st.locked)
		}
	}
	check(g.ID, true)
	check("g-absent", false)
	c.t = g.ExpiresAt
	check(g.ID, false)
	c.t = t0
	if _, err := s.RevokeInTx(tx, "main", g.ID, storage.Revocation{By: RevokedByCitizen, Actor: pidParent}); err != nil {
		t.Fatal(err)
	}
	check(g.ID, false)
}
