package page

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
)

// jsonPerson and jsonRelation are the machine-readable form of the page,
// for vendors' test scripts that look up today's numbers by stable key.
type jsonPerson struct {
	Key                 string `json:"key"`
	PID                 string `json:"pid"`
	GivenName           string `json:"given_name"`
	FamilyName          string `json:"family_name"`
	BirthDate           string `json:"birthdate"`
	Age                 int    `json:"age"`
	ConfidentialAddress bool   `json:"confidential_address,omitempty"`
	LacksCapacity       bool   `json:"lacks_capacity,omitempty"`
	Role                string `json:"role"`
}

type jsonRelation struct {
	Kind         string     `json:"kind"`
	Holder       string     `json:"holder"`
	Subject      string     `json:"subject"`
	HolderKey    string     `json:"holder_key"`
	SubjectKey   string     `json:"subject_key"`
	ValidFrom    *time.Time `json:"valid_from,omitempty"`
	ValidTo      *time.Time `json:"valid_to,omitempty"`
	ServiceAreas []string   `json:"service_areas,omitempty"`
	Withdrawn    bool       `json:"withdrawn,omitempty"`
	Allowed      bool       `json:"allowed"`
	Limited      bool       `json:"limited"`
	MayConsent   bool       `json:"may_consent"`
	ValidUntil   *time.Time `json:"valid_until,omitempty"`
	Reason       string     `json:"reason"`
	Demonstrates string     `json:"demonstrates"`
}

type jsonPopulation struct {
	Today     string         `json:"today"`
	Persons   []jsonPerson   `json:"persons"`
	Relations []jsonRelation `json:"relations"`
}

// wantsJSON: ?format=json, or an Accept header that prefers JSON to HTML.
func wantsJSON(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "json"
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

func buildJSON(pop population.Population, now time.Time) jsonPopulation {
	out := jsonPopulation{Today: pop.Today.Format(time.DateOnly), Persons: []jsonPerson{}, Relations: []jsonRelation{}}
	for _, q := range pop.Persons {
		out.Persons = append(out.Persons, jsonPerson{
			Key: pop.KeyOf(q.PID), PID: q.PID, GivenName: q.GivenName, FamilyName: q.FamilyName,
			BirthDate: q.BirthDate.In(representation.Oslo).Format(time.DateOnly), Age: representation.Age(q.BirthDate, now),
			ConfidentialAddress: q.ConfidentialAddress, LacksCapacity: q.LacksCapacity, Role: pop.Roles[q.PID],
		})
	}
	for _, c := range pop.Cases {
		r := c.Relation
		h, _ := pop.Person(r.Holder)
		s, _ := pop.Person(r.Subject)
		d := representation.Evaluate(r, h, s, now)
		out.Relations = append(out.Relations, jsonRelation{
			Kind: string(r.Kind), Holder: r.Holder, Subject: r.Subject, HolderKey: pop.KeyOf(r.Holder), SubjectKey: pop.KeyOf(r.Subject),
			ValidFrom: optTime(r.ValidFrom), ValidTo: optTime(r.ValidTo), ServiceAreas: r.ServiceAreas, Withdrawn: r.Withdrawn,
			Allowed: d.Allowed, Limited: d.Limited, MayConsent: d.MayConsent, ValidUntil: optTime(d.ValidUntil),
			Reason: string(d.Reason), Demonstrates: c.Demonstrates,
		})
	}
	return out
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func writeJSON(w http.ResponseWriter, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
