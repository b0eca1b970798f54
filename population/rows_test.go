package population

import (
	"testing"

	"github.com/oidcp/oidcp/representation"
)

// A withdrawn relation says so whether or not it has a validity period;
// the Markdown document once dropped it for an open one.
func TestValidityShowsWithdrawn(t *testing.T) {
	from := osloDay(2025, 3, 1)
	tests := []struct {
		rel  representation.Relation
		want string
	}{
		{representation.Relation{}, "open"},
		{representation.Relation{Withdrawn: true}, "open (withdrawn)"},
		{representation.Relation{ValidFrom: from}, "2025-03-01 – …"},
		{representation.Relation{ValidFrom: from, Withdrawn: true}, "2025-03-01 – … (withdrawn)"},
	}
	for _, tt := range tests {
		if got := validity(English, tt.rel); got != tt.want {
			t.Errorf("validity(%+v) = %q, want %q", tt.rel, got, tt.want)
		}
	}
}

// The Markdown document and every language of the sandbox page take
// their cells from Rows; the English rows are the Markdown's.
func TestRowsAreMarkdownCells(t *testing.T) {
	pop := Generate(osloDay(2026, 2, 28))
	persons, relations := pop.Rows(English, pop.Today)
	md := tableRows(pop.Markdown(), "Persons")
	if len(md) != len(persons) {
		t.Fatalf("%d person rows in Markdown, %d from Rows", len(md), len(persons))
	}
	for i, q := range persons {
		if md[i][0] != q.Name || md[i][1] != q.PID || md[i][2] != q.Born || md[i][3] != q.Age || md[i][4] != q.Relations {
			t.Errorf("Markdown person row %v, Rows %+v", md[i], q)
		}
	}
	md = tableRows(pop.Markdown(), "Relations")
	if len(md) != len(relations) {
		t.Fatalf("%d relation rows in Markdown, %d from Rows", len(md), len(relations))
	}
	for i, r := range relations {
		if md[i][0] != r.Holder || md[i][2] != r.Subject || md[i][3] != r.Valid || md[i][5] != r.Outcome {
			t.Errorf("Markdown relation row %v, Rows %+v", md[i], r)
		}
		if c := pop.Cases[i]; r.Decision.Allowed != c.Allowed || r.Decision.Reason != c.Reason {
			t.Errorf("row %d decision %+v, population documents %+v", i, r.Decision, c)
		}
	}
}
