package registry

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/oidcp/oidcp/population"
	"github.com/oidcp/oidcp/representation"
	"github.com/oidcp/oidcp/storage"
)

func TestFromPopulationIsValid(t *testing.T) {
	pop := population.Generate(now)
	d := FromPopulation(pop)
	if errs := Validate(d); len(errs) != 0 {
		t.Fatalf("the population does not validate: %v", errs)
	}
	if len(d.Persons) != len(pop.Persons) || len(d.Relations) != len(pop.Relations) {
		t.Fatalf("document has %d persons, %d relations; population %d, %d", len(d.Persons), len(d.Relations), len(pop.Persons), len(pop.Relations))
	}
	ids := map[string]bool{}
	for _, r := range d.Relations {
		if ids[r.ID] {
			t.Errorf("relation id %q twice", r.ID)
		}
		ids[r.ID] = true
	}
	if !ids["sandbox:parent:kari:emma"] || !ids["sandbox:power_of_attorney:ola:astrid"] {
		t.Errorf("ids = %v", ids)
	}
}

// Seeding the sandbox twice a day changes nothing; seeding on a later day
// moves relations to the day's numbers without adding any, and the
// registry then gives the decisions the population documents.
func TestSeedPopulationAcrossDays(t *testing.T) { onBackends(t, testSeedPopulationAcrossDays) }

func testSeedPopulationAcrossDays(t *testing.T, s storage.Storage) {
	day1 := time.Date(2026, 3, 31, 9, 0, 0, 0, representation.Oslo)
	day2 := day1.AddDate(0, 0, 1) // another month: most numbers change
	for _, at := range []time.Time{day1, day1.Add(time.Hour), day2} {
		if _, err := SeedPopulation(t.Context(), s, at); err != nil {
			t.Fatalf("seed %v: %v", at, err)
		}
	}
	res, err := SeedPopulation(t.Context(), s, day2.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pop := population.Generate(day2)
	if want := (Result{Persons: Counts{Unchanged: len(pop.Persons)}, Relations: Counts{Unchanged: len(pop.Relations)}}); res != want {
		t.Fatalf("re-seed on the same day = %+v, want %+v", res, want)
	}

	all := []representation.RelationKind{representation.Parent, representation.PowerOfAttorney, representation.AssignedPowerOfAttorney}
	for _, key := range []string{population.KeyKari, population.KeyOla, population.KeyLise, population.KeyHilde, population.KeyKnut} {
		holder := pop.Keys[key]
		h, err := Lookup(t.Context(), s, Synthetic, holder)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range pop.Cases {
			if c.Relation.Holder == holder {
				want = append(want, c.Relation.Subject)
			}
		}
		var got []string
		for _, r := range h.Relations {
			got = append(got, r.Subject)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s holds relations for %v, want today's %v (stale numbers left behind?)", key, got, want)
		}
		var allowed []string
		for _, c := range pop.Cases {
			if c.Relation.Holder == holder && c.Allowed {
				allowed = append(allowed, c.Relation.Subject)
			}
		}
		var offered []string
		for _, c := range representation.Choices(h.Holder, h.Relations, h.Persons, all, false, day2) {
			offered = append(offered, c.Subject.PID)
		}
		slices.Sort(allowed)
		slices.Sort(offered)
		if !slices.Equal(offered, allowed) {
			t.Errorf("%s is offered %v, the population documents %v", key, offered, allowed)
		}
	}
}

func TestReseedOnNewDay(t *testing.T) {
	s := newStore(t)
	log := slog.New(slog.DiscardHandler)
	day1 := time.Date(2026, 11, 23, 23, 59, 0, 0, representation.Oslo)
	if _, err := SeedPopulation(t.Context(), s, day1); err != nil {
		t.Fatal(err)
	}
	seeded := representation.StartOfDay(day1)
	if got := reseed(t.Context(), s, seeded, day1.Add(30*time.Second), log); !got.Equal(seeded) {
		t.Fatalf("same day: seeded %v", got)
	}
	day2 := day1.Add(2 * time.Minute) // 00:01 the next day in Oslo
	if got := reseed(t.Context(), s, seeded, day2, log); !got.Equal(representation.StartOfDay(day2)) {
		t.Fatalf("next day: seeded %v", got)
	}
	// The child who turns 16 on the new day is now Kari's "Mathias".
	pop := population.Generate(day2)
	rel, err := s.GetRelation(t.Context(), Synthetic, "sandbox:parent:kari:mathias")
	if err != nil || rel.Subject != pop.Keys[population.KeyMathias] {
		t.Fatalf("Mathias relation after the new day = %+v, %v; want subject %s", rel, err, pop.Keys[population.KeyMathias])
	}
}
