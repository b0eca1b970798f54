package provider

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"

	"github.com/oidcp/oidcp/uilang"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// formPostScript is the only script oidcp serves; CSP allows it by hash.
const formPostScript = `document.forms[0].submit();`

var formPostScriptHash = func() string {
	h := sha256.Sum256([]byte(formPostScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}()

// formPostTemplate renders response_mode=form_post (OAuth 2.0 Form Post
// Response Mode) with a button for browsers without JavaScript.
var formPostTemplate = template.Must(template.New("form_post").Parse(`<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>Sender deg videre …</title></head>
<body>
<form method="post" action="{{ .RedirURL }}">
{{ range $key,$value := .Parameters }}{{ range $parameter:= $value}}<input type="hidden" name="{{$key}}" value="{{$parameter}}">
{{end}}{{ end }}<noscript><button type="submit">Fortsett</button></noscript>
</form>
<script>` + formPostScript + `</script>
</body></html>`))

// messages holds the page texts in bokmål (default), nynorsk and English.
var messages = map[string]map[string]string{
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

// pageLang picks nb, nn or en from ui_locales (space-separated, in order
// of preference) and then Accept-Language; bokmål by default.
func pageLang(r *http.Request, uiLocales string) string { return uilang.Pick(r, uiLocales) }

type pageData struct {
	Lang, Title, Message string
	Code, Detail         string
	Action               string
	Hidden               map[string]string
	T                    map[string]string
	// DetailEN is an untranslated (English) error description, shown
	// marked as such; DetailLabel says so in the page's language.
	DetailEN, DetailLabel string
}

// renderError shows a person a readable error page. code is the OAuth
// error code (for the service's support), messageKey a text in messages,
// detail the error description, shown translated when it is one of the
// common ones (errortexts.go).
func renderError(w http.ResponseWriter, r *http.Request, status int, lang, messageKey, code, detail string) {
	t := messages[lang]
	d := pageData{Lang: lang, Title: t["error_title"], Message: t[messageKey], Code: code, T: t}
	if text, ok := detailIn(lang, detail); ok {
		d.Detail = text
	} else {
		d.DetailEN, d.DetailLabel = detail, pageTexts[lang]["detail_en"]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "error.html", d)
}
