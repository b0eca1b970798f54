package provider

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oidcp/oidcp/audit"
	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/exchange"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/registry"
	"github.com/oidcp/oidcp/resources"
	"github.com/oidcp/oidcp/storage"
)

// The token exchange tests run the provider with the resources policy
// over the store, the consent service of newConsentHarness (so tokens
// carry a grant) and a second tenant "other":
//
//   - tool "measure" (accepts parents) may exchange its tokens for
//     resource "ehelse-api", which accepts pid and the data scope;
//   - "ehelse-api" is also the API's own client, which may introspect
//     those tokens and exchange them onward for
//     "https://api.example/journal" (data scope only, no pid);
//   - "https://api.example/closed" lists only client "outsider".
const (
	apiAudience     = "ehelse-api"
	journalAudience = "https://api.example/journal"
	closedAudience  = "https://api.example/closed"
	toolSecret      = "tool-secret-0123456789abcdef"
)

func newExchangeHarness(t *testing.T) *harness { return newExchangeHarnessOn(t, openSQLite(t)) }

func newExchangeHarnessOn(t *testing.T, db storage.Storage) *harness {
	t.Helper()
	return newExchangeHarnessWith(t, db, nil)
}

// newExchangeHarnessWith is newExchangeHarnessOn with wrap between the
// provider and the store (newHarnessOn).
func newExchangeHarnessWith(t *testing.T, db storage.Storage, wrap func(storage.Storage) storage.Storage) *harness {
	t.Helper()
	cat, err := consent.NewCatalogue([]consent.Scope{{
		Name:        measurements,
		Title:       consent.Text{NB: "Målinger", NN: "Målingar", EN: "Measurements"},
		Description: consent.Text{NB: "Tjenesten kan lese målingene dine.", NN: "Tenesta kan lese målingane dine.", EN: "The service may read your measurements."},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var h *harness
	h = newHarnessOn(t, db, wrap, func(c *Config) {
		c.Consent = consent.NewService(db, consent.Options{
			Catalogues: map[string]*consent.Catalogue{"main": cat},
			Now:        func() time.Time { return h.now },
		})
		c.Exchange = resources.NewPolicy(db)
		c.Tenants = append(c.Tenants, TenantConfig{Name: "other", Upstream: c.Tenants[0].Upstream, Registry: registry.Synthetic})
	})
	measure := func(r *clients.Registration) {
		r.Scopes = append(r.Scopes, measurements)
		r.OfferedScopes = append(slices.Clone(clients.IdentityScopes), measurements)
		r.AcceptedRelations = []string{"parent"}
		r.GrantTypes = append(r.GrantTypes, clients.GrantTokenExchange)
	}
	h.client("measure", measure)
	h.client("jwt-tool", func(r *clients.Registration) {
		measure(r)
		r.AccessTokenFormat = clients.AccessTokenJWT
	})
	h.client("plain", measure)
	h.client("outsider", measure)
	if err := h.store.UpdateClient(t.Context(), "main", "plain", func(c storage.Client) (storage.Client, error) {
		c.GrantTypes = []string{"authorization_code", "refresh_token"}
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	h.client(apiAudience, func(r *clients.Registration) {
		r.RedirectURIs, r.PostLogoutRedirectURIs, r.Scopes = nil, nil, []string{measurements}
		r.GrantTypes = []string{clients.GrantTokenExchange}
	})
	// A client of the same id in the other tenant, allowed there.
	other, err := clients.Build("other", clients.Registration{
		ID: "measure", Secret: toolSecret, RedirectURIs: []string{toolRedirect},
		GrantTypes: []string{"authorization_code", clients.GrantTokenExchange},
	}, h.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.CreateClient(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		tenant string
		reg    resources.Registration
	}{
		{"main", resources.Registration{Audience: apiAudience, AllowedClients: []string{"measure", "jwt-tool", "plain"}, Scopes: []string{"pid", measurements}}},
		{"main", resources.Registration{Audience: journalAudience, AllowedClients: []string{apiAudience}, Scopes: []string{measurements}}},
		{"main", resources.Registration{Audience: closedAudience, AllowedClients: []string{"outsider"}, Scopes: []string{measurements}}},
		{"other", resources.Registration{Audience: apiAudience, AllowedClients: []string{"measure"}, Scopes: []string{measurements}}},
	} {
		res, err := resources.Build(r.tenant, r.reg, h.now)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.store.PutResource(t.Context(), res); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// loginFor logs pid in to client with the data scope and consent given
// headlessly, acting for actingFor ("self" for themself), and returns
// the token response.
func (h *harness) loginFor(client, pid, actingFor string) map[string]any {
	h.t.Helper()
	v := authParams(client, pid)
	v.Set("scope", v.Get("scope")+" "+measurements)
	v.Set("testid_consent", "allow")
	v.Set("testid_acting_for", actingFor)
	res := h.browser().authorize(v)
	if res.location == nil || res.location.Query().Get("code") == "" {
		h.t.Fatalf("login: %d %v %.300s", res.status, res.location, res.body)
	}
	return h.exchange(client, res.location.Query().Get("code"))
}

// tokenExchange asks tenant's token endpoint, as client (with the
// harness's secret), to exchange subject for audience; more adds or
// overrides parameters (an empty value removes one).
func (h *harness) tokenExchange(tenant, client, subject, audience string, more url.Values) (int, map[string]any) {
	h.t.Helper()
	form := url.Values{
		"grant_type":         {exchange.GrantType},
		"subject_token":      {subject},
		"subject_token_type": {exchange.TokenTypeAccessToken},
		"audience":           {audience},
	}
	for k, v := range more {
		if len(v) == 1 && v[0] == "" {
			form.Del(k)
			continue
		}
		form[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/"+tenant+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, toolSecret)
	return h.jsonDo(req)
}

// introspect asks as client what the token is.
func (h *harness) introspect(client, token string) map[string]any {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, toolSecret)
	_, out := h.jsonDo(req)
	return out
}

// mustExchange is tokenExchange that must succeed.
func (h *harness) mustExchange(client, subject, audience string, more url.Values) map[string]any {
	h.t.Helper()
	status, out := h.tokenExchange("main", client, subject, audience, more)
	if status != http.StatusOK {
		h.t.Fatalf("exchange by %s for %s: %d %v", client, audience, status, out)
	}
	return out
}

// asJSON compares through JSON, the shape a client sees.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTokenExchange: Kari, acting for her child in tool "measure",
// has her access token exchanged by the tool for the eHelse API, which
// exchanges it again for the journal API. Each token speaks for the same
// person and representation, narrows pid away where the resource does
// not accept it, names the chain of clients in act, and is for its
// audience alone.
func TestTokenExchange(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testTokenExchange(t, newExchangeHarness(t)) })
	t.Run("postgres", func(t *testing.T) { testTokenExchange(t, newExchangeHarnessOn(t, openPostgres(t))) })
}

func testTokenExchange(t *testing.T, h *harness) {
	kari, ingrid := h.pid(population.KeyKari), h.pid(population.KeyIngrid)

	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/main/.well-known/openid-configuration", nil)
	if _, md := h.jsonDo(req); !slices.Contains(asStrings(md["grant_types_supported"]), exchange.GrantType) {
		t.Fatalf("discovery grant_types_supported = %v", md["grant_types_supported"])
	}

	tok := h.loginFor("measure", kari, ingrid)
	subject := tok["access_token"].(string)
	subjectInfo := h.introspect("measure", subject)

	first := h.mustExchange("measure", subject, apiAudience, nil)
	if first["issued_token_type"] != exchange.TokenTypeAccessToken || first["token_type"] != "Bearer" ||
		first["refresh_token"] != nil || first["scope"] != "pid "+measurements {
		t.Fatalf("exchange response %v", first)
	}
	got := h.introspect(apiAudience, first["access_token"].(string))
	rep, _ := got["representation"].(map[string]any)
	represented, _ := rep["represented"].(map[string]any)
	if got["active"] != true || got["client_id"] != "measure" || got["sub"] != subjectInfo["sub"] || got["pid"] != kari ||
		asJSON(t, got["aud"]) != `["ehelse-api"]` || asJSON(t, got["act"]) != `{"client_id":"measure"}` ||
		rep["relation"] != "parent" || represented["pid"] != ingrid || represented["sub"] == nil {
		t.Fatalf("introspection of the exchanged token by its audience: %v", got)
	}
	// The representation is the subject token's; only the represented
	// person's names go, as the person's own do, without profile.
	want, _ := subjectInfo["representation"].(map[string]any)
	wantRepresented, _ := want["represented"].(map[string]any)
	if wantRepresented["name"] == nil {
		t.Fatalf("subject token's representation has no names to narrow: %v", want)
	}
	delete(wantRepresented, "name")
	delete(wantRepresented, "birthdate")
	if asJSON(t, rep) != asJSON(t, want) {
		t.Fatalf("representation changed:\n got  %v\n want %v", rep, want)
	}

	// The API exchanges the token it was sent, onward.
	second := h.mustExchange(apiAudience, first["access_token"].(string), journalAudience, nil)
	if second["scope"] != measurements {
		t.Fatalf("second exchange scope %v, want only the data scope (the journal accepts no pid)", second["scope"])
	}
	got = h.introspect(apiAudience, second["access_token"].(string))
	rep, _ = got["representation"].(map[string]any)
	represented, _ = rep["represented"].(map[string]any)
	if got["active"] != true || got["client_id"] != apiAudience || got["sub"] != subjectInfo["sub"] || got["pid"] != nil ||
		asJSON(t, got["aud"]) != `["`+journalAudience+`"]` ||
		asJSON(t, got["act"]) != `{"act":{"client_id":"measure"},"client_id":"ehelse-api"}` ||
		rep["relation"] != "parent" || represented["pid"] != nil || represented["sub"] == nil {
		t.Fatalf("introspection of the twice exchanged token: %v", got)
	}

	evs, err := h.store.ListEvents(t.Context(), storage.EventFilter{Tenant: "main", Kinds: []string{audit.TokenExchanged}})
	if err != nil || len(evs) != 2 {
		t.Fatalf("usage log: %d exchanges, %v", len(evs), err)
	}
	var detail map[string]any
	_ = json.Unmarshal(evs[1].Detail, &detail) // newest first: the first exchange
	if evs[1].ClientID != "measure" || detail["requester"] != "measure" || detail["audience"] != apiAudience ||
		evs[1].Actor != kari || evs[1].Subject != ingrid || strings.Contains(string(evs[1].Detail), subject) {
		t.Fatalf("first exchange logged as %+v %s", evs[1], evs[1].Detail)
	}
}

func asStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestTokenExchangeJWT: a JWT access token is exchanged like an opaque
// one, and a client registered for JWTs gets an RFC 9068 token whose
// aud is the resource alone, with act.
func TestTokenExchangeJWT(t *testing.T) {
	h := newExchangeHarness(t)
	tok := h.loginFor("jwt-tool", h.pid(population.KeyKari), "self")
	subject := jwtClaims(t, tok["access_token"])
	out := h.mustExchange("jwt-tool", tok["access_token"].(string), apiAudience, url.Values{"scope": {measurements}})
	c := jwtClaims(t, out["access_token"])
	if asJSON(t, c["aud"]) != `["ehelse-api"]` || asJSON(t, c["act"]) != `{"client_id":"jwt-tool"}` ||
		c["sub"] != subject["sub"] || c["client_id"] != "jwt-tool" || c["scope"] != measurements || c["pid"] != nil {
		t.Fatalf("exchanged JWT claims %v", c)
	}
	if c["exp"].(float64) > subject["exp"].(float64) {
		t.Fatalf("exchanged token expires at %v, after its subject token (%v)", c["exp"], subject["exp"])
	}
}

// TestTokenExchangeRefused: each way to ask wrongly gets the error RFC
// 8693 §2.2.2 (or RFC 6749 §5.2) names, and no token.
func TestTokenExchangeRefused(t *testing.T) {
	h := newExchangeHarness(t)
	tok := h.loginFor("measure", h.pid(population.KeyKari), "self")
	subject := tok["access_token"].(string)
	for _, tc := range []struct {
		name, tenant, client, subject, audience string
		more                                    url.Values
		want                                    string
	}{
		{"policy does not list the client", "main", "measure", subject, closedAudience, nil, "invalid_target"},
		{"unknown audience", "main", "measure", subject, "https://api.example/nothing", nil, "invalid_target"},
		{"missing audience", "main", "measure", subject, "", url.Values{"audience": {""}}, "invalid_request"},
		{"two audiences", "main", "measure", subject, apiAudience, url.Values{"audience": {apiAudience, journalAudience}}, "invalid_request"},
		{"resource instead of audience", "main", "measure", subject, apiAudience, url.Values{"resource": {"https://api.example/x"}}, "invalid_target"},
		{"wider scope", "main", "measure", subject, apiAudience, url.Values{"scope": {"pid health:everything"}}, "invalid_scope"},
		{"scope the resource does not accept", "main", "measure", subject, apiAudience, url.Values{"scope": {"profile"}}, "invalid_scope"},
		{"wrong subject_token_type", "main", "measure", subject, apiAudience, url.Values{"subject_token_type": {"urn:ietf:params:oauth:token-type:refresh_token"}}, "invalid_request"},
		{"missing subject_token_type", "main", "measure", subject, apiAudience, url.Values{"subject_token_type": {""}}, "invalid_request"},
		{"missing subject_token", "main", "measure", "", apiAudience, nil, "invalid_request"},
		{"requested_token_type id_token", "main", "measure", subject, apiAudience, url.Values{"requested_token_type": {"urn:ietf:params:oauth:token-type:id_token"}}, "invalid_request"},
		{"actor_token", "main", "measure", subject, apiAudience, url.Values{"actor_token": {subject}, "actor_token_type": {exchange.TokenTypeAccessToken}}, "invalid_request"},
		{"not a token", "main", "measure", "ory_at_nonsense.nonsense", apiAudience, nil, "invalid_grant"},
		{"a refresh token as the subject", "main", "measure", tok["refresh_token"].(string), apiAudience, nil, "invalid_grant"},
		{"another client's token", "main", "outsider", subject, closedAudience, nil, "invalid_grant"},
		{"client not registered for the grant", "main", "plain", subject, apiAudience, nil, "unauthorized_client"},
		{"a token of tenant main at tenant other", "other", "measure", subject, apiAudience, nil, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := h.tokenExchange(tc.tenant, tc.client, tc.subject, tc.audience, tc.more)
			if status != http.StatusBadRequest || out["error"] != tc.want || out["access_token"] != nil {
				t.Fatalf("%d %v, want 400 %s", status, out, tc.want)
			}
		})
	}
	t.Run("public client", func(t *testing.T) {
		// Registration refuses the grant for a public client; one stored
		// by other means is refused at the token endpoint too.
		c := storage.Client{Tenant: "main", ID: "spa", Public: true, TokenEndpointAuthMethod: "none",
			GrantTypes: []string{"authorization_code", clients.GrantTokenExchange}, RedirectURIs: []string{toolRedirect}, Scopes: []string{"openid"}}
		if err := h.store.CreateClient(t.Context(), c); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"grant_type": {exchange.GrantType}, "client_id": {"spa"}, "subject_token": {subject},
			"subject_token_type": {exchange.TokenTypeAccessToken}, "audience": {apiAudience}}
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		status, out := h.jsonDo(req)
		if status != http.StatusBadRequest || out["error"] != "unauthorized_client" {
			t.Fatalf("public client: %d %v", status, out)
		}
	})
	// The subject token is still good: none of the refusals used it up.
	h.mustExchange("measure", subject, apiAudience, nil)
}

// TestTokenExchangeRevokedOrExpired: a revoked subject token and one past
// its expiry (by the provider's clock) are invalid_grant; the new token
// never outlives its subject.
func TestTokenExchangeRevokedOrExpired(t *testing.T) {
	h := newExchangeHarness(t)
	kari := h.pid(population.KeyKari)

	t.Run("revoked", func(t *testing.T) {
		tok := h.loginFor("measure", kari, "self")
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/main/revoke", strings.NewReader(url.Values{"token": {tok["access_token"].(string)}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("measure", toolSecret)
		if status, _ := h.jsonDo(req); status != http.StatusOK {
			t.Fatalf("revoke: %d", status)
		}
		status, out := h.tokenExchange("main", "measure", tok["access_token"].(string), apiAudience, nil)
		if status != http.StatusBadRequest || out["error"] != "invalid_grant" || !strings.Contains(out["error_description"].(string), "revoked") {
			t.Fatalf("revoked subject token: %d %v", status, out)
		}
	})
	t.Run("lifetime capped by the subject's", func(t *testing.T) {
		tok := h.loginFor("measure", kari, "self")
		// Five minutes before the subject token's own expiry, as the
		// provider stored it: the harness clock stands still while the
		// expiry is taken from the real clock at issue, so counting from
		// the harness clock would add however long the test ran before
		// the login (seconds on a loaded machine).
		exp, ok := h.introspect("measure", tok["access_token"].(string))["exp"].(float64)
		if !ok {
			t.Fatal("introspection of the subject token has no exp")
		}
		start := h.now
		t.Cleanup(func() { h.now = start })
		h.now = time.Unix(int64(exp), 0).Add(-5 * time.Minute)
		out := h.mustExchange("measure", tok["access_token"].(string), apiAudience, nil)
		if in := out["expires_in"].(float64); in > 5*60+2 || in < 5*60-5 {
			t.Fatalf("expires_in %v with five of the subject token's ten minutes left", in)
		}
	})
	t.Run("expired", func(t *testing.T) {
		tok := h.loginFor("measure", kari, "self")
		start := h.now
		t.Cleanup(func() { h.now = start })
		h.now = start.Add(11 * time.Minute)
		status, out := h.tokenExchange("main", "measure", tok["access_token"].(string), apiAudience, nil)
		if status != http.StatusBadRequest || out["error"] != "invalid_grant" || !strings.Contains(out["error_description"].(string), "expired") {
			t.Fatalf("expired subject token: %d %v", status, out)
		}
	})
}

// TestTokenExchangeRevokedWithItsSubject: the exchanged token records
// the subject token's grant and login session, so revoking either
// revokes it too.
func TestTokenExchangeRevokedWithItsSubject(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testTokenExchangeRevokedWithItsSubject(t, newExchangeHarness(t)) })
	t.Run("postgres", func(t *testing.T) {
		testTokenExchangeRevokedWithItsSubject(t, newExchangeHarnessOn(t, openPostgres(t)))
	})
}

func testTokenExchangeRevokedWithItsSubject(t *testing.T, h *harness) {
	kari := h.pid(population.KeyKari)

	t.Run("grant", func(t *testing.T) {
		tok := h.loginFor("measure", kari, "self")
		out := h.mustExchange("measure", tok["access_token"].(string), apiAudience, nil)
		gs, err := h.store.ListGrants(t.Context(), storage.GrantFilter{Tenant: "main", ClientID: "measure", Subject: kari})
		if err != nil || len(gs) == 0 {
			t.Fatalf("grants %v, %v", gs, err)
		}
		if got := h.introspect(apiAudience, out["access_token"].(string)); got["active"] != true {
			t.Fatalf("exchanged token inactive before the revocation: %v", got)
		}
		if _, err := h.p.cfg.Consent.Revoke(t.Context(), "main", gs[0].ID, storage.Revocation{By: consent.RevokedByCitizen, Actor: kari}); err != nil {
			t.Fatal(err)
		}
		if got := h.introspect(apiAudience, out["access_token"].(string)); got["active"] != false {
			t.Fatalf("exchanged token still active after its grant was revoked: %v", got)
		}
	})
	t.Run("login session", func(t *testing.T) {
		// A person without a data scope has no grant; the session is
		// what binds the tokens.
		v := authParams("measure", h.pid(population.KeyNils))
		res := h.browser().authorize(v)
		if res.location == nil {
			t.Fatalf("login: %d", res.status)
		}
		tok := h.exchange("measure", res.location.Query().Get("code"))
		out := h.mustExchange("measure", tok["access_token"].(string), apiAudience, nil)
		record := func(token string) storage.TokenRecord {
			sig := h.p.tenants["main"].hmac.AccessTokenSignature(t.Context(), token)
			rec, err := h.store.GetToken(t.Context(), "main", storage.KindAccessToken, sig)
			if err != nil {
				t.Fatal(err)
			}
			return rec
		}
		rec, subj := record(out["access_token"].(string)), record(tok["access_token"].(string))
		if rec.SessionID == "" || rec.SessionID != subj.SessionID || rec.RequestID == subj.RequestID {
			t.Fatalf("exchanged token record %+v, subject's %+v", rec, subj)
		}
		if _, err := h.store.RevokeBySession(t.Context(), "main", rec.SessionID); err != nil {
			t.Fatal(err)
		}
		if got := h.introspect(apiAudience, out["access_token"].(string)); got["active"] != false {
			t.Fatalf("exchanged token still active after its login session ended: %v", got)
		}
		if got := h.introspect("measure", tok["access_token"].(string)); got["active"] != false {
			t.Fatalf("the session's own token still active: %v", got)
		}
	})
}

// logoutOnRead is a store that ends a login session right after the
// subject token of an exchange is read outside the exchange's
// transaction, as a logout on another node would in that moment.
type logoutOnRead struct {
	storage.Storage
	armed atomic.Pointer[string] // the subject token's signature
	fired atomic.Bool
}

func (s *logoutOnRead) GetToken(ctx context.Context, tenant string, kind storage.TokenKind, sig string) (storage.TokenRecord, error) {
	rec, err := s.Storage.GetToken(ctx, tenant, kind, sig)
	if want := s.armed.Load(); err == nil && want != nil && *want == sig && s.fired.CompareAndSwap(false, true) {
		if _, rerr := s.Storage.RevokeBySession(context.Background(), tenant, rec.SessionID); rerr != nil {
			return rec, rerr
		}
	}
	return rec, err
}

// TestTokenExchangeLogoutDuringExchange: a logout that commits after the
// exchange read its subject token, but before its transaction, is seen:
// the exchange is refused instead of issuing a token the logout missed.
func TestTokenExchangeLogoutDuringExchange(t *testing.T) {
	store := &logoutOnRead{}
	h := newExchangeHarnessWith(t, openSQLite(t), func(s storage.Storage) storage.Storage { store.Storage = s; return store })
	res := h.browser().authorize(authParams("measure", h.pid(population.KeyNils)))
	if res.location == nil {
		t.Fatalf("login: %d", res.status)
	}
	tok := h.exchange("measure", res.location.Query().Get("code"))
	sig := h.p.tenants["main"].hmac.AccessTokenSignature(t.Context(), tok["access_token"].(string))
	store.armed.Store(&sig)
	status, out := h.tokenExchange("main", "measure", tok["access_token"].(string), apiAudience, nil)
	if !store.fired.Load() {
		t.Fatal("the subject token was never read: the test did not run the interleaving")
	}
	if status != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Fatalf("exchange whose session ended meanwhile: %d %v, want 400 invalid_grant", status, out)
	}
}
