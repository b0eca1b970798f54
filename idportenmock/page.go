package idportenmock

import (
	"html/template"
	"net/http"
	"strings"
)

// loginView is what the login page shows.
type loginView struct {
	ID, CSRF string
	Req      authRequest
	Manual   string // the typed number, kept after an error
	ACR, AMR string // the person's previous choices
	Error    string
}

type loginPage struct {
	loginView
	Lang    string // nb, nn or en
	Title   string // empty: the default title
	Action  string
	Persons []Person
	Methods []loginMethod
	High    bool // high pre-selected or required
	T       map[string]string
}

// loginMethod is one radio button: the amr value and its name on the page.
type loginMethod struct{ AMR, Name string }

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{if .Lang}}{{.Lang}}{{else}}nb{{end}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Title}}{{.Title}}{{else}}{{.T.title}}{{end}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;background:#fff;line-height:1.5}
fieldset{border:1px solid #767676;margin:1rem 0;padding:.5rem 1rem}
button{font:inherit;padding:.5rem 1rem;margin:.25rem 0;border:2px solid #0062ba;background:#0062ba;color:#fff;border-radius:4px;cursor:pointer}
button.secondary{background:#fff;color:#0062ba}
button:focus,input:focus{outline:3px solid #ffbf47;outline-offset:2px}
input[type=text]{font:inherit;padding:.4rem;border:2px solid #767676;width:12rem}
.error{color:#b00020;font-weight:bold}
ul{list-style:none;padding:0}
</style>
</head>
<body>
<main>
{{template "content" .}}
</main>
</body>
</html>`))

var loginTmpl = template.Must(template.Must(pageTmpl.Clone()).New("content").Parse(`
<h1>{{.T.heading}}</h1>
<p>{{.T.intro}}</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="auth_id" value="{{.ID}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<fieldset>
<legend>{{.T.level}}</legend>
{{if .Req.WantHigh}}
<p>{{.T.level_needed}}</p>
<input type="hidden" name="acr" value="idporten-loa-high">
{{else}}
<div><input type="radio" id="acr-substantial" name="acr" value="idporten-loa-substantial"{{if not .High}} checked{{end}}>
<label for="acr-substantial">{{.T.substantial}} (idporten-loa-substantial)</label></div>
<div><input type="radio" id="acr-high" name="acr" value="idporten-loa-high"{{if .High}} checked{{end}}>
<label for="acr-high">{{.T.high}} (idporten-loa-high)</label></div>
{{end}}
</fieldset>
<fieldset>
<legend>{{.T.method}}</legend>
{{range $i, $m := .Methods}}
<div><input type="radio" id="amr-{{$m.AMR}}" name="amr" value="{{$m.AMR}}"{{if eq $m.AMR $.AMR}} checked{{else if and (eq $i 0) (eq $.AMR "")}} checked{{end}}>
<label for="amr-{{$m.AMR}}">{{$m.Name}}</label></div>
{{end}}
</fieldset>
<h2>{{.T.by_number}}</h2>
{{if .Error}}<p id="pid-error" class="error" role="alert">{{.Error}}</p>{{end}}
<p><label for="pid_manual">{{.T.number_label}}</label><br>
<input type="text" id="pid_manual" name="pid_manual" inputmode="numeric" autocomplete="off" value="{{.Manual}}"{{if .Error}} aria-invalid="true" aria-describedby="pid-error"{{end}}>
<button type="submit" name="action" value="manual">{{.T.login}}</button></p>
{{if .Persons}}
<h2>{{.T.persons}}</h2>
<ul>
{{range .Persons}}<li><button type="submit" name="pid" value="{{.PID}}" class="secondary">{{.Name}} ({{.PID}})</button></li>
{{end}}</ul>
{{end}}
<p><button type="submit" name="action" value="cancel" class="secondary">{{.T.cancel}}</button></p>
</form>
`))

var messageTmpl = template.Must(template.Must(pageTmpl.Clone()).New("content").Parse(`
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
`))

// renderLogin writes the login page.
func (s *Server) renderLogin(w http.ResponseWriter, status int, v loginView) {
	s.htmlHeaders(w, v.Req.RedirectURI)
	w.WriteHeader(status)
	lang := v.Req.Locale
	if _, ok := texts[lang]; !ok {
		lang = "nb"
	}
	methods := make([]loginMethod, len(loginMethods))
	for i, m := range loginMethods {
		methods[i] = loginMethod{AMR: m, Name: methodNames[m]}
	}
	_ = loginTmpl.ExecuteTemplate(w, "page", loginPage{
		loginView: v,
		Lang:      lang,
		Action:    s.endpoint(pathLogin),
		Persons:   s.personsNow(),
		Methods:   methods,
		High:      v.Req.WantHigh || v.ACR == ACRHigh,
		T:         texts[lang],
	})
}

// errorPage writes a plain message page; used where redirecting to the
// client would be unsafe (unknown client or redirect_uri).
func (s *Server) errorPage(w http.ResponseWriter, status int, msg string) {
	s.messagePage(w, status, "Noe gikk galt", msg)
}

func (s *Server) messagePage(w http.ResponseWriter, status int, title, msg string) {
	s.htmlHeaders(w, "")
	w.WriteHeader(status)
	_ = messageTmpl.ExecuteTemplate(w, "page", map[string]string{"Title": title, "Message": msg})
}

// htmlHeaders sets strict headers on pages. form-action is "*": browsers
// apply it to every redirect that follows the login POST, and that chain
// goes on past the client's redirect_uri (oidcp's callback redirects on to
// the tool, on any origin), so no list of origins can allow it.
func (s *Server) htmlHeaders(w http.ResponseWriter, _ string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// csrfCookieName is per pending login, so two tabs do not clash.
func csrfCookieName(id string) string {
	if len(id) > 16 {
		id = id[:16]
	}
	return "idpmock_csrf_" + id
}

func (s *Server) csrfCookie(id, value string, maxAge int) *http.Cookie {
	path := s.issuerPath
	if path == "" {
		path = "/"
	}
	return &http.Cookie{
		Name: csrfCookieName(id), Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: strings.HasPrefix(s.issuer, "https://"), SameSite: http.SameSiteLaxMode,
	}
}
