package population

import (
	"strconv"
	"strings"
	"time"

	"github.com/oidcp/oidcp/representation"
)

// Words are the texts a rendering of the population puts into its
// cells. Markdown uses English; the sandbox page has one set per
// language. Reasons explain a denial; a reason without an entry is shown
// by its code alone.
type Words struct {
	Allowed, Limited, NoConsent, Until, Denied string
	Open, Withdrawn, None                      string
	Confidential, LacksCapacity                string
	HolderOf, SubjectOf                        map[representation.RelationKind]string
	Reasons                                    map[representation.Reason]string
}

// English are the words of the Markdown document and of the sandbox
// page in English.
var English = Words{
	Allowed: "allowed", Limited: "limited", NoConsent: "no consent", Until: "until", Denied: "denied",
	Open: "open", Withdrawn: "(withdrawn)", None: "none",
	Confidential: "Confidential address.", LacksCapacity: "Lacks capacity to consent.",
	HolderOf: map[representation.RelationKind]string{
		representation.Parent: "parent of", representation.PowerOfAttorney: "fullmakt from",
		representation.AssignedPowerOfAttorney: "assigned fullmakt for",
	},
	SubjectOf: map[representation.RelationKind]string{
		representation.Parent: "child of", representation.PowerOfAttorney: "gave fullmakt to",
		representation.AssignedPowerOfAttorney: "represented (assigned) by",
	},
}

// PersonRow is one person as the Markdown document and the sandbox page
// show it.
type PersonRow struct {
	Name, PID, Born, Age string
	// Relations lists the person's relations from their side.
	Relations string
	// Flags are the Confidential and LacksCapacity words that apply.
	Flags []string
	Role  string
}

// RelationRow is one documented relation and its decision as the
// Markdown document and the sandbox page show it.
type RelationRow struct {
	Case     Case
	Holder   string
	Subject  string
	Valid    string
	Areas    string
	Decision representation.Decision
	// Outcome is Decision in words.
	Outcome string
}

// Rows computes the cells of both tables at a moment of the population's
// day (ages and decisions depend on it), in w's words. Every rendering
// of the population takes its values from here so they cannot disagree.
func (p Population) Rows(w Words, at time.Time) ([]PersonRow, []RelationRow) {
	persons := make([]PersonRow, 0, len(p.Persons))
	for _, q := range p.Persons {
		var flags []string
		if q.ConfidentialAddress {
			flags = append(flags, w.Confidential)
		}
		if q.LacksCapacity {
			flags = append(flags, w.LacksCapacity)
		}
		persons = append(persons, PersonRow{
			Name:      fullName(q),
			PID:       q.PID,
			Born:      q.BirthDate.In(representation.Oslo).Format(time.DateOnly),
			Age:       strconv.Itoa(representation.Age(q.BirthDate, at)),
			Relations: p.relationsOf(w, q.PID),
			Flags:     flags,
			Role:      p.Roles[q.PID],
		})
	}
	relations := make([]RelationRow, 0, len(p.Cases))
	for _, c := range p.Cases {
		r := c.Relation
		h, _ := p.Person(r.Holder)
		s, _ := p.Person(r.Subject)
		d := representation.Evaluate(r, h, s, at)
		relations = append(relations, RelationRow{
			Case:     c,
			Holder:   p.name(r.Holder),
			Subject:  p.name(r.Subject),
			Valid:    validity(w, r),
			Areas:    strings.Join(r.ServiceAreas, ", "),
			Decision: d,
			Outcome:  outcome(w, d),
		})
	}
	return persons, relations
}

func fullName(q representation.Person) string { return q.GivenName + " " + q.FamilyName }

func (p Population) name(pid string) string {
	if q, ok := p.Person(pid); ok {
		return fullName(q)
	}
	return "?"
}

// relationsOf lists a person's relations from their side.
func (p Population) relationsOf(w Words, pid string) string {
	var out []string
	for _, r := range p.Relations {
		switch {
		case r.Holder == pid:
			out = append(out, w.HolderOf[r.Kind]+" "+p.name(r.Subject))
		case r.Subject == pid:
			out = append(out, w.SubjectOf[r.Kind]+" "+p.name(r.Holder))
		}
	}
	if len(out) == 0 {
		return w.None
	}
	return strings.Join(out, "; ")
}

func validity(w Words, r representation.Relation) string {
	s := w.Open
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
		s += " " + w.Withdrawn
	}
	return s
}

func outcome(w Words, d representation.Decision) string {
	if !d.Allowed {
		if why, ok := w.Reasons[d.Reason]; ok {
			return w.Denied + ": " + why + " (" + string(d.Reason) + ")"
		}
		return w.Denied + ": " + string(d.Reason)
	}
	out := []string{w.Allowed}
	if d.Limited {
		out = append(out, w.Limited)
	}
	if !d.MayConsent {
		out = append(out, w.NoConsent)
	}
	if !d.ValidUntil.IsZero() {
		out = append(out, w.Until+" "+d.ValidUntil.In(representation.Oslo).Format("2006-01-02 15:04"))
	}
	return strings.Join(out, ", ")
}
