package registration

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/oidcp/oidcp/storage"
)

// TestVendorIsolation: a vendor sees, manages and resets only its own
// clients; another vendor's registration access token or initial access
// token reaches nothing of them, nor the operator's clients.
func TestVendorIsolation(t *testing.T) {
	e := newEnv(t, nil)
	acme, beta := e.token("acme"), e.token("beta")
	a := e.register(acme, webClient())
	b := e.register(beta, webClient())
	aID, aRAT := a["client_id"].(string), a["registration_access_token"].(string)
	bID, bRAT := b["client_id"].(string), b["registration_access_token"].(string)
	// An operator's client (no vendor, no registration access token).
	op := storage.Client{Tenant: "sandbox", ID: "operator-tool", RedirectURIs: []string{"https://op.example/cb"}, CreatedAt: e.clk.now()}
	if err := e.store.CreateClient(t.Context(), op); err != nil {
		t.Fatal(err)
	}

	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if code, _, _ := e.do(m, "/sandbox/register/"+bID, aRAT, map[string]any{"client_id": bID}); code != 401 {
			t.Errorf("%s beta's client with acme's registration token: %d, want 401", m, code)
		}
		if code, _, _ := e.do(m, "/sandbox/register/"+bID, acme, map[string]any{"client_id": bID}); code != 401 {
			t.Errorf("%s beta's client with acme's initial access token: %d, want 401", m, code)
		}
		if code, _, _ := e.do(m, "/sandbox/register/operator-tool", aRAT, map[string]any{"client_id": "operator-tool"}); code != 401 {
			t.Errorf("%s the operator's client: %d, want 401", m, code)
		}
	}
	if _, err := e.store.GetClient(t.Context(), "sandbox", bID); err != nil {
		t.Fatalf("beta's client after acme's attempts: %v", err)
	}

	code, got, _ := e.do("GET", "/sandbox/vendor/clients", acme, nil)
	list, _ := got["clients"].([]any)
	if code != 200 || len(list) != 1 || list[0].(map[string]any)["client_id"] != aID {
		t.Fatalf("acme's list: %d %v, want only %s", code, got, aID)
	}

	// Tokens and sessions of both vendors' clients; acme resets.
	tok := func(sig, client string) {
		err := e.store.CreateToken(t.Context(), storage.TokenRecord{Kind: storage.KindRefreshToken, Signature: sig, Tenant: "sandbox",
			RequestID: "r-" + sig, ClientID: client, Active: true, RequestedAt: e.clk.now(), ExpiresAt: e.clk.now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	tok("a1", aID)
	tok("b1", bID)
	tok("o1", "operator-tool")
	for id, c := range map[string]string{"sa": aID, "sb": bID} {
		err := e.store.CreateSession(t.Context(), storage.LoginSession{ID: id, Tenant: "sandbox", Subject: "01818000010", Clients: []string{c},
			CreatedAt: e.clk.now(), LastSeenAt: e.clk.now(), ExpiresAt: e.clk.now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
	}
	code, got, _ = e.do("POST", "/sandbox/vendor/reset", acme, nil)
	if code != 200 || got["tokens"] != float64(1) || got["sessions"] != float64(1) {
		t.Fatalf("acme's reset: %d %v", code, got)
	}
	if _, err := e.store.GetToken(t.Context(), "sandbox", storage.KindRefreshToken, "a1"); err == nil {
		t.Error("acme's token survived the reset")
	}
	for _, sig := range []string{"b1", "o1"} {
		if _, err := e.store.GetToken(t.Context(), "sandbox", storage.KindRefreshToken, sig); err != nil {
			t.Errorf("token %s of another vendor or the operator: %v", sig, err)
		}
	}
	if s, _ := e.store.GetSession(t.Context(), "sb"); s.EndedAt != nil {
		t.Error("beta's session ended by acme's reset")
	}
	if s, _ := e.store.GetSession(t.Context(), "sa"); s.EndedAt == nil {
		t.Error("acme's session still open after its reset")
	}
	if _, err := e.store.GetClient(t.Context(), "sandbox", aID); err != nil {
		t.Errorf("the reset removed acme's client: %v", err)
	}
	if code, _, _ := e.do("POST", "/sandbox/vendor/reset", "", nil); code != 401 {
		t.Errorf("reset without a token: %d", code)
	}
	if code, _, _ := e.do("GET", "/sandbox/register/"+bID, bRAT, nil); code != 200 {
		t.Errorf("beta reading its own client: %d", code)
	}
}

// TestOtherTenantsToken: an initial access token of one tenant is not
// valid at another tenant's registration endpoint.
func TestOtherTenantsToken(t *testing.T) {
	e := newEnv(t, nil)
	mainTok, _, err := IssueToken(t.Context(), e.store, "main", "acme", 0, e.clk.now())
	if err != nil {
		t.Fatal(err)
	}
	if code, _, _ := e.do("POST", "/sandbox/register", mainTok, webClient()); code != 401 {
		t.Fatalf("main's token at the sandbox: %d, want 401", code)
	}
}

// TestQuotas: past MaxClients a vendor is refused until it deletes one;
// past RegistrationsPerHour it gets 429 with Retry-After until the hour
// ends; another vendor is not affected.
func TestQuotas(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxClients, c.RegistrationsPerHour = 2, 3 })
	acme, beta := e.token("acme"), e.token("beta")
	first := e.register(acme, webClient())
	e.register(acme, webClient())
	if code, got, _ := e.do("POST", "/sandbox/register", acme, webClient()); code != http.StatusForbidden || got["error"] != "quota_exceeded" {
		t.Fatalf("third client: %d %v, want 403 quota_exceeded", code, got)
	}
	e.register(beta, webClient())
	if code, _, _ := e.do("DELETE", "/sandbox/register/"+first["client_id"].(string), first["registration_access_token"].(string), nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	// The refused attempt was not counted: this is acme's third.
	e.register(acme, webClient())
	id := ""
	for _, c := range mustList(t, e, acme) {
		id = c
	}
	e.clk.t = e.clk.t.Add(10 * time.Minute)
	// Delete one to be under the client quota; the hourly rate still refuses.
	c, _ := e.store.GetClient(t.Context(), "sandbox", id)
	_ = e.store.DeleteClient(t.Context(), "sandbox", c.ID)
	code, got, h := e.do("POST", "/sandbox/register", acme, webClient())
	if code != http.StatusTooManyRequests || got["error"] != "too_many_requests" {
		t.Fatalf("fourth registration in the hour: %d %v, want 429", code, got)
	}
	if ra, _ := strconv.Atoi(h.Get("Retry-After")); ra < 1 || ra > 3600-600 {
		t.Fatalf("Retry-After %q, want the rest of the hour", h.Get("Retry-After"))
	}
	e.clk.t = e.clk.t.Add(time.Hour)
	e.register(acme, webClient())
}

func mustList(t *testing.T, e *env, tok string) []string {
	t.Helper()
	_, got, _ := e.do("GET", "/sandbox/vendor/clients", tok, nil)
	var ids []string
	for _, c := range got["clients"].([]any) {
		ids = append(ids, c.(map[string]any)["client_id"].(string))
	}
	return ids
}

// racingStore registers another client of the same vendor, as another
// node would, between the quota check and this node's insert.
type racingStore struct {
	Store
	once func()
}

func (s *racingStore) CreateClient(ctx context.Context, c storage.Client) error {
	if s.once != nil {
		f := s.once
		s.once = nil
		f()
	}
	return s.Store.CreateClient(ctx, c)
}

// TestQuotaAcrossNodes: a registration that raced another node's past
// the vendor's client quota is withdrawn and refused.
func TestQuotaAcrossNodes(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.token("acme")
	race := &racingStore{Store: e.store}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h, err := New(Config{Tenant: "sandbox", Issuer: srv.URL + "/sandbox", Now: e.clk.now, MaxClients: 1}, race)
	if err != nil {
		t.Fatal(err)
	}
	h.Mount(mux)
	race.once = func() {
		_ = e.store.CreateClient(t.Context(), storage.Client{Tenant: "sandbox", ID: "other-node", Vendor: "acme", RedirectURIs: []string{"https://acme.example/cb"}, CreatedAt: e.clk.now()})
	}
	e.srv = srv
	code, got, _ := e.do("POST", "/sandbox/register", tok, webClient())
	if code != http.StatusForbidden || got["error"] != "quota_exceeded" {
		t.Fatalf("racing registration: %d %v, want 403 quota_exceeded", code, got)
	}
	all, _ := e.store.ListClients(t.Context(), "sandbox")
	if len(all) != 1 || all[0].ID != "other-node" {
		t.Fatalf("clients after the race: %+v, want only the other node's", all)
	}
}
