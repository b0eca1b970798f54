package population

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oidcp/oidcp/representation"
)

func osloDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, representation.Oslo)
}

// checkPopulation asserts every documented property of a population.
func checkPopulation(t *testing.T, pop Population) {
	t.Helper()
	today := pop.Today.Format(time.DateOnly)
	if len(pop.Persons) != len(persons) || len(pop.Relations) != len(relations) || len(pop.Cases) != len(pop.Relations) {
		t.Fatalf("%s: %d persons, %d relations, %d cases", today, len(pop.Persons), len(pop.Relations), len(pop.Cases))
	}
	seen := map[string]bool{}
	for i, q := range pop.Persons {
		spec := persons[i]
		p, err := representation.ParsePID(q.PID)
		if err != nil {
			t.Fatalf("%s: %s %s: %v", today, spec.key, q.PID, err)
		}
		if !p.Synthetic || p.DNumber || !p.BirthDate.Equal(q.BirthDate) {
			t.Fatalf("%s: %s %s parses as %+v, birth date %v", today, spec.key, q.PID, p, q.BirthDate)
		}
		if odd := (q.PID[8]-'0')%2 == 1; odd != spec.male {
			t.Errorf("%s: %s %s: sex digit does not match", today, spec.key, q.PID)
		}
		if seen[q.PID] {
			t.Fatalf("%s: duplicate fødselsnummer %s", today, q.PID)
		}
		seen[q.PID] = true
		if got := representation.Age(q.BirthDate, pop.Today); got != spec.age {
			t.Errorf("%s: %s is %d, want %d", today, spec.key, got, spec.age)
		}
		if spec.birthdayToday != representation.Birthday(q.BirthDate, spec.age).Equal(pop.Today) {
			t.Errorf("%s: %s birthday today = %v, want %v", today, spec.key, !spec.birthdayToday, spec.birthdayToday)
		}
		if pop.Roles[q.PID] == "" || pop.Keys[spec.key] != q.PID {
			t.Errorf("%s: %s has no role or key", today, spec.key)
		}
	}
	for _, c := range pop.Cases {
		h, okH := pop.Person(c.Relation.Holder)
		s, okS := pop.Person(c.Relation.Subject)
		if !okH || !okS {
			t.Fatalf("%s: relation %+v names unknown persons", today, c.Relation)
		}
		d := representation.Evaluate(c.Relation, h, s, pop.Today)
		if d.Allowed != c.Allowed || d.Limited != c.Limited || d.MayConsent != c.MayConsent || d.Reason != c.Reason {
			t.Errorf("%s: %s %s for %s: got %+v, documented allowed=%v limited=%v consent=%v reason=%s",
				today, h.GivenName, c.Relation.Kind, s.GivenName, d, c.Allowed, c.Limited, c.MayConsent, c.Reason)
		}
	}
}

func TestGenerateNamedDays(t *testing.T) {
	for _, d := range []time.Time{
		osloDay(2025, 6, 15),
		osloDay(2028, 2, 29), // leap day: the birthday-today children are born 29 Feb
		osloDay(2024, 2, 29),
		osloDay(2027, 1, 1),
		osloDay(2026, 1, 1),
		osloDay(2027, 3, 1),
		osloDay(2026, 12, 31),
		// An instant late in the Oslo evening that is already the next
		// day there: the population is for the Oslo date.
		time.Date(2027, 2, 28, 23, 30, 0, 0, time.UTC),
	} {
		pop := Generate(d)
		checkPopulation(t, pop)
		if !pop.Today.Equal(representation.StartOfDay(d)) {
			t.Errorf("Today = %v, want Oslo start of day of %v", pop.Today, d)
		}
	}
	if got := Generate(time.Date(2027, 2, 28, 23, 30, 0, 0, time.UTC)).Today; !got.Equal(osloDay(2027, 3, 1)) {
		t.Errorf("23:30 UTC on 28 Feb gives %v, want 1 March in Oslo", got)
	}
}

// TestGenerateEveryDay runs the checks for every day of several years,
// covering every month end and two leap days.
func TestGenerateEveryDay(t *testing.T) {
	for d := osloDay(2024, 1, 1); d.Before(osloDay(2030, 1, 1)); d = d.AddDate(0, 0, 1) {
		checkPopulation(t, Generate(d.Add(13*time.Hour)))
		if t.Failed() {
			return
		}
	}
}

func TestGenerateDeterministicAndStableInMonth(t *testing.T) {
	a, b := Generate(osloDay(2025, 6, 3)), Generate(osloDay(2025, 6, 3))
	if a.Markdown() != b.Markdown() {
		t.Fatal("two generations for the same day differ")
	}
	later := Generate(osloDay(2025, 6, 27))
	for _, s := range persons {
		same := a.Keys[s.key] == later.Keys[s.key]
		if same == s.birthdayToday {
			t.Errorf("%s: number same within month = %v, want %v", s.key, same, !s.birthdayToday)
		}
	}
}

// TestKariStory is the story from DESIGN.md: Kari is offered her 9-year-old
// son, her 14-year-old daughter (limited) and her mother; not her
// 16-year-old son, nor the one who turned 16 today.
func TestKariStory(t *testing.T) {
	pop := Generate(osloDay(2025, 6, 15))
	kari, _ := pop.Lookup(KeyKari)
	byPID := map[string]representation.Person{}
	for _, q := range pop.Persons {
		byPID[q.PID] = q
	}
	all := []representation.RelationKind{representation.Parent, representation.PowerOfAttorney, representation.AssignedPowerOfAttorney}
	var got []string
	limited := map[string]bool{}
	for _, c := range representation.Choices(kari, pop.Relations, byPID, all, false, pop.Today) {
		got = append(got, c.Subject.GivenName)
		limited[c.Subject.GivenName] = c.Decision.Limited
	}
	want := []string{"Emma", "Jonas", "Nora", "Ingrid", "Sofie", "Astrid"}
	if !slices.Equal(got, want) {
		t.Fatalf("Kari is offered %v, want %v", got, want)
	}
	if !limited["Ingrid"] || limited["Jonas"] {
		t.Errorf("limited = %v, want Ingrid limited and Jonas not", limited)
	}

	// A standalone tool does not offer the mother's ordinary fullmakt.
	got = got[:0]
	for _, c := range representation.Choices(kari, pop.Relations, byPID, all, true, pop.Today) {
		got = append(got, c.Subject.GivenName)
	}
	if slices.Contains(got, "Astrid") {
		t.Errorf("standalone tool offers %v", got)
	}

	// Lise is offered Olav; Hilde, Knut and the ordinary adults nobody.
	for key, want := range map[string]int{KeyLise: 1, KeyHilde: 0, KeyKnut: 0, KeyNils: 0, KeyOla: 5} {
		h, _ := pop.Lookup(key)
		if n := len(representation.Choices(h, pop.Relations, byPID, all, false, pop.Today)); n != want {
			t.Errorf("%s is offered %d people, want %d", key, n, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	pop := Generate(osloDay(2025, 6, 15))
	md := pop.Markdown()
	for _, q := range pop.Persons {
		if !strings.Contains(md, "| "+q.GivenName+" "+q.FamilyName+" | "+q.PID+" | "+q.BirthDate.Format(time.DateOnly)+" |") {
			t.Errorf("Markdown lacks the row for %s %s", q.GivenName, q.PID)
		}
	}
	for _, want := range []string{
		"| Kari Nordmann | parent | Mathias Nordmann | open |  | denied: child_16_or_older |",
		"| Kari Nordmann | parent | Ingrid Nordmann | open |  | allowed, limited, until ",
		"| Kari Nordmann | power_of_attorney | Astrid Nordmann | 2023-06-01 – 2028-05-31 | appointments, messages, prescriptions | allowed, no consent,",
		"| Hilde Prøvesen | power_of_attorney | Bjørn Prøvesen | 2023-06-01 – 2025-05-31 | prescriptions | denied: expired |",
		"| Knut Skjult | parent | Tobias Skjult | open |  | denied: confidential_address |",
		"denied: withdrawn",
		"Generated for 2025-06-15",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	// Every table row has the same number of cells as its header.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(line, " | ") != 5 && strings.Count(line, " | ") != 6 {
			t.Errorf("malformed row: %s", line)
		}
	}
}

func TestRelationsDoNotShareSlices(t *testing.T) {
	a := Generate(osloDay(2025, 6, 15))
	for _, r := range a.Relations {
		if len(r.ServiceAreas) > 0 {
			r.ServiceAreas[0] = "changed"
		}
	}
	b := Generate(osloDay(2025, 6, 15))
	for _, r := range b.Relations {
		if slices.Contains(r.ServiceAreas, "changed") {
			t.Fatal("a caller's change to one population leaked into the next")
		}
	}
}

func TestKeyOfInvertsKeys(t *testing.T) {
	pop := Generate(time.Date(2026, 3, 14, 12, 0, 0, 0, representation.Oslo))
	if len(pop.Keys) == 0 {
		t.Fatal("no keys")
	}
	for k, pid := range pop.Keys {
		if got := pop.KeyOf(pid); got != k {
			t.Errorf("KeyOf(%s's number) = %q", k, got)
		}
	}
	if got := pop.KeyOf("00000000000"); got != "" {
		t.Errorf("KeyOf(unknown) = %q", got)
	}
}
