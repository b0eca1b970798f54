package page

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/oidcp/oidcp/population"
)

//go:embed page.html
var pageHTML string

var tmpl = template.Must(template.New("page").Parse(pageHTML))

// view is what the template renders.
type view struct {
	Lang      string
	T         texts
	Intro     string
	Langs     []langLink
	Persons   []personRow
	Relations []relationRow
}

type langLink struct {
	Code, Name string
	Current    bool
}

type personRow struct {
	Name, PID, Born, Age, Relations, Flags, Role string
}

type relationRow struct {
	Holder, Kind, KindCode, Subject, Valid, Areas, Decision, Demonstrates string
	Allowed                                                               bool
}

// Handler serves the population page for the Oslo day of now(): HTML,
// or JSON with ?format=json (or Accept: application/json) for scripts
// that look today's numbers up by stable key (population.KeyKari, …).
func Handler(now func() time.Time) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := now()
		pop := population.Generate(at)
		if wantsJSON(r) {
			writeJSON(w, buildJSON(pop, at))
			return
		}
		lang := pickLang(r)
		var buf bytes.Buffer
		if err := tmpl.Execute(&buf, build(pop, lang, at)); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Language", lang)
		h.Set("Vary", "Accept, Accept-Language")
		// The page changes with the date; never serve yesterday's numbers.
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = buf.WriteTo(w)
	})
}

func build(pop population.Population, lang string, now time.Time) view {
	t := languages[lang]
	v := view{Lang: lang, T: t, Intro: fmt.Sprintf(t.Intro, pop.Today.Format(time.DateOnly))}
	for _, l := range []langLink{{"nb", "Bokmål", false}, {"nn", "Nynorsk", false}, {"en", "English", false}} {
		l.Current = l.Code == lang
		v.Langs = append(v.Langs, l)
	}
	persons, relations := pop.Rows(t.Words, now)
	for _, q := range persons {
		v.Persons = append(v.Persons, personRow{
			Name: q.Name, PID: q.PID, Born: q.Born, Age: q.Age, Relations: q.Relations,
			Flags: strings.Join(q.Flags, " "), Role: q.Role,
		})
	}
	for _, r := range relations {
		kind := r.Case.Relation.Kind
		v.Relations = append(v.Relations, relationRow{
			Holder:       r.Holder,
			Kind:         t.Kind[kind],
			KindCode:     string(kind),
			Subject:      r.Subject,
			Valid:        r.Valid,
			Areas:        r.Areas,
			Decision:     r.Outcome,
			Demonstrates: r.Case.Demonstrates,
			Allowed:      r.Decision.Allowed,
		})
	}
	return v
}
