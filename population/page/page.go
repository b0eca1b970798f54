package page

import (
	_ "embed"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/oidcp/oidcp/population"
)

//go:embed page.html
var pageHTML string

var tmpl = ParseScaffolded("page", pageHTML)

// view is what the template renders.
type view struct {
	Lang      string
	Title     string
	T         texts
	Intro     string
	Langs     []LangLink
	Persons   []personRow
	Relations []relationRow
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
		WriteHTML(w, tmpl, build(pop, lang, at), lang, "Accept, Accept-Language")
	})
}

func build(pop population.Population, lang string, now time.Time) view {
	t := languages[lang]
	v := view{Lang: lang, Title: t.Title, T: t, Intro: fmt.Sprintf(t.Intro, pop.Today.Format(time.DateOnly)), Langs: LangLinks(lang)}
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
