package representation

import (
	"slices"
	"testing"
	"time"
)

func TestAcceptable(t *testing.T) {
	all := []RelationKind{Parent, PowerOfAttorney, AssignedPowerOfAttorney}
	tests := []struct {
		kind       RelationKind
		accepted   []RelationKind
		standalone bool
		want       bool
	}{
		{Parent, all, false, true},
		{PowerOfAttorney, all, false, true},
		{AssignedPowerOfAttorney, all, false, true},
		{Parent, all, true, true},
		{AssignedPowerOfAttorney, all, true, true},
		{PowerOfAttorney, all, true, false}, // standalone tools never take ordinary fullmakt
		{PowerOfAttorney, []RelationKind{Parent}, false, false},
		{Parent, nil, false, false}, // no declaration: no representation
		{Parent, []RelationKind{}, true, false},
		{"guardian", []RelationKind{"guardian"}, false, false},
	}
	for _, tt := range tests {
		if got := Acceptable(tt.kind, tt.accepted, tt.standalone); got != tt.want {
			t.Errorf("Acceptable(%q, %v, standalone=%v) = %v, want %v", tt.kind, tt.accepted, tt.standalone, got, tt.want)
		}
	}
}

// choiceFixture is Kari's story: a 9-year-old son, a 14-year-old daughter,
// a 16-year-old son and her mother's power of attorney, plus noise.
type choiceFixture struct {
	now                              time.Time
	kari, son9, dau14, son16, mother Person
	hidden, other                    Person
	rels                             []Relation
	persons                          map[string]Person
}

func newChoiceFixture(t *testing.T) choiceFixture {
	f := choiceFixture{now: osloAt(2025, 6, 15, 12, 0, 0, 0)}
	f.kari = mkPerson(t, "Kari", day(1980, 2, 2), 10)
	f.son9 = mkPerson(t, "Jonas", day(2016, 1, 1), 20)
	f.dau14 = mkPerson(t, "Ingrid", day(2011, 1, 1), 30)
	f.son16 = mkPerson(t, "Sander", day(2009, 1, 1), 40)
	f.mother = mkPerson(t, "Astrid", day(1952, 5, 5), 50)
	f.hidden = mkPerson(t, "Skjult", day(1990, 1, 1), 60)
	f.hidden.ConfidentialAddress = true
	f.other = mkPerson(t, "Annen", day(1985, 1, 1), 70)
	f.rels = []Relation{
		{Kind: PowerOfAttorney, Holder: f.kari.PID, Subject: f.mother.PID, ServiceAreas: []string{"prescriptions"}},
		{Kind: Parent, Holder: f.kari.PID, Subject: f.son16.PID},
		{Kind: Parent, Holder: f.kari.PID, Subject: f.dau14.PID},
		{Kind: Parent, Holder: f.kari.PID, Subject: f.son9.PID},
		{Kind: PowerOfAttorney, Holder: f.kari.PID, Subject: f.hidden.PID, ServiceAreas: []string{"a"}},
		{Kind: Parent, Holder: f.other.PID, Subject: f.son9.PID}, // someone else's relation
	}
	f.persons = map[string]Person{}
	for _, p := range []Person{f.kari, f.son9, f.dau14, f.son16, f.mother, f.hidden, f.other} {
		f.persons[p.PID] = p
	}
	return f
}

func pids(cs []Choice) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.Subject.GivenName)
	}
	return out
}

func TestChoices(t *testing.T) {
	f := newChoiceFixture(t)
	all := []RelationKind{Parent, PowerOfAttorney, AssignedPowerOfAttorney}
	tests := []struct {
		name       string
		accepted   []RelationKind
		standalone bool
		want       []string
	}{
		{"story: sons and daughter youngest first, then mother", all, false, []string{"Jonas", "Ingrid", "Astrid"}},
		{"standalone tool drops ordinary fullmakt", all, true, []string{"Jonas", "Ingrid"}},
		{"tool accepting only fullmakt", []RelationKind{PowerOfAttorney}, false, []string{"Astrid"}},
		{"tool accepting nothing", nil, false, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Choices(f.kari, f.rels, f.persons, tt.accepted, tt.standalone, f.now)
			if !slices.Equal(pids(got), tt.want) {
				t.Fatalf("Choices = %v, want %v", pids(got), tt.want)
			}
		})
	}

	got := Choices(f.kari, f.rels, f.persons, all, false, f.now)
	if !got[1].Decision.Limited || got[0].Decision.Limited {
		t.Errorf("limited flags = %v, %v; want only the 14-year-old limited", got[0].Decision.Limited, got[1].Decision.Limited)
	}
	if got[2].Decision.MayConsent || got[2].Relation.Kind != PowerOfAttorney {
		t.Errorf("mother's choice = %+v, want a power of attorney that cannot consent", got[2])
	}

	// Same answer whatever the order of relations.
	rev := slices.Clone(f.rels)
	slices.Reverse(rev)
	if r := Choices(f.kari, rev, f.persons, all, false, f.now); !slices.Equal(pids(r), pids(got)) {
		t.Errorf("reversed input gives %v, want %v", pids(r), pids(got))
	}

	// A subject missing from persons is skipped, not guessed.
	delete(f.persons, f.son9.PID)
	if r := Choices(f.kari, f.rels, f.persons, all, false, f.now); !slices.Equal(pids(r), []string{"Ingrid", "Astrid"}) {
		t.Errorf("without Jonas in persons: %v", pids(r))
	}
}

func TestChoicesMergesSameSubject(t *testing.T) {
	now := osloAt(2025, 6, 15, 12, 0, 0, 0)
	holder := mkPerson(t, "Lise", day(1973, 4, 4), 10)
	father := mkPerson(t, "Olav", day(1944, 4, 4), 20)
	father.LacksCapacity = true
	persons := map[string]Person{holder.PID: holder, father.PID: father}
	end1, end2 := day(2026, 1, 1), day(2027, 1, 1)
	poaA := Relation{Kind: PowerOfAttorney, Holder: holder.PID, Subject: father.PID, ValidTo: end2, ServiceAreas: []string{"a"}}
	poaB := Relation{Kind: PowerOfAttorney, Holder: holder.PID, Subject: father.PID, ValidTo: end1, ServiceAreas: []string{"b", "a"}}
	assigned := Relation{Kind: AssignedPowerOfAttorney, Holder: holder.PID, Subject: father.PID}
	all := []RelationKind{Parent, PowerOfAttorney, AssignedPowerOfAttorney}

	for _, rels := range [][]Relation{{poaA, poaB}, {poaB, poaA}} {
		got := Choices(holder, rels, persons, all, false, now)
		if len(got) != 1 {
			t.Fatalf("got %d choices, want 1", len(got))
		}
		d := got[0].Decision
		if !slices.Equal(d.ServiceAreas, []string{"a", "b"}) || !d.ValidUntil.Equal(end1) || !got[0].Relation.ValidTo.Equal(end1) {
			t.Errorf("merged decision = %+v, want areas [a b] until %v", d, end1)
		}
	}
	for _, rels := range [][]Relation{{poaA, assigned}, {assigned, poaA}} {
		got := Choices(holder, rels, persons, all, false, now)
		if len(got) != 1 || got[0].Relation.Kind != AssignedPowerOfAttorney || !got[0].Decision.MayConsent {
			t.Errorf("Choices = %+v, want one assigned power of attorney that may consent", got)
		}
	}
	// A standalone tool still gets the assigned relation.
	if got := Choices(holder, []Relation{poaA, assigned}, persons, all, true, now); len(got) != 1 || got[0].Relation.Kind != AssignedPowerOfAttorney {
		t.Errorf("standalone Choices = %+v", got)
	}
}
