package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/handoff"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/storage"
)

// fakeRedeemer answers Redeem with grant or err and remembers what it
// was asked.
type fakeRedeemer struct {
	mu    sync.Mutex
	grant handoff.Grant
	err   error
	asked []handoff.Redemption
}

func (f *fakeRedeemer) Redeem(_ context.Context, rd handoff.Redemption) (handoff.Grant, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, rd)
	return f.grant, f.err
}

// ticketShaped is a login_hint handoff.IsTicket accepts.
var ticketShaped = handoff.Prefix + strings.Repeat("A", 43)

// TestHandoffStep: the provider asks the redeemer about a ticket-shaped
// login_hint only, with the browser's live session; a granted hand-off
// issues without any page for whom the portal acted, re-checked for the
// tool; a refused one is an ordinary login; a storage failure is the
// tool's server_error.
func TestHandoffStep(t *testing.T) {
	fake := &fakeRedeemer{}
	h := newHarnessOn(t, openSQLite(t), nil, func(c *Config) { c.Handoff = fake })
	h.client("family", func(r *clients.Registration) { r.AcceptedRelations = []string{"parent"} })
	h.client("solo", nil)
	kari, jonas := h.pid(population.KeyKari), h.pid(population.KeyJonas)

	b := h.browser()
	v := authParams("family", kari)
	v.Set("testid_acting_for", "self")
	if res := b.authorize(v); res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("Kari's login: %d %.300s", res.status, res.body)
	}
	if len(fake.asked) != 0 {
		t.Fatalf("a test-login hint went to the redeemer: %+v", fake.asked)
	}

	// Granted: Kari acting for Jonas, no page, although the tool has
	// Kari's own choice (self) stored.
	fake.grant = handoff.Grant{Tenant: "main", PortalClientID: "portal", TargetClientID: "family", Holder: kari, ActingFor: jonas, Relation: "parent"}
	v = authParams("family", "")
	v.Set("login_hint", ticketShaped)
	res := b.authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("granted hand-off: %d %.500s", res.status, res.body)
	}
	rd := fake.asked[len(fake.asked)-1]
	if rd.Ticket != ticketShaped || rd.ClientID != "family" || rd.Tenant != "main" || rd.Holder != kari || rd.SessionChain == "" {
		t.Fatalf("the redeemer was asked %+v", rd)
	}
	tok := h.exchange("family", res.location.Query().Get("code"))
	at, _ := tok["access_token"].(string)
	got, err := h.p.VerifyAccessToken(t.Context(), "main", at)
	if err != nil || got.Viewer.Subject != jonas || got.Viewer.Person != kari || got.Viewer.Relation != "parent" {
		t.Fatalf("the hand-off's token speaks for %+v (%v)", got.Viewer, err)
	}
	// Nobody chose on a page: the hand-off itself is what the log shows
	// (handoff_redeemed, recorded by the redeemer), not "chose whom to use
	// the service for".
	if evs, err := h.store.ListEvents(t.Context(), storage.EventFilter{Tenant: "main", Person: jonas, Kinds: []string{audit.RepresentationChosen}}); err != nil || len(evs) != 0 {
		t.Errorf("the hand-off logged a choice: %+v (%v)", evs, err)
	}

	// The same through a pushed request (PAR): the ticket is among the
	// pushed parameters.
	n := len(fake.asked)
	v = authParams("family", "")
	v.Set("login_hint", ticketShaped)
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/par", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("family", "tool-secret-0123456789abcdef")
	status, out := h.jsonDo(req)
	uri, _ := out["request_uri"].(string)
	if status != http.StatusCreated || uri == "" {
		t.Fatalf("PAR: %d %v", status, out)
	}
	if res := b.authorize(url.Values{"client_id": {"family"}, "request_uri": {uri}}); res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("hand-off through PAR: %d %v %.300s", res.status, res.location, res.body)
	}
	if len(fake.asked) != n+1 || fake.asked[n].Ticket != ticketShaped {
		t.Errorf("the pushed ticket was not redeemed: %+v", fake.asked[n:])
	}

	// The tool accepts no relation: never another person, access_denied.
	v = authParams("solo", "")
	v.Set("login_hint", ticketShaped)
	if res := b.authorize(v); res.location == nil || res.location.Query().Get("error") != "access_denied" {
		t.Errorf("hand-off acting for Jonas to a tool without relations: %d %v", res.status, res.location)
	}

	// Refused: an ordinary login; a fresh browser has no session, so it
	// is the eID's, and the redeemer was told there is none.
	fake.err = handoff.ErrWrongSession
	other := h.browser()
	v = authParams("family", "")
	v.Set("login_hint", ticketShaped)
	res = other.authorize(v)
	if res.location != nil || !strings.Contains(res.resp.Request.URL.String(), "/idporten-mock/") && !strings.Contains(res.resp.Header.Get("Location"), "/idporten-mock/") {
		t.Errorf("refused ticket in a fresh browser: %d %v at %s", res.status, res.location, res.resp.Request.URL)
	}
	if rd := fake.asked[len(fake.asked)-1]; rd.SessionChain != "" || rd.Holder != "" {
		t.Errorf("a browser without a session was reported as %+v", rd)
	}

	// A storage failure: the tool hears server_error, nobody is logged in.
	fake.err = errors.New("database gone")
	if res := b.authorize(v); res.location == nil || res.location.Query().Get("error") != "server_error" {
		t.Errorf("redeemer failure: %d %v", res.status, res.location)
	}
}
