package page

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, representation.Oslo)

func get(t *testing.T, target, acceptLanguage string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if acceptLanguage != "" {
		req.Header.Set("Accept-Language", acceptLanguage)
	}
	rec := httptest.NewRecorder()
	Handler(func() time.Time { return now }).ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestPageLanguages(t *testing.T) {
	tests := []struct {
		target, accept, lang, heading string
	}{
		{"/sandbox/population", "", "nb", "Syntetisk testpopulasjon"},
		{"/sandbox/population", "en-GB,en;q=0.8", "en", "Synthetic test population"},
		{"/sandbox/population", "nn-NO", "nn", "Relasjonar og avgjerda i dag"},
		{"/sandbox/population?lang=en", "nb", "en", "Relations and today&#39;s decision"},
		{"/sandbox/population?lang=xx", "de", "nb", "Relasjoner og avgjørelsen i dag"},
	}
	for _, tt := range tests {
		res, body := get(t, tt.target, tt.accept)
		if res.StatusCode != 200 || res.Header.Get("Content-Language") != tt.lang {
			t.Errorf("%s (%s): %d, Content-Language %q", tt.target, tt.accept, res.StatusCode, res.Header.Get("Content-Language"))
		}
		if !strings.Contains(body, `<html lang="`+tt.lang+`">`) || !strings.Contains(body, tt.heading) {
			t.Errorf("%s (%s): want lang %s and %q in the page", tt.target, tt.accept, tt.lang, tt.heading)
		}
	}
}

// The page lists every person with number and age, and every relation
// with today's decision.
func TestPageContent(t *testing.T) {
	pop := population.Generate(now)
	res, body := get(t, "/sandbox/population?lang=en", "")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	if n := strings.Count(body, "<caption>"); n != 2 {
		t.Errorf("%d captions, want 2", n)
	}
	if n, want := strings.Count(body, `<th scope="row">`), len(pop.Persons)+len(pop.Relations); n != want {
		t.Errorf("%d row headers, want %d", n, want)
	}
	for _, q := range pop.Persons {
		row := `<td class="pid">` + q.PID + `</td><td class="num">` + q.BirthDate.Format(time.DateOnly) + `</td>`
		if !strings.Contains(body, row) {
			t.Errorf("no row for %s %s (%s)", q.GivenName, q.PID, row)
		}
	}
	mathias, _ := pop.Lookup(population.KeyMathias)
	if representation.Age(mathias.BirthDate, now) != 16 {
		t.Fatal("Mathias is not 16 today")
	}
	for _, want := range []string{
		"denied: child_16_or_older", "denied: withdrawn", "denied: expired", "denied: confidential_address",
		"allowed, limited, until", "allowed, no consent, until", "Confidential address.", "Lacks capacity to consent.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	_, nb := get(t, "/sandbox/population", "")
	if !strings.Contains(nb, "avslått: barnet er 16 år eller eldre (child_16_or_older)") || !strings.Contains(nb, "tillatt, begrenset") {
		t.Error("bokmål page lacks translated decisions")
	}
}

func TestPageJSON(t *testing.T) {
	pop := population.Generate(now)
	for _, target := range []string{"/sandbox/population?format=json", "/sandbox/population"} {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Accept", "application/json")
		rec := httptest.NewRecorder()
		Handler(func() time.Time { return now }).ServeHTTP(rec, req)
		var got jsonPopulation
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %v, %q", target, err, rec.Header().Get("Content-Type"))
		}
		if len(got.Persons) != len(pop.Persons) || len(got.Relations) != len(pop.Relations) || got.Today != "2026-11-23" {
			t.Fatalf("%s: %d persons, %d relations, today %s", target, len(got.Persons), len(got.Relations), got.Today)
		}
		for _, p := range got.Persons {
			if pop.Keys[p.Key] != p.PID {
				t.Errorf("person %s has pid %s, population says %s", p.Key, p.PID, pop.Keys[p.Key])
			}
		}
		for i, r := range got.Relations {
			c := pop.Cases[i]
			if r.Allowed != c.Allowed || r.Limited != c.Limited || r.MayConsent != c.MayConsent || r.Reason != string(c.Reason) ||
				pop.Keys[r.HolderKey] != c.Relation.Holder || pop.Keys[r.SubjectKey] != c.Relation.Subject {
				t.Errorf("relation %d = %+v, population documents %+v", i, r, c)
			}
		}
	}
}
