package page

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
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
	name := func(pid string) string {
		if q, ok := pop.Person(pid); ok {
			return q.GivenName + " " + q.FamilyName
		}
		return "?"
	}
	for _, q := range pop.Persons {
		var flags []string
		if q.ConfidentialAddress {
			flags = append(flags, t.Confidential)
		}
		if q.LacksCapacity {
			flags = append(flags, t.LacksCapacity)
		}
		var rels []string
		for _, r := range pop.Relations {
			switch {
			case r.Holder == q.PID:
				rels = append(rels, t.HolderOf[r.Kind]+" "+name(r.Subject))
			case r.Subject == q.PID:
				rels = append(rels, t.SubjectOf[r.Kind]+" "+name(r.Holder))
			}
		}
		if len(rels) == 0 {
			rels = []string{t.None}
		}
		v.Persons = append(v.Persons, personRow{
			Name:      name(q.PID),
			PID:       q.PID,
			Born:      q.BirthDate.In(representation.Oslo).Format(time.DateOnly),
			Age:       strconv.Itoa(representation.Age(q.BirthDate, now)),
			Relations: strings.Join(rels, "; "),
			Flags:     strings.Join(flags, " "),
			Role:      pop.Roles[q.PID],
		})
	}
	for _, c := range pop.Cases {
		r := c.Relation
		h, _ := pop.Person(r.Holder)
		s, _ := pop.Person(r.Subject)
		d := representation.Evaluate(r, h, s, now)
		v.Relations = append(v.Relations, relationRow{
			Holder:       name(r.Holder),
			Kind:         t.Kind[r.Kind],
			KindCode:     string(r.Kind),
			Subject:      name(r.Subject),
			Valid:        validity(t, r),
			Areas:        strings.Join(r.ServiceAreas, ", "),
			Decision:     decision(t, d),
			Demonstrates: c.Demonstrates,
			Allowed:      d.Allowed,
		})
	}
	return v
}

func decision(t texts, d representation.Decision) string {
	if !d.Allowed {
		if why, ok := t.Reasons[d.Reason]; ok {
			return fmt.Sprintf("%s: %s (%s)", t.Denied, why, d.Reason)
		}
		return t.Denied + ": " + string(d.Reason)
	}
	out := []string{t.Allowed}
	if d.Limited {
		out = append(out, t.Limited)
	}
	if !d.MayConsent {
		out = append(out, t.NoConsent)
	}
	if !d.ValidUntil.IsZero() {
		out = append(out, t.Until+" "+d.ValidUntil.In(representation.Oslo).Format("2006-01-02 15:04"))
	}
	return strings.Join(out, ", ")
}

func validity(t texts, r representation.Relation) string {
	s := t.Open
	if !r.ValidFrom.IsZero() || !r.ValidTo.IsZero() {
		from, to := "…", "…"
		if !r.ValidFrom.IsZero() {
			from = r.ValidFrom.In(representation.Oslo).Format(time.DateOnly)
		}
		if !r.ValidTo.IsZero() {
			to = r.ValidTo.In(representation.Oslo).Format(time.DateOnly)
		}
		s = from + " – " + to
	}
	if r.Withdrawn {
		s += " " + t.Withdrawn
	}
	return s
}
