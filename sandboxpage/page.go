package sandboxpage

import (
	_ "embed"
	"net/http"
	"net/url"
	"time"

	"github.com/oidcp/oidcp/population"
	popPage "github.com/oidcp/oidcp/population/page"
	"github.com/oidcp/oidcp/uilang"
)

//go:embed page.html
var pageHTML string

var tmpl = popPage.ParseScaffolded("page", pageHTML)

// Config is what the page shows.
type Config struct {
	// Issuer is the sandbox tenant's issuer URL.
	Issuer string
	// DisplayName is the tenant's name on pages.
	DisplayName string
	// MockIssuer is the ID-porten mock's issuer, "" when the tenant has
	// another upstream.
	MockIssuer string
	// Registration tells whether the tenant serves self-service
	// registration (RFC 7591).
	Registration bool
	// AccountURL is the tenant's account pages ("Bruk og tilganger"),
	// "" when it has none.
	AccountURL string
	// Now is the clock: the population's numbers follow the date.
	Now func() time.Time
}

type endpoint struct{ Name, URL string }

type caseRow struct {
	Holder, HolderPID, Kind, KindCode, Subject, SubjectPID string
	Decision, Demonstrates, TryURL                         string
	Allowed                                                bool
}

type personRow struct{ Name, PID, Age, Role string }

type view struct {
	Lang, Issuer, Title string
	T                   texts
	Langs               []popPage.LangLink
	Endpoints           []endpoint
	Registration        bool
	AccountURL          string
	Persons             []personRow
	Cases               []caseRow
	Example             string // a headless login URL to copy
}

// Handler serves the start page.
func Handler(cfg Config) http.Handler {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := uilang.Pick(r, r.URL.Query().Get("lang"))
		popPage.WriteHTML(w, tmpl, build(cfg, lang), lang, "Accept-Language")
	})
}

func build(cfg Config, lang string) view {
	t := languages[lang]
	iss := cfg.Issuer
	v := view{Lang: lang, Issuer: iss, T: t, Registration: cfg.Registration, AccountURL: cfg.AccountURL, Title: t.Title + " – " + cfg.DisplayName, Langs: popPage.LangLinks(lang)}
	v.Endpoints = []endpoint{
		{t.EPDiscovery, iss + "/.well-known/openid-configuration"},
		{t.EPAuthorize, iss + "/authorize"},
		{t.EPPAR, iss + "/par"},
		{t.EPToken, iss + "/token"},
		{t.EPUserinfo, iss + "/userinfo"},
		{t.EPJWKS, iss + "/jwks"},
		{t.EPLogout, iss + "/logout"},
	}
	if cfg.Registration {
		v.Endpoints = append(v.Endpoints,
			endpoint{t.EPRegister, iss + "/register"},
			endpoint{t.EPVendorClients, iss + "/vendor/clients"},
			endpoint{t.EPReset, iss + "/vendor/reset"})
	}
	v.Endpoints = append(v.Endpoints, endpoint{t.EPPopulation, iss + "/population?lang=" + lang})
	if cfg.MockIssuer != "" {
		v.Endpoints = append(v.Endpoints, endpoint{t.EPMock, cfg.MockIssuer})
	}

	now := cfg.Now()
	pop := population.Generate(now)
	words, kinds := popPage.Vocabulary(lang)
	persons, relations := pop.Rows(words, now)
	for _, p := range persons {
		v.Persons = append(v.Persons, personRow{Name: p.Name, PID: p.PID, Age: p.Age, Role: p.Role})
	}
	for _, r := range relations {
		rel := r.Case.Relation
		row := caseRow{
			Holder: r.Holder, HolderPID: rel.Holder, Kind: kinds[rel.Kind], KindCode: string(rel.Kind),
			Subject: r.Subject, SubjectPID: rel.Subject, Decision: r.Outcome, Demonstrates: r.Case.Demonstrates,
			Allowed: r.Decision.Allowed,
		}
		row.TryURL = "login_hint=testid:" + rel.Holder + "&testid_acting_for=" + rel.Subject
		v.Cases = append(v.Cases, row)
	}
	if kari, ok := pop.Lookup(population.KeyKari); ok {
		q := url.Values{"response_type": {"code"}, "client_id": {"CLIENT_ID"}, "redirect_uri": {"REDIRECT_URI"},
			"scope": {"openid profile pid"}, "state": {"STATE"}, "nonce": {"NONCE"},
			"code_challenge": {"CHALLENGE"}, "code_challenge_method": {"S256"}, "login_hint": {"testid:" + kari.PID}}
		v.Example = iss + "/authorize?" + q.Encode()
	}
	return v
}
