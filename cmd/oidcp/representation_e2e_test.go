package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// TestRepresentationStory is issue 4's story end to end: Kari logs in to a
// tool that accepts representation and is offered exactly herself, the
// children under 16 (12–15 limited) and her mother; the tool receives the
// representation claim for whom she chose, checked by go-oidc.
func TestRepresentationStory(t *testing.T) {
	s := startRepServer(t, time.Now())
	tool := s.client(t, "sandbox", "family-tool",
		"--accept-relation", "parent", "--accept-relation", "power_of_attorney", "--accept-relation", "assigned_power_of_attorney")
	kari := s.pid(t, population.KeyKari)

	b := newBrowser()
	_, verifier, ch := b.authorize(t, tool, kari)
	if ch == nil {
		t.Fatal("no chooser shown for Kari at a tool that accepts representation")
	}
	if !strings.Contains(ch.body, `lang="nb"`) || !strings.Contains(ch.body, "Hvem vil du bruke tjenesten på vegne av?") {
		t.Errorf("chooser is not the bokmål page:\n%.1500s", ch.body)
	}
	want := []string{choiceSelfValue}
	for _, k := range []string{population.KeySofie, population.KeyIngrid, population.KeyNora, population.KeyJonas, population.KeyEmma, population.KeyAstrid} {
		want = append(want, s.pid(t, k))
	}
	var got []string
	for v := range ch.options {
		got = append(got, v)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("offered %v, want %v (labels %v)", got, want, ch.options)
	}
	for _, k := range []string{population.KeySander, population.KeyMathias} {
		if _, ok := ch.options[s.pid(t, k)]; ok {
			t.Errorf("%s (16 or older) is offered", k)
		}
	}
	if l := ch.options[s.pid(t, population.KeyIngrid)]; !strings.Contains(l, "begrenset") || !strings.Contains(l, "14 år") {
		t.Errorf("Ingrid's option %q is not marked limited with her age", l)
	}
	if l := ch.options[s.pid(t, population.KeyJonas)]; strings.Contains(l, "begrenset") || !strings.Contains(l, "9 år") {
		t.Errorf("Jonas's option %q", l)
	}

	// A forged choice (a person not offered) is refused.
	if code, status, _ := b.choose(t, tool, ch, s.pid(t, population.KeySander)); code != "" || status != http.StatusBadRequest {
		t.Errorf("choosing Sander: code=%q status=%d, want 400 and no code", code, status)
	}

	// She picks Ingrid (14: limited).
	_, verifier, ch = b.authorize(t, tool, kari, oauth2.SetAuthURLParam("prompt", "select_account"))
	if ch == nil {
		t.Fatal("no chooser on the second attempt")
	}
	code, _, _ := b.choose(t, tool, ch, s.pid(t, population.KeyIngrid))
	tok, idt := tool.tokens(t, code, verifier)
	rep := repClaim(t, idt)
	ingrid, _ := s.pop.Lookup(population.KeyIngrid)
	if rep["relation"] != "parent" || rep["limited"] != true {
		t.Errorf("representation = %v, want parent and limited", rep)
	}
	rp, _ := rep["represented"].(map[string]any)
	if rp["pid"] != ingrid.PID || rp["name"] != "Ingrid Nordmann" || rp["birthdate"] != ingrid.BirthDate.Format("2006-01-02") {
		t.Errorf("represented = %v", rp)
	}
	if sub, _ := rp["sub"].(string); sub == "" || sub == idt["sub"] {
		t.Errorf("represented sub %q must be a pairwise id distinct from the holder's %v", sub, idt["sub"])
	}
	if idt["pid"] != kari {
		t.Errorf("ID token pid = %v, want Kari's", idt["pid"])
	}
	if _, ok := rep["valid_until"].(string); !ok {
		t.Errorf("no valid_until for a child relation: %v", rep)
	}
	ui := tool.userinfoGet(t, tok.AccessToken)
	if !jsonEqual(ui["representation"], idt["representation"]) {
		t.Errorf("userinfo representation %v differs from the ID token's %v", ui["representation"], idt["representation"])
	}
	in := tool.introspect(t, tok.AccessToken)
	if in["active"] != true || !jsonEqual(in["representation"], idt["representation"]) {
		t.Errorf("introspection = %v", in)
	}

	// The choice is stored on the session for this tool: the next
	// authorization (SSO) issues for Ingrid again without a chooser.
	code, verifier, ch = b.authorize(t, tool, kari)
	if ch != nil {
		t.Fatal("chooser shown again although a choice is stored and no prompt=select_account")
	}
	_, idt = tool.tokens(t, code, verifier)
	if rp, _ := repClaim(t, idt)["represented"].(map[string]any); rp["pid"] != ingrid.PID {
		t.Errorf("stored choice not honoured: %v", rp)
	}

	// Her mother, under an ordinary power of attorney with service areas.
	_, verifier, ch = b.authorize(t, tool, kari, oauth2.SetAuthURLParam("prompt", "select_account"))
	code, _, _ = b.choose(t, tool, ch, s.pid(t, population.KeyAstrid))
	_, idt = tool.tokens(t, code, verifier)
	rep = repClaim(t, idt)
	if rep["relation"] != "power_of_attorney" || rep["limited"] != false {
		t.Errorf("representation for Astrid = %v", rep)
	}
	if areas, _ := rep["service_areas"].([]any); len(areas) != 3 {
		t.Errorf("service_areas = %v, want Astrid's three", rep["service_areas"])
	}

	// Herself: no representation claim.
	_, verifier, ch = b.authorize(t, tool, kari, oauth2.SetAuthURLParam("prompt", "select_account"))
	code, _, _ = b.choose(t, tool, ch, choiceSelfValue)
	_, idt = tool.tokens(t, code, verifier)
	if _, ok := idt["representation"]; ok {
		t.Errorf("representation claim when acting for herself: %v", idt["representation"])
	}
}

// TestRepresentationToolPolicies: a tool that accepts no relation never
// shows the chooser nor gets the claim; a standalone tool is offered only
// parent and assigned relations; a pseudonymous tool gets pairwise ids and
// nothing identifying.
func TestRepresentationToolPolicies(t *testing.T) {
	s := startRepServer(t, time.Now())
	kari := s.pid(t, population.KeyKari)

	plain := s.client(t, "sandbox", "plain-tool")
	b := newBrowser()
	code, verifier, ch := b.authorize(t, plain, kari)
	if ch != nil {
		t.Fatal("chooser shown at a tool that accepts no relation")
	}
	_, idt := plain.tokens(t, code, verifier)
	if _, ok := idt["representation"]; ok {
		t.Error("representation claim at a tool that accepts no relation")
	}

	standalone := s.client(t, "sandbox", "standalone-tool", "--standalone",
		"--accept-relation", "parent", "--accept-relation", "assigned_power_of_attorney")
	_, _, ch = b.authorize(t, standalone, kari)
	if ch == nil {
		t.Fatal("no chooser at the standalone tool")
	}
	if _, ok := ch.options[s.pid(t, population.KeyAstrid)]; ok {
		t.Error("standalone tool offers Astrid under an ordinary power of attorney")
	}
	if _, ok := ch.options[s.pid(t, population.KeyJonas)]; !ok {
		t.Error("standalone tool does not offer Jonas (parent)")
	}

	pseudo := s.client(t, "sandbox", "pseudo-tool", "--category", "pseudonymous", "--accept-relation", "parent")
	b2 := newBrowser()
	_, verifier, ch = b2.authorize(t, pseudo, kari)
	if ch == nil {
		t.Fatal("no chooser at the pseudonymous tool")
	}
	code, _, _ = b2.choose(t, pseudo, ch, s.pid(t, population.KeyJonas))
	tok, idt := pseudo.tokens(t, code, verifier)
	ui := pseudo.userinfoGet(t, tok.AccessToken)
	in := pseudo.introspect(t, tok.AccessToken)
	for name, claims := range map[string]map[string]any{"id_token": idt, "userinfo": ui, "introspection": in} {
		raw, _ := json.Marshal(claims)
		for _, k := range []string{population.KeyKari, population.KeyJonas} {
			p, _ := s.pop.Lookup(k)
			if strings.Contains(string(raw), p.PID) || strings.Contains(string(raw), p.GivenName) || strings.Contains(string(raw), p.BirthDate.Format("2006-01-02")) {
				t.Errorf("%s of a pseudonymous tool identifies %s: %s", name, k, raw)
			}
		}
		rep, _ := claims["representation"].(map[string]any)
		rp, _ := rep["represented"].(map[string]any)
		if sub, _ := rp["sub"].(string); sub == "" || len(rp) != 1 {
			t.Errorf("%s: represented = %v, want only a pairwise sub", name, rp)
		}
	}
	// Pairwise: the same child has different subs at different sectors.
	_, verifier, ch = b.authorize(t, standalone, kari)
	code, _, _ = b.choose(t, standalone, ch, s.pid(t, population.KeyJonas))
	_, idt2 := standalone.tokens(t, code, verifier)
	sub1 := repClaim(t, idt)["represented"].(map[string]any)["sub"]
	sub2 := repClaim(t, idt2)["represented"].(map[string]any)["sub"]
	if sub1 == sub2 {
		t.Errorf("the represented sub is the same at two sectors (%v): not pairwise", sub1)
	}

	// Without scope profile or pid, an identified tool learns of the
	// represented child only the pairwise sub (the same scope rules as for
	// the person's own claims).
	minimal := s.client(t, "sandbox", "minimal-tool", "--accept-relation", "parent")
	minimal.conf.Scopes = []string{oidc.ScopeOpenID}
	_, verifier, ch = b.authorize(t, minimal, kari)
	code, _, _ = b.choose(t, minimal, ch, s.pid(t, population.KeyJonas))
	_, idt3 := minimal.tokens(t, code, verifier)
	if rp, _ := repClaim(t, idt3)["represented"].(map[string]any); len(rp) != 1 || rp["sub"] == nil {
		t.Errorf("represented with scope openid only = %v, want only sub", rp)
	}

	// prompt=none when a choice is needed: account_selection_required.
	b3 := newBrowser()
	nilCode, _, ch := b3.authorize(t, plain, kari) // establishes the session only
	if nilCode == "" || ch != nil {
		t.Fatal("plain login failed")
	}
	resp := b3.front(t, pseudo, oauth2.SetAuthURLParam("prompt", "none"))
	if got := resp.Query().Get("error"); got != "account_selection_required" {
		t.Errorf("prompt=none with a pending choice: error=%q, want account_selection_required", got)
	}
}

// front starts an authorization and returns the first redirect back to
// the client.
func (b *browser) front(t *testing.T, rc *relyingParty, extra ...oauth2.AuthCodeOption) *url.URL {
	t.Helper()
	loc := b.firstHop(t, rc.authURL("", extra...).url)
	if !strings.HasPrefix(loc.String(), rc.c.redirect) {
		t.Fatalf("no redirect to the client: %v", loc)
	}
	return loc
}

// TestRepresentationEnds: tokens issued for a represented person keep
// refreshing while the relation holds; when it stops holding (the child's
// 16th birthday in Europe/Oslo, a power of attorney's end, a withdrawal in
// the registry) the next refresh fails with invalid_grant, every token of
// the grant is revoked, and the event is in the usage log. The family is
// imported through `oidcp persons import`, independent of the sandbox
// population's daily reseeding.
func TestRepresentationEnds(t *testing.T) {
	start := time.Now()
	s := startRepServer(t, start, "--refresh-token-lifetime", "9000h")
	tool := s.client(t, "sandbox", "family-tool", "--accept-relation", "parent", "--accept-relation", "power_of_attorney")

	today := start.In(representation.Oslo)
	day := func(years, days int) time.Time {
		d := today.AddDate(years, 0, days)
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, representation.Oslo)
	}
	mustPID := func(birth time.Time, n int) string {
		pid, err := representation.SyntheticPID(birth, n)
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	eva := mustPID(day(-44, 0), 11)
	per := mustPID(day(-16, 10), 12) // turns 16 in ten days
	gro := mustPID(day(-71, -3), 13)
	ivar := mustPID(day(-80, -9), 14)
	birthday16 := day(0, 10)
	poaEnd := day(0, 5).Add(-time.Nanosecond) // last instant: end of the fourth day from now
	doc := func(withdrawIvar bool) string {
		return fmt.Sprintf(`{"persons":[
  {"pid":%q,"given_name":"Eva","family_name":"Testmor"},
  {"pid":%q,"given_name":"Per","family_name":"Testmor"},
  {"pid":%q,"given_name":"Gro","family_name":"Testmor"},
  {"pid":%q,"given_name":"Ivar","family_name":"Testmor"}],
 "relations":[
  {"id":"test:parent:eva:per","kind":"parent","holder":%q,"subject":%q},
  {"id":"test:poa:gro:eva","kind":"power_of_attorney","holder":%q,"subject":%q,"service_areas":["messages"],"valid_to":%q},
  {"id":"test:poa:ivar:eva","kind":"power_of_attorney","holder":%q,"subject":%q,"service_areas":["messages"],"withdrawn":%t}]}`,
			eva, per, gro, ivar, eva, per, eva, gro, poaEnd.Format(time.RFC3339Nano), eva, ivar, withdrawIvar)
	}
	s.cli.ok("persons", "import", "--registry", "synthetic", writeFile(t, "family.json", doc(false)))

	// One grant per relation, all from Eva's one login session.
	b := newBrowser()
	grant := func(subject string) *oauth2.Token {
		t.Helper()
		_, verifier, ch := b.authorize(t, tool, eva, oauth2.SetAuthURLParam("prompt", "select_account"))
		if ch == nil {
			t.Fatal("no chooser")
		}
		code, _, body := b.choose(t, tool, ch, subject)
		if code == "" {
			t.Fatalf("choosing failed:\n%.1000s", body)
		}
		tok, _ := tool.tokens(t, code, verifier)
		return tok
	}
	perTok, groTok, ivarTok := grant(per), grant(gro), grant(ivar)

	// expectEnd: the refresh fails, the grant's tokens are dead, the
	// event is logged. Returns nothing; the old tokens are unusable.
	expectEnd := func(name string, tok *oauth2.Token, subject string) {
		t.Helper()
		status, body := tool.refresh(t, tok.RefreshToken)
		if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("%s: refresh after the relation ended: %d %v, want 400 invalid_grant", name, status, body)
		}
		if in := tool.introspect(t, tok.AccessToken); in["active"] != false {
			t.Errorf("%s: access token still active after the relation ended", name)
		}
		if status, _ := tool.refresh(t, tok.RefreshToken); status != http.StatusBadRequest {
			t.Errorf("%s: second refresh after the end: %d", name, status)
		}
		assertEvent(t, s, "representation_ended", subject)
	}
	refreshOK := func(name string, tok *oauth2.Token) *oauth2.Token {
		t.Helper()
		status, body := tool.refresh(t, tok.RefreshToken)
		if status != http.StatusOK {
			t.Fatalf("%s: refresh while the relation holds: %d %v", name, status, body)
		}
		return &oauth2.Token{AccessToken: body["access_token"].(string), RefreshToken: body["refresh_token"].(string)}
	}

	// Withdrawn in the registry: the next refresh fails at once.
	ivarTok = refreshOK("ivar", ivarTok)
	s.cli.ok("persons", "import", "--registry", "synthetic", writeFile(t, "family2.json", doc(true)))
	expectEnd("withdrawn power of attorney", ivarTok, ivar)

	// The power of attorney's last instant, then past it.
	s.clock.set(poaEnd.Add(-time.Minute))
	groTok = refreshOK("gro", groTok)
	s.clock.set(poaEnd.Add(time.Minute))
	expectEnd("expired power of attorney", groTok, gro)

	// 23:59 the day before the 16th birthday, then 00:01 on it.
	s.clock.set(birthday16.Add(-time.Minute))
	perTok = refreshOK("per", perTok)
	s.clock.set(birthday16.Add(time.Minute))
	expectEnd("16th birthday", perTok, per)
}

// assertEvent opens the server's database read-only-ish and looks for an
// event of kind about subject.
func assertEvent(t *testing.T, s *repServer, kind, subject string) {
	t.Helper()
	evs, err := openTestStore(t, s.cli).ListEvents(t.Context(), storage.EventFilter{Tenant: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		if e.Kind == kind && e.Subject == subject {
			return
		}
		kinds = append(kinds, e.Kind)
	}
	t.Errorf("no %s event for the subject; events: %s", kind, fmt.Sprint(kinds))
}

// TestRepresentationChoiceIsPerPerson: a choice is never carried over to
// another person logging in on the same browser. Kari chooses Ingrid;
// then Ola, Ingrid's other parent, logs in on the same browser
// (prompt=login): he must be asked, not silently given Ingrid.
func TestRepresentationChoiceIsPerPerson(t *testing.T) {
	s := startRepServer(t, time.Now())
	tool := s.client(t, "sandbox", "family-tool", "--accept-relation", "parent")
	kari, ola, ingrid := s.pid(t, population.KeyKari), s.pid(t, population.KeyOla), s.pid(t, population.KeyIngrid)

	b := newBrowser()
	_, verifier, ch := b.authorize(t, tool, kari)
	code, _, _ := b.choose(t, tool, ch, ingrid)
	if _, idt := tool.tokens(t, code, verifier); idt["pid"] != kari {
		t.Fatalf("first login pid = %v", idt["pid"])
	}

	code, verifier, ch = b.authorize(t, tool, ola, oauth2.SetAuthURLParam("prompt", "login"))
	if ch == nil {
		_, idt := tool.tokens(t, code, verifier)
		t.Fatalf("Ola got a code without choosing (pid %v, representation %v)", idt["pid"], idt["representation"])
	}
	code, _, _ = b.choose(t, tool, ch, choiceSelfValue)
	_, idt := tool.tokens(t, code, verifier)
	if idt["pid"] != ola {
		t.Errorf("pid = %v, want Ola's", idt["pid"])
	}
	if _, ok := idt["representation"]; ok {
		t.Errorf("Ola acting for himself got a representation claim: %v", idt["representation"])
	}
}
