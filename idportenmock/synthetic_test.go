package idportenmock_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/idportenmock"
)

// Valid numbers that are not synthetic: people born in 1854 (individual
// number 500–749), so nobody living. The mock must treat them as it
// would a real person's number.
const (
	realFormPID     = "01015450068"
	realFormDNumber = "41015450051"
	// syntheticDNumber is the D-number (day + 40) of a synthetic number
	// (January + 80, 1980).
	syntheticDNumber = "41818001140"
)

// TestMockRefusesNonSyntheticNumbers: the page says to use synthetic test
// persons only, and the mock enforces it, on the page and in the testid:
// hint, with an error in the page's language that does not repeat the
// number; synthetic numbers and D-numbers derived from them still log in.
func TestMockRefusesNonSyntheticNumbers(t *testing.T) {
	e := newEnv(t)
	t.Run("page", func(t *testing.T) {
		for _, tc := range []struct{ locale, want string }{
			{"", "bare syntetiske fødselsnumre"},
			{"nn", "berre syntetiske fødselsnummer"},
			{"en", "only synthetic national identity numbers"},
		} {
			for _, pid := range []string{realFormPID, realFormDNumber} {
				id, csrf, _ := e.loginPage(authParams("ui_locales", tc.locale))
				for _, f := range []url.Values{
					{"auth_id": {id}, "csrf": {csrf}, "action": {"manual"}, "pid_manual": {pid}},
					{"auth_id": {id}, "csrf": {csrf}, "pid": {pid}}, // a forged person button
				} {
					resp, body := e.postForm(e.browser, e.issuer+"/login", f)
					if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
						t.Fatalf("%s (%q): status %d Location %q", pid, tc.locale, resp.StatusCode, resp.Header.Get("Location"))
					}
					if !strings.Contains(body, tc.want) || !strings.Contains(html.UnescapeString(body), "+ 40") || !strings.Contains(body, `role="alert"`) {
						t.Errorf("%q: error not shown in the page's language: %s", tc.locale, body)
					}
					if strings.Contains(body, "«"+pid) {
						t.Errorf("the error repeats the number")
					}
				}
				// The pending login survives the error.
				resp, _ := e.postForm(e.browser, e.issuer+"/login", url.Values{"auth_id": {id}, "csrf": {csrf}, "action": {"manual"}, "pid_manual": {syntheticDNumber}})
				location(t, resp, redirectURI)
			}
		}
	})
	t.Run("testid hint", func(t *testing.T) {
		for _, pid := range []string{realFormPID, realFormDNumber, realFormPID + "_idporten-loa-high"} {
			q := authParams("login_hint", "testid:"+pid)
			resp, _ := e.get(e.issuer + "/authorize?" + q.Encode())
			cb := location(t, resp, redirectURI)
			if cb.Get("error") != "invalid_request" || !strings.Contains(cb.Get("error_description"), "not a synthetic") ||
				cb.Get("code") != "" || strings.Contains(cb.Get("error_description"), realFormPID) {
				t.Errorf("testid:%s: %v", pid, cb)
			}
		}
		cb := e.headlessCode(syntheticDNumber)
		_, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
		if c := e.verifyIDToken(tok["id_token"].(string)); c["pid"] != syntheticDNumber {
			t.Errorf("synthetic D-number: claims %v", c)
		}
	})
}

// With the dev-only AllowNonSynthetic, any valid number logs in.
func TestMockAllowNonSynthetic(t *testing.T) {
	e := newEnvWith(t, func(c *idportenmock.Config) { c.AllowNonSynthetic = true })
	cb := e.headlessCode(realFormPID)
	_, tok := e.tokenRequest(clientID, clientSecret, codeForm(cb.Get("code")))
	if c := e.verifyIDToken(tok["id_token"].(string)); c["pid"] != realFormPID {
		t.Errorf("claims %v", c)
	}
	id, csrf, _ := e.loginPage(authParams())
	resp, _ := e.postForm(e.browser, e.issuer+"/login", url.Values{"auth_id": {id}, "csrf": {csrf}, "action": {"manual"}, "pid_manual": {realFormDNumber}})
	location(t, resp, redirectURI)
}

// The page lists only synthetic persons: New refuses any other.
func TestMockRefusesNonSyntheticPersons(t *testing.T) {
	_, err := idportenmock.New(idportenmock.Config{
		Issuer: "https://mock.example",
		Persons: func(time.Time) []idportenmock.Person {
			return []idportenmock.Person{{PID: realFormPID, Name: "Ola Ekte"}}
		},
	})
	if err == nil || !strings.Contains(err.Error(), "not synthetic") || strings.Contains(err.Error(), realFormPID) {
		t.Fatalf("New with a non-synthetic person: %v", err)
	}
}
