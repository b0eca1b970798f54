package web

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFS embed.FS

// stylesheet is the one stylesheet of every page in the layout.
//
//go:embed style.css
var stylesheet string

// StyleHash is the CSP source of the layout's stylesheet (CSP Level 3
// hash source): a page served with "style-src " + StyleHash needs no
// 'unsafe-inline'.
var StyleHash = func() string {
	h := sha256.Sum256([]byte(stylesheet))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}()

// pages are the provider's page templates; layout.html holds the one
// layout they share, with the stylesheet inline.
var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"style": func() template.CSS { return template.CSS(stylesheet) },
}).ParseFS(templateFS, "templates/*.html"))

// Page is the view model of the error, not-found and logout pages.
type Page struct {
	Lang, Title, Message string
	Code, Detail         string
	Action               string
	Hidden               map[string]string
	T                    map[string]string
	// DetailEN is an untranslated (English) error description, shown
	// marked as such; DetailLabel says so in the page's language.
	DetailEN, DetailLabel string
}

// ChooserOption is one radio button of the chooser.
type ChooserOption struct {
	Value, Label, Detail string
	Limited              bool
	Checked              bool
}

// ChooserPage is the view model of the representation chooser.
type ChooserPage struct {
	Lang, Title, Intro string
	Action             string
	Flow, CSRF         string
	Options            []ChooserOption
	Error              string
	T                  map[string]string
}

// ConsentScope is one data-exchange scope on the consent page.
type ConsentScope struct {
	Name, Title, Description string
}

// ConsentPage is the view model of the consent page: the tool, what it
// asks for, and for whom. CannotConsent replaces the question with an
// explanation (an ordinary power of attorney cannot give consent); the
// form then only returns to the tool.
type ConsentPage struct {
	Lang, Title, Intro string
	Tool, Vendor       string
	PolicyURI, LogoURI string
	// OnBehalf says for whom the permission is given; empty for oneself.
	OnBehalf      string
	Scopes        []ConsentScope
	CannotConsent string
	Action        string
	Flow, CSRF    string
	T             map[string]string
}

// Templates of the pages.
const (
	ErrorTemplate    = "error.html"
	NotFoundTemplate = "notfound.html"
	LogoutTemplate   = "logout.html"
	ChooserTemplate  = "choose.html"
	ConsentTemplate  = "consent.html"
)

// Render writes the page tmpl with data as an HTML answer of status,
// never cached.
func Render(w http.ResponseWriter, status int, tmpl string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, tmpl, data)
}

// formPostScript is the only script oidcp serves; CSP allows it by hash.
const formPostScript = `document.forms[0].submit();`

// FormPostScriptHash is the CSP source of formPostScript.
var FormPostScriptHash = func() string {
	h := sha256.Sum256([]byte(formPostScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}()

// FormPostTemplate renders response_mode=form_post (OAuth 2.0 Form Post
// Response Mode) with a button for browsers without JavaScript; fosite
// fills RedirURL and Parameters.
var FormPostTemplate = template.Must(template.New("form_post").Parse(`<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>Sender deg videre …</title></head>
<body>
<form method="post" action="{{ .RedirURL }}">
{{ range $key,$value := .Parameters }}{{ range $parameter:= $value}}<input type="hidden" name="{{$key}}" value="{{$parameter}}">
{{end}}{{ end }}<noscript><button type="submit">Fortsett</button></noscript>
</form>
<script>` + formPostScript + `</script>
</body></html>`))
