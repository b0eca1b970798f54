package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/population"
)

// actingFor is the headless chooser parameter (README step 5).
func actingFor(v string) oauth2.AuthCodeOption {
	return oauth2.SetAuthURLParam("testid_acting_for", v)
}

// authError follows a headless authorization and returns the error and
// description the tool receives ("" when it got a code).
func authError(t *testing.T, b *browser, rc *relyingParty, pid string, opts ...oauth2.AuthCodeOption) (string, string) {
	t.Helper()
	q, v, err := rc.authorizeE(b, rc.authURL(pid, opts...))
	if err != nil {
		t.Fatalf("%v (%s)", err, v)
	}
	if q.Get("code") != "" {
		return "", ""
	}
	return q.Get("error"), q.Get("error_description")
}

// TestHeadlessChoice: a script that logs in with the test login picks
// whom to act for with testid_acting_for, never meeting the chooser page;
// the choice obeys the same rules as the page (a 16-year-old or a
// stranger is refused with access_denied and a description), and it is
// honoured only after a test login of the person the hint names.
func TestHeadlessChoice(t *testing.T) {
	s := startRepServer(t, time.Now())
	family := s.client(t, "sandbox", "family-app", "--accept-relation", "parent", "--accept-relation", "power_of_attorney")
	solo := s.client(t, "sandbox", "solo-app")
	kari, jonas, sander, nils := s.pid(t, population.KeyKari), s.pid(t, population.KeyJonas), s.pid(t, population.KeySander), s.pid(t, population.KeyNils)
	ola := s.pid(t, population.KeyOla)

	t.Run("child", func(t *testing.T) {
		b := newBrowser()
		code, a, v, err := family.loginE(b, kari, actingFor(jonas))
		if err != nil {
			t.Fatal(err)
		}
		for _, hop := range v.hops {
			if strings.Contains(hop, "/choose") {
				t.Errorf("the chooser was visited: %v", v.hops)
			}
		}
		_, claims := family.tokens(t, code, a.verifier)
		rep := repClaim(t, claims)
		if rep["relation"] != "parent" || rep["limited"] != false || rep["represented"].(map[string]any)["pid"] != jonas {
			t.Errorf("representation = %v, want parent of Jonas, not limited", rep)
		}
		if claims["pid"] != kari {
			t.Errorf("pid = %v, want Kari's", claims["pid"])
		}
		assertEvent(t, s, "representation_chosen", jonas)
	})
	t.Run("self", func(t *testing.T) {
		b := newBrowser()
		code, a, _, err := family.loginE(b, kari, actingFor("self"))
		if err != nil {
			t.Fatal(err)
		}
		if _, claims := family.tokens(t, code, a.verifier); claims["representation"] != nil {
			t.Errorf("acting for herself, yet representation = %v", claims["representation"])
		}
	})

	refused := []struct {
		name, pid, actingFor string
		client               *relyingParty
		wantErr, wantDesc    string
	}{
		{"16-year-old", kari, sander, family, "access_denied", "not someone the logged-in person may act for"},
		{"stranger", kari, nils, family, "access_denied", "not someone the logged-in person may act for"},
		{"tool accepts no relation", kari, jonas, solo, "access_denied", "accepts no relation"},
		{"not a fødselsnummer", kari, "jonas", family, "invalid_request", "testid_acting_for must be"},
		{"without the test login hint", "", jonas, family, "invalid_request", "login_hint=testid:"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			code, desc := authError(t, newBrowser(), tc.client, tc.pid, actingFor(tc.actingFor))
			if code != tc.wantErr || !strings.Contains(desc, tc.wantDesc) {
				t.Errorf("error %q %q, want %s mentioning %q", code, desc, tc.wantErr, tc.wantDesc)
			}
		})
	}
	t.Run("self for a tool without relations", func(t *testing.T) {
		if code, desc := authError(t, newBrowser(), solo, kari, actingFor("self")); code != "" {
			t.Errorf("error %s: %s", code, desc)
		}
	})

	t.Run("session of another person", func(t *testing.T) {
		// Kari's test login; then a request naming Ola in the hint reuses
		// her session (SSO) and must not let the script choose for her.
		b := newBrowser()
		family.login(t, b, kari, actingFor("self"))
		code, desc := authError(t, b, family, ola, actingFor(jonas))
		if code != "access_denied" || !strings.Contains(desc, "another person") {
			t.Errorf("error %q %q, want access_denied for another person's session", code, desc)
		}
	})

	t.Run("not a test login", func(t *testing.T) {
		// Kari logs in on the mock's page with BankID; a later request
		// with the hint and testid_acting_for reuses that session.
		b := newBrowser()
		loginOnMockPage(t, b, family, kari, "BankID")
		code, desc := authError(t, b, family, kari, actingFor(jonas))
		if code != "access_denied" || !strings.Contains(desc, "amr TestID") {
			t.Errorf("error %q %q, want access_denied: only after a test login", code, desc)
		}
	})
}

var reMockHidden = regexp.MustCompile(`name="(auth_id|csrf)" value="([^"]+)"`)

// loginOnMockPage logs pid in through the mock's login page with the
// login method amr, as a person would, and follows the flow to the tool
// (or the chooser, which it leaves).
func loginOnMockPage(t *testing.T, b *browser, rc *relyingParty, pid, amr string) {
	t.Helper()
	v, err := b.visit(rc.authURL("").url, rc.c.redirect)
	if err != nil || v.status != http.StatusOK {
		t.Fatalf("no login page: %v %s", err, v)
	}
	form := url.Values{"pid": {pid}, "amr": {amr}}
	for _, m := range reMockHidden.FindAllStringSubmatch(v.body, -1) {
		form.Set(m[1], m[2])
	}
	resp, err := b.c.PostForm(s2mock(v.hops[len(v.hops)-1])+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("login POST: %d without redirect", resp.StatusCode)
	}
	if _, err := b.visit(loc.String(), rc.c.redirect); err != nil {
		t.Fatal(err)
	}
}

// s2mock is the mock's issuer from the URL of its login page.
func s2mock(pageURL string) string {
	i := strings.Index(pageURL, mockPath+"/")
	return pageURL[:i+len(mockPath)]
}

// TestChooserCancel: "Avbryt" on the chooser sends the tool
// access_denied with its state, instead of leaving the person stuck.
func TestChooserCancel(t *testing.T) {
	s := startRepServer(t, time.Now())
	rc := s.client(t, "sandbox", "family-app", "--accept-relation", "parent")
	b := newBrowser()
	a := rc.authURL(s.pid(t, population.KeyKari))
	v, err := b.visit(a.url, rc.c.redirect)
	if err != nil || v.final != nil || !strings.Contains(v.body, `name="subject"`) {
		t.Fatalf("no chooser: %v %s", err, v)
	}
	if !strings.Contains(v.body, `name="action" value="cancel"`) || !strings.Contains(v.body, ">Avbryt<") {
		t.Errorf("the chooser has no Avbryt button:\n%.3000s", v.body)
	}
	f := parseChooser(t, v.body)
	resp, err := b.c.PostForm(f.action, url.Values{"flow": {f.flow}, "csrf": {f.csrf}, "subject": {"self"}, "action": {"cancel"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || !strings.HasPrefix(loc.String(), rc.c.redirect) {
		t.Fatalf("cancel answered %d %v, want a redirect to the tool", resp.StatusCode, loc)
	}
	q := loc.Query()
	if q.Get("error") != "access_denied" || q.Get("state") != a.state || q.Get("code") != "" || q.Get("iss") != rc.issuer {
		t.Errorf("tool got %v, want error=access_denied with state and iss", q)
	}
}

// TestChooserServiceAreasInPageLanguage: the areas of Kari's fullmakt
// from her mother read in the page's language, not as registry codes.
func TestChooserServiceAreasInPageLanguage(t *testing.T) {
	s := startRepServer(t, time.Now())
	rc := s.client(t, "sandbox", "family-app", "--accept-relation", "power_of_attorney")
	for lang, want := range map[string]string{
		"nb": "tjenesteområder: timeavtaler, meldinger, resepter",
		"nn": "tenesteområde: timeavtalar, meldingar, reseptar",
		"en": "service areas: appointments, messages, prescriptions",
	} {
		v, err := newBrowser().visit(rc.authURL(s.pid(t, population.KeyKari), oauth2.SetAuthURLParam("ui_locales", lang)).url, rc.c.redirect)
		if err != nil || !strings.Contains(v.body, `name="subject"`) {
			t.Fatalf("%s: no chooser: %v %s", lang, err, v)
		}
		if !strings.Contains(v.body, want) {
			t.Errorf("%s chooser lacks %q:\n%.3000s", lang, want, v.body)
		}
	}
}
