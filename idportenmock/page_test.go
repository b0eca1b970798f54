package idportenmock_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/idportenmock"
)

func TestLoginPageRendersPersons(t *testing.T) {
	e := newEnv(t)
	_, _, body := e.loginPage(authParams())
	for _, want := range []string{
		`<html lang="nb">`,
		"Kari Nordmann (" + synthPID(t, "1980-03-14", 100) + ")",
		"Ola Nordmann",
		`<label for="pid_manual">`,
		`value="idporten-loa-high"`,
		`value="BankID"`, `value="Minid-PIN"`, `value="TestID"`,
		`action="` + e.issuer + `/login"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestLoginPageLanguages: the page speaks the language oidcp asks for in
// ui_locales (nb by default, nn, en), names the methods as ID-porten does
// (MinID, not the amr value Minid-PIN), and its errors follow the page.
func TestLoginPageLanguages(t *testing.T) {
	tests := []struct {
		uiLocales, lang string
		want            []string
		wantErr         string
	}{
		{"", "nb", []string{"Logg inn (testmiljø)", "Sikkerhetsnivå", "Testpersoner", ">Avbryt<"}, "ikke et gyldig fødselsnummer"},
		{"nn", "nn", []string{"Logg inn (testmiljø)", "Tryggleiksnivå", "Testpersonar", "Bruk berre syntetiske"}, "ikkje eit gyldig fødselsnummer"},
		{"en nb", "en", []string{"Log in (test environment)", "Level of assurance", "Test persons", ">Cancel<"}, "is not a valid national identity number"},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			e := newEnv(t)
			id, csrf, body := e.loginPage(authParams("ui_locales", tc.uiLocales))
			for _, want := range append(tc.want, `<html lang="`+tc.lang+`">`, `<label for="amr-Minid-PIN">MinID</label>`, `value="Minid-PIN"`) {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if strings.Contains(body, ">Minid-PIN<") {
				t.Error("page names the method Minid-PIN; ID-porten calls it MinID")
			}
			_, errBody := e.postForm(e.browser, e.issuer+"/login", url.Values{
				"auth_id": {id}, "csrf": {csrf}, "action": {"manual"}, "pid_manual": {"1234"},
			})
			if !strings.Contains(errBody, tc.wantErr) || !strings.Contains(errBody, `<html lang="`+tc.lang+`">`) {
				t.Errorf("error page in %s lacks %q:\n%.2000s", tc.lang, tc.wantErr, errBody)
			}
		})
	}
}

func TestLoginPagePersonButton(t *testing.T) {
	e := newEnv(t)
	pid := synthPID(t, "1980-03-14", 100)
	id, csrf, _ := e.loginPage(authParams())
	resp, _ := e.postForm(e.browser, e.issuer+"/login", url.Values{
		"auth_id": {id}, "csrf": {csrf}, "pid": {pid}, "acr": {"idporten-loa-high"}, "amr": {"BankID"},
	})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d", resp.StatusCode)
	}
	cb := location(t, resp, redirectURI)
	if cb.Get("state") != "st-123" || cb.Get("iss") != e.issuer {
		t.Fatalf("callback %v", cb)
	}
	status, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	if status != http.StatusOK {
		t.Fatalf("token %d %v", status, tok)
	}
	c := e.verifyIDToken(tok["id_token"].(string))
	if c["pid"] != pid || c["acr"] != "idporten-loa-high" || c["locale"] != "nb" {
		t.Errorf("claims %v", c)
	}
	if amr, _ := c["amr"].([]any); len(amr) != 1 || amr[0] != "BankID" {
		t.Errorf("amr %v", c["amr"])
	}
	// The pending login is single-use.
	resp, _ = e.postForm(e.browser, e.issuer+"/login", url.Values{"auth_id": {id}, "csrf": {csrf}, "pid": {pid}})
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
		t.Errorf("replayed login POST: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLoginPageManualNumber(t *testing.T) {
	e := newEnv(t)
	good := synthPID(t, "1999-12-31", 123)
	tests := []struct {
		name, pid string
		wantOK    bool
		wantText  string
	}{
		{"valid unlisted number", good, true, ""},
		{"bad checksum", good[:10] + string('0'+(good[10]-'0'+1)%10), false, "ikke et gyldig fødselsnummer"},
		{"too short", "1234", false, "ikke et gyldig fødselsnummer"},
		{"letters", "abcdefghijk", false, "ikke et gyldig fødselsnummer"},
		{"empty", "", false, "Skriv inn et fødselsnummer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, csrf, _ := e.loginPage(authParams())
			resp, body := e.postForm(e.browser, e.issuer+"/login", url.Values{
				"auth_id": {id}, "csrf": {csrf}, "action": {"manual"}, "pid_manual": {tc.pid}, "amr": {"Minid-PIN"},
			})
			if tc.wantOK {
				cb := location(t, resp, redirectURI)
				_, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
				c := e.verifyIDToken(tok["id_token"].(string))
				if c["pid"] != tc.pid || c["acr"] != "idporten-loa-substantial" {
					t.Errorf("claims %v", c)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.Contains(body, tc.wantText) || !strings.Contains(body, `role="alert"`) || !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("error not shown: %s", body)
			}
			// The same pending login still works after the error.
			resp, _ = e.postForm(e.browser, e.issuer+"/login", url.Values{"auth_id": {id}, "csrf": {csrf}, "pid_manual": {good}, "action": {"manual"}})
			location(t, resp, redirectURI)
		})
	}
}

func TestLoginPageRequestedHigh(t *testing.T) {
	e := newEnv(t)
	id, csrf, body := e.loginPage(authParams("acr_values", "idporten-loa-high"))
	if strings.Contains(body, `value="idporten-loa-substantial"`) {
		t.Error("substantial offered although high was requested")
	}
	resp, _ := e.postForm(e.browser, e.issuer+"/login", url.Values{
		"auth_id": {id}, "csrf": {csrf}, "pid": {synthPID(t, "1980-03-14", 100)}, "acr": {"idporten-loa-substantial"},
	})
	cb := location(t, resp, redirectURI)
	_, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	if got := e.verifyIDToken(tok["id_token"].(string))["acr"]; got != "idporten-loa-high" {
		t.Errorf("acr = %v, want high", got)
	}
}

func TestLoginPageCancel(t *testing.T) {
	e := newEnv(t)
	id, csrf, _ := e.loginPage(authParams())
	resp, _ := e.postForm(e.browser, e.issuer+"/login", url.Values{"auth_id": {id}, "csrf": {csrf}, "action": {"cancel"}})
	cb := location(t, resp, redirectURI)
	if cb.Get("error") != "access_denied" || cb.Get("state") != "st-123" || cb.Get("iss") != e.issuer {
		t.Errorf("callback %v", cb)
	}
}

func TestLoginPageAntiForgery(t *testing.T) {
	e := newEnv(t)
	pid := synthPID(t, "1980-03-14", 100)
	id, csrf, _ := e.loginPage(authParams())
	jar, _ := cookiejar.New(nil)
	stranger := &http.Client{Jar: jar, CheckRedirect: e.browser.CheckRedirect}
	// A browser where an attacker planted a cookie of the right name
	// (cookie tossing) but cannot know its value.
	plantedJar, _ := cookiejar.New(nil)
	srvURL, _ := url.Parse(e.issuer)
	plantedJar.SetCookies(srvURL, []*http.Cookie{{Name: "idpmock_csrf_" + id[:16], Value: "attacker", Path: "/idporten-mock"}})
	planted := &http.Client{Jar: plantedJar, CheckRedirect: e.browser.CheckRedirect}
	tests := []struct {
		name   string
		client *http.Client
		form   url.Values
		want   int
	}{
		{"other browser (no cookie)", stranger, url.Values{"auth_id": {id}, "csrf": {csrf}, "pid": {pid}}, http.StatusForbidden},
		{"planted cookie", planted, url.Values{"auth_id": {id}, "csrf": {csrf}, "pid": {pid}}, http.StatusForbidden},
		{"wrong csrf field", e.browser, url.Values{"auth_id": {id}, "csrf": {"forged"}, "pid": {pid}}, http.StatusForbidden},
		{"unknown auth id", e.browser, url.Values{"auth_id": {"nope"}, "csrf": {csrf}, "pid": {pid}}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := e.postForm(tc.client, e.issuer+"/login", tc.form)
			if resp.StatusCode != tc.want || resp.Header.Get("Location") != "" {
				t.Errorf("status %d Location %q, want %d", resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
		})
	}
	// The rightful browser can still complete.
	resp, _ := e.postForm(e.browser, e.issuer+"/login", url.Values{"auth_id": {id}, "csrf": {csrf}, "pid": {pid}})
	location(t, resp, redirectURI)
}

// The login page asks for the persons on every request, so a mock that
// runs past midnight lists the day's synthetic numbers, not the start's.
func TestLoginPagePersonsFollowTheDay(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 14, 23, 59, 0, 0, time.UTC)}
	byDay := map[string]string{
		"2026-03-14": synthPID(t, "1980-03-14", 100),
		"2026-03-15": synthPID(t, "1980-03-15", 100),
	}
	mock, err := idportenmock.New(idportenmock.Config{
		Issuer:  "https://mock.example",
		Clients: []idportenmock.Client{{ID: clientID, Secret: clientSecret, RedirectURIs: []string{redirectURI}}},
		Persons: func(now time.Time) []idportenmock.Person {
			return []idportenmock.Person{{PID: byDay[now.Format(time.DateOnly)], Name: "Dagens person"}}
		},
		Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	page := func() string {
		rec := httptest.NewRecorder()
		mock.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/authorize?"+authParams().Encode(), nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("login page status %d: %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	if body := page(); !strings.Contains(body, byDay["2026-03-14"]) {
		t.Errorf("first day's page lacks the day's person:\n%s", body)
	}
	clk.Add(2 * time.Minute)
	body := page()
	if !strings.Contains(body, byDay["2026-03-15"]) || strings.Contains(body, byDay["2026-03-14"]) {
		t.Errorf("next day's page does not list the next day's person:\n%s", body)
	}
}
