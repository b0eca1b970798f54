package provider

import (
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/clients"
	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// TestChooserOwnClient: for one of oidcp's own pages (the account
// pages) the chooser calls the client by the page's title in the page's
// language and words the question for it, instead of "Velg hvem du vil
// bruke <registered name> for".
func TestChooserOwnClient(t *testing.T) {
	own := OwnClient{
		ChooserIntro: map[string]string{"nb": "Du er logget inn som %s. Velg hvem du vil se bruk og tilganger for.", "nn": "Du er logga inn som %s. Vel kven du vil sjå bruk og tilgangar for.", "en": "You are logged in as %s. Choose whose use and access you want to see."},
	}
	h := newHarnessOn(t, openSQLite(t), nil, func(c *Config) { c.OwnClients = map[string]OwnClient{"pages": own} })
	for _, id := range []string{"pages", "family"} {
		h.client(id, func(r *clients.Registration) { r.Name = "Bruk og tilganger"; r.AcceptedRelations = []string{"parent"} })
	}
	h.client("diary", func(r *clients.Registration) {
		r.Name, r.AcceptedRelations = "Helsedagboka", []string{"parent"}
		r.Names = map[string]string{"nn": "Dagbok for helsa", "en": "Health diary"}
	})
	kari := h.pid(population.KeyKari)
	for _, c := range []struct{ client, lang, want, not string }{
		{"pages", "nn", "Vel kven du vil sjå bruk og tilgangar for.", "Bruk og tilganger"},
		{"pages", "en", "Choose whose use and access you want to see.", "Bruk og tilganger"},
		{"pages", "nb", "Velg hvem du vil se bruk og tilganger for.", "bruke Bruk og tilganger"},
		// Any other client is named as registered.
		{"family", "en", "Choose whom you will use Bruk og tilganger for.", "use and access"},
		// A client with names per language is called by the page's.
		{"diary", "en", "Choose whom you will use Health diary for.", "Helsedagboka"},
		{"diary", "nn", "Vel kven du vil bruke Dagbok for helsa for.", "Helsedagboka"},
	} {
		v := authParams(c.client, kari)
		v.Set("ui_locales", c.lang)
		body := h.browser().authorize(v).body
		if !strings.Contains(body, c.want) || strings.Contains(body, c.not) {
			t.Errorf("%s %s: want %q, not %q:\n%.2000s", c.client, c.lang, c.want, c.not, body)
		}
	}
}

// TestChooserValidUntilInLanguage: a power of attorney's end date reads
// as people write it in the page's language: "31.10.2029" in bokmål and
// nynorsk, "31 October 2029" in English.
func TestChooserValidUntilInLanguage(t *testing.T) {
	until := time.Date(2029, 10, 31, 0, 0, 0, 0, representation.Oslo)
	choices := []representation.Choice{{
		Subject:  representation.Person{PID: "x", GivenName: "Astrid", FamilyName: "Nordmann"},
		Relation: representation.Relation{Kind: representation.PowerOfAttorney},
		Decision: representation.Decision{ValidUntil: until},
	}}
	for lang, want := range map[string]string{"nb": "gjelder til 31.10.2029", "nn": "gjeld til 31.10.2029", "en": "valid until 31 October 2029"} {
		v := chooserView(lang, &tenant{issuer: "https://op.example/main"}, storage.Client{ID: "tool"}, nil, representation.Person{GivenName: "Kari"}, choices, "f", "c", until.AddDate(-1, 0, 0), "")
		if len(v.Options) != 2 || !strings.Contains(v.Options[1].Detail, want) {
			t.Errorf("%s: %+v, want %q", lang, v.Options, want)
		}
	}
}
