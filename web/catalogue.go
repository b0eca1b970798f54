package web

import "strings"

// Messages holds the page texts in bokmål (default), nynorsk and English.
var Messages = map[string]map[string]string{
	"nb": {
		"error_title":    "Noe gikk galt",
		"code":           "Feilkode",
		"advice":         "Gå tilbake til tjenesten du kom fra og prøv igjen. Hvis feilen vedvarer, kontakt tjenesten.",
		"bad_redirect":   "Tjenesten ba om å sende deg til en adresse den ikke har registrert. Av sikkerhetshensyn stopper vi her.",
		"unknown_client": "Tjenesten som sendte deg hit er ukjent.",
		"bad_request":    "Forespørselen fra tjenesten var ugyldig.",
		"login_expired":  "Innloggingen tok for lang tid eller ble startet i en annen nettleser. Start på nytt fra tjenesten.",
		"server_error":   "En feil oppstod hos oss. Prøv igjen om litt.",
		"too_many":       "Det kom for mange forespørsler på kort tid. Vent litt og prøv igjen.",
		"choice_gone":    "Du kan ikke lenger bruke tjenesten på vegne av personen du valgte. Start på nytt fra tjenesten.",
		"logout_title":   "Logg ut",
		"logout_confirm": "Vil du logge ut?",
		"logged_out":     "Du er logget ut.",
		"logout":         "Logg ut",
		"cancel":         "Avbryt",
	},
	"nn": {
		"error_title":    "Noko gjekk gale",
		"code":           "Feilkode",
		"advice":         "Gå tilbake til tenesta du kom frå og prøv igjen. Om feilen held fram, kontakt tenesta.",
		"bad_redirect":   "Tenesta bad om å sende deg til ei adresse ho ikkje har registrert. Av omsyn til tryggleiken stoppar vi her.",
		"unknown_client": "Tenesta som sende deg hit er ukjend.",
		"bad_request":    "Førespurnaden frå tenesta var ugyldig.",
		"login_expired":  "Innlogginga tok for lang tid eller vart starta i ein annan nettlesar. Start på nytt frå tenesta.",
		"server_error":   "Det oppstod ein feil hos oss. Prøv igjen om litt.",
		"too_many":       "Det kom for mange førespurnader på kort tid. Vent litt og prøv igjen.",
		"choice_gone":    "Du kan ikkje lenger bruke tenesta på vegner av personen du valde. Start på nytt frå tenesta.",
		"logout_title":   "Logg ut",
		"logout_confirm": "Vil du logge ut?",
		"logged_out":     "Du er logga ut.",
		"logout":         "Logg ut",
		"cancel":         "Avbryt",
	},
	"en": {
		"error_title":    "Something went wrong",
		"code":           "Error code",
		"advice":         "Go back to the service you came from and try again. If the problem persists, contact the service.",
		"bad_redirect":   "The service asked us to send you to an address it has not registered. For your security we stop here.",
		"unknown_client": "The service that sent you here is unknown.",
		"bad_request":    "The request from the service was invalid.",
		"login_expired":  "The login took too long or was started in another browser. Start again from the service.",
		"server_error":   "An error occurred on our side. Please try again shortly.",
		"too_many":       "There were too many requests in a short time. Please wait a moment and try again.",
		"choice_gone":    "You can no longer use the service on behalf of the person you chose. Start again from the service.",
		"logout_title":   "Log out",
		"logout_confirm": "Do you want to log out?",
		"logged_out":     "You are logged out.",
		"logout":         "Log out",
		"cancel":         "Cancel",
	},
}

// PageTexts are the texts of the error and not-found pages beyond those
// in Messages.
var PageTexts = map[string]map[string]string{
	"nb": {
		"detail_en":       "teknisk beskrivelse på engelsk",
		"not_found_title": "Siden finnes ikke",
		"not_found":       "Adressen finnes ikke hos oss. Kanskje lenken er gammel eller skrevet feil.",
		"no_method":       "Denne adressen kan ikke åpnes slik, for eksempel ved å skrive den inn i nettleseren.",
		"to_start":        "Til forsiden",
		"to_tenant":       "Til oversikten over %s",
	},
	"nn": {
		"detail_en":       "teknisk skildring på engelsk",
		"not_found_title": "Sida finst ikkje",
		"not_found":       "Adressa finst ikkje hos oss. Kanskje lenkja er gammal eller skriven feil.",
		"no_method":       "Denne adressa kan ikkje opnast slik, til dømes ved å skrive ho inn i nettlesaren.",
		"to_start":        "Til framsida",
		"to_tenant":       "Til oversikta over %s",
	},
	"en": {
		"detail_en":       "",
		"not_found_title": "Page not found",
		"not_found":       "This address does not exist here. The link may be old or mistyped.",
		"no_method":       "This address cannot be opened like this, for example by typing it into the browser.",
		"to_start":        "To the start page",
		"to_tenant":       "To the overview of %s",
	},
}

// ChooserTexts are the chooser page's texts (nb default, nn, en).
var ChooserTexts = map[string]map[string]string{
	"nb": {
		"title":                      "Hvem vil du bruke tjenesten på vegne av?",
		"intro":                      "Du er logget inn som %s. Velg hvem du vil bruke %s for.",
		"self":                       "Meg selv",
		"years":                      "år",
		"limited":                    "begrenset innsyn",
		"limited_why":                "Barn fra 12 til og med 15 år bestemmer selv over en del av sine helseopplysninger.",
		"parent":                     "foreldreansvar",
		"power_of_attorney":          "fullmakt",
		"assigned_power_of_attorney": "tildelt fullmakt",
		"valid_until":                "gjelder til",
		"areas":                      "tjenesteområder",
		"continue":                   "Fortsett",
		"cancel":                     "Avbryt",
		"legend":                     "Velg person",
	},
	"nn": {
		"title":                      "Kven vil du bruke tenesta på vegner av?",
		"intro":                      "Du er logga inn som %s. Vel kven du vil bruke %s for.",
		"self":                       "Meg sjølv",
		"years":                      "år",
		"limited":                    "avgrensa innsyn",
		"limited_why":                "Barn frå 12 til og med 15 år bestemmer sjølve over ein del av helseopplysningane sine.",
		"parent":                     "foreldreansvar",
		"power_of_attorney":          "fullmakt",
		"assigned_power_of_attorney": "tildelt fullmakt",
		"valid_until":                "gjeld til",
		"areas":                      "tenesteområde",
		"continue":                   "Hald fram",
		"cancel":                     "Avbryt",
		"legend":                     "Vel person",
	},
	"en": {
		"title":                      "On whose behalf do you want to use the service?",
		"intro":                      "You are logged in as %s. Choose whom you will use %s for.",
		"self":                       "Myself",
		"years":                      "years old",
		"limited":                    "limited access",
		"limited_why":                "Children aged 12 to 15 decide for themselves about some of their health information.",
		"parent":                     "parental responsibility",
		"power_of_attorney":          "power of attorney",
		"assigned_power_of_attorney": "assigned power of attorney",
		"valid_until":                "valid until",
		"areas":                      "service areas",
		"continue":                   "Continue",
		"cancel":                     "Cancel",
		"legend":                     "Choose a person",
	},
}

// ConsentTexts are the consent page's texts (nb default, nn, en).
// "intro" takes the tool's name; "intro_for" the tool's and the
// represented person's; "cannot_poa" the represented person's.
var ConsentTexts = map[string]map[string]string{
	"nb": {
		"title":          "Gi tillatelse",
		"title_cannot":   "Du kan ikke gi denne tillatelsen",
		"intro":          "%s ber om tillatelse til å bruke helseopplysninger om deg.",
		"intro_for":      "%s ber om tillatelse til å bruke helseopplysninger om %s.",
		"tool":           "Tjeneste",
		"vendor":         "Leverandør",
		"on_behalf":      "Tillatelsen gis på vegne av",
		"scopes_heading": "Tjenesten vil få tilgang til",
		"policy":         "Les personvernerklæringen til tjenesten",
		"no_policy":      "Tjenesten har ikke oppgitt noen personvernerklæring.",
		"revoke_info":    "Du kan når som helst trekke tillatelsen tilbake.",
		"allow":          "Gi tillatelse",
		"deny":           "Ikke gi tillatelse",
		"back":           "Tilbake til tjenesten",
		"cannot_poa":     "Du har en ordinær fullmakt fra %s. En ordinær fullmakt gir ikke rett til å gi samtykke på vegne av den som ga fullmakten, så du kan ikke gi denne tillatelsen. Be %s om å gi tillatelsen selv.",
	},
	"nn": {
		"title":          "Gi løyve",
		"title_cannot":   "Du kan ikkje gi dette løyvet",
		"intro":          "%s ber om løyve til å bruke helseopplysningar om deg.",
		"intro_for":      "%s ber om løyve til å bruke helseopplysningar om %s.",
		"tool":           "Teneste",
		"vendor":         "Leverandør",
		"on_behalf":      "Løyvet blir gitt på vegner av",
		"scopes_heading": "Tenesta vil få tilgang til",
		"policy":         "Les personvernerklæringa til tenesta",
		"no_policy":      "Tenesta har ikkje oppgitt noka personvernerklæring.",
		"revoke_info":    "Du kan når som helst trekkje løyvet tilbake.",
		"allow":          "Gi løyve",
		"deny":           "Ikkje gi løyve",
		"back":           "Tilbake til tenesta",
		"cannot_poa":     "Du har ei ordinær fullmakt frå %s. Ei ordinær fullmakt gir ikkje rett til å gi samtykke på vegner av den som gav fullmakta, så du kan ikkje gi dette løyvet. Be %s om å gi løyvet sjølv.",
	},
	"en": {
		"title":          "Give permission",
		"title_cannot":   "You cannot give this permission",
		"intro":          "%s asks for permission to use health information about you.",
		"intro_for":      "%s asks for permission to use health information about %s.",
		"tool":           "Service",
		"vendor":         "Vendor",
		"on_behalf":      "The permission is given on behalf of",
		"scopes_heading": "The service will get access to",
		"policy":         "Read the service's privacy policy",
		"no_policy":      "The service has not given a privacy policy.",
		"revoke_info":    "You can withdraw the permission at any time.",
		"allow":          "Allow",
		"deny":           "Do not allow",
		"back":           "Back to the service",
		"cannot_poa":     "You hold an ordinary power of attorney from %s. An ordinary power of attorney does not give the right to consent on behalf of the person who gave it, so you cannot give this permission. Ask %s to give it themselves.",
	},
}

// serviceAreaNames are the page's names of the service areas
// (tjenesteområder) a power of attorney may cover. The registry holds
// codes; a code not listed here is shown as it is.
var serviceAreaNames = map[string]map[string]string{
	"nb": {
		"appointments":   "timeavtaler",
		"messages":       "meldinger",
		"prescriptions":  "resepter",
		"health_records": "journal",
		"test_results":   "prøvesvar",
		"vaccinations":   "vaksiner",
	},
	"nn": {
		"appointments":   "timeavtalar",
		"messages":       "meldingar",
		"prescriptions":  "reseptar",
		"health_records": "journal",
		"test_results":   "prøvesvar",
		"vaccinations":   "vaksinar",
	},
	"en": {
		"appointments":   "appointments",
		"messages":       "messages",
		"prescriptions":  "prescriptions",
		"health_records": "health records",
		"test_results":   "test results",
		"vaccinations":   "vaccinations",
	},
}

// ServiceAreas names areas in lang, in the order given.
func ServiceAreas(lang string, areas []string) string {
	names := make([]string, len(areas))
	for i, a := range areas {
		names[i] = a
		if n, ok := serviceAreaNames[lang][a]; ok {
			names[i] = n
		}
	}
	return strings.Join(names, ", ")
}

// LogoutOtherMessage is the question when the client's hint names another
// login than the one in this browser.
var LogoutOtherMessage = map[string]string{
	"nb": "Tjenesten ba om å logge ut en annen innlogging enn den som er aktiv i denne nettleseren. Vil du logge ut likevel?",
	"nn": "Tenesta bad om å logge ut ei anna innlogging enn den som er aktiv i denne nettlesaren. Vil du logge ut likevel?",
	"en": "The service asked to log out a different login than the one active in this browser. Do you want to log out anyway?",
}
