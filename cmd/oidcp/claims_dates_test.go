package main

import (
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// TestDateClaimsInOsloTime: every date-valued claim (the person's own
// birthdate, from the registry and from the fødselsnummer, and the
// represented person's birthdate) is the Oslo calendar date, in the ID
// token and in userinfo, for birth dates at UTC+1 (winter) and UTC+2
// (summer). The registry keeps the start of the birth date, 00:00 Oslo,
// which is 22:00 or 23:00 UTC the day before.
func TestDateClaimsInOsloTime(t *testing.T) {
	cases := []struct {
		name string
		// today places the population's birth dates: Kari is born 120
		// days and Ingrid 60 days before the first of today's month. It
		// lies in the past: fosite stamps ID token expiry by the wall
		// clock, which go-oidc checks against the server's clock.
		today         time.Time
		kari, ingrid  string
		unregistered  time.Time
		unregisteredS string
	}{
		{"winter UTC+1", time.Date(2026, 4, 15, 12, 0, 0, 0, representation.Oslo), "1980-12-02", "2012-02-01",
			time.Date(1990, 1, 15, 0, 0, 0, 0, representation.Oslo), "1990-01-15"},
		{"summer UTC+2", time.Date(2025, 11, 15, 12, 0, 0, 0, representation.Oslo), "1980-07-04", "2011-09-02",
			time.Date(1990, 7, 15, 0, 0, 0, 0, representation.Oslo), "1990-07-15"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startRepServer(t, c.today)
			tool := s.client(t, "sandbox", "dates-tool", "--accept-relation", "parent")
			kari := s.pid(t, population.KeyKari)
			ingrid := s.pid(t, population.KeyIngrid)
			b := newBrowser()

			check := func(what string, claims map[string]any, want string) {
				t.Helper()
				if claims["birthdate"] != want {
					t.Errorf("%s birthdate = %v, want %s", what, claims["birthdate"], want)
				}
			}

			// Kari for herself: her birth date from the registry.
			_, verifier, ch := b.authorize(t, tool, kari)
			if ch == nil {
				t.Fatal("no chooser for Kari")
			}
			code, _, _ := b.choose(t, tool, ch, choiceSelfValue)
			tok, idt := tool.tokens(t, code, verifier)
			check("ID token", idt, c.kari)
			check("userinfo", tool.userinfoGet(t, tok.AccessToken), c.kari)

			// Kari for Ingrid: the represented person's birth date.
			_, verifier, ch = b.authorize(t, tool, kari, oauth2.SetAuthURLParam("prompt", "select_account"))
			code, _, _ = b.choose(t, tool, ch, ingrid)
			tok, idt = tool.tokens(t, code, verifier)
			rp, _ := repClaim(t, idt)["represented"].(map[string]any)
			check("ID token representation.represented", rp, c.ingrid)
			ui := tool.userinfoGet(t, tok.AccessToken)
			rp, _ = repClaim(t, ui)["represented"].(map[string]any)
			check("userinfo representation.represented", rp, c.ingrid)

			// A person outside the registry: the date in the fødselsnummer.
			other := syntheticPID(t, c.unregistered, 21)
			code, verifier, _ = newBrowser().authorize(t, tool, other)
			tok, idt = tool.tokens(t, code, verifier)
			check("ID token (from the fødselsnummer)", idt, c.unregisteredS)
			check("userinfo (from the fødselsnummer)", tool.userinfoGet(t, tok.AccessToken), c.unregisteredS)
		})
	}
}
