package provider

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/consent"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
	"github.com/oidcp/oidcp/web"
)

const measurements = "health:measurements"

// newConsentHarness is the harness with a consent service whose tenant
// declares one data-exchange scope, and tool "measure" that asks for it
// (accepting parents and both kinds of power of attorney).
func newConsentHarness(t *testing.T, db storage.Storage) *harness {
	t.Helper()
	return newConsentHarnessWith(t, db, nil)
}

// newConsentHarnessWith is newConsentHarness with wrap between the
// provider and the store (newHarnessOn).
func newConsentHarnessWith(t *testing.T, db storage.Storage, wrap func(storage.Storage) storage.Storage) *harness {
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
	})
	h.client("measure", func(r *clients.Registration) {
		r.Name, r.PolicyURI, r.LogoURI, r.Vendor = "Måleverktøyet", "https://tool.example/personvern", "https://cdn.tool.example/logo.png", "Helseverktøy AS"
		r.Scopes = append(r.Scopes, measurements)
		r.OfferedScopes = append(slices.Clone(clients.IdentityScopes), measurements)
		r.AcceptedRelations = []string{"parent", "power_of_attorney", "assigned_power_of_attorney"}
	})
	return h
}

// measureParams is a request of "measure" for the data scope.
func measureParams(pid string) url.Values {
	v := authParams("measure", pid)
	v.Set("scope", v.Get("scope")+" "+measurements)
	return v
}

// grants lists the tool's grants for subject.
func (h *harness) grants(subject string) []storage.Grant {
	h.t.Helper()
	gs, err := h.store.ListGrants(h.t.Context(), storage.GrantFilter{Tenant: "main", ClientID: "measure", Subject: subject})
	if err != nil {
		h.t.Fatal(err)
	}
	return gs
}

// eventKinds are the usage log's kinds for the tool, oldest first.
func (h *harness) eventKinds(kinds ...string) []string {
	h.t.Helper()
	evs, err := h.store.ListEvents(h.t.Context(), storage.EventFilter{Tenant: "main", ClientID: "measure", Kinds: kinds})
	if err != nil {
		h.t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[len(evs)-1-i] = e.Kind
	}
	return out
}

// TestFlowConsent: the first login shows the consent page, "allow"
// stores a grant and issues the code, the second login skips the page,
// prompt=consent forces it, "deny" answers access_denied, and
// prompt=none without a covering grant answers consent_required.
func TestFlowConsent(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testConsent(t, newConsentHarness(t, openSQLite(t))) })
	t.Run("postgres", func(t *testing.T) { testConsent(t, newConsentHarness(t, openPostgres(t))) })
}

func testConsent(t *testing.T, h *harness) {
	nils := h.pid(population.KeyNils)
	b := h.browser()
	res := b.authorize(measureParams(nils))
	if res.status != http.StatusOK || res.location != nil {
		t.Fatalf("no consent page: %d %v %.500s", res.status, res.location, res.body)
	}
	for k, want := range map[string][]string{
		"Cache-Control": {"no-store"},
		// The logo's origin is the one image source added to the page's policy.
		"Content-Security-Policy": {"frame-ancestors 'none'", "img-src 'self' data: https://cdn.tool.example;", "style-src " + web.StyleHash + ";"},
	} {
		for _, w := range want {
			if got := res.resp.Header.Get(k); !strings.Contains(got, w) {
				t.Errorf("%s = %q, want %q", k, got, w)
			}
		}
	}
	for _, want := range []string{`<html lang="nb">`, "Gi tillatelse", "Måleverktøyet", "Målinger", "Tjenesten kan lese målingene dine.",
		`href="https://tool.example/personvern"`, `src="https://cdn.tool.example/logo.png"`, "Helseverktøy AS", `action="` + h.srv.URL + `/main/consent"`, `value="allow"`, `value="deny"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if strings.Contains(res.body, "på vegne av") {
		t.Error("acting for oneself, yet the page names someone to act for")
	}
	if len(h.grants(nils)) != 0 {
		t.Fatal("a grant before the person answered")
	}
	flow, csrf := chooserForm(t, res.body)

	// A form without the step's verifier, or of another browser, does
	// not complete the step.
	if got := b.post("/main/consent", url.Values{"flow": {flow}, "csrf": {"x"}, "action": {"allow"}}); got.status != http.StatusForbidden {
		t.Errorf("forged verifier: %d", got.status)
	}
	other := h.browser()
	other.c.Jar.SetCookies(mustURL(h.srv.URL+"/main/"), []*http.Cookie{{Name: "oidcp_flow_main", Value: flow, Path: "/main"}})
	if got := other.post("/main/consent", url.Values{"flow": {flow}, "csrf": {csrf}, "action": {"allow"}}); got.status != http.StatusForbidden {
		t.Errorf("another browser: %d", got.status)
	}

	res = b.post("/main/consent", url.Values{"flow": {flow}, "csrf": {csrf}, "action": {"allow"}})
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("allow: %d %v %.500s", res.status, res.location, res.body)
	}
	gs := h.grants(nils)
	if len(gs) != 1 || gs[0].Actor != "" || len(gs[0].Scopes) != 1 || gs[0].Scopes[0] != measurements {
		t.Fatalf("grants after allow: %+v", gs)
	}
	tok := h.exchange("measure", res.location.Query().Get("code"))
	if !strings.Contains(tok["scope"].(string), measurements) {
		t.Fatalf("token scope %v", tok["scope"])
	}
	if got := b.post("/main/consent", url.Values{"flow": {flow}, "csrf": {csrf}, "action": {"allow"}}); got.status != http.StatusBadRequest {
		t.Errorf("replayed answer: %d", got.status)
	}

	// The second login (another browser, a fresh eID login) is covered.
	res = h.browser().authorize(measureParams(nils))
	if res.location == nil || res.location.Query().Get("code") == "" {
		t.Fatalf("second login: %d %.300s", res.status, res.body)
	}
	if len(h.grants(nils)) != 1 {
		t.Fatal("a second grant without a second consent")
	}

	// prompt=consent asks again; "deny" refuses.
	v := measureParams(nils)
	v.Set("prompt", "consent")
	res = b.authorize(v)
	if res.status != http.StatusOK || !strings.Contains(res.body, `value="allow"`) {
		t.Fatalf("prompt=consent: %d %v", res.status, res.location)
	}
	flow, csrf = chooserForm(t, res.body)
	res = b.post("/main/consent", url.Values{"flow": {flow}, "csrf": {csrf}, "action": {"deny"}})
	if res.location == nil || res.location.Query().Get("error") != "access_denied" || res.location.Query().Get("state") != "state-0123456789" {
		t.Fatalf("deny: %d %v", res.status, res.location)
	}
	if got := h.eventKinds(consent.EventGiven, consent.EventRefused); strings.Join(got, ",") != "consent_given,consent_refused" {
		t.Fatalf("usage log %v", got)
	}

	// prompt=none for a person without a grant: consent_required.
	marte := h.pid(population.KeyMarte)
	mb := h.browser()
	if res = mb.authorize(measureParams(marte)); res.status != http.StatusOK {
		t.Fatalf("marte's first login: %d", res.status)
	}
	v = measureParams("")
	v.Set("prompt", "none")
	if res = mb.authorize(v); res.location == nil || res.location.Query().Get("error") != "consent_required" {
		t.Fatalf("prompt=none: %d %v", res.status, res.location)
	}
	if len(h.grants(marte)) != 0 {
		t.Fatal("a grant nobody gave")
	}
}

// TestFlowConsentRepresentative: a parent gives consent for a child, and
// the grant ends on the child's 16th birthday; a holder of an ordinary
// power of attorney is told why they cannot, and the tool gets
// access_denied.
func TestFlowConsentRepresentative(t *testing.T) {
	h := newConsentHarness(t, openSQLite(t))
	kari := h.pid(population.KeyKari)
	sofie, _ := h.pop.Lookup(population.KeySofie) // 15: turns 16 within the grant's default year
	astrid, _ := h.pop.Lookup(population.KeyAstrid)

	t.Run("parent for a child", func(t *testing.T) {
		b := h.browser()
		v := measureParams(kari)
		v.Set("testid_acting_for", sofie.PID)
		v.Set("ui_locales", "nn")
		res := b.authorize(v)
		if res.status != http.StatusOK {
			t.Fatalf("no consent page: %d %v", res.status, res.location)
		}
		name := sofie.GivenName + " " + sofie.FamilyName
		for _, want := range []string{`<html lang="nn">`, "Gi løyve", "på vegner av", name, "Målingar", `value="allow"`} {
			if !strings.Contains(res.body, want) {
				t.Errorf("consent page lacks %q", want)
			}
		}
		flow, csrf := chooserForm(t, res.body)
		res = b.post("/main/consent", url.Values{"flow": {flow}, "csrf": {csrf}, "action": {"allow"}})
		if res.location == nil || res.location.Query().Get("code") == "" {
			t.Fatalf("allow: %d %v %.300s", res.status, res.location, res.body)
		}
		gs := h.grants(sofie.PID)
		want := representation.Birthday(sofie.BirthDate, 16)
		if len(gs) != 1 || gs[0].Actor != kari || gs[0].Relation != "parent" || !gs[0].ExpiresAt.Equal(want) {
			t.Fatalf("grant %+v, want kari's for sofie expiring %v", gs, want)
		}
		idt := jwtClaims(t, h.exchange("measure", res.location.Query().Get("code"))["id_token"])
		if rep, _ := idt["representation"].(map[string]any); rep["relation"] != "parent" {
			t.Fatalf("representation claim %v", idt["representation"])
		}
	})

	t.Run("ordinary power of attorney", func(t *testing.T) {
		b := h.browser()
		v := measureParams(kari)
		v.Set("testid_acting_for", astrid.PID)
		res := b.authorize(v)
		if res.status != http.StatusOK {
			t.Fatalf("no page: %d %v", res.status, res.location)
		}
		if !strings.Contains(res.body, "ordinær fullmakt") || !strings.Contains(res.body, "<h1 id=\"title\">Du kan ikke gi denne tillatelsen</h1>") || !strings.Contains(res.body, "Tilbake til tjenesten") || strings.Contains(res.body, `value="allow"`) {
			t.Fatalf("the page does not explain, or still offers allow:\n%.2000s", res.body)
		}
		flow, csrf := chooserForm(t, res.body)
		// Even a forged "allow" gives no grant.
		res = b.post("/main/consent", url.Values{"flow": {flow}, "csrf": {csrf}, "action": {"allow"}})
		if res.location == nil || res.location.Query().Get("error") != "access_denied" {
			t.Fatalf("power of attorney: %d %v", res.status, res.location)
		}
		if gs := h.grants(astrid.PID); len(gs) != 0 {
			t.Fatalf("grant under an ordinary power of attorney: %+v", gs)
		}
	})
}

// TestFlowHeadlessConsent: testid_consent answers the consent page for a
// test login, under the same rules.
func TestFlowHeadlessConsent(t *testing.T) {
	h := newConsentHarness(t, openSQLite(t))
	kari, nils, jon := h.pid(population.KeyKari), h.pid(population.KeyNils), h.pid(population.KeyJon)
	astrid := h.pid(population.KeyAstrid)
	for _, tc := range []struct {
		name, pid, actingFor, answer, wantError string
		grants                                  int
	}{
		{"allow", nils, "", "allow", "", 1},
		{"covered: no second grant", nils, "", "allow", "", 1},
		{"deny", jon, "", "deny", "access_denied", 0},
		{"not a value", jon, "", "yes", "invalid_request", 0},
		{"ordinary power of attorney", kari, astrid, "allow", "access_denied", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := measureParams(tc.pid)
			v.Set("testid_consent", tc.answer)
			subject := tc.pid
			if tc.actingFor != "" {
				v.Set("testid_acting_for", tc.actingFor)
				subject = tc.actingFor
			}
			res := h.browser().authorize(v)
			if res.location == nil {
				t.Fatalf("%d %.300s", res.status, res.body)
			}
			if got := res.location.Query().Get("error"); got != tc.wantError {
				t.Fatalf("error %q, want %q (%s)", got, tc.wantError, res.location)
			}
			if n := len(h.grants(subject)); n != tc.grants {
				t.Fatalf("%d grants, want %d", n, tc.grants)
			}
		})
	}
	t.Run("without the test-login hint", func(t *testing.T) {
		v := measureParams("")
		v.Set("testid_consent", "allow")
		res := h.browser().authorize(v)
		if res.location == nil || res.location.Query().Get("error") != "invalid_request" {
			t.Fatalf("%d %v", res.status, res.location)
		}
	})
}

// TestHTTPSURL: the consent page links to and loads only absolute https
// URLs from client metadata.
func TestHTTPSURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://tool.example/p":             "https://tool.example/p",
		"http://tool.example/p":              "",
		"javascript:alert(1)":                "",
		"//tool.example/p":                   "",
		"https:///no-host":                   "",
		"":                                   "",
		"https://tool.example:8443/logo.png": "https://tool.example:8443/logo.png",
	} {
		if got := httpsURL(in); got != want {
			t.Errorf("httpsURL(%q) = %q, want %q", in, got, want)
		}
	}
	if got := originOf("https://tool.example:8443/logo.png"); got != "https://tool.example:8443" {
		t.Errorf("originOf = %q", got)
	}
}

// TestConsentToolNameInLanguage: the consent page names the tool in the
// page's language (client_name#en, #nn), not by its bokmål name.
func TestConsentToolNameInLanguage(t *testing.T) {
	h := newConsentHarness(t, openSQLite(t))
	if err := h.store.UpdateClient(t.Context(), "main", "measure", func(c storage.Client) (storage.Client, error) {
		c.Names = map[string]string{"nn": "Måleverktøyet på nynorsk", "en": "The measuring tool"}
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	nils := h.pid(population.KeyNils)
	for lang, want := range map[string]string{"en": "The measuring tool asks for permission", "nn": "Måleverktøyet på nynorsk ber om løyve"} {
		v := measureParams(nils)
		v.Set("ui_locales", lang)
		res := h.browser().authorize(v)
		if res.status != http.StatusOK || !strings.Contains(res.body, want) {
			t.Errorf("%s: %d, consent page lacks %q:\n%.2000s", lang, res.status, want, res.body)
		}
	}
}
