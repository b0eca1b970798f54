package demo

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"

	"github.com/oidcp/oidcp/uilang"
)

// texts are a page's words in one language.
type texts struct {
	title, intro, pidLabel, pidHint, loginTo, population, langs string
	loggedIn, repHeading, repSelf, idHeading, uiHeading         string
	tokHeading, scope, refreshYes, refreshNo                    string
	relogin, logout, back                                       string
	errTitle, errUnknownTenant, errBadPID, errDiscovery         string
	errAuthorization, errNoFlow, errFlowExpired, errState       string
	errIssuer, errExchange, errIDToken, errUserInfo             string
	toolsHeading, toolsIntro, open, errHandoff, errNoPortal     string
}

var allTexts = map[string]texts{
	"nb": {
		title:            "oidcp demo",
		intro:            "Dette er et demoverktøy for utvikling. Det logger inn med oidcp som et vanlig OIDC-verktøy og viser hva verktøyet får: claims i ID-tokenet og fra brukerinfo.",
		pidLabel:         "Fødselsnummer for testperson (valgfritt)",
		pidHint:          "Tomt felt: velg person på innloggingssiden til ID-porten-mocken.",
		loginTo:          "Logg inn i ",
		population:       "Syntetiske testpersoner og relasjoner",
		langs:            "Språk",
		loggedIn:         "Innlogget i ",
		repHeading:       "Representasjon (på vegne av)",
		repSelf:          "Du handler på egne vegne: ID-tokenet har ingen representation-claim.",
		idHeading:        "ID-token (claims)",
		uiHeading:        "Brukerinfo (userinfo)",
		tokHeading:       "Tokens",
		scope:            "Tildelt scope",
		refreshYes:       "Refresh token mottatt.",
		refreshNo:        "Ingen refresh token.",
		relogin:          "Logg inn på nytt / velg person på nytt",
		logout:           "Logg ut",
		back:             "Tilbake til demoen",
		errTitle:         "Innloggingen feilet",
		errUnknownTenant: "Ukjent tenant.",
		errBadPID:        "Fødselsnummeret er ikke gyldig.",
		errDiscovery:     "Fikk ikke hentet oidcp sin discovery.",
		errAuthorization: "oidcp svarte med en feil.",
		errNoFlow:        "Fant ingen pågående innlogging i denne nettleseren. Start på nytt fra demosiden.",
		errFlowExpired:   "Innloggingen tok for lang tid. Start på nytt fra demosiden.",
		errState:         "state i svaret stemmer ikke med innloggingen som ble startet. Start på nytt fra demosiden.",
		errIssuer:        "Svaret kom fra en annen utsteder (iss) enn den innloggingen gikk til.",
		errExchange:      "Koden kunne ikke veksles inn i tokens.",
		errIDToken:       "ID-tokenet er ikke gyldig.",
		errUserInfo:      "Brukerinfo feilet",
		toolsHeading:     "Åpne et verktøy",
		toolsIntro:       "Demoen står for portalen i utviklingsmodus: verktøyene under åpnes innlogget, på vegne av den samme personen, uten ny innlogging (sømløst uthopp).",
		open:             "Åpne",
		errHandoff:       "Uthoppet til verktøyet feilet.",
		errNoPortal:      "Fant ingen innlogging i demoen å åpne verktøyet fra. Logg inn på nytt.",
	},
	"nn": {
		title:            "oidcp demo",
		intro:            "Dette er eit demoverktøy for utvikling. Det loggar inn med oidcp som eit vanleg OIDC-verktøy og viser kva verktøyet får: claims i ID-tokenet og frå brukarinfo.",
		pidLabel:         "Fødselsnummer for testperson (valfritt)",
		pidHint:          "Tomt felt: vel person på innloggingssida til ID-porten-mocken.",
		loginTo:          "Logg inn i ",
		population:       "Syntetiske testpersonar og relasjonar",
		langs:            "Språk",
		loggedIn:         "Innlogga i ",
		repHeading:       "Representasjon (på vegner av)",
		repSelf:          "Du handlar på eigne vegner: ID-tokenet har ingen representation-claim.",
		idHeading:        "ID-token (claims)",
		uiHeading:        "Brukarinfo (userinfo)",
		tokHeading:       "Tokens",
		scope:            "Tildelt scope",
		refreshYes:       "Refresh token motteke.",
		refreshNo:        "Ingen refresh token.",
		relogin:          "Logg inn på nytt / vel person på nytt",
		logout:           "Logg ut",
		back:             "Tilbake til demoen",
		errTitle:         "Innlogginga feila",
		errUnknownTenant: "Ukjend tenant.",
		errBadPID:        "Fødselsnummeret er ikkje gyldig.",
		errDiscovery:     "Fekk ikkje henta discovery frå oidcp.",
		errAuthorization: "oidcp svarte med ein feil.",
		errNoFlow:        "Fann inga pågåande innlogging i denne nettlesaren. Start på nytt frå demosida.",
		errFlowExpired:   "Innlogginga tok for lang tid. Start på nytt frå demosida.",
		errState:         "state i svaret stemmer ikkje med innlogginga som vart starta. Start på nytt frå demosida.",
		errIssuer:        "Svaret kom frå ein annan utferdar (iss) enn den innlogginga gjekk til.",
		errExchange:      "Koden kunne ikkje vekslast inn i tokens.",
		errIDToken:       "ID-tokenet er ikkje gyldig.",
		errUserInfo:      "Brukarinfo feila",
		toolsHeading:     "Opne eit verktøy",
		toolsIntro:       "Demoen står for portalen i utviklingsmodus: verktøya under blir opna innlogga, på vegner av den same personen, utan ny innlogging (saumlaust uthopp).",
		open:             "Opne",
		errHandoff:       "Uthoppet til verktøyet feila.",
		errNoPortal:      "Fann inga innlogging i demoen å opne verktøyet frå. Logg inn på nytt.",
	},
	"en": {
		title:            "oidcp demo",
		intro:            "This is a development-only demo tool. It logs in with oidcp as an ordinary OIDC tool and shows what the tool receives: the ID token's claims and userinfo.",
		pidLabel:         "Test person's national identity number (optional)",
		pidHint:          "Leave empty to pick a person on the ID-porten mock's login page.",
		loginTo:          "Log in to ",
		population:       "Synthetic test persons and relations",
		langs:            "Language",
		loggedIn:         "Logged in to ",
		repHeading:       "Representation (acting on behalf of)",
		repSelf:          "You act for yourself: the ID token has no representation claim.",
		idHeading:        "ID token (claims)",
		uiHeading:        "Userinfo",
		tokHeading:       "Tokens",
		scope:            "Granted scope",
		refreshYes:       "Refresh token received.",
		refreshNo:        "No refresh token.",
		relogin:          "Log in again / choose person again",
		logout:           "Log out",
		back:             "Back to the demo",
		errTitle:         "Login failed",
		errUnknownTenant: "Unknown tenant.",
		errBadPID:        "The national identity number is not valid.",
		errDiscovery:     "Could not fetch oidcp's discovery document.",
		errAuthorization: "oidcp answered with an error.",
		errNoFlow:        "No login in progress in this browser. Start again from the demo page.",
		errFlowExpired:   "The login took too long. Start again from the demo page.",
		errState:         "The state in the response does not match the login that was started. Start again from the demo page.",
		errIssuer:        "The response came from another issuer (iss) than the login went to.",
		errExchange:      "The code could not be exchanged for tokens.",
		errIDToken:       "The ID token is not valid.",
		errUserInfo:      "Userinfo failed",
		toolsHeading:     "Open a tool",
		toolsIntro:       "The demo stands in for the portal in development mode: the tools below open logged in, acting for the same person, without another login (seamless hand-off).",
		open:             "Open",
		errHandoff:       "The hand-off to the tool failed.",
		errNoPortal:      "No login at the demo to open the tool from. Log in again.",
	},
}

func text(lang string) texts {
	if t, ok := allTexts[lang]; ok {
		return t
	}
	return allTexts[uilang.Default]
}

// page is every template's data.
type page struct {
	Lang    string
	T       texts
	Base    string
	Tenants []string
	PopURL  string
	Result  *result
	Err     string // what went wrong, in the page's language
	Detail  string // the technical detail (error code, library error)
}

// URL builds a demo URL with ?lang= kept unless params set it.
func (p page) URL(path string, params ...string) string {
	v := url.Values{"lang": {p.Lang}}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	return p.Base + Path + path + "?" + v.Encode()
}

// Text exposes the unexported texts to the templates.
func (p page) Text(name string) string {
	t := p.T
	return map[string]string{
		"title": t.title, "intro": t.intro, "pidLabel": t.pidLabel, "pidHint": t.pidHint, "loginTo": t.loginTo,
		"population": t.population, "langs": t.langs, "loggedIn": t.loggedIn, "repHeading": t.repHeading,
		"repSelf": t.repSelf, "idHeading": t.idHeading, "uiHeading": t.uiHeading, "tokHeading": t.tokHeading,
		"scope": t.scope, "refreshYes": t.refreshYes, "refreshNo": t.refreshNo, "relogin": t.relogin,
		"logout": t.logout, "back": t.back, "errTitle": t.errTitle,
		"toolsHeading": t.toolsHeading, "toolsIntro": t.toolsIntro, "open": t.open,
	}[name]
}

const layout = `{{define "head"}}<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Text "title"}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.5}
pre{background:#f4f4f4;padding:1rem;overflow-x:auto;border-radius:4px}
.rep{background:#fff4cc;border-left:6px solid #b38600;padding:.5rem 1rem;margin:1rem 0}
.error{background:#fde8e8;border-left:6px solid #b00020;padding:.5rem 1rem}
button{font-size:1rem;padding:.5rem 1rem;margin:.25rem .5rem .25rem 0;cursor:pointer}
input{font-size:1rem;padding:.4rem;width:14rem}
a{color:#0b5394}
nav{font-size:.9rem}
</style>
</head>
<body>
<nav aria-label="{{.Text "langs"}}"><a href="{{.URL "" "lang" "nb"}}" lang="nb">Bokmål</a> · <a href="{{.URL "" "lang" "nn"}}" lang="nn">Nynorsk</a> · <a href="{{.URL "" "lang" "en"}}" lang="en">English</a></nav>
<main>
{{end}}
{{define "foot"}}</main>
</body>
</html>
{{end}}`

var templates = template.Must(template.New("demo").Parse(layout + `
{{define "home"}}{{template "head" .}}
<h1>{{.Text "title"}}</h1>
<p>{{.Text "intro"}}</p>
<form method="get" action="{{.Base}}/demo/login">
<input type="hidden" name="lang" value="{{.Lang}}">
<p><label for="pid">{{.Text "pidLabel"}}</label><br>
<input id="pid" name="pid" inputmode="numeric" autocomplete="off" pattern="[0-9]{11}" aria-describedby="pid-hint"><br>
<small id="pid-hint">{{.Text "pidHint"}}</small></p>
<p>{{range .Tenants}}<button type="submit" name="tenant" value="{{.}}">{{$.Text "loginTo"}}{{.}}</button>{{end}}</p>
</form>
{{if .PopURL}}<p><a href="{{.PopURL}}">{{.Text "population"}}</a></p>{{end}}
{{template "foot" .}}{{end}}

{{define "callback"}}{{template "head" .}}
<h1>{{.Text "loggedIn"}}{{.Result.Tenant}}</h1>
<h2>{{.Text "repHeading"}}</h2>
{{if .Result.Representation}}<div class="rep" id="representation"><pre>{{.Result.Representation}}</pre></div>
{{else}}<p>{{.Text "repSelf"}}</p>{{end}}
<h2>{{.Text "idHeading"}}</h2>
<pre id="id-token">{{.Result.IDToken}}</pre>
<h2>{{.Text "uiHeading"}}</h2>
<pre id="userinfo">{{.Result.UserInfo}}</pre>
<h2>{{.Text "tokHeading"}}</h2>
<p>{{if .Result.Scope}}{{.Text "scope"}}: <code>{{.Result.Scope}}</code>. {{end}}{{if .Result.Refresh}}{{.Text "refreshYes"}}{{else}}{{.Text "refreshNo"}}{{end}}</p>
<p><a href="{{.URL "login" "tenant" .Result.Tenant "select" "1"}}">{{.Text "relogin"}}</a>
{{if .Result.LogoutURL}} · <a href="{{.Result.LogoutURL}}">{{.Text "logout"}}</a>{{end}}
· <a href="{{.URL ""}}">{{.Text "back"}}</a></p>
{{if .Result.Tools}}<h2>{{.Text "toolsHeading"}}</h2>
<p>{{.Text "toolsIntro"}}</p>
<ul id="tools">{{range .Result.Tools}}
<li><form method="post" action="{{$.Base}}/demo/launch"><input type="hidden" name="lang" value="{{$.Lang}}"><input type="hidden" name="tenant" value="{{$.Result.Tenant}}"><input type="hidden" name="client_id" value="{{.ClientID}}"><input type="hidden" name="target_link_uri" value="{{.LaunchURI}}"><button type="submit" id="open-{{.ClientID}}">{{$.Text "open"}} {{.Name}}</button></form></li>{{end}}
</ul>{{end}}
{{template "foot" .}}{{end}}

{{define "error"}}{{template "head" .}}
<h1>{{.Text "errTitle"}}</h1>
<div class="error" role="alert"><p>{{.Err}}</p>{{if .Detail}}<p><code>{{.Detail}}</code></p>{{end}}</div>
<p><a href="{{.URL ""}}">{{.Text "back"}}</a></p>
{{template "foot" .}}{{end}}
`))

// home is GET /demo/: one button per tenant.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	lang := uilang.Pick(r, r.URL.Query().Get("lang"))
	p := page{Lang: lang, T: text(lang), Base: h.base, PopURL: h.popURL}
	for _, t := range h.tenants {
		p.Tenants = append(p.Tenants, t.t.Name)
	}
	h.render(w, http.StatusOK, "home", p)
}

func (h *Handler) renderError(w http.ResponseWriter, lang string, status int, msg, detail string) {
	h.render(w, status, "error", page{Lang: lang, T: text(lang), Base: h.base, Err: msg, Detail: detail})
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, p); err != nil {
		http.Error(w, "demo: rendering failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
