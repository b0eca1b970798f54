package page

import (
	"net/http"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/uilang"
)

// texts are one language's strings. The role and "demonstrates" texts
// come from the population in English and are marked lang="en".
type texts struct {
	Title, Intro, LoginHint, EnglishNote                        string
	Persons, PersonsCaption                                     string
	ColName, ColPID, ColBorn, ColAge, ColRelations, ColNotes    string
	Relations, RelationsCaption                                 string
	ColHolder, ColKind, ColFor, ColValid, ColAreas, ColDecision string
	ColDemonstrates                                             string
	Language                                                    string
	Kind                                                        map[representation.RelationKind]string
	// Words fill the cells; population.Rows computes them.
	population.Words
}

var languages = map[string]texts{
	"nb": {
		Title: "Syntetisk testpopulasjon",
		Intro: "Generert for %s (Europe/Oslo). Alle fødselsnumre er syntetiske (måned + 80), og alle navn er oppdiktet. " +
			"Fødselsdatoene følger kalenderen, så hvert tilfelle under gjelder hver dag: de fleste numrene er de samme hele måneden, " +
			"men barna som har bursdag i dag, får nye numre hver dag. Slå dem opp her i stedet for å kode dem fast.",
		LoginHint:      "Logg inn uten nettleser ved å sende login_hint=testid:<fødselsnummer> til ID-porten-mocken.",
		EnglishNote:    "Beskrivelsene av personene og tilfellene er på engelsk.",
		Persons:        "Personer",
		PersonsCaption: "Syntetiske personer, alder i dag og relasjoner",
		ColName:        "Navn", ColPID: "Fødselsnummer", ColBorn: "Født", ColAge: "Alder i dag", ColRelations: "Relasjoner", ColNotes: "Rolle",
		Relations:        "Relasjoner og avgjørelsen i dag",
		RelationsCaption: "Hvem som kan representere hvem, og hva reglene sier i dag",
		ColHolder:        "Innehaver", ColKind: "Relasjon", ColFor: "For", ColValid: "Gyldig", ColAreas: "Tjenesteområder",
		ColDecision: "Avgjørelse i dag", ColDemonstrates: "Viser",
		Language: "Språk",
		Kind: map[representation.RelationKind]string{
			representation.Parent: "forelder", representation.PowerOfAttorney: "ordinær fullmakt",
			representation.AssignedPowerOfAttorney: "tildelt fullmakt",
		},
		Words: population.Words{
			Allowed: "tillatt", Limited: "begrenset", NoConsent: "kan ikke samtykke", Until: "til", Denied: "avslått",
			Open: "åpen", Withdrawn: "(trukket tilbake)", None: "ingen",
			Confidential: "Fortrolig adresse.", LacksCapacity: "Mangler samtykkekompetanse.",
			HolderOf: map[representation.RelationKind]string{
				representation.Parent: "forelder til", representation.PowerOfAttorney: "fullmakt fra",
				representation.AssignedPowerOfAttorney: "tildelt fullmakt for",
			},
			SubjectOf: map[representation.RelationKind]string{
				representation.Parent: "barn av", representation.PowerOfAttorney: "ga fullmakt til",
				representation.AssignedPowerOfAttorney: "representert (tildelt fullmakt) av",
			},
			Reasons: map[representation.Reason]string{
				representation.ReasonChild16OrOlder: "barnet er 16 år eller eldre", representation.ReasonWithdrawn: "trukket tilbake",
				representation.ReasonExpired: "utløpt", representation.ReasonConfidentialAddress: "fortrolig adresse",
			},
		},
	},
	"nn": {
		Title: "Syntetisk testpopulasjon",
		Intro: "Generert for %s (Europe/Oslo). Alle fødselsnummer er syntetiske (månad + 80), og alle namn er oppdikta. " +
			"Fødselsdatoane følgjer kalenderen, så kvart tilfelle under gjeld kvar dag: dei fleste nummera er dei same heile månaden, " +
			"men borna som har bursdag i dag, får nye nummer kvar dag. Slå dei opp her i staden for å kode dei fast.",
		LoginHint:      "Logg inn utan nettlesar ved å sende login_hint=testid:<fødselsnummer> til ID-porten-mocken.",
		EnglishNote:    "Skildringane av personane og tilfella er på engelsk.",
		Persons:        "Personar",
		PersonsCaption: "Syntetiske personar, alder i dag og relasjonar",
		ColName:        "Namn", ColPID: "Fødselsnummer", ColBorn: "Fødd", ColAge: "Alder i dag", ColRelations: "Relasjonar", ColNotes: "Rolle",
		Relations:        "Relasjonar og avgjerda i dag",
		RelationsCaption: "Kven som kan representere kven, og kva reglane seier i dag",
		ColHolder:        "Innehavar", ColKind: "Relasjon", ColFor: "For", ColValid: "Gyldig", ColAreas: "Tenesteområde",
		ColDecision: "Avgjerd i dag", ColDemonstrates: "Viser",
		Language: "Språk",
		Kind: map[representation.RelationKind]string{
			representation.Parent: "forelder", representation.PowerOfAttorney: "ordinær fullmakt",
			representation.AssignedPowerOfAttorney: "tildelt fullmakt",
		},
		Words: population.Words{
			Allowed: "tillate", Limited: "avgrensa", NoConsent: "kan ikkje samtykkje", Until: "til", Denied: "avslått",
			Open: "open", Withdrawn: "(trekt tilbake)", None: "ingen",
			Confidential: "Fortruleg adresse.", LacksCapacity: "Manglar samtykkekompetanse.",
			HolderOf: map[representation.RelationKind]string{
				representation.Parent: "forelder til", representation.PowerOfAttorney: "fullmakt frå",
				representation.AssignedPowerOfAttorney: "tildelt fullmakt for",
			},
			SubjectOf: map[representation.RelationKind]string{
				representation.Parent: "barn av", representation.PowerOfAttorney: "gav fullmakt til",
				representation.AssignedPowerOfAttorney: "representert (tildelt fullmakt) av",
			},
			Reasons: map[representation.Reason]string{
				representation.ReasonChild16OrOlder: "barnet er 16 år eller eldre", representation.ReasonWithdrawn: "trekt tilbake",
				representation.ReasonExpired: "utløpt", representation.ReasonConfidentialAddress: "fortruleg adresse",
			},
		},
	},
	"en": {
		Title: "Synthetic test population",
		Intro: "Generated for %s (Europe/Oslo). Every fødselsnummer is synthetic (month + 80) and every name is invented. " +
			"Birth dates follow the calendar, so each case below holds on any day: most numbers stay the same for a whole month, " +
			"but the children whose birthday is today get new numbers every day. Look them up here rather than hard-coding them.",
		LoginHint:      "Log in without a browser by sending login_hint=testid:<fødselsnummer> to the ID-porten mock.",
		Persons:        "Persons",
		PersonsCaption: "Synthetic persons, their age today and their relations",
		ColName:        "Name", ColPID: "Fødselsnummer", ColBorn: "Born", ColAge: "Age today", ColRelations: "Relations", ColNotes: "Role",
		Relations:        "Relations and today's decision",
		RelationsCaption: "Who may represent whom, and what the rules decide today",
		ColHolder:        "Holder", ColKind: "Relation", ColFor: "For", ColValid: "Valid", ColAreas: "Service areas",
		ColDecision: "Decision today", ColDemonstrates: "Demonstrates",
		Language: "Language",
		Kind: map[representation.RelationKind]string{
			representation.Parent: "parent", representation.PowerOfAttorney: "power of attorney",
			representation.AssignedPowerOfAttorney: "assigned power of attorney",
		},
		Words: population.English,
	},
}

// pickLang takes ?lang= first, then Accept-Language; bokmål by default.
func pickLang(r *http.Request) string {
	return uilang.Pick(r, r.URL.Query().Get("lang"))
}

// Vocabulary returns a language's words for the population's cells and
// its names of the relation kinds (nb, nn or en; others give nb), for
// other pages that show the population, such as the sandbox start page.
func Vocabulary(lang string) (population.Words, map[representation.RelationKind]string) {
	t, ok := languages[lang]
	if !ok {
		t = languages["nb"]
	}
	return t.Words, t.Kind
}
