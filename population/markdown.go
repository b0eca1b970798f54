package population

import (
	"fmt"
	"strings"
	"time"
)

// Markdown renders the population as two tables (persons, and relations
// with today's decision) for vendors: the docs show it. Fødselsnummer
// appear because they are synthetic test numbers. The cells come from
// Rows in English, as on the sandbox page.
func (p Population) Markdown() string {
	var b strings.Builder
	date := p.Today.Format(time.DateOnly)
	persons, relations := p.Rows(English, p.Today)
	fmt.Fprintf(&b, "# Synthetic test population\n\n")
	fmt.Fprintf(&b, "Generated for %s (Europe/Oslo). Every fødselsnummer is synthetic "+
		"(month + 80) and every name is invented. Birth dates follow the calendar, so "+
		"each case below holds on any day: most numbers stay the same for a whole month, "+
		"but the children whose birthday is today get new numbers every day. Look them up "+
		"here rather than hard-coding them.\n\n", date)

	b.WriteString("## Persons\n\n")
	b.WriteString("| Name | Fødselsnummer | Born | Age today | Relations | Demonstrates |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for _, q := range persons {
		var notes strings.Builder
		for _, f := range q.Flags {
			fmt.Fprintf(&notes, "**%s** ", f)
		}
		notes.WriteString(q.Role)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n",
			cell(q.Name), q.PID, q.Born, q.Age, cell(q.Relations), cell(notes.String()))
	}

	fmt.Fprintf(&b, "\n## Relations and the decision on %s\n\n", date)
	b.WriteString("| Holder | Relation | For | Valid | Service areas | Decision today | Demonstrates |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, r := range relations {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			cell(r.Holder), r.Case.Relation.Kind, cell(r.Subject), r.Valid,
			cell(r.Areas), r.Outcome, cell(r.Case.Demonstrates))
	}
	b.WriteString("\nDecision codes: `limited` marks a child aged 12–15; `no consent` marks an " +
		"ordinary fullmakt, which cannot be used to consent on the giver's behalf; `denied` " +
		"gives the rule that refused (child_16_or_older, withdrawn, expired, confidential_address).\n")
	return b.String()
}

// cell keeps a value inside its Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
