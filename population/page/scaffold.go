package page

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"

	"github.com/oidcp/oidcp/uilang"
)

// scaffoldHTML is the frame of the sandbox's wide table pages (this
// population page and the sandbox start page): the head with the shared
// stylesheet, the language switcher and the closing tags. A page's
// template calls "head" and "foot" and defines "style" for its own rules;
// its view has Lang, Title, T.Language and Langs.
//
//go:embed scaffold.html
var scaffoldHTML string

// ParseScaffolded parses a page template that is framed by the shared
// scaffold.
func ParseScaffolded(name, text string) *template.Template {
	return template.Must(template.Must(template.New(name).Parse(scaffoldHTML)).Parse(text))
}

// LangLink is one entry of the language switcher.
type LangLink struct {
	Code, Name string
	Current    bool
}

// LangLinks is the language switcher with lang marked current.
func LangLinks(lang string) []LangLink {
	links := make([]LangLink, len(uilang.Languages))
	for i, l := range uilang.Languages {
		links[i] = LangLink{Code: l.Code, Name: l.Name, Current: l.Code == lang}
	}
	return links
}

// WriteHTML renders tmpl with data and writes it as a page in lang with
// the headers both sandbox pages use: never cached stale (the synthetic
// population's numbers follow the date), a CSP that allows only the
// inline stylesheet, and vary as the Vary header. A template error is a
// plain 500, with nothing of the page written.
func WriteHTML(w http.ResponseWriter, tmpl *template.Template, data any, lang, vary string) {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	h.Set("Vary", vary)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	_, _ = buf.WriteTo(w)
}
