package population

import (
	"fmt"
	"strings"
	"time"

	"github.com/oidcp/oidcp/representation"
)

// Markdown renders the population as two tables (persons, and relations
// with today's decision) for vendors: the sandbox page and the docs show
// it. Fødselsnummer appear because they are synthetic test numbers.
func (p Population) Markdown() string {
	var b strings.Builder
	date := p.Today.Format(time.DateOnly)
	fmt.Fprintf(&b, "# Synthetic test population\n\n")
	fmt.Fprintf(&b, "Generated for %s (Europe/Oslo). Every fødselsnummer is synthetic "+
		"(month + 80) and every name is invented. Birth dates follow the calendar, so "+
		"each case below holds on any day: most numbers stay the same for a whole month, "+
		"but the children whose birthday is today get new numbers every day. Look them up "+
		"here rather than hard-coding them.\n\n", date)

	b.WriteString("## Persons\n\n")
	b.WriteString("| Name | Fødselsnummer | Born | Age today | Relations | Demonstrates |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, q := range p.Persons {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s |\n",
			cell(fullName(q)), q.PID, q.BirthDate.Format(time.DateOnly),
			representation.Age(q.BirthDate, p.Today), cell(p.relationsOf(q.PID)), cell(p.flags(q)+p.Roles[q.PID]))
	}

	fmt.Fprintf(&b, "\n## Relations and the decision on %s\n\n", date)
	b.WriteString("| Holder | Relation | For | Valid | Service areas | Decision today | Demonstrates |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, c := range p.Cases {
		r := c.Relation
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			cell(p.name(r.Holder)), r.Kind, cell(p.name(r.Subject)), validity(r),
			cell(strings.Join(r.ServiceAreas, ", ")), p.decision(r), cell(c.Demonstrates))
	}
	b.WriteString("\nDecision codes: `limited` marks a child aged 12–15; `no consent` marks an " +
		"ordinary fullmakt, which cannot be used to consent on the giver's behalf; `denied` " +
		"gives the rule that refused (child_16_or_older, withdrawn, expired, confidential_address).\n")
	return b.String()
}

func fullName(q representation.Person) string { return q.GivenName + " " + q.FamilyName }

func (p Population) name(pid string) string {
	if q, ok := p.Person(pid); ok {
		return fullName(q)
	}
	return "?"
}

func (p Population) flags(q representation.Person) string {
	var f []string
	if q.ConfidentialAddress {
		f = append(f, "**Confidential address.**")
	}
	if q.LacksCapacity {
		f = append(f, "**Lacks capacity to consent.**")
	}
	if len(f) == 0 {
		return ""
	}
	return strings.Join(f, " ") + " "
}

// relationsOf lists a person's relations from their side.
func (p Population) relationsOf(pid string) string {
	var out []string
	for _, r := range p.Relations {
		switch {
		case r.Holder == pid:
			out = append(out, holderLabel[r.Kind]+" "+p.name(r.Subject))
		case r.Subject == pid:
			out = append(out, subjectLabel[r.Kind]+" "+p.name(r.Holder))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "; ")
}

var holderLabel = map[representation.RelationKind]string{
	representation.Parent:                  "parent of",
	representation.PowerOfAttorney:         "fullmakt from",
	representation.AssignedPowerOfAttorney: "assigned fullmakt for",
}

var subjectLabel = map[representation.RelationKind]string{
	representation.Parent:                  "child of",
	representation.PowerOfAttorney:         "gave fullmakt to",
	representation.AssignedPowerOfAttorney: "represented (assigned) by",
}

func (p Population) decision(r representation.Relation) string {
	h, _ := p.Person(r.Holder)
	s, _ := p.Person(r.Subject)
	d := representation.Evaluate(r, h, s, p.Today)
	if !d.Allowed {
		return "denied: " + string(d.Reason)
	}
	out := "allowed"
	if d.Limited {
		out += ", limited"
	}
	if !d.MayConsent {
		out += ", no consent"
	}
	if !d.ValidUntil.IsZero() {
		out += ", until " + d.ValidUntil.In(representation.Oslo).Format("2006-01-02 15:04")
	}
	return out
}

func validity(r representation.Relation) string {
	if r.ValidFrom.IsZero() && r.ValidTo.IsZero() {
		return "open"
	}
	from, to := "…", "…"
	if !r.ValidFrom.IsZero() {
		from = r.ValidFrom.In(representation.Oslo).Format(time.DateOnly)
	}
	if !r.ValidTo.IsZero() {
		to = r.ValidTo.In(representation.Oslo).Format(time.DateOnly)
	}
	s := from + " – " + to
	if r.Withdrawn {
		s += " (withdrawn)"
	}
	return s
}

// cell keeps a value inside its Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
