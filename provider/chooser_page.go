package provider

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

// chooserMessages are the chooser page's texts (nb default, nn, en).
var chooserMessages = map[string]map[string]string{
	"nb": {
		"title":                      "Hvem vil du bruke tjenesten på vegne av?",
		"intro":                      "Du er logget inn som %s. Velg hvem du vil bruke %s for.",
		"self":                       "Meg selv",
		"years":                      "år",
		"limited":                    "begrenset innsyn",
		"limited_why":                "Barn mellom 12 og 16 år bestemmer selv over en del av sine helseopplysninger.",
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
		"limited_why":                "Born mellom 12 og 16 år bestemmer sjølve over ein del av helseopplysningane sine.",
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
		"limited_why":                "Children aged 12 to 15 decide themselves over part of their health information.",
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

// serviceAreas names areas in lang, in the order given.
func serviceAreas(lang string, areas []string) string {
	names := make([]string, len(areas))
	for i, a := range areas {
		names[i] = a
		if n, ok := serviceAreaNames[lang][a]; ok {
			names[i] = n
		}
	}
	return strings.Join(names, ", ")
}

// chooserOption is one radio button.
type chooserOption struct {
	Value, Label, Detail string
	Limited              bool
	Checked              bool
}

type chooserPage struct {
	Lang, Title, Intro string
	Action             string
	Flow, CSRF         string
	Options            []chooserOption
	Error              string
	T                  map[string]string
}

func chooserView(lang string, t *tenant, c storage.Client, holder representation.Person, choices []representation.Choice, flowID, csrf string, now time.Time, errMsg string) chooserPage {
	m := chooserMessages[lang]
	tool := c.Name
	if tool == "" {
		tool = c.ID
	}
	holderName := strings.TrimSpace(holder.GivenName + " " + holder.FamilyName)
	if holderName == "" {
		holderName = m["self"]
	}
	v := chooserPage{
		Lang: lang, Title: m["title"], Action: t.issuer + "/choose", Flow: flowID, CSRF: csrf, Error: errMsg, T: m,
		Intro: strings.Replace(strings.Replace(m["intro"], "%s", holderName, 1), "%s", tool, 1),
	}
	v.Options = append(v.Options, chooserOption{Value: choiceSelf, Label: m["self"] + " (" + holderName + ")", Checked: true})
	for _, ch := range choices {
		label := strings.TrimSpace(ch.Subject.GivenName + " " + ch.Subject.FamilyName)
		if !ch.Subject.BirthDate.IsZero() {
			label += ", " + strconv.Itoa(representation.Age(ch.Subject.BirthDate, now)) + " " + m["years"]
		}
		detail := m[string(ch.Relation.Kind)]
		if !ch.Decision.ValidUntil.IsZero() && ch.Relation.Kind != representation.Parent {
			detail += ", " + m["valid_until"] + " " + ch.Decision.ValidUntil.In(representation.Oslo).Format("02.01.2006")
		}
		if len(ch.Decision.ServiceAreas) > 0 {
			detail += ", " + m["areas"] + ": " + serviceAreas(lang, ch.Decision.ServiceAreas)
		}
		v.Options = append(v.Options, chooserOption{Value: ch.Subject.PID, Label: label, Detail: detail, Limited: ch.Decision.Limited})
	}
	return v
}

func renderChooser(w http.ResponseWriter, status int, v chooserPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "choose.html", v)
}
