package idportenmock

import "strings"

// methodNames are the login methods as ID-porten names them to people;
// the values on the left are the amr the ID token carries.
var methodNames = map[string]string{
	"TestID":    "TestID",
	"BankID":    "BankID",
	"Minid-PIN": "MinID",
}

// texts are the login page's texts in bokmål (default), nynorsk and
// English, picked by the request's ui_locales.
var texts = map[string]map[string]string{
	"nb": {
		"title":             "Logg inn – ID-porten (testmiljø)",
		"heading":           "Logg inn (testmiljø)",
		"intro":             "Dette er en etterligning av ID-porten for utvikling og testing. Bruk bare syntetiske testpersoner.",
		"level":             "Sikkerhetsnivå",
		"level_needed":      "Tjenesten krever høyt sikkerhetsnivå.",
		"substantial":       "Betydelig",
		"high":              "Høyt",
		"method":            "Innloggingsmetode",
		"by_number":         "Logg inn med fødselsnummer",
		"number_label":      "Fødselsnummer (11 siffer)",
		"login":             "Logg inn",
		"persons":           "Testpersoner",
		"cancel":            "Avbryt",
		"err_invalid":       "«%s» er ikke et gyldig fødselsnummer. Skriv inn 11 siffer med riktige kontrollsiffer.",
		"err_empty":         "Skriv inn et fødselsnummer eller velg en testperson.",
		"err_not_synthetic": "Testmiljøet godtar bare syntetiske fødselsnumre: måneden + 40 eller + 80 (og D-numre laget av slike). Velg en testperson eller skriv inn et syntetisk nummer.",
	},
	"nn": {
		"title":             "Logg inn – ID-porten (testmiljø)",
		"heading":           "Logg inn (testmiljø)",
		"intro":             "Dette er ei etterlikning av ID-porten for utvikling og testing. Bruk berre syntetiske testpersonar.",
		"level":             "Tryggleiksnivå",
		"level_needed":      "Tenesta krev høgt tryggleiksnivå.",
		"substantial":       "Betydeleg",
		"high":              "Høgt",
		"method":            "Innloggingsmetode",
		"by_number":         "Logg inn med fødselsnummer",
		"number_label":      "Fødselsnummer (11 siffer)",
		"login":             "Logg inn",
		"persons":           "Testpersonar",
		"cancel":            "Avbryt",
		"err_invalid":       "«%s» er ikkje eit gyldig fødselsnummer. Skriv inn 11 siffer med rette kontrollsiffer.",
		"err_empty":         "Skriv inn eit fødselsnummer eller vel ein testperson.",
		"err_not_synthetic": "Testmiljøet godtek berre syntetiske fødselsnummer: månaden + 40 eller + 80 (og D-nummer laga av slike). Vel ein testperson eller skriv inn eit syntetisk nummer.",
	},
	"en": {
		"title":             "Log in – ID-porten (test environment)",
		"heading":           "Log in (test environment)",
		"intro":             "This is an imitation of ID-porten for development and testing. Use synthetic test persons only.",
		"level":             "Level of assurance",
		"level_needed":      "The service requires a high level of assurance.",
		"substantial":       "Substantial",
		"high":              "High",
		"method":            "Login method",
		"by_number":         "Log in with a national identity number",
		"number_label":      "National identity number (fødselsnummer, 11 digits)",
		"login":             "Log in",
		"persons":           "Test persons",
		"cancel":            "Cancel",
		"err_invalid":       "“%s” is not a valid national identity number. Enter 11 digits with correct check digits.",
		"err_empty":         "Enter a national identity number or choose a test person.",
		"err_not_synthetic": "This test environment accepts only synthetic national identity numbers: month + 40 or + 80 (and D-numbers derived from them). Choose a test person or enter a synthetic number.",
	},
}

// text returns the text key in lang (bokmål when lang is unknown), with
// the first %s replaced by arg when given.
func text(lang, key string, arg ...string) string {
	m, ok := texts[lang]
	if !ok {
		m = texts["nb"]
	}
	s := m[key]
	if len(arg) > 0 {
		s = strings.Replace(s, "%s", arg[0], 1)
	}
	return s
}
