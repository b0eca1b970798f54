package provider

import "strings"

// An error page tells a person, in their language, what went wrong and
// keeps the OAuth error code visible for the service's support. The
// error_description behind the code comes from fosite or our handlers in
// English; the ones people meet most often are translated here. Any
// other is shown as it is, marked as English (lang="en") and labelled as
// a technical description, so a Norwegian page never reads as a mix of
// languages.

// detailText is one translated error description: match is the English
// description, or its start when it goes on to name a value.
type detailText struct {
	match      string
	prefix     bool
	nb, nn, en string
}

var detailTexts = []detailText{
	{match: "The requested OAuth 2.0 Client does not exist.",
		nb: "Tjenesten (client_id) er ikke registrert hos oss.",
		nn: "Tenesta (client_id) er ikkje registrert hos oss.",
		en: "The service (client_id) is not registered with us."},
	{match: "The 'redirect_uri' parameter does not match any of the OAuth 2.0 Client's pre-registered redirect urls.",
		nb: "Adressen tjenesten ba oss sende deg tilbake til (redirect_uri), er ikke registrert for tjenesten.",
		nn: "Adressa tenesta bad oss sende deg tilbake til (redirect_uri), er ikkje registrert for tenesta.",
		en: "The address the service asked us to send you back to (redirect_uri) is not registered for it."},
	{match: "The 'redirect_uri' parameter is required when using OpenID Connect 1.0.",
		nb: "Forespørselen mangler adressen du skal sendes tilbake til (redirect_uri).",
		nn: "Førespurnaden manglar adressa du skal sendast tilbake til (redirect_uri).",
		en: "The request lacks the address to send you back to (redirect_uri)."},
	{match: "The redirect URI '", prefix: true,
		nb: "Adressen du skal sendes tilbake til (redirect_uri), er ugyldig.",
		nn: "Adressa du skal sendast tilbake til (redirect_uri), er ugyldig.",
		en: "The address to send you back to (redirect_uri) is invalid."},
	{match: "Invalid PAR session",
		nb: "Forespørselen (request_uri) er utløpt eller allerede brukt.",
		nn: "Førespurnaden (request_uri) har gått ut eller er alt brukt.",
		en: "The request (request_uri) has expired or was already used."},
	{match: "The 'client_id' must match the one sent in the pushed authorization request.",
		nb: "client_id i forespørselen er en annen enn i den innsendte forespørselen (PAR).",
		nn: "client_id i førespurnaden er ein annan enn i den innsende førespurnaden (PAR).",
		en: "The request's client_id differs from the one in the pushed request (PAR)."},
	{match: "Unable to parse HTTP body", prefix: true,
		nb: "Forespørselen kunne ikke leses.",
		nn: "Førespurnaden kunne ikkje lesast.",
		en: "The request could not be read."},
	{match: "id_token_hint is not an ID token issued by this provider.",
		nb: "id_token_hint er ikke et ID-token vi har utstedt.",
		nn: "id_token_hint er ikkje eit ID-token vi har skrive ut.",
		en: "id_token_hint is not an ID token we issued."},
	{match: "id_token_hint was issued by another issuer.",
		nb: "id_token_hint er utstedt av en annen utsteder.",
		nn: "id_token_hint er skrive ut av ein annan utferdar.",
		en: "id_token_hint was issued by another issuer."},
	{match: "client_id does not match the id_token_hint.",
		nb: "client_id stemmer ikke med id_token_hint.",
		nn: "client_id stemmer ikkje med id_token_hint.",
		en: "client_id does not match the id_token_hint."},
	{match: "post_logout_redirect_uri needs client_id or id_token_hint.",
		nb: "post_logout_redirect_uri krever client_id eller id_token_hint.",
		nn: "post_logout_redirect_uri krev client_id eller id_token_hint.",
		en: "post_logout_redirect_uri needs client_id or id_token_hint."},
	{match: "post_logout_redirect_uri is not registered for this client.",
		nb: "Adressen du skulle sendes til etter utlogging (post_logout_redirect_uri), er ikke registrert for tjenesten.",
		nn: "Adressa du skulle sendast til etter utlogging (post_logout_redirect_uri), er ikkje registrert for tenesta.",
		en: "The address to send you to after logout (post_logout_redirect_uri) is not registered for the service."},
	{match: "The logout confirmation expired. Try again.",
		nb: "Bekreftelsen av utloggingen er utløpt. Prøv igjen.",
		nn: "Stadfestinga av utlogginga har gått ut. Prøv igjen.",
		en: "The logout confirmation expired. Try again."},
}

// detailIn returns the error description in lang when it is translated,
// else "" and false.
func detailIn(lang, detail string) (string, bool) {
	for _, d := range detailTexts {
		if detail == d.match || d.prefix && strings.HasPrefix(detail, d.match) {
			switch lang {
			case "nn":
				return d.nn, true
			case "en":
				return d.en, true
			default:
				return d.nb, true
			}
		}
	}
	return "", false
}

// pageTexts are the texts of the error and not-found pages beyond those
// in messages.
var pageTexts = map[string]map[string]string{
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
