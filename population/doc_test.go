package population

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/representation"
)

var update = flag.Bool("update", false, "rewrite docs/sandbox-population.md from Generate")

const docPath = "../docs/sandbox-population.md"

// docNote follows the generated tables in docs/sandbox-population.md.
const docNote = `
## Dates move with the current date

The tables above were generated for one day. oidcp generates the
population again for the current day (Europe/Oslo), so on any other day
the fødselsnummer, birth dates, ages and validity periods differ from
the ones printed here, while every person, relation and decision stays
the same: Nora still turns 12 today, Mathias still turns 16 today, and
Hilde's fullmakt still ended at the end of last month.

- The live table for today is the sandbox page ` + "`{base_url}/sandbox/population`" + `
  (bokmål by default; ` + "`?lang=nn`" + ` or ` + "`?lang=en`" + `). With ` + "`?format=json`" + ` it
  answers JSON for test scripts: every person with a stable ` + "`key`" + ` (` + "`kari`" + `,
  ` + "`mathias`" + `, …) and today's ` + "`pid`" + `, and every relation with today's decision.
- ` + "`oidcp serve`" + ` imports the day's population into the synthetic registry
  (the one the sandbox and every tenant behind the ID-porten mock read) at
  start in dev mode and whenever a tenant reads it, and again when the
  date changes while it runs. The import is idempotent; relation
  ids are built from the persons' stable keys (` + "`sandbox:parent:kari:emma`" + `),
  so a new day moves each relation to that day's numbers. A number from an
  earlier day still logs in, but holds no relations any more: look the
  numbers up instead of hard-coding them.
- Log in as any of them through the ID-porten mock, in a browser or
  headless with ` + "`login_hint=testid:<fødselsnummer>`" + `.

Regenerate this file with
` + "`go test ./population -run TestSandboxPopulationDoc -update`" + `.
`

// docFor is the whole document for a day.
func docFor(pop Population) string {
	return "<!-- Generated from population.Generate; see the end of the file. Do not edit by hand. -->\n\n" +
		pop.Markdown() + docNote
}

// tableRows returns the cells of the Markdown table rows under the
// heading that starts with prefix, without the header and rule rows.
func tableRows(md, prefix string) [][]string {
	var rows [][]string
	in := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			in = strings.HasPrefix(line, "## "+prefix)
		case in && strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "|---"):
			cells := strings.Split(strings.Trim(line, "|"), " | ")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			rows = append(rows, cells)
		}
	}
	if len(rows) > 0 {
		rows = rows[1:] // header
	}
	return rows
}

// stable keeps the cells that do not depend on the date: names,
// relations, areas, the decision without its "until" date, and the texts.
func stable(md string) (persons, relations []string) {
	for _, c := range tableRows(md, "Persons") {
		// Name | Fødselsnummer | Born | Age today | Relations | Demonstrates
		persons = append(persons, strings.Join([]string{c[0], c[3], c[4], c[5]}, " | "))
	}
	for _, c := range tableRows(md, "Relations") {
		// Holder | Relation | For | Valid | Service areas | Decision today | Demonstrates
		decision, _, _ := strings.Cut(c[5], ", until")
		withdrawn := strings.HasSuffix(c[3], "(withdrawn)")
		relations = append(relations, strings.Join([]string{c[0], c[1], c[2], c[4], decision, c[6]}, " | ")+
			map[bool]string{true: " | withdrawn"}[withdrawn])
	}
	return persons, relations
}

// TestSandboxPopulationDoc checks that docs/sandbox-population.md lists
// the persons and cases Generate produces today (not its dates).
func TestSandboxPopulationDoc(t *testing.T) {
	if *update {
		// The doc shows the day it was generated on; the check below
		// uses a fixed day, since what it compares does not depend on it.
		if err := os.WriteFile(docPath, []byte(docFor(Generate(time.Now().In(representation.Oslo)))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	today := Generate(osloDay(2026, 2, 28))
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v (regenerate with go test ./population -run TestSandboxPopulationDoc -update)", err)
	}
	doc := string(b)
	wantP, wantR := stable(today.Markdown())
	gotP, gotR := stable(doc)
	if len(wantP) == 0 || len(wantR) == 0 {
		t.Fatal("no table rows found in today's Markdown")
	}
	if strings.Join(gotP, "\n") != strings.Join(wantP, "\n") || strings.Join(gotR, "\n") != strings.Join(wantR, "\n") {
		t.Errorf("%s is out of date with Generate; regenerate with go test ./population -run TestSandboxPopulationDoc -update\ngot persons:\n%s\nwant:\n%s\ngot relations:\n%s\nwant:\n%s",
			docPath, strings.Join(gotP, "\n"), strings.Join(wantP, "\n"), strings.Join(gotR, "\n"), strings.Join(wantR, "\n"))
	}
	if !strings.Contains(doc, "## Dates move with the current date") {
		t.Error("the doc lacks the note that dates move")
	}
}
