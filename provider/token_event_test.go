package provider

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/storage"
)

// TestTokenEventNamesRelation: a token issued to a representative, and
// the authorization before it, record the relation in the usage log, so that the represented
// person's "Logg over bruk" can say "Kari Nordmann (forelder)" for a
// tool without a consent grant to read it from.
func TestTokenEventNamesRelation(t *testing.T) {
	h := newHarness(t)
	h.client("family", func(r *clients.Registration) { r.AcceptedRelations = []string{"parent"} })
	kari, ingrid := h.pid(population.KeyKari), h.pid(population.KeyIngrid)
	b := h.browser()
	flow, csrf := chooserForm(t, b.authorize(authParams("family", kari)).body)
	res := b.post("/main/choose", url.Values{"flow": {flow}, "csrf": {csrf}, "subject": {ingrid}})
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("choose: %d %.300s", res.status, res.body)
	}
	tok := h.exchange("family", res.location.Query().Get("code"))
	evs, err := h.store.ListEvents(t.Context(), storage.EventFilter{Tenant: "main", Person: ingrid, Kinds: []string{audit.TokenIssued}})
	if err != nil || len(evs) != 1 {
		t.Fatalf("token events %+v, %v", evs, err)
	}
	var d map[string]any
	if err := json.Unmarshal(evs[0].Detail, &d); err != nil || evs[0].Actor != kari || d["relation"] != "parent" {
		t.Fatalf("token event %+v detail %s", evs[0], evs[0].Detail)
	}
	// So does the authorization that preceded it ("Åpnet tjenesten").
	evs, err = h.store.ListEvents(t.Context(), storage.EventFilter{Tenant: "main", Person: ingrid, Kinds: []string{audit.Authorized}})
	if err != nil || len(evs) != 1 {
		t.Fatalf("authorized events %+v, %v", evs, err)
	}
	d = nil
	if err := json.Unmarshal(evs[0].Detail, &d); err != nil || evs[0].Actor != kari || d["relation"] != "parent" {
		t.Fatalf("authorized event %+v detail %s", evs[0], evs[0].Detail)
	}

	// The tool revoking the token (RFC 7009) is about Ingrid's data too,
	// and says how Kari was related.
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/revoke", strings.NewReader(url.Values{"token": {tok["access_token"].(string)}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("family", "tool-secret-0123456789abcdef")
	if status, _ := h.jsonDo(req); status != http.StatusOK {
		t.Fatalf("revoke %d", status)
	}
	evs, err = h.store.ListEvents(t.Context(), storage.EventFilter{Tenant: "main", Person: ingrid, Kinds: []string{audit.TokenRevoked}})
	if err != nil || len(evs) != 1 {
		t.Fatalf("revocation events in Ingrid's log %+v, %v", evs, err)
	}
	d = nil
	if err := json.Unmarshal(evs[0].Detail, &d); err != nil || evs[0].Actor != kari || evs[0].Subject != ingrid || d["relation"] != "parent" {
		t.Fatalf("revocation event %+v detail %s", evs[0], evs[0].Detail)
	}

	// Acting for oneself records no relation.
	b2 := h.browser()
	flow, csrf = chooserForm(t, b2.authorize(authParams("family", kari)).body)
	res = b2.post("/main/choose", url.Values{"flow": {flow}, "csrf": {csrf}, "subject": {choiceSelf}})
	if res.location == nil {
		t.Fatalf("choose self: %d %.300s", res.status, res.body)
	}
	h.exchange("family", res.location.Query().Get("code"))
	evs, err = h.store.ListEvents(t.Context(), storage.EventFilter{Tenant: "main", Person: kari, Actor: kari, Kinds: []string{audit.TokenIssued}, Limit: 1})
	if err != nil || len(evs) != 1 || evs[0].Subject != kari {
		t.Fatalf("own token event %+v, %v", evs, err)
	}
	var own map[string]any
	if err := json.Unmarshal(evs[0].Detail, &own); err != nil || own["relation"] != nil {
		t.Fatalf("own token event detail %s", evs[0].Detail)
	}
}
